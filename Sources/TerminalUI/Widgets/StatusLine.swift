/// The bottom line: a message (with its role: progress, warning, error) on the left, state on
/// the right, key hints in between when there is room.
public struct StatusLine: Sendable, Equatable {
    public var left: String
    public var leftRole: Role
    public var right: String
    public var hints: [(key: String, label: String)]

    public init(left: String, leftRole: Role = .statusBar, right: String = "", hints: [(key: String, label: String)] = []) {
        self.left = left
        self.leftRole = leftRole
        self.right = right
        self.hints = hints
    }

    public static func == (a: StatusLine, b: StatusLine) -> Bool {
        a.left == b.left && a.leftRole == b.leftRole && a.right == b.right
            && a.hints.map(\.key) == b.hints.map(\.key) && a.hints.map(\.label) == b.hints.map(\.label)
    }

    public func draw(into buf: inout CellBuffer, area: Rect, theme: Theme) {
        guard !area.isEmpty else { return }
        let bar = theme[.statusBar]
        buf.fill(area.topRow, style: bar)
        var leftStyle = bar
        if leftRole != .statusBar { leftStyle.foreground = theme[leftRole].foreground; leftStyle.attributes = theme[leftRole].attributes }
        let rw = CellWidth.of(right)
        let used = buf.put(" " + left, x: area.x, y: area.y, style: leftStyle, maxWidth: max(0, area.width - rw - 2))
        if rw > 0, rw + 1 < area.width { buf.put(right, x: area.maxX - rw - 1, y: area.y, style: bar) }
        var x = area.x + used + 2
        let limit = area.maxX - rw - 2
        for h in hints {
            let w = CellWidth.of(h.key) + 1 + CellWidth.of(h.label) + 2
            guard x + w <= limit else { break }
            x += buf.put(h.key, x: x, y: area.y, style: theme[.statusKey])
            x += buf.put(" " + h.label + "  ", x: x, y: area.y, style: bar)
        }
    }
}
