/// A key press, mouse event or terminal event, independent of the backend that read it.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case character(Character)
    case ctrl(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete, insert
    case function(Int)
    case scrollUp, scrollDown
    case mouse(MouseEvent)
    case resize

    /// The key's name as written in keymap files and the help overlay.
    public var description: String {
        switch self {
        case let .character(c): return c == " " ? "Space" : String(c)
        case let .ctrl(c): return "Ctrl-\(c)"
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .pageUp: return "PageUp"
        case .pageDown: return "PageDown"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Delete"
        case .insert: return "Insert"
        case let .function(n): return "F\(n)"
        case .scrollUp: return "ScrollUp"
        case .scrollDown: return "ScrollDown"
        case let .mouse(m): return "Mouse(\(m.kind) \(m.x),\(m.y))"
        case .resize: return "Resize"
        }
    }

    static let names: [String: Key] = [
        "up": .up, "down": .down, "left": .left, "right": .right,
        "pageup": .pageUp, "pgup": .pageUp, "pagedown": .pageDown, "pgdn": .pageDown,
        "home": .home, "end": .end, "enter": .enter, "return": .enter,
        "esc": .escape, "escape": .escape, "tab": .tab, "s-tab": .backTab, "backtab": .backTab,
        "backspace": .backspace, "bs": .backspace, "delete": .delete, "del": .delete, "insert": .insert,
        "space": .character(" "), "scrollup": .scrollUp, "scrolldown": .scrollDown,
        "wheelup": .scrollUp, "wheeldown": .scrollDown,
    ]

    /// Parses one key name: "j", "G", "Down", "PageUp", "Ctrl-C", "C-c", "F5", "Space".
    public init?(name: String) {
        if name.count == 1, let c = name.first {
            self = .character(c)
            return
        }
        let lower = name.lowercased()
        if let k = Key.names[lower] { self = k; return }
        for prefix in ["ctrl-", "c-", "^"] where lower.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard rest.count == 1, let c = rest.lowercased().first, c.isASCII else { return nil }
            self = .ctrl(c)
            return
        }
        if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...24).contains(n) {
            self = .function(n)
            return
        }
        return nil
    }
}

public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case press, release, drag, move }
    public enum Button: Sendable, Hashable { case left, middle, right, none }
    public var kind: Kind
    public var button: Button
    public var x: Int
    public var y: Int
    public var shift = false
    public var ctrl = false

    public init(kind: Kind, button: Button, x: Int, y: Int, shift: Bool = false, ctrl: Bool = false) {
        self.kind = kind
        self.button = button
        self.x = x
        self.y = y
        self.shift = shift
        self.ctrl = ctrl
    }
}

/// One binding: a key or a sequence of keys ("g g" in vim style).
public struct KeySequence: Sendable, Hashable, CustomStringConvertible {
    public var keys: [Key]

    public init(_ keys: [Key]) { self.keys = keys }

    /// "Down", "Ctrl-d", "gg" (two g's), "g g", "Z Z". A multi-character word that is not a
    /// key name is read as a sequence of its characters.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(" ")
        guard !trimmed.isEmpty else { return nil }
        if trimmed == " " { keys = [.character(" ")]; return }
        if let k = Key(name: trimmed) { keys = [k]; return }
        let words = trimmed.split(separator: " ")
        if words.count > 1 {
            var ks: [Key] = []
            for w in words {
                guard let k = Key(name: String(w)) else { return nil }
                ks.append(k)
            }
            keys = ks
            return
        }
        // "gg", "ZZ", "zt": a short word of plain characters without a name. A capitalised
        // word ("Dwn", "Pgup") is a misspelt key name, not a sequence.
        let chars = Array(trimmed)
        guard chars.count <= 3, chars.allSatisfy({ !$0.isWhitespace && $0 != "-" }),
              !(chars[0].isUppercase && chars.dropFirst().contains(where: \.isLowercase)) else { return nil }
        keys = trimmed.map { Key.character($0) }
    }

    public var description: String {
        keys.allSatisfy({ if case let .character(c) = $0 { return c != " " } else { return false } })
            ? keys.map(\.description).joined() : keys.map(\.description).joined(separator: " ")
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
