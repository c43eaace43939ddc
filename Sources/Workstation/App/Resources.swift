import Imaging
import SixrayConfig
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// The theme, keymap and window presets the workstation runs with, and the warnings met
/// while loading them. Built-in data comes from Themes/ and Keymaps/ (embedded at build
/// time); files in the user's configuration directory replace or extend it. A broken user
/// file never stops Sixray: its message (file, line, key) is shown and the built-in data used.
public struct UIResources: Sendable {
    public var theme: Theme
    public var keymap: Keymap
    public var presets: [WindowPreset]
    public var protocols: [HangingProtocol] = []
    /// The profile's layout for a viewer opened on one series.
    public var layout: ViewerLayout = .single
    public var warnings: [String]

    public init(theme: Theme, keymap: Keymap, presets: [WindowPreset], warnings: [String]) {
        self.theme = theme
        self.keymap = keymap
        self.presets = presets
        self.warnings = warnings
    }

    /// Everything for a profile: its theme, keymap, layout, protocols and presets, with the
    /// built-in defaults for what it leaves out.
    public static func load(profile: Profile, configDirectory: String?, readFile: (String) -> String? = readTextFile,
                            listDirectory: (String) -> [String] = listTOMLFiles) -> UIResources {
        var r = load(theme: profile.theme ?? "dark", keymap: profile.keymap ?? "default", configDirectory: configDirectory,
                     readFile: readFile)
        r.layout = profile.layout ?? .single
        r.protocols = loadProtocols(configDirectory: configDirectory, readFile: readFile, listDirectory: listDirectory,
                                    warnings: &r.warnings)
        if let wanted = profile.protocols {
            let unknown = wanted.filter { id in !r.protocols.contains { $0.id == id } }
            if !unknown.isEmpty { r.warnings.append("profile \(profile.name): unknown hanging protocols \(unknown.joined(separator: ", "))") }
            r.protocols = wanted.compactMap { id in r.protocols.first { $0.id == id } }
        }
        if let order = profile.presets {
            // The profile's presets come first, on number keys 1…9 in its order.
            var chosen: [WindowPreset] = []
            for (k, id) in order.enumerated() {
                guard var p = r.presets.first(where: { $0.id == id }) else {
                    r.warnings.append("profile \(profile.name): unknown window preset \(id)")
                    continue
                }
                p.key = k < 9 ? String(k + 1) : nil
                chosen.append(p)
            }
            let rest = r.presets.filter { p in !order.contains(p.id) }.map { p -> WindowPreset in var q = p; q.key = nil; return q }
            r.presets = chosen + rest
        }
        return r
    }

    /// Built-in protocols, replaced or extended by `protocols/*.toml` in the configuration directory.
    static func loadProtocols(configDirectory: String?, readFile: (String) -> String?, listDirectory: (String) -> [String],
                              warnings: inout [String]) -> [HangingProtocol] {
        var byID: [String: HangingProtocol] = [:]
        for (id, text) in BuiltInData.protocols {
            do { byID[id] = try HangingProtocol.parse(text, id: id, file: "Protocols/\(id).toml") } catch { warnings.append("\(error)") }
        }
        if let dir = configDirectory.map({ $0 + "/protocols" }) {
            for name in listDirectory(dir) where name.hasSuffix(".toml") {
                let id = String(name.dropLast(5))
                let path = dir + "/" + name
                guard let text = readFile(path) else { continue }
                do { byID[id] = try HangingProtocol.parse(text, id: id, file: path) } catch {
                    warnings.append("\(error); protocol ignored")
                }
            }
        }
        return byID.values.sorted { $0.id < $1.id }
    }

    public static let builtInThemeNames = BuiltInData.themes.keys.sorted()
    public static let builtInKeymapNames = BuiltInData.keymaps.keys.sorted()

