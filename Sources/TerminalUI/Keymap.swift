import SixrayConfig

/// Key bindings as data: for each context ("global", "worklist", "viewer", …) a map from
/// action name to the key sequences that trigger it. The set of actions and their help texts
/// belong to the application (passed in as an `ActionCatalog`); this type only reads, merges
/// and resolves bindings.
///
/// File format (`Keymaps/NAME.toml`, user overrides in `~/.config/sixray/keymaps/NAME.toml`):
///
///     name = "vim"
///     inherit = "default"        # start from another keymap
///     [viewer]
///     next_slice = ["j", "Down"] # replaces the inherited binding of that action
///     first_slice = "gg"         # a two-key sequence
public struct Keymap: Sendable, Equatable {
    public var name: String
    /// context → action → sequences, in file order.
    public private(set) var bindings: [String: [String: [KeySequence]]]

    public init(name: String, bindings: [String: [String: [KeySequence]]] = [:]) {
        self.name = name
        self.bindings = bindings
    }

    public func sequences(for action: String, in context: String) -> [KeySequence] {
        bindings[context]?[action] ?? []
    }

    public mutating func bind(_ action: String, in context: String, to sequences: [KeySequence]) {
        bindings[context, default: [:]][action] = sequences
    }

    /// The keymap's `inherit` value, if the text names one (read before `parse` so the base
    /// can be loaded first).
    public static func inheritedName(_ text: String, file: String?) throws(ConfigError) -> String? {
        try ConfigSection.parse(text, file: file).string("inherit")
    }

    /// Reads a keymap file on top of `base` (the inherited or built-in keymap): every action
    /// the file names replaces the base's binding; actions it does not name keep theirs.
    /// - Throws: `ConfigError` naming the file, line and key: an unknown context or action,
    ///   a key name that does not exist, or a value that is not a string or list of strings.
    public static func parse(_ text: String, file: String?, base: Keymap?, catalog: ActionCatalog) throws(ConfigError) -> Keymap {
        let doc = try ConfigSection.parse(text, file: file)
        var map = base ?? Keymap(name: "")
        map.name = try doc.string("name") ?? base?.name ?? "custom"
        for key in doc.keys {
            if key == "name" || key == "inherit" { continue }
            guard let section = try doc.section(key) else { continue }
            guard let actions = catalog.contexts[key] else {
                throw ConfigError("unknown context (known: \(catalog.contexts.keys.sorted().joined(separator: ", ")))",
                                  file: file, line: doc.table.entry(key)?.line, key: key)
            }
            for action in section.keys {
                guard actions[action] != nil else {
                    throw ConfigError("unknown action in [\(key)] (see the help overlay, ?, for the list)",
                                      file: file, line: section.table.entry(action)?.line, key: "\(key).\(action)")
                }
                let names = try section.strings(action) ?? []
                var seqs: [KeySequence] = []
                for n in names {
                    guard let s = KeySequence(parsing: n) else {
                        throw ConfigError("unknown key name '\(n)' (e.g. j, G, Down, PageUp, Ctrl-d, F5, Space, gg)",
                                          file: file, line: section.table.entry(action)?.line, key: "\(key).\(action)")
                    }
                    seqs.append(s)
                }
                map.bind(action, in: key, to: seqs)
            }
        }
        return map
    }

    /// Bindings that share a sequence within one context or with a fallback context, as
    /// readable lines ("viewer: 'j' is bound to next_slice and pan_down"). The first one
    /// in file order wins at run time; this list is for warnings.
    public func conflicts(contextFallbacks: [String: [String]]) -> [String] {
        var out: [String] = []
        for (context, actions) in bindings.sorted(by: { $0.key < $1.key }) {
            var seen: [KeySequence: String] = [:]
            for (action, seqs) in actions.sorted(by: { $0.key < $1.key }) {
                for s in seqs {
                    if let other = seen[s], other != action {
                        out.append("\(context): '\(s)' is bound to both \(other) and \(action)")
                    }
                    seen[s] = action
                }
            }
        }
        return out
    }
}

/// The actions an application offers, per context, with one-line help texts; the keymap
/// loader checks files against it and the help overlay lists it.
public struct ActionCatalog: Sendable {
    public struct Entry: Sendable {
        public var action: String
        public var help: String
        public init(_ action: String, _ help: String) {
            self.action = action
            self.help = help
        }
    }

    /// context → action → help text
    public var contexts: [String: [String: String]]
    /// context → actions in display order
    public var order: [String: [String]]
    /// Context display order for the help overlay.
    public var contextOrder: [String]

    public init(_ entries: [(context: String, entries: [Entry])]) {
        contexts = [:]
        order = [:]
        contextOrder = []
        for (context, list) in entries {
            contextOrder.append(context)
            for e in list {
                contexts[context, default: [:]][e.action] = e.help
                order[context, default: []].append(e.action)
            }
        }
    }
}

/// Turns keys into actions, with multi-key sequences ("gg"): while the keys typed so far are
/// a prefix of some binding, it waits for the next key.
public struct KeyResolver: Sendable {
    public private(set) var pending: [Key] = []

    public init() {}

    public enum Result: Sendable, Equatable {
        case action(String)
        /// The keys so far begin a longer binding; wait for more.
        case pending
        /// No binding: the key is free for the focused widget (text input, for instance).
        case unbound(Key)
    }

    /// - Parameter contexts: the active contexts, most specific first ("viewer", "global").
    public mutating func resolve(_ key: Key, keymap: Keymap, contexts: [String]) -> Result {
        let candidate = pending + [key]
        var isPrefix = false
        for context in contexts {
            guard let actions = keymap.bindings[context] else { continue }
            for (action, seqs) in actions.sorted(by: { $0.key < $1.key }) {
                for s in seqs {
                    if s.keys == candidate {
                        pending = []
                        return .action(action)
                    }
                    if s.keys.count > candidate.count, Array(s.keys.prefix(candidate.count)) == candidate { isPrefix = true }
                }
            }
        }
        if isPrefix {
            pending = candidate
            return .pending
        }
        let hadPending = !pending.isEmpty
        pending = []
        // After a failed sequence, try the new key alone ("g" then "j" still scrolls).
        return hadPending ? resolve(key, keymap: keymap, contexts: contexts) : .unbound(key)
    }

    public mutating func reset() { pending = [] }
}
