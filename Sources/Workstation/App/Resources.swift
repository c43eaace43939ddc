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
    public var warnings: [String]

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