    /// - Parameters:
    ///   - configDirectory: `~/.config/sixray` (nil: built-in data only).
    ///   - readFile: reads a file's text, nil when it does not exist (tests pass a dictionary).
    public static func load(theme themeName: String = "dark", keymap keymapName: String = "default",
                            configDirectory: String?, readFile: (String) -> String? = readTextFile) -> UIResources {
        var warnings: [String] = []
        // Theme: the user's file of that name, else the built-in one.
        var theme = Theme.builtInDark
        let userTheme = configDirectory.map { $0 + "/themes/\(themeName).toml" }
        if let path = userTheme, let text = readFile(path) {
            do { theme = try Theme.parse(text, file: path) } catch { warnings.append("\(error); using the built-in theme") }
        } else if let text = BuiltInData.themes[themeName] {
            do { theme = try Theme.parse(text, file: "Themes/\(themeName).toml") } catch { warnings.append("\(error)") }
        } else {
            warnings.append("theme '\(themeName)' not found (built-in: \(builtInThemeNames.joined(separator: ", ")); user themes in \(configDirectory ?? "~/.config/sixray")/themes); using dark")
        }
        let keymap = loadKeymap(keymapName, configDirectory: configDirectory, readFile: readFile, warnings: &warnings, depth: 0)
        for c in keymap.conflicts(contextFallbacks: [:]) { warnings.append("keymap \(keymap.name): \(c)") }
        var presets = WindowPresets.builtIn
        if let path = configDirectory.map({ $0 + "/windows.toml" }), let text = readFile(path) {
            do { presets = WindowPresets.merged(presets, overrides: try WindowPresets.parse(text, source: path)) } catch {
                warnings.append("\(error); using the built-in window presets")
            }
        }
        return UIResources(theme: theme, keymap: keymap, presets: presets, warnings: warnings)
    }

    static func loadKeymap(_ name: String, configDirectory: String?, readFile: (String) -> String?,
                           warnings: inout [String], depth: Int) -> Keymap {
        let builtInDefault = (try? Keymap.parse(BuiltInData.keymaps["default"] ?? "", file: "Keymaps/default.toml",
                                                base: nil, catalog: Command.catalog)) ?? Keymap(name: "default")
        guard depth < 4 else {
            warnings.append("keymap '\(name)': inherit chain deeper than 4; using default")
            return builtInDefault
        }
        // The built-in keymap of that name is the base of a user file of the same name.
        var builtIn: Keymap? = nil
        if let text = BuiltInData.keymaps[name] {
            let parentName = (try? Keymap.inheritedName(text, file: nil)) ?? nil
            let parent = parentName.map { loadKeymap($0, configDirectory: nil, readFile: readFile, warnings: &warnings, depth: depth + 1) }
            builtIn = try? Keymap.parse(text, file: "Keymaps/\(name).toml", base: parent, catalog: Command.catalog)
        }
        if let path = configDirectory.map({ $0 + "/keymaps/\(name).toml" }), let text = readFile(path) {
            do {
                var base = builtIn
                if base == nil, let parentName = try Keymap.inheritedName(text, file: path) {
                    base = loadKeymap(parentName, configDirectory: configDirectory, readFile: readFile, warnings: &warnings, depth: depth + 1)
                }
                return try Keymap.parse(text, file: path, base: base ?? builtInDefault, catalog: Command.catalog)
            } catch {
                warnings.append("\(error); using the built-in keymap")
                return builtIn ?? builtInDefault
            }
        }
        if let builtIn { return builtIn }
        warnings.append("keymap '\(name)' not found (built-in: \(builtInKeymapNames.joined(separator: ", "))); using default")
        return builtInDefault
    }
}

/// The whole text of a file, nil when it cannot be opened.
public func readTextFile(_ path: String) -> String? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n > 0 { bytes += chunk[0..<n] }
        if n < chunk.count { break }
        if bytes.count > 16 << 20 { return nil } // not a configuration file
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A reader's settings (reading rooms share consoles): theme, keymap, default layout, the
/// hanging protocols to use and the presets on the number keys. In config.toml:
///
///     [ui]
///     profile = "chest"             # the default; --profile NAME overrides
///     [profile.chest]
///     theme = "light"
///     keymap = "vim"
///     layout = "1×2"
///     protocols = ["ct-chest", "generic"]
///     presets = ["ct-lung", "ct-mediastinum", "ct-bone"]
public struct Profile: Sendable, Equatable {
    public var name: String
    public var theme: String?
    public var keymap: String?
    public var layout: ViewerLayout?
    public var protocols: [String]?
    public var presets: [String]?

