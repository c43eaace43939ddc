import Imaging
import TerminalUI

/// Text drawing of each screen into the cell buffer (STYLE.md rule 2). Pure functions of the
/// state; viewport images are placed by `ScreenRenderer`.
enum Views {
    static func titleBar(_ buf: inout CellBuffer, _ state: AppState, theme: Theme, left: String, right: String) {
        let r = Rect(x: 0, y: 0, width: state.width, height: 1)
        buf.fill(r, style: theme[.statusBar])
        let used = buf.put(" Sixray ", x: 0, y: 0, style: theme[.statusKey])
        buf.put(left, x: used + 1, y: 0, style: theme[.statusBar], maxWidth: state.width - used - CellWidth.of(right) - 3)
        let rw = CellWidth.of(right)
        if rw + used + 4 < state.width { buf.put(right, x: state.width - rw - 1, y: 0, style: theme[.statusBar]) }
    }

    static func statusLine(_ buf: inout CellBuffer, _ state: AppState, theme: Theme, keymap: Keymap, right: String,
                           hints: [(Command, String)]) {
        let contexts = state.keyContexts
        let keyHints: [(key: String, label: String)] = hints.compactMap { c, label in
            for ctx in contexts { if let s = keymap.sequences(for: c.rawValue, in: ctx).first { return (s.description, label) } }
            return nil
        }
        StatusLine(left: state.status.text, leftRole: state.status.role == .statusBar ? .statusBar : state.status.role,
                   right: right, hints: keyHints)
            .draw(into: &buf, area: Rect(x: 0, y: state.height - 1, width: state.width, height: 1), theme: theme)
    }

    // MARK: worklist

    static func worklist(_ buf: inout CellBuffer, _ state: AppState, theme: Theme, keymap: Keymap) {
        let w = state.worklist
        let (rows, studies) = Reducer.worklistRows(state)
        let order = w.table.arrange(rows)
        var filters: [String] = []
        if w.todayOnly { filters.append("today") }
        if w.unreadOnly { filters.append("unread") }
        if let m = w.modality { filters.append(m) }
        if w.dateFrom != nil || w.dateTo != nil { filters.append("\(w.dateFrom.map(formatDate) ?? "…")–\(w.dateTo.map(formatDate) ?? "…")") }
        if !w.table.filter.isEmpty, w.filterInput == nil { filters.append("\"\(w.table.filter)\"") }
        let count = w.loading ? "loading…" : "\(order.count) of \(w.studies.count) studies"
        titleBar(&buf, state, theme: theme, left: "Worklist · \(count)" + (filters.isEmpty ? "" : " · " + filters.joined(separator: " · ")),
                 right: state.archiveStatus ?? "local store")
        let noticeRow = Rect(x: 0, y: 1, width: state.width, height: 1)
        if let input = w.filterInput {
            input.draw(into: &buf, area: noticeRow, prompt: " Filter: ", theme: theme, focused: true)
        } else if let n = w.notice {
            buf.put(" " + n, in: noticeRow, style: theme[.warning])
        }
        let area = Rect(x: 1, y: 2, width: state.width - 2, height: state.height - 3)
        var rowRoles: [Int: Role] = [:]
        for (i, s) in studies.enumerated() {
            if s.state != .complete { rowRoles[i] = .dim } else if !s.isRead { rowRoles[i] = .unread }
        }
        let shown = WorklistState.visibleColumns(width: area.width)
        var tableState = w.table
        tableState.sortColumn = w.table.sortColumn.flatMap { shown.firstIndex(of: $0) }
        Table(columns: shown.map { WorklistState.columns[$0] }, rows: rows.map { r in shown.map { r[$0] } },
              rowRoles: rowRoles, focused: w.filterInput == nil)
            .draw(into: &buf, area: area, state: tableState, order: order, theme: theme)
        let pos = order.isEmpty ? "" : "\(w.table.selected + 1)/\(order.count)"
        statusLine(&buf, state, theme: theme, keymap: keymap, right: pos,
                   hints: [(.open, "open"), (.filter, "filter"), (.filterToday, "today"), (.sortNext, "sort"), (.help, "help"), (.back, "quit")])
    }

    // MARK: browser

