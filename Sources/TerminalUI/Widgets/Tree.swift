/// A tree of rows with expand/collapse (the study browser: study → series → instances).
public struct TreeNode: Sendable, Equatable {
    public var id: String
    public var label: String
    /// Right-aligned detail (counts, state).
    public var detail: String
    public var role: Role?
    public var children: [TreeNode]
    public var expanded: Bool

    public init(id: String, label: String, detail: String = "", role: Role? = nil, children: [TreeNode] = [], expanded: Bool = true) {
        self.id = id
        self.label = label
        self.detail = detail
        self.role = role
        self.children = children
        self.expanded = expanded
    }

    /// The visible rows in display order with their depth.
    public func flattened(depth: Int = 0) -> [(node: TreeNode, depth: Int)] {
        var out = [(node: self, depth: depth)]
        if expanded { for c in children { out += c.flattened(depth: depth + 1) } }
        return out
    }

    /// This tree with the node `id` expanded or collapsed.
    public func toggling(_ id: String) -> TreeNode {
        var n = self
        if n.id == id { n.expanded.toggle(); return n }
        n.children = children.map { $0.toggling(id) }
        return n
    }
}

public struct TreeView {
    public var roots: [TreeNode]
    public init(roots: [TreeNode]) { self.roots = roots }

    public var rows: [(node: TreeNode, depth: Int)] { roots.flatMap { $0.flattened() } }

    public func draw(into buf: inout CellBuffer, area: Rect, state: TableState, theme: Theme, focused: Bool = true) {
        buf.fill(area, style: theme[.text])
        let all = rows
        for r in 0..<area.height {
            let k = state.offset + r
            guard k < all.count else { break }
            let (node, depth) = all[k]
            let y = area.y + r
            var style = node.role.map { theme[$0] } ?? theme[.text]
            if k == state.selected { style = focused ? theme[.selection] : theme[.selectionInactive] }
            buf.fill(Rect(x: area.x, y: y, width: area.width, height: 1), style: style)
            let marker = node.children.isEmpty ? "  " : (node.expanded ? "▾ " : "▸ ")
            let dw = CellWidth.of(node.detail)
            let indent = String(repeating: "  ", count: depth)
            buf.put(indent + marker + ellipsized(node.label, max(1, area.width - 2 * depth - 3 - dw)), x: area.x, y: y,
                    style: style, maxWidth: area.width - dw - 1)
            if dw > 0 { buf.put(node.detail, x: area.maxX - dw, y: y, style: style) }
        }
    }
}