    public init(name: String = "default", theme: String? = nil, keymap: String? = nil, layout: ViewerLayout? = nil,
                protocols: [String]? = nil, presets: [String]? = nil) {
        self.name = name
        self.theme = theme
        self.keymap = keymap
        self.layout = layout
        self.protocols = protocols
        self.presets = presets
    }

    /// The profile `name` (nil: `[ui] profile`, else the `[ui]` theme and keymap) from config.toml text.
    public static func fromConfig(_ text: String?, file: String?, name: String?) throws(ConfigError) -> Profile {
        guard let text else {
            if let name { throw ConfigError("no profile '\(name)': there is no configuration file", file: file) }
            return Profile()
        }
        let doc = try ConfigSection.parse(text, file: file)
        let ui = try doc.section("ui")
        let configured = try ui?.string("profile")
        let chosen = name ?? configured
        var p = Profile(name: chosen ?? "default", theme: try ui?.string("theme"), keymap: try ui?.string("keymap"))
        guard let chosen else { return p }
        guard let section = try doc.section("profile")?.section(chosen) else {
            let profiles: ConfigSection? = try? doc.section("profile")
            let known = profiles?.keys ?? []
            throw ConfigError("no profile '\(chosen)'\(known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))")",
                              file: file, line: nil, key: "profile.\(chosen)")
        }
        try section.checkKeys(["theme", "keymap", "layout", "protocols", "presets"])
        p.theme = try section.string("theme") ?? p.theme
        p.keymap = try section.string("keymap") ?? p.keymap
        if let l = try section.string("layout") {
            guard let layout = ViewerLayout(rawValue: l.replacingOccurrences("x", "×")) else {
                throw ConfigError("layout must be 1×1, 1×2, 2×2 or 1+3", file: file, line: section.table.entry("layout")?.line,
                                  key: "profile.\(chosen).layout")
            }
            p.layout = layout
        }
        p.protocols = try section.strings("protocols")
        p.presets = try section.strings("presets")
        return p
    }
}

/// Names of the `.toml` files in a directory (empty when it does not exist).
public func listTOMLFiles(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var out: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name.hasSuffix(".toml"), !name.hasPrefix(".") { out.append(name) }
    }
    return out.sorted()
}

/// The four corners of a viewport's overlay, as lists of fields from the top of each corner.
///
///     [overlay]                      # config.toml
///     top_left = ["patient", "ids"]
///     top_right = ["study", "series"]
///     bottom_left = ["slice", "value"]
///     bottom_right = ["window", "zoom"]
public struct OverlayLayout: Sendable, Equatable {
    public enum Field: String, Sendable, CaseIterable {
        case patient, ids, study, series, slice, value, window, zoom
    }
    public var topLeft: [Field]
    public var topRight: [Field]
    public var bottomLeft: [Field]
    public var bottomRight: [Field]

    public static let standard = OverlayLayout(topLeft: [.patient, .ids], topRight: [.study, .series],
                                               bottomLeft: [.slice, .value], bottomRight: [.window, .zoom])

    /// The `[overlay]` table of config.toml text (the standard layout when there is none).
    public static func fromConfig(_ text: String?, file: String?) throws(ConfigError) -> OverlayLayout {
        guard let text, let section = try ConfigSection.parse(text, file: file).section("overlay") else { return .standard }
        try section.checkKeys(["top_left", "top_right", "bottom_left", "bottom_right"])
        func fields(_ key: String, _ fallback: [Field]) throws(ConfigError) -> [Field] {
            guard let names = try section.strings(key) else { return fallback }
            var out: [Field] = []
            for n in names {
                guard let f = Field(rawValue: n) else {
                    throw ConfigError("unknown field '\(n)' (known: \(Field.allCases.map(\.rawValue).joined(separator: ", ")))",
                                      file: file, line: section.table.entry(key)?.line, key: "overlay.\(key)")
                }
                out.append(f)
            }
            guard out.count <= 3 else {
                throw ConfigError("at most 3 fields per corner", file: file, line: section.table.entry(key)?.line, key: "overlay.\(key)")
            }
            return out
        }
        return OverlayLayout(topLeft: try fields("top_left", standard.topLeft), topRight: try fields("top_right", standard.topRight),
                             bottomLeft: try fields("bottom_left", standard.bottomLeft),
                             bottomRight: try fields("bottom_right", standard.bottomRight))
    }
}
