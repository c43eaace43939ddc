import SixrayConfig

/// What a piece of text is, not which widget draws it: themes colour roles.
public enum Role: String, Sendable, CaseIterable, Hashable {
    case text, dim, accent, header, border
    case selection, selectionInactive = "selection_inactive"
    case statusBar = "status_bar", statusKey = "status_key"
    case input, dialog, dialogTitle = "dialog_title"
    case success, warning, error
    case overlayText = "overlay_text", overlayDim = "overlay_dim"
    case measurement, referenceLine = "reference_line", cursor
    case unread, pinned
}

/// Colours by role, loaded from `Themes/NAME.toml` (user files in
/// `~/.config/sixray/themes/NAME.toml` replace or add themes).
///
///     name = "dark"
///     [roles]
///     text      = { fg = "#c8c8c8", bg = "#000000" }
///     selection = { fg = "#ffffff", bg = "#28486e", bold = true }
///     accent    = "#4fa3ff"          # foreground only
///
/// Roles a file leaves out come from the built-in dark theme.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [Role: Style]

    public init(name: String, styles: [Role: Style]) {
        self.name = name
        self.styles = styles
    }

    public subscript(role: Role) -> Style { styles[role] ?? styles[.text] ?? .plain }

    /// Parses a theme file over `base` (default: the built-in dark theme).
    /// - Throws: `ConfigError` naming the file, line and key of an unknown role, colour or attribute.
    public static func parse(_ text: String, file: String?, base: Theme = .builtInDark) throws(ConfigError) -> Theme {
        let doc = try ConfigSection.parse(text, file: file)
        try doc.checkKeys(["name", "roles", "description"])
        var theme = base
        theme.name = try doc.string("name") ?? "custom"
        guard let roles = try doc.section("roles") else { return theme }
        for key in roles.keys {
            guard let role = Role(rawValue: key) else {
                throw ConfigError("unknown role (known: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))",
                                  file: file, line: roles.table.entry(key)?.line, key: "roles.\(key)")
            }
            let line = roles.table.entry(key)?.line
            func color(_ s: String) throws(ConfigError) -> Color {
                guard let c = Color(parsing: s) else {
                    throw ConfigError("'\(s)' is not a colour (use #rrggbb, #rgb, 0–255 or default)",
                                      file: file, line: line, key: "roles.\(key)")
                }
                return c
            }
            var style = Style(foreground: .default, background: base[role].background)
            if case let .string(s)? = roles.table[key] {
                style.foreground = try color(s)
            } else if let t = try roles.section(key) {
                try t.checkKeys(["fg", "bg", "bold", "dim", "underline", "reverse", "italic"])
                if let fg = try t.string("fg") { style.foreground = try color(fg) }
                if let bg = try t.string("bg") { style.background = try color(bg) }
                let flags: [(String, TextAttributes)] = [("bold", .bold), ("dim", .dim), ("underline", .underline),
                                                         ("reverse", .reverse), ("italic", .italic)]
                for (name, attr) in flags where try t.bool(name) == true { style.attributes.insert(attr) }
            }
            theme.styles[role] = style
        }
        return theme
    }

    /// The built-in dark theme, also the fallback for roles a file leaves out.
    public static let builtInDark: Theme = {
        let bg = Color.rgb(0, 0, 0)
        func s(_ fg: Color, _ b: Color = bg, _ a: TextAttributes = []) -> Style { Style(foreground: fg, background: b, attributes: a) }
        return Theme(name: "dark", styles: [
            .text: s(.rgb(200, 200, 200)), .dim: s(.rgb(122, 122, 128)), .accent: s(.rgb(79, 163, 255)),
            .header: s(.rgb(79, 163, 255), bg, .bold), .border: s(.rgb(70, 70, 80)),
            .selection: s(.rgb(255, 255, 255), .rgb(40, 72, 110), .bold),
            .selectionInactive: s(.rgb(220, 220, 220), .rgb(45, 45, 52)),
            .statusBar: s(.rgb(220, 220, 220), .rgb(30, 34, 44)), .statusKey: s(.rgb(255, 226, 122), .rgb(30, 34, 44), .bold),
            .input: s(.rgb(255, 255, 255), .rgb(30, 34, 44)), .dialog: s(.rgb(220, 220, 220), .rgb(24, 26, 34)),
            .dialogTitle: s(.rgb(79, 163, 255), .rgb(24, 26, 34), .bold),
            .success: s(.rgb(124, 255, 107)), .warning: s(.rgb(255, 176, 0)), .error: s(.rgb(255, 79, 79), bg, .bold),
            .overlayText: s(.rgb(255, 226, 122)), .overlayDim: s(.rgb(200, 180, 110)),
            .measurement: s(.rgb(124, 255, 107)), .referenceLine: s(.rgb(79, 200, 255)), .cursor: s(.rgb(0, 0, 0), .rgb(255, 226, 122)),
            .unread: s(.rgb(255, 255, 255), bg, .bold), .pinned: s(.rgb(255, 176, 0)),
        ])
    }()
}
