/// The help screen, generated from the active keymap and the application's action catalog:
/// what the user sees is always what the keys do.
public struct HelpOverlay: Sendable {
    public var keymap: Keymap
    public var catalog: ActionCatalog
    /// Contexts to list, most relevant first (the current screen, then global).
    public var contexts: [String]
    public var scroll: Int

    public init(keymap: Keymap, catalog: ActionCatalog, contexts: [String], scroll: Int = 0) {
        self.keymap = keymap
        self.catalog = catalog
        self.contexts = contexts
        self.scroll = scroll
    }

    /// The lines of the help text: a heading per context, then "keys   help" per action.
    public var lines: [(text: String, isHeading: Bool)] {
        var out: [(String, Bool)] = []
        for context in contexts {
            guard let actions = catalog.order[context], !actions.isEmpty else { continue }
            if !out.isEmpty { out.append(("", false)) }
            out.append((context.capitalized, true))
            for action in actions {
                let keys = keymap.sequences(for: action, in: context).map(\.description)
                let help = catalog.contexts[context]?[action] ?? action
                let keyText = keys.isEmpty ? "(unbound)" : keys.joined(separator: " ")
                out.append(("  " + keyText.padded(to: 22) + " " + help, false))
            }
        }
        return out
    }

    public func draw(into buf: inout CellBuffer, area: Rect, theme: Theme) {
        let all = lines
        let box = area.inset(dx: max(0, min(4, (area.width - 60) / 2)), dy: area.height > 12 ? 1 : 0)
        guard box.width >= 10, box.height >= 4 else { return }
        buf.fill(box, style: theme[.dialog])
        var border = theme[.border]
        border.background = theme[.dialog].background
        buf.box(box, style: border, title: "Help — keymap \(keymap.name) (Esc closes)")
        let inner = box.inset(dx: 2, dy: 1)
        let start = min(max(0, scroll), max(0, all.count - inner.height))
        for (i, line) in all.dropFirst(start).prefix(inner.height).enumerated() {
            buf.put(line.text, x: inner.x, y: inner.y + i, style: line.isHeading ? theme[.dialogTitle] : theme[.dialog],
                    maxWidth: inner.width)
        }
    }
}

extension String {
    /// Padded with spaces to `width` cells (not cut).
    public func padded(to width: Int) -> String {
        let w = CellWidth.of(self)
        return w >= width ? self : self + String(repeating: " ", count: width - w)
    }

    var capitalized: String { prefix(1).uppercased() + dropFirst() }
}