    static func browser(_ buf: inout CellBuffer, _ state: AppState, theme: Theme, keymap: Keymap) {
        guard let b = state.browser else { return }
        let s = b.study
        let who = state.hideIdentity ? "(patient hidden)" : "\(displayName(s.patientName)) · \(s.patientID) · \(formatDate(s.birthDate)) \(s.sex)"
        titleBar(&buf, state, theme: theme, left: who, right: s.source)
        buf.put(" \(s.description.isEmpty ? "(no description)" : s.description) · \(formatDate(s.studyDate)) · Acc \(s.accession) · \(b.series.count) series",
                in: Rect(x: 0, y: 1, width: state.width, height: 1), style: theme[.accent])
        let rows = b.series.map { se in
            [b.picked.contains(se.id) ? "●" : " ", se.number.map(String.init) ?? "", se.modality, se.description,
             se.bodyPart, "\(se.files.count)/\(se.instanceCount)",
             se.files.count >= se.instanceCount ? "local" : se.files.isEmpty ? "remote" : "partial"]
        }
        let columns = [TableColumn("", width: .fixed(1)), TableColumn("#", width: .fixed(4), alignment: .right),
                       TableColumn("Mod", width: .fixed(5)), TableColumn("Series description", width: .fill),
                       TableColumn("Body part", width: .fixed(12)), TableColumn("Images", width: .fixed(9), alignment: .right),
                       TableColumn("State", width: .fixed(8))]
        let area = browserTableArea(state)
        if b.loading {
            buf.put("loading series…", x: 2, y: 3, style: theme[.dim])
        } else {
            Table(columns: columns, rows: rows).draw(into: &buf, area: area, state: b.table, order: Array(rows.indices), theme: theme)
        }
        statusLine(&buf, state, theme: theme, keymap: keymap, right: b.series.isEmpty ? "" : "\(b.table.selected + 1)/\(b.series.count)",
                   hints: [(.open, "view"), (.select, "pick"), (.openSelected, "view picked"), (.back, "back"), (.help, "help")])
    }

    /// The series table; on wide terminals the right third previews the selected series.
    static func browserTableArea(_ state: AppState) -> Rect {
        let full = Rect(x: 1, y: 2, width: state.width - 2, height: state.height - 3)
        return state.width >= 100 ? full.split(.horizontal, [.percent(64), .fill])[0] : full
    }

    static func browserPreviewArea(_ state: AppState) -> Rect? {
        guard state.width >= 100 else { return nil }
        let full = Rect(x: 1, y: 2, width: state.width - 2, height: state.height - 3)
        return full.split(.horizontal, [.percent(64), .fixed(1), .fill])[2]
    }

    // MARK: overlays

    static func tooSmall(_ buf: inout CellBuffer, _ state: AppState, theme: Theme) {
        buf.fill(buf.bounds, style: theme[.text])
        let msg = "Terminal \(state.width)×\(state.height) is too small: Sixray needs \(AppState.minimumSize.width)×\(AppState.minimumSize.height)."
        var y = max(0, state.height / 2 - 1)
        var line = ""
        for word in msg.split(separator: " ") {
            if CellWidth.of(line + " " + word) > state.width, !line.isEmpty {
                buf.put(line, x: 0, y: y, style: theme[.warning])
                y += 1
                line = String(word)
            } else {
                line = line.isEmpty ? String(word) : line + " " + word
            }
        }
        buf.put(line, x: 0, y: y, style: theme[.warning])
    }

    static func textPane(_ buf: inout CellBuffer, area: Rect, title: String, lines: [String], scroll: Int, theme: Theme) {
        let box = area.inset(dx: max(0, min(4, (area.width - 60) / 2)), dy: area.height > 10 ? 1 : 0)
        guard box.width > 6, box.height > 3 else { return }
        buf.fill(box, style: theme[.dialog])
        var border = theme[.border]
        border.background = theme[.dialog].background
        buf.box(box, style: border, title: title + " (Esc closes, arrows scroll)")
        let inner = box.inset(dx: 2, dy: 1)
        let start = min(max(0, scroll), max(0, lines.count - inner.height))
        for (k, l) in lines.dropFirst(start).prefix(inner.height).enumerated() {
            buf.put(l, x: inner.x, y: inner.y + k, style: theme[.dialog], maxWidth: inner.width)
        }
    }
}
