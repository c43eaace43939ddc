/// A sortable, filterable table (the worklist, the series list). The table draws rows it is
/// given; `TableState` keeps selection, scroll offset, sort and filter, and `arrange`
/// computes which rows are visible in which order, so the reducer owns all state.
public struct TableColumn: Sendable, Equatable {
    public var title: String
    public var width: Constraint
    public var alignment: Alignment

    public init(_ title: String, width: Constraint, alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

public struct TableState: Sendable, Equatable {
    /// Index into the arranged (filtered, sorted) rows.
    public var selected = 0
    /// First arranged row shown.
    public var offset = 0
    public var sortColumn: Int?
    public var ascending = true
    public var filter = ""

    public init(selected: Int = 0, sortColumn: Int? = nil, ascending: Bool = true, filter: String = "") {
        self.selected = selected
        self.sortColumn = sortColumn
        self.ascending = ascending
        self.filter = filter
    }

    /// Moves the selection by `delta` rows, clamped to `count`, and scrolls it into a view of
    /// `visibleRows` rows.
    public mutating func move(by delta: Int, count: Int, visibleRows: Int) {
        guard count > 0 else { selected = 0; offset = 0; return }
        selected = min(max(0, selected + delta), count - 1)
        scrollToSelection(visibleRows: visibleRows, count: count)
    }

    public mutating func scrollToSelection(visibleRows: Int, count: Int) {
        let v = max(1, visibleRows)
        selected = min(max(0, selected), max(0, count - 1))
        if selected < offset { offset = selected }
        if selected >= offset + v { offset = selected - v + 1 }
        offset = max(0, min(offset, max(0, count - v)))
    }

    /// Sorting by `column`: a second request on the same column reverses the order.
    public mutating func sort(by column: Int) {
        if sortColumn == column { ascending.toggle() } else { sortColumn = column; ascending = true }
    }

    /// Row indices of `rows` that contain the filter (case-insensitive, every word of the
    /// filter somewhere in the row), sorted by the sort column (natural order: "CT 2" before
    /// "CT 10"); stable for equal keys.
    public func arrange(_ rows: [[String]]) -> [Int] {
        let words = filter.lowercased().split(separator: " ").map(String.init)
        var idx = rows.indices.filter { i in
            words.isEmpty || words.allSatisfy { w in rows[i].contains { $0.lowercased().contains(w) } }
        }
        if let c = sortColumn {
            idx = idx.enumerated().sorted { a, b in
                let ka = c < rows[a.element].count ? rows[a.element][c] : ""
                let kb = c < rows[b.element].count ? rows[b.element][c] : ""
                let o = naturalCompare(ka, kb)
                if o == 0 { return a.offset < b.offset }
                return ascending ? o < 0 : o > 0
            }.map(\.element)
        }
        return idx
    }
}

/// Compares strings with digit runs as numbers, case-insensitively.
public func naturalCompare(_ a: String, _ b: String) -> Int {
    var ia = Array(a.lowercased().unicodeScalars)[...], ib = Array(b.lowercased().unicodeScalars)[...]
    func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }
    while let ca = ia.first, let cb = ib.first {
        if isDigit(ca), isDigit(cb) {
            let da = ia.prefix(while: isDigit), db = ib.prefix(while: isDigit)
            let na = da.drop(while: { $0 == "0" }), nb = db.drop(while: { $0 == "0" })
            if na.count != nb.count { return na.count < nb.count ? -1 : 1 }
            for (x, y) in zip(na, nb) where x != y { return x.value < y.value ? -1 : 1 }
            ia = ia.dropFirst(da.count)
            ib = ib.dropFirst(db.count)
        } else {
            if ca != cb { return ca.value < cb.value ? -1 : 1 }
            ia = ia.dropFirst()
            ib = ib.dropFirst()
        }
    }
    return ia.isEmpty ? (ib.isEmpty ? 0 : -1) : 1
}

public struct Table {
    public var columns: [TableColumn]
    /// Cell texts of every row (before arranging).
    public var rows: [[String]]
    /// Optional role per row (unread bold, pinned, failed), by original row index.
    public var rowRoles: [Int: Role]
    public var focused: Bool

    public init(columns: [TableColumn], rows: [[String]], rowRoles: [Int: Role] = [:], focused: Bool = true) {
        self.columns = columns
        self.rows = rows
        self.rowRoles = rowRoles
        self.focused = focused
    }

    /// Rows of data that fit in `area` (one line is the header).
    public static func visibleRows(in area: Rect) -> Int { max(0, area.height - 1) }

    /// Draws the header and the arranged rows; `state.offset` must already be valid
    /// (`scrollToSelection`). Returns the column rectangles, for mouse hit-testing.
    @discardableResult
    public func draw(into buf: inout CellBuffer, area: Rect, state: TableState, order: [Int], theme: Theme) -> [Rect] {
        guard !area.isEmpty else { return [] }
        buf.fill(area, style: theme[.text])
        // One space between columns.
        var constraints: [Constraint] = []
        for (i, c) in columns.enumerated() {
            constraints.append(c.width)
            if i < columns.count - 1 { constraints.append(.fixed(1)) }
        }
        let parts = area.split(.horizontal, constraints)
        let colRects = stride(from: 0, to: parts.count, by: 2).map { parts[$0] }
        for (i, c) in columns.enumerated() {
            var title = c.title
            if state.sortColumn == i { title += state.ascending ? " ▲" : " ▼" }
            buf.put(title, in: colRects[i].topRow, style: theme[.header], alignment: c.alignment)
        }
        let visible = Table.visibleRows(in: area)
        for r in 0..<visible {
            let k = state.offset + r
            guard k < order.count else { break }
            let rowIndex = order[k]
            let y = area.y + 1 + r
            var style = rowRoles[rowIndex].map { theme[$0] } ?? theme[.text]
            let isSelected = k == state.selected
            if isSelected { style = focused ? theme[.selection] : theme[.selectionInactive] }
            buf.fill(Rect(x: area.x, y: y, width: area.width, height: 1), style: style)
            for (i, c) in columns.enumerated() where i < rows[rowIndex].count {
                let rect = Rect(x: colRects[i].x, y: y, width: colRects[i].width, height: 1)
                buf.put(ellipsized(rows[rowIndex][i], rect.width), in: rect, style: style, alignment: c.alignment)
            }
        }
        if order.isEmpty, area.height > 1 {
            buf.put(state.filter.isEmpty ? "(nothing here)" : "(no match for \"\(state.filter)\")",
                    x: area.x + 1, y: area.y + 1, style: theme[.dim], maxWidth: area.width - 1)
        }
        return colRects
    }
}

/// `text` cut to `width` cells with "…" when it does not fit.
public func ellipsized(_ text: String, _ width: Int) -> String {
    guard width > 0 else { return "" }
    if CellWidth.of(text) <= width { return text }
    var out = ""
    var w = 0
    for ch in text {
        let cw = CellWidth.of(ch)
        if w + cw > width - 1 { break }
        out.append(ch)
        w += cw
    }
    return out + "…"
}
