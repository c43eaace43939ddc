/// A modal box in the middle of the screen: a title, lines of text, an optional text input
/// and buttons. The reducer keeps it in state; the keys go to it while it is open.
public struct Dialog: Sendable, Equatable {
    public var title: String
    public var lines: [String]
    public var buttons: [String]
    public var selectedButton: Int
    public var input: TextInput?
    public var role: Role

    public init(title: String, lines: [String], buttons: [String] = ["OK"], input: TextInput? = nil, role: Role = .dialog) {
        self.title = title
        self.lines = lines
        self.buttons = buttons
        self.selectedButton = 0
        self.input = input
        self.role = role
    }

    public func draw(into buf: inout CellBuffer, area: Rect, theme: Theme) {
        let contentWidth = max(CellWidth.of(title) + 4, lines.map { CellWidth.of($0) }.max() ?? 0,
                               buttons.reduce(0) { $0 + CellWidth.of($1) + 4 }, input == nil ? 0 : 40)
        let h = lines.count + (input == nil ? 0 : 2) + (buttons.isEmpty ? 0 : 2) + 2
        let box = area.centered(width: min(area.width, contentWidth + 4), height: min(area.height, h))
        guard box.width >= 4, box.height >= 3 else { return }
        let style = theme[.dialog]
        buf.fill(box, style: style)
        var border = theme[role == .dialog ? .border : role]
        border.background = style.background
        buf.box(box, style: border, title: title)
        let inner = box.inset(dx: 2, dy: 1)
        var y = inner.y
        for line in lines where y < inner.maxY {
            buf.put(line, x: inner.x, y: y, style: role == .error ? theme[.error].withBackground(style.background) : style,
                    maxWidth: inner.width)
            y += 1
        }
        if let input, y + 1 < inner.maxY {
            y += 1 // a blank line above the field
            input.draw(into: &buf, area: Rect(x: inner.x, y: y, width: inner.width, height: 1),
                       prompt: "", theme: theme, focused: true)
        }
        if !buttons.isEmpty, inner.maxY - 1 >= inner.y {
            var x = inner.maxX
            let by = inner.maxY - 1
            for (i, b) in buttons.enumerated().reversed() {
                let label = "[ \(b) ]"
                x -= CellWidth.of(label) + 1
                buf.put(label, x: x, y: by, style: i == selectedButton ? theme[.selection] : style)
            }
        }
    }
}

extension Style {
    func withBackground(_ c: Color) -> Style {
        var s = self
        s.background = c
        return s
    }
}
