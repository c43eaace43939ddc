import Imaging
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// The workstation's one state transition: `(state, action) → effects`, with no I/O
/// (STYLE.md rule 1). Every key, click, tick and effect result goes through here, so tests
/// drive the whole application without a terminal.
public enum Reducer {
    public static func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
        switch action {
        case let .resize(w, h):
            state.width = w
            state.height = h
            return [.redraw]
        case let .message(text, role):
            state.status = StatusMessage(text: text, role: role)
            return []
        case let .attachCandidates(id, candidates):
            let first = candidates.first.map { String($0.prefix { $0 != " " }) } ?? ""
            state.prompt = Prompt(purpose: .attachPatient(studyID: id), title: "Attach to patient",
                                  hint: candidates.isEmpty ? "No local patient matches name, birth date and sex; type a Patient ID"
                                                           : "Matching local patients: " + candidates.joined(separator: "; "),
                                  input: TextInput(first))
            return []
        case let .showText(title, lines):
            state.viewer?.textPane = (title, lines, 0)
            return []
        case let .archiveStudies(remote):
            let local = Set(state.worklist.studies.filter { $0.state != .remote }.map(\.id))
            state.worklist.studies = state.worklist.studies.filter { $0.state != .remote }
                + remote.filter { !local.contains($0.id) }
            state.archiveStatus = "\(state.archiveName ?? "archive"): \(remote.count) studies"
            clampWorklist(&state)
            return []
        case let .archiveFailed(reason):
            state.archiveStatus = "\(state.archiveName ?? "archive") offline"
            state.worklist.notice = "Archive offline (\(reason)); the local store keeps working."
            return []
        case let .priorFound(priorID, currentID):
            state.pendingComparison = (priorID, currentID)
            return []
        case let .retrieveProgress(id, received, remaining):
            state.retrieving[id] = (received, remaining)
            let name = state.worklist.studies.first { $0.id == id }?.description ?? "study"
            state.status = StatusMessage(text: "Retrieving \(name): \(received) received" + (remaining.map { ", \($0) to go" } ?? "")
                                         + " (Esc cancels)", role: .accent)
            var effects: [Effect] = []
            if let p = state.pendingOpen, p.studyID == id, p.command == .open, state.screen == .worklist,
               let s = state.worklist.studies.first(where: { $0.id == id }) {
                // Progressive: the series browser opens with the first instance in the store.
                state.browser = BrowserState(study: s)
                state.screen = .browser
                effects.append(.loadSeriesList(studyID: id))
            } else if state.browser?.study.id == id, received % 8 == 1 || remaining == 0 {
                effects.append(.loadSeriesList(studyID: id))
            }
            return effects
        case let .retrieveFinished(id, summary):
            state.retrieving[id] = nil
            let name = state.worklist.studies.first { $0.id == id }?.description ?? "study"
            state.status = summary.complete
                ? StatusMessage(text: "Retrieved \(name): \(summary.received) instances" + (summary.skipped > 0 ? " (\(summary.skipped) already here)" : ""), role: .success)
                : StatusMessage(text: summary.message ?? "retrieve incomplete", role: .warning)
            var effects: [Effect] = [.loadStudies]
            if state.browser?.study.id == id { effects.append(.loadSeriesList(studyID: id)) }
            if let p = state.pendingComparison, p.priorID == id {
                state.pendingComparison = nil
                if summary.received + summary.skipped > 0 { effects.append(.openComparison(studyID: p.currentID)) }
            }
            if let p = state.pendingOpen, p.studyID == id {
                state.pendingOpen = nil
                if summary.received + summary.skipped > 0 {
                    switch p.command {
                    case .view: effects.append(.openStudy(studyID: id))
                    case .compare: effects.append(.openComparison(studyID: id))
                    default: break
                    }
                }
            }
            if let v = state.viewer, v.studies.contains(where: { $0.id == id }) {
                // New slices: the viewports of that study open again at the same place.
                for (i, vp) in v.viewports.enumerated() {
                    guard let sid = vp.seriesID, v.series.first(where: { $0.id == sid })?.studyID == id else { continue }
                    effects.append(.openViewport(viewport: i, seriesID: sid, plane: vp.plane, obliqueAngle: vp.obliqueAngle))
                }
            }
            return effects
        case let .studiesLoaded(studies, notice):
            let local = Set(studies.map(\.id))
            let remote = state.worklist.studies.filter { $0.state == .remote && !local.contains($0.id) }
            state.worklist.studies = studies + remote
            state.worklist.loading = false
            state.worklist.notice = notice
            clampWorklist(&state)
            return []
        case let .studiesFailed(message):
            state.worklist.loading = false
            state.worklist.notice = message
            state.status = StatusMessage(text: message, role: .error)
            return []
        case let .seriesListLoaded(studyID, series):
            guard state.browser?.study.id == studyID else { return [] }
            state.browser?.series = series
            state.browser?.loading = false
            return []
        case let .seriesListFailed(studyID, message):
            guard state.browser?.study.id == studyID else { return [] }
            state.browser?.loading = false
            state.status = StatusMessage(text: message, role: .error)
            return []
        case let .viewportReady(i, seriesID, plane, count, start, geometry):
            guard var v = state.viewer, i < v.viewports.count, v.viewports[i].seriesID == seriesID, v.viewports[i].plane == plane else { return [] }
            v.viewports[i].count = count
            v.viewports[i].loading = false
            v.viewports[i].error = nil
            v.viewports[i].geometry = geometry
            if let start { v.viewports[i].index = start }
            v.viewports[i].index = min(max(0, v.viewports[i].index), max(0, count - 1))
            let effects = registrationsNeeded(&v)
            // A viewport that opens follows the focused one.
            if i != v.focused { propagateSync(&v, from: v.focused) } else { propagateSync(&v, from: i) }
            state.viewer = v
            return effects
        case let .registered(a, b, offset, note):
            guard var v = state.viewer else { return [] }
            if let offset {
                v.offsets[a + "|" + b] = offset
                v.syncNote = note
            } else {
                v.syncNote = note ?? "these series could not be registered: align a landmark with ="
            }
            propagateSync(&v, from: v.focused)
            state.viewer = v
            if let n = v.syncNote { state.status = StatusMessage(text: n, role: offset == nil ? .warning : .statusBar) }
            return []
        case let .studyLoaded(current, prior, currentSeries, priorSeries):
            // Priors the archive holds and the store does not are fetched in the background.
            let prefetch: [Effect] = state.archiveName == nil ? [] : [.fetchPriors(studyID: current.id, limit: 2, thenCompare: false)]
            let matches = HangingProtocols.matching(state.protocols, study: current, series: currentSeries)
            guard !matches.isEmpty else {
                return openViewer(&state, study: current, series: currentSeries,
                                  chosen: HangingProtocols.imageSeries(currentSeries).max { $0.files.count < $1.files.count }.map { [$0.id] } ?? [])
            }
            let hanging = HangingState(matches: matches, index: 0, prior: prior, currentSeries: currentSeries, priorSeries: priorSeries)
            return hang(&state, current: current, hanging: hanging) + prefetch
        case let .comparisonLoaded(current, prior, currentSeries, priorSeries, rank, count):
            guard let prior else {
                if state.archiveName != nil {
                    state.status = StatusMessage(text: "No prior in the store: asking \(state.archiveName!) for one… (Esc cancels)", role: .accent)
                    return [.fetchPriors(studyID: current.id, limit: 1, thenCompare: true)]
                }
                state.status = StatusMessage(text: "No prior study of this patient in the store", role: .warning)
                return []
            }
            let effects = openComparison(&state, current: current, prior: prior, currentSeries: currentSeries, priorSeries: priorSeries)
            if state.viewer != nil, !effects.isEmpty {
                state.viewer!.priorRank = rank
                state.viewer!.priorCount = count
                if count > 1 {
                    state.status = StatusMessage(text: "Comparing with the prior of \(formatDate(prior.studyDate)) (\(rank + 1) of \(count): c next, C three at once); scrolling is synchronised", role: .statusBar)
                }
            }
            return effects
        case let .comparisonAllLoaded(current, currentSeries, priors):
            return openComparisonAll(&state, current: current, currentSeries: currentSeries, priors: priors)
        case let .viewportFailed(i, seriesID, message):
            guard var v = state.viewer, i < v.viewports.count, v.viewports[i].seriesID == seriesID else { return [] }
            v.viewports[i].loading = false
            v.viewports[i].error = message
            v.viewports[i].count = 0
            state.viewer = v
            state.status = StatusMessage(text: message, role: .error)
            return []
        case let .rendered(i, transform, scale, position):
            guard state.viewer != nil, i < state.viewer!.viewports.count else { return [] }
            state.viewer!.viewports[i].lastTransform = transform
            state.viewer!.viewports[i].pixelScale = scale
            state.viewer!.viewports[i].position = position
            return []
        case let .tick(dt):
            return tick(&state, dt)
        case let .key(k):
            return textKey(&state, k)
        case let .mouse(event):
            return mouse(&state, event)
        case let .command(command):
            return self.command(&state, command)
        }
    }

    // MARK: commands

    static func command(_ state: inout AppState, _ c: Command) -> [Effect] {
        // Overlays take keys first.
        if state.prompt != nil {
            if c == .back { state.prompt = nil }
            if c == .quit { state.quitting = true; return [.quit] }
            return []
        }
        if state.dialog != nil {
            if c == .back || c == .open || c == .quit { state.dialog = nil }
            return []
        }
        if state.help != nil {
            switch c {
            case .help, .back: state.help = nil
            case .quit: state.quitting = true; return [.quit]
            case .down, .nextSlice: state.help!.scroll += 1
            case .up, .previousSlice: state.help!.scroll = max(0, state.help!.scroll - 1)
            case .pageDown, .nextPage: state.help!.scroll += 10
            case .pageUp, .previousPage: state.help!.scroll = max(0, state.help!.scroll - 10)
            default: break
            }
            return []
        }
        switch c {
        case .quit:
            state.quitting = true
            return [.quit]
        case .help:
            state.help = HelpState()
            return []
        case .redraw:
            return [.redraw]
        case .hideIdentity:
            if state.identityLocked {
                state.hideIdentity = true
                state.status = StatusMessage(text: "De-identified mode: patient identity stays hidden", role: .statusBar)
                return []
            }
            state.hideIdentity.toggle()
            state.status = StatusMessage(text: state.hideIdentity ? "Patient identity hidden" : "Patient identity shown", role: .statusBar)
            return []
        default:
            break
        }
        switch state.screen {
        case .worklist: return worklistCommand(&state, c)
        case .browser: return browserCommand(&state, c)
        case .viewer: return viewerCommand(&state, c)
        }
    }

    // MARK: worklist

    static func worklistRows(_ state: AppState) -> (rows: [[String]], studies: [StudySummary]) {
        let studies = state.worklist.candidates(today: state.today)
        let rows = studies.map { s in
            [state.hideIdentity ? "(hidden)" : displayName(s.patientName), state.hideIdentity ? "" : s.patientID,
             formatDate(s.studyDate), s.modalities.joined(separator: "/"),
             s.description + (s.keywords.isEmpty ? "" : "  #" + s.keywords.joined(separator: " #")),
             state.identityLocked ? "" : s.accession, "\(s.seriesCount)/\(s.instanceCount)",
             (s.isPinned ? "📌" : "") + (s.state == .complete ? (s.isRead ? "read" : "new") : s.state.rawValue)]
        }
        return (rows, studies)
    }

    /// Rows of the worklist table that fit the screen (header, notice, table header, status).
    static func worklistVisibleRows(_ state: AppState) -> Int { max(1, state.height - 5) }

    static func clampWorklist(_ state: inout AppState) {
        let order = state.worklist.table.arrange(worklistRows(state).rows)
        state.worklist.table.scrollToSelection(visibleRows: worklistVisibleRows(state), count: order.count)
    }

    static func selectedStudy(_ state: AppState) -> StudySummary? {
        let (rows, studies) = worklistRows(state)
        let order = state.worklist.table.arrange(rows)
        guard state.worklist.table.selected < order.count else { return nil }
        return studies[order[state.worklist.table.selected]]
    }

    static func worklistCommand(_ state: inout AppState, _ c: Command) -> [Effect] {
        if state.worklist.filterInput != nil {
            // While the filter is edited, only Enter/Esc matter (text keys arrive as .key).
            if c == .back { state.worklist.filterInput = nil; state.worklist.table.filter = ""; clampWorklist(&state) }
            if c == .open { state.worklist.filterInput = nil }
            return []
        }
        if c == .open || c == .view || c == .compare, let s = selectedStudy(state), needsRetrieve(state, s) {
            state.pendingOpen = (s.id, c)
            guard state.retrieving[s.id] == nil else { return [] }
            state.status = StatusMessage(text: "Retrieving \(s.description) from \(state.archiveName ?? "the archive")… (Esc cancels)", role: .accent)
            return [.retrieve(studyID: s.id)]
        }
        let count = state.worklist.table.arrange(worklistRows(state).rows).count
        let page = worklistVisibleRows(state)
        switch c {
        case .back where !state.retrieving.isEmpty || state.pendingOpen != nil:
            state.pendingOpen = nil
            state.status = StatusMessage(text: "Cancelling the retrieve… what arrived stays in the store (partial)", role: .warning)
            return [.cancelBackground]
        case .back:
            if !state.worklist.table.filter.isEmpty || state.worklist.todayOnly || state.worklist.unreadOnly || state.worklist.modality != nil
                || state.worklist.dateFrom != nil || state.worklist.dateTo != nil {
                clearFilters(&state)
                return []
            }
            state.quitting = true
            return [.quit]
        case .up: state.worklist.table.move(by: -1, count: count, visibleRows: page)
        case .down: state.worklist.table.move(by: 1, count: count, visibleRows: page)
        case .pageUp: state.worklist.table.move(by: -page, count: count, visibleRows: page)
        case .pageDown: state.worklist.table.move(by: page, count: count, visibleRows: page)
        case .first: state.worklist.table.move(by: -count, count: count, visibleRows: page)
        case .last: state.worklist.table.move(by: count, count: count, visibleRows: page)
        case .filter:
            state.worklist.filterInput = TextInput(state.worklist.table.filter)
        case .sortNext:
            let next = ((state.worklist.table.sortColumn ?? -1) + 1) % WorklistState.columns.count
            state.worklist.table.sortColumn = next
            state.worklist.table.ascending = true
            state.status = StatusMessage(text: "Sorted by \(WorklistState.columns[next].title)", role: .statusBar)
        case .sortReverse:
            state.worklist.table.ascending.toggle()
        case .refresh:
            state.worklist.loading = true
            return [.loadStudies] + (state.archiveName == nil ? [] : [.queryArchive(dateFrom: state.worklist.todayOnly ? state.today : nil)])
        case .filterToday:
            state.worklist.todayOnly.toggle()
            state.worklist.table.selected = 0
        case .filterUnread:
            state.worklist.unreadOnly.toggle()
            state.worklist.table.selected = 0
        case .filterModality:
            let all = Array(Set(state.worklist.studies.flatMap(\.modalities))).sorted()
            if let m = state.worklist.modality, let i = all.firstIndex(of: m) {
                state.worklist.modality = i + 1 < all.count ? all[i + 1] : nil
            } else {
                state.worklist.modality = all.first
            }
            state.worklist.table.selected = 0
        case .clearFilters:
            clearFilters(&state)
        case .toggleRead:
            guard let s = selectedStudy(state) else { return [] }
            setStudy(&state, s.id) { $0.isRead.toggle() }
            return [.setRead(studyID: s.id, !s.isRead)]
        case .pin:
            guard let s = selectedStudy(state) else { return [] }
            setStudy(&state, s.id) { $0.isPinned.toggle() }
            return [.setPinned(studyID: s.id, !s.isPinned)]
        case .open:
            guard let s = selectedStudy(state) else { return [] }
            state.browser = BrowserState(study: s)
            state.screen = .browser
            var effects: [Effect] = [.loadSeriesList(studyID: s.id)]
            if !s.isRead {
                setStudy(&state, s.id) { $0.isRead = true }
                effects.append(.setRead(studyID: s.id, true))
            }
            return effects
        case .compareAll:
            guard let s = selectedStudy(state) else { return [] }
            return [.openComparisonAll(studyID: s.id)]
        case .attach:
            guard let s = selectedStudy(state), s.state != .remote else { return [] }
            return [.loadAttachCandidates(studyID: s.id)]
        case .filterDates:
            let current = [state.worklist.dateFrom ?? "", state.worklist.dateTo ?? ""]
            state.prompt = Prompt(purpose: .dateRange, title: "Study dates",
                                  hint: "20240101-20241231, 20240101-, -20241231, 20240315, 7d, 3m, 1y; empty: all dates",
                                  input: TextInput(current == ["", ""] ? "" : current.joined(separator: "-")))
            return []
        case .view:
            guard let s = selectedStudy(state) else { return [] }
            if !s.isRead { setStudy(&state, s.id) { $0.isRead = true } }
            return [.openStudy(studyID: s.id)] + (s.isRead ? [] : [.setRead(studyID: s.id, true)])
        case .compare:
            guard let s = selectedStudy(state) else { return [] }
            state.status = StatusMessage(text: "Opening \(s.description) with its prior…", role: .statusBar)
            return [.openComparison(studyID: s.id)]
        default:
            break
        }
        clampWorklist(&state)
        return []
    }

    static func clearFilters(_ state: inout AppState) {
        state.worklist.table.filter = ""
        state.worklist.dateFrom = nil
        state.worklist.dateTo = nil
        state.worklist.todayOnly = false
        state.worklist.unreadOnly = false
        state.worklist.modality = nil
        state.worklist.table.selected = 0
        clampWorklist(&state)
    }

    static func setStudy(_ state: inout AppState, _ id: String, _ change: (inout StudySummary) -> Void) {
        if let i = state.worklist.studies.firstIndex(where: { $0.id == id }) { change(&state.worklist.studies[i]) }
    }

    // MARK: browser

    static func browserCommand(_ state: inout AppState, _ c: Command) -> [Effect] {
        guard var b = state.browser else { state.screen = .worklist; return [] }
        let visible = max(1, state.height - 6)
        switch c {
        case .back:
            state.screen = .worklist
            state.browser = nil
            if state.retrieving[b.study.id] != nil {
                state.pendingOpen = nil
                state.status = StatusMessage(text: "Cancelling the retrieve… what arrived stays in the store (partial)", role: .warning)
                return [.cancelBackground]
            }
            return []
        case .up: b.table.move(by: -1, count: b.series.count, visibleRows: visible)
        case .down: b.table.move(by: 1, count: b.series.count, visibleRows: visible)
        case .first: b.table.move(by: -b.series.count, count: b.series.count, visibleRows: visible)
        case .last: b.table.move(by: b.series.count, count: b.series.count, visibleRows: visible)
        case .select:
            guard b.table.selected < b.series.count else { break }
            let id = b.series[b.table.selected].id
            if let i = b.picked.firstIndex(of: id) { b.picked.remove(at: i) } else { b.picked.append(id) }
            b.table.move(by: 1, count: b.series.count, visibleRows: visible)
        case .view:
            state.browser = b
            return [.openStudy(studyID: b.study.id)]
        case .open, .openSelected:
            let chosen: [String]
            if c == .openSelected, !b.picked.isEmpty {
                chosen = Array(b.picked.prefix(4))
            } else if b.table.selected < b.series.count {
                chosen = [b.series[b.table.selected].id]
            } else {
                return []
            }
            state.browser = b
            return openViewer(&state, study: b.study, series: b.series, chosen: chosen)
        default:
            break
        }
        state.browser = b
        return []
    }

    static func openViewer(_ state: inout AppState, study: StudySummary, series: [SeriesSummary], chosen: [String]) -> [Effect] {
        guard !chosen.isEmpty else {
            state.status = StatusMessage(text: "This study has no images to show", role: .warning)
            return []
        }
        let layout: ViewerLayout = chosen.count >= 3 ? .twoByTwo : chosen.count == 2 ? .oneByTwo
            : state.defaultLayout
        var viewports = chosen.map { ViewportState(seriesID: $0) }
        while viewports.count < layout.viewportCount { viewports.append(ViewportState(seriesID: chosen.first)) }
        for i in viewports.indices { viewports[i].loading = true }
        var v = ViewerState(study: study, series: series, viewports: viewports)
        v.layout = layout
        state.viewer = v
        state.screen = .viewer
        state.status = StatusMessage(text: "", role: .statusBar)
        return viewports.enumerated().compactMap { i, vp in
            vp.seriesID.map { .openViewport(viewport: i, seriesID: $0, plane: .acquired, obliqueAngle: vp.obliqueAngle) }
        }
    }

    // MARK: viewer

    static func viewerCommand(_ state: inout AppState, _ c: Command) -> [Effect] {
        guard var v = state.viewer else { state.screen = .worklist; return [] }
        // Every path below writes `v` back, except those that replace or close the viewer.
        var keepViewer = true
        defer { if keepViewer { state.viewer = v } }
        if v.textPane != nil {
            switch c {
            case .back, .tags, .report: v.textPane = nil
            case .nextSlice, .down: v.textPane!.scroll += 1
            case .previousSlice, .up: v.textPane!.scroll = max(0, v.textPane!.scroll - 1)
            case .nextPage, .pageDown: v.textPane!.scroll += 10
            case .previousPage, .pageUp: v.textPane!.scroll = max(0, v.textPane!.scroll - 10)
            default: break
            }
            return []
        }
        let i = min(v.focused, v.viewports.count - 1)
        var vp = v.viewports[i]
        var effects: [Effect] = []
        let step = 10.0 // pixels of pan per key
        switch c {
        case .back:
            if v.tool != nil {
                v.tool = nil
                v.pendingPoints = []
                state.status = StatusMessage(text: "Measurement cancelled", role: .statusBar)
                return []
            }
            state.screen = state.browser != nil ? .browser : .worklist
            state.viewer = nil
            keepViewer = false
            return []
        case .nextSlice: vp.index = min(vp.index + 1, max(0, vp.count - 1))
        case .previousSlice: vp.index = max(vp.index - 1, 0)
        case .nextPage: vp.index = min(vp.index + 10, max(0, vp.count - 1))
        case .previousPage: vp.index = max(vp.index - 10, 0)
        case .firstSlice: vp.index = 0
        case .lastSlice: vp.index = max(0, vp.count - 1)
        case .cine:
            v.cine.toggle()
            v.cineCarry = 0
            state.status = StatusMessage(text: v.cine ? "Cine \(Int(v.cineFPS)) fps" : "Cine stopped", role: .statusBar)
        case .cineFaster:
            v.cineFPS = min(60, v.cineFPS * 1.25)
            state.status = StatusMessage(text: "Cine \(Int(v.cineFPS.rounded())) fps", role: .statusBar)
        case .cineSlower:
            v.cineFPS = max(1, v.cineFPS / 1.25)
            state.status = StatusMessage(text: "Cine \(Int(v.cineFPS.rounded())) fps", role: .statusBar)
        case .windowWider, .windowNarrower, .levelUp, .levelDown:
            var w = vp.window ?? (40, 400)
            switch c {
            case .windowWider: w.width *= 1.15
            case .windowNarrower: w.width = max(1, w.width / 1.15)
            case .levelUp: w.center += max(1, w.width * 0.05)
            default: w.center -= max(1, w.width * 0.05)
            }
            vp.window = w
            vp.windowName = nil
        case .autoWindow:
            vp.window = nil
            vp.windowName = "auto"
        case .invert: vp.invert.toggle()
        case let p where Command.presetCommands.contains(p):
            let n = Command.presetCommands.firstIndex(of: p)! + 1
            let modality = v.series.first { $0.id == vp.seriesID }?.modality ?? ""
            let applicable = WindowPresets.applicable(state.presets, modality: modality)
            let keyed = applicable.first { $0.key == String(n) } ?? (n <= applicable.count ? applicable[n - 1] : nil)
            guard let preset = keyed else {
                state.status = StatusMessage(text: "No window preset \(n) for \(modality.isEmpty ? "this modality" : modality)", role: .warning)
                return []
            }
            if case let .fixed(w) = preset.kind {
                vp.window = (w.center, w.width)
            } else {
                vp.window = nil
            }
            vp.windowName = preset.name
            state.status = StatusMessage(text: "Window: \(preset.name)", role: .statusBar)
        case .zoomIn: vp.zoom = min(32, vp.zoom * 1.25)
        case .zoomOut: vp.zoom = max(0.1, vp.zoom / 1.25)
        case .fit:
            vp.zoom = 1
            vp.panX = 0
            vp.panY = 0
        case .panLeft: vp.panX -= step * Double(state.cellWidth) / 10
        case .panRight: vp.panX += step * Double(state.cellWidth) / 10
        case .panUp: vp.panY -= step * Double(state.cellHeight) / 10
        case .panDown: vp.panY += step * Double(state.cellHeight) / 10
        case .rotateClockwise: vp.quarterTurns = (vp.quarterTurns + 1) % 4
        case .rotateCounterclockwise: vp.quarterTurns = (vp.quarterTurns + 3) % 4
        case .flipHorizontal: vp.flipHorizontal.toggle()
        case .flipVertical: vp.flipVertical.toggle()
        case .planeAxial, .planeCoronal, .planeSagittal, .planeOblique:
            let plane: ViewPlane = c == .planeAxial ? .axial : c == .planeCoronal ? .coronal : c == .planeSagittal ? .sagittal : .oblique
            guard let id = vp.seriesID else { return [] }
            vp.plane = plane
            vp.loading = true
            vp.zoom = 1
            vp.panX = 0
            vp.panY = 0
            vp.index = 0
            v.measurements.removeAll { $0.seriesID == id && $0.plane == plane }
            effects.append(.openViewport(viewport: i, seriesID: id, plane: plane, obliqueAngle: vp.obliqueAngle))
            state.status = StatusMessage(text: "\(plane.rawValue.capitalized) plane", role: .statusBar)
        case .tiltObliqueUp, .tiltObliqueDown:
            guard let id = vp.seriesID, vp.plane == .oblique else {
                state.status = StatusMessage(text: "Tilt applies to the oblique plane (o)", role: .warning)
                return []
            }
            vp.obliqueAngle = max(-80, min(80, vp.obliqueAngle + (c == .tiltObliqueUp ? 5 : -5)))
            vp.loading = true
            effects.append(.openViewport(viewport: i, seriesID: id, plane: .oblique, obliqueAngle: vp.obliqueAngle))
            state.status = StatusMessage(text: "Oblique \(Int(vp.obliqueAngle))° from axial", role: .statusBar)
        case .slabCycle:
            let modes: [SlabMode?] = [nil, .mip, .minip, .avg]
            let k = modes.firstIndex(of: vp.slab) ?? 0
            vp.slab = modes[(k + 1) % modes.count]
            if vp.slab != nil, vp.plane == .acquired, let id = vp.seriesID {
                // Slabs come from the volume: the acquired stack becomes the axial reformat.
                vp.plane = .axial
                vp.loading = true
                effects.append(.openViewport(viewport: i, seriesID: id, plane: .axial, obliqueAngle: vp.obliqueAngle))
            }
            state.status = StatusMessage(text: vp.slab.map { "Slab \($0.label) \(fmt1(vp.slabThickness)) mm" } ?? "Slab off", role: .statusBar)
        case .slabThicker, .slabThinner:
            vp.slabThickness = c == .slabThicker ? min(200, vp.slabThickness * 1.5) : max(1, vp.slabThickness / 1.5)
            state.status = StatusMessage(text: "Slab \(vp.slab?.label ?? "off") \(fmt1(vp.slabThickness)) mm", role: .statusBar)
        case .layoutCycle:
            let all = ViewerLayout.allCases
            v.layout = all[((all.firstIndex(of: v.layout) ?? 0) + 1) % all.count]
            v.viewports[i] = vp
            while v.viewports.count < v.layout.viewportCount {
                // New viewports show the next series of the study (or the same one).
                let used = Set(v.viewports.compactMap(\.seriesID))
                let next = v.series.first { !used.contains($0.id) }?.id ?? vp.seriesID
                var nv = ViewportState(seriesID: next)
                nv.loading = next != nil
                v.viewports.append(nv)
                if let next { effects.append(.openViewport(viewport: v.viewports.count - 1, seriesID: next, plane: .acquired, obliqueAngle: nv.obliqueAngle)) }
            }
            v.focused = min(v.focused, v.layout.viewportCount - 1)
            state.status = StatusMessage(text: "Layout \(v.layout.rawValue)", role: .statusBar)
            return effects
        case .nextViewport:
            v.focused = (v.focused + 1) % v.layout.viewportCount
            v.pendingPoints = []
            return []
        case .nextSeries, .previousSeries:
            guard !v.series.isEmpty else { return [] }
            let k = v.series.firstIndex { $0.id == vp.seriesID } ?? 0
            let n = (k + (c == .nextSeries ? 1 : v.series.count - 1)) % v.series.count
            vp = ViewportState(seriesID: v.series[n].id)
            vp.loading = true
            effects.append(.openViewport(viewport: i, seriesID: v.series[n].id, plane: .acquired, obliqueAngle: vp.obliqueAngle))
            state.status = StatusMessage(text: "Series \(v.series[n].number.map(String.init) ?? "?"): \(v.series[n].description)", role: .statusBar)
        case .referenceLines: v.referenceLines.toggle()
        case .overlay: v.showOverlay.toggle()
        case .measureDistance, .measureEllipse, .measureRectangle, .measureAngle:
            let kind: Measurement.Kind = c == .measureDistance ? .distance : c == .measureEllipse ? .ellipse : c == .measureRectangle ? .rectangle : .angle
            v.tool = kind
            v.pendingPoints = []
            if v.cursor == nil, let t = vp.lastTransform {
                v.cursor = SIMD2(Double(t.viewportWidth) * vp.pixelScale.x / 2, Double(t.viewportHeight) * vp.pixelScale.y / 2)
            }
            state.status = StatusMessage(text: "\(kind.rawValue.capitalized): place \(Measurement.pointsNeeded(kind)) points (arrows + Enter, or click); Esc cancels", role: .accent)
        case .clearMeasurements:
            v.measurements.removeAll { $0.seriesID == vp.seriesID && $0.plane == vp.plane }
            v.pendingPoints = []
            state.status = StatusMessage(text: "Measurements cleared", role: .statusBar)
        case .cursorLeft, .cursorRight, .cursorUp, .cursorDown:
            guard let t = vp.lastTransform else { return [] }
            let size = SIMD2(Double(t.viewportWidth), Double(t.viewportHeight)) * vp.pixelScale
            var cur = v.cursor ?? size / 2
            let dx = Double(state.cellWidth), dy = Double(state.cellHeight) / 2
            switch c {
            case .cursorLeft: cur.x -= dx
            case .cursorRight: cur.x += dx
            case .cursorUp: cur.y -= dy
            default: cur.y += dy
            }
            cur.x = min(max(0, cur.x), size.x - 1)
            cur.y = min(max(0, cur.y), size.y - 1)
            v.cursor = cur
        case .place:
            guard let cur = v.cursor else { return [] }
            place(&v, state: &state, viewport: i, at: cur)
            return []
        case .tags:
            guard let id = vp.seriesID else { return [] }
            return [.showTags(seriesID: id, plane: vp.plane, index: vp.index)]
        case .report:
            return [.showReports(studyID: v.study.id)]
        case .compare:
            // In a comparison, again: the next prior.
            return [.openComparison(studyID: v.study.id, priorRank: v.priorRank.map { $0 + 1 } ?? 0)]
        case .compareAll:
            return [.openComparisonAll(studyID: v.study.id)]
        case .nextProtocol:
            guard var h = v.hanging, h.matches.count > 1 else {
                state.status = StatusMessage(text: "No other hanging protocol matches this study", role: .warning)
                return []
            }
            h.index = (h.index + 1) % h.matches.count
            keepViewer = false
            return hang(&state, current: v.study, hanging: h)
        case .sync:
            v.sync.toggle()
            if v.sync { v.viewports[i] = vp; propagateSync(&v, from: i); vp = v.viewports[i] }
            state.status = StatusMessage(text: v.sync ? "Synchronised scrolling on" : "Synchronised scrolling off", role: .statusBar)
        case .syncViewport:
            vp.syncEnabled.toggle()
            state.status = StatusMessage(text: "Viewport \(i + 1) \(vp.syncEnabled ? "follows the others" : "scrolls on its own")", role: .statusBar)
        case .linkWindow:
            v.linkWindow.toggle()
            state.status = StatusMessage(text: v.linkWindow ? "Window/level linked" : "Window/level per viewport", role: .statusBar)
        case .linkZoom:
            v.linkZoom.toggle()
            state.status = StatusMessage(text: v.linkZoom ? "Zoom and pan linked" : "Zoom and pan per viewport", role: .statusBar)
        case .align:
            v.viewports[i] = vp
            let aligned = alignLandmark(&v, from: i)
            state.status = StatusMessage(text: aligned > 0 ? "Aligned: \(aligned) viewport\(aligned == 1 ? "" : "s") linked at the slices shown (remembered for these series)"
                                                            : "Nothing to align: open a second series in another viewport", role: aligned > 0 ? .success : .warning)
            state.viewer = v
            return []
        default:
            break
        }
        let old = v.viewports[i]
        v.viewports[i] = vp
        if vp.index != old.index { propagateSync(&v, from: i) }
        if v.linkWindow, vp.window?.center != old.window?.center || vp.window?.width != old.window?.width || vp.invert != old.invert {
            let modality = vp.geometry?.modality
            for j in v.viewports.indices where j != i && v.viewports[j].geometry?.modality == modality {
                v.viewports[j].window = vp.window
                v.viewports[j].windowName = vp.windowName
                v.viewports[j].invert = vp.invert
            }
        }
        if v.linkZoom, vp.zoom != old.zoom || vp.panX != old.panX || vp.panY != old.panY {
            for j in v.viewports.indices where j != i {
                v.viewports[j].zoom = vp.zoom
                v.viewports[j].panX = vp.panX
                v.viewports[j].panY = vp.panY
            }
        }
        return effects
    }

    /// Adds a point of the active tool at viewport pixel `p`; completes the measurement when
    /// it has its points.
    static func place(_ v: inout ViewerState, state: inout AppState, viewport i: Int, at p: SIMD2<Double>) {
        guard let tool = v.tool, let s = v.viewports[i].toSource(p), let id = v.viewports[i].seriesID else { return }
        v.pendingPoints.append(s)
        if v.pendingPoints.count >= Measurement.pointsNeeded(tool) {
            v.measurements.append(Measurement(kind: tool, points: v.pendingPoints, seriesID: id,
                                              plane: v.viewports[i].plane, index: v.viewports[i].index))
            v.pendingPoints = []
            v.tool = nil
            state.status = StatusMessage(text: "\(tool.rawValue.capitalized) placed", role: .success)
        } else {
            state.status = StatusMessage(text: "\(tool.rawValue.capitalized): point \(v.pendingPoints.count + 1) of \(Measurement.pointsNeeded(tool))", role: .accent)
        }
    }

    // MARK: keys, mouse, cine

    static func textKey(_ state: inout AppState, _ key: Key) -> [Effect] {
        if var prompt = state.prompt {
            switch key {
            case .escape:
                state.prompt = nil
            case .enter:
                switch prompt.purpose {
                case .dateRange:
                    guard let r = DateRange.parse(prompt.input.text, today: state.today) else {
                        state.status = StatusMessage(text: "Not a date range: \(prompt.input.text) (e.g. 20240101-20241231 or 7d)", role: .error)
                        return []
                    }
                    state.worklist.dateFrom = r.from
                    state.worklist.dateTo = r.to
                    state.worklist.table.selected = 0
                    state.prompt = nil
                    clampWorklist(&state)
                    state.status = StatusMessage(text: r.from == nil && r.to == nil ? "All dates"
                                                 : "Dates \(r.from.map(formatDate) ?? "…") to \(r.to.map(formatDate) ?? "…")", role: .statusBar)
                case let .attachPatient(id):
                    let patient = prompt.input.text.trimmingCharacters(in: " ")
                    state.prompt = nil
                    guard !patient.isEmpty else { return [] }
                    return [.attach(studyID: id, patientID: patient)]
                }
            default:
                prompt.input.handle(key)
                state.prompt = prompt
            }
            return []
        }
        if state.screen == .worklist, var input = state.worklist.filterInput {
            if key == .enter {
                state.worklist.filterInput = nil
                return []
            }
            if key == .escape {
                state.worklist.filterInput = nil
                state.worklist.table.filter = ""
                clampWorklist(&state)
                return []
            }
            input.handle(key)
            state.worklist.filterInput = input
            state.worklist.table.filter = input.text
            state.worklist.table.selected = 0
            clampWorklist(&state)
        }
        return []
    }

    static func tick(_ state: inout AppState, _ dt: Double) -> [Effect] {
        guard var v = state.viewer, v.cine, v.textPane == nil else { return [] }
        v.cineCarry += dt * v.cineFPS
        let steps = Int(v.cineCarry)
        v.cineCarry -= Double(steps)
        if steps > 0 {
            let i = min(v.focused, v.viewports.count - 1)
            let n = max(1, v.viewports[i].count)
            v.viewports[i].index = (v.viewports[i].index + steps) % n
            propagateSync(&v, from: i)
        }
        state.viewer = v
        return []
    }

    /// The viewer's viewport rectangles on screen (below the title line, above the status line).
    public static func viewportRects(_ state: AppState) -> [Rect] {
        guard let v = state.viewer else { return [] }
        let area = Rect(x: 0, y: 1, width: state.width, height: max(0, state.height - 2))
        return v.layout.rects(in: area)
    }

    static func mouse(_ state: inout AppState, _ e: MouseEvent) -> [Effect] {
        switch state.screen {
        case .worklist:
            guard e.kind == .press || e.kind == .release, e.button == .left else { return [] }
            // Row = y − 3 (title, notice, header) + offset.
            let row = e.y - 3
            guard row >= 0 else { return [] }
            let k = state.worklist.table.offset + row
            let count = state.worklist.table.arrange(worklistRows(state).rows).count
            guard k < count else { return [] }
            if e.kind == .release, state.worklist.table.selected == k { return [] }
            if e.kind == .press {
                let wasSelected = state.worklist.table.selected == k
                state.worklist.table.selected = k
                if wasSelected { return command(&state, .open) }
            }
            return []
        case .browser:
            guard e.kind == .press, e.button == .left, var b = state.browser else { return [] }
            let k = b.table.offset + e.y - 3
            guard k >= 0, k < b.series.count else { return [] }
            let was = b.table.selected == k
            b.table.selected = k
            state.browser = b
            return was ? command(&state, .open) : []
        case .viewer:
            guard var v = state.viewer else { return [] }
            let rects = viewportRects(state)
            guard let i = rects.prefix(v.layout.viewportCount).firstIndex(where: { $0.contains(x: e.x, y: e.y) }), i < v.viewports.count else {
                return []
            }
            let r = rects[i]
            // Viewport pixel under the cell's centre.
            let p = SIMD2(Double(e.x - r.x) * Double(state.cellWidth) + Double(state.cellWidth) / 2,
                          Double(e.y - r.y) * Double(state.cellHeight) + Double(state.cellHeight) / 2)
            switch e.kind {
            case .press:
                if v.focused != i { v.focused = i; v.pendingPoints = [] }
                if v.tool != nil, e.button == .left {
                    v.cursor = p
                    place(&v, state: &state, viewport: i, at: p)
                } else {
                    v.drag = (e.button, e.x, e.y)
                }
            case .drag:
                v.cursor = p
                if let d = v.drag {
                    let dx = Double(e.x - d.x), dy = Double(e.y - d.y)
                    var vp = v.viewports[i]
                    if d.button == .left {
                        // Window/level by drag: right widens, down raises the level (as most PACS).
                        var w = vp.window ?? (40, 400)
                        w.width = max(1, w.width * pow2(dx / 20))
                        w.center += dy * max(1, w.width / 100)
                        vp.window = w
                        vp.windowName = nil
                    } else {
                        vp.panX += dx * Double(state.cellWidth)
                        vp.panY += dy * Double(state.cellHeight)
                    }
                    v.viewports[i] = vp
                    v.drag = (d.button, e.x, e.y)
                }
            case .release:
                v.drag = nil
            case .move:
                v.cursor = p
                if v.focused != i { v.focused = i }
            }
            state.viewer = v
            return []
        }
    }
}

func pow2(_ x: Double) -> Double { exp2(x) }

// MARK: synchronised scrolling

extension Reducer {
    static func pairKey(_ a: String, _ b: String) -> String { a + "|" + b }

    /// The offset from series a to series b (position in b = position in a + offset): zero in
    /// one Frame of Reference, else what registration or the user's alignment found.
    static func offset(_ v: ViewerState, from a: ViewportState, to b: ViewportState) -> Vec3? {
        guard let sa = a.seriesID, let sb = b.seriesID, let ga = a.geometry, let gb = b.geometry else { return nil }
        if let o = v.offsets[pairKey(sa, sb)] { return o }
        if let o = v.offsets[pairKey(sb, sa)] { return -o }
        if sa == sb || ga.frameOfReference == gb.frameOfReference { return .zero }
        return nil
    }

    /// Moves every other synchronised viewport to the slice nearest to the focused viewport's
    /// position (through the pair's offset), and records the remaining distance.
    static func propagateSync(_ v: inout ViewerState, from i: Int) {
        guard v.sync, i < v.viewports.count else { return }
        let src = v.viewports[i]
        guard src.syncEnabled, let g0 = src.geometry, src.index < g0.positions.count else { return }
        let point = g0.normal * g0.positions[src.index]
        for j in v.viewports.indices where j != i && j < v.layout.viewportCount {
            let dst = v.viewports[j]
            guard dst.syncEnabled, !dst.loading, let g1 = dst.geometry, !g1.positions.isEmpty else { continue }
            // Planes must be parallel to follow each other (axial with axial, coronal with coronal).
            guard abs(dot(g0.normal, g1.normal)) > 0.9 else { continue }
            guard let o = offset(v, from: src, to: dst) else { continue }
            let target = dot(point + o, g1.normal)
            guard let (k, d) = g1.nearest(to: target) else { continue }
            v.viewports[j].index = k
            v.viewports[j].syncDistance = d
        }
        v.viewports[i].syncDistance = nil
    }

    /// Registration requests for pairs of open viewports in different Frames of Reference
    /// with no known offset.
    static func registrationsNeeded(_ v: inout ViewerState) -> [Effect] {
        guard v.sync else { return [] }
        var effects: [Effect] = []
        let open = v.viewports.prefix(v.layout.viewportCount).filter { $0.geometry != nil && $0.seriesID != nil }
        guard let first = open.first, let a = first.seriesID else { return [] }
        for other in open.dropFirst() {
            guard let b = other.seriesID, offset(v, from: first, to: other) == nil else { continue }
            let key = pairKey(a, b)
            guard !v.registrationAsked.contains(key) else { continue }
            v.registrationAsked.insert(key)
            effects.append(.register(from: a, to: b))
        }
        return effects
    }

    /// The user's landmark: the slices shown now show the same anatomy. Sets each pair's
    /// offset so that they link exactly here. Returns how many viewports were aligned.
    static func alignLandmark(_ v: inout ViewerState, from i: Int) -> Int {
        let src = v.viewports[i]
        guard let a = src.seriesID, let g0 = src.geometry, src.index < g0.positions.count else { return 0 }
        let point = g0.normal * g0.positions[src.index]
        var count = 0
        for j in v.viewports.indices where j != i && j < v.layout.viewportCount {
            let dst = v.viewports[j]
            guard let b = dst.seriesID, b != a, let g1 = dst.geometry, dst.index < g1.positions.count,
                  abs(dot(g0.normal, g1.normal)) > 0.9 else { continue }
            let current = offset(v, from: src, to: dst) ?? .zero
            let target = dot(point + current, g1.normal)
            let delta = g1.positions[dst.index] - target
            v.offsets[pairKey(a, b)] = current + g1.normal * delta
            v.offsets[pairKey(b, a)] = nil
            v.viewports[j].syncDistance = 0
            count += 1
        }
        v.syncNote = nil
        return count
    }

    /// Current and prior side by side, synchronised: the current's largest series of the
    /// prior's modality beside the prior's best match (same modality and description first).
    static func openComparison(_ state: inout AppState, current: StudySummary, prior: StudySummary,
                               currentSeries: [SeriesSummary], priorSeries: [SeriesSummary]) -> [Effect] {
        func imageSeries(_ s: [SeriesSummary]) -> [SeriesSummary] {
            s.filter { $0.modality != "SR" && $0.modality != "PR" && $0.modality != "KO" && !$0.files.isEmpty }
        }
        let cs = imageSeries(currentSeries), ps = imageSeries(priorSeries)
        guard let c = cs.max(by: { $0.files.count < $1.files.count }) else {
            state.status = StatusMessage(text: "The current study has no images in the store", role: .warning)
            return []
        }
        guard let p = ps.max(by: { match($0, c) < match($1, c) }) else {
            state.status = StatusMessage(text: "The prior study (\(formatDate(prior.studyDate))) has no images in the store", role: .warning)
            return []
        }
        var viewports = [ViewportState(seriesID: c.id), ViewportState(seriesID: p.id)]
        viewports[0].loading = true
        viewports[1].loading = true
        var v = ViewerState(study: current, series: cs + ps, viewports: viewports, studies: [current, prior])
        v.layout = .oneByTwo
        state.viewer = v
        state.screen = .viewer
        state.status = StatusMessage(text: "Comparing with the prior of \(formatDate(prior.studyDate)); scrolling is synchronised (l toggles)", role: .statusBar)
        return [.openViewport(viewport: 0, seriesID: c.id, plane: .acquired, obliqueAngle: 30),
                .openViewport(viewport: 1, seriesID: p.id, plane: .acquired, obliqueAngle: 30)]
    }

    /// The current study beside up to three priors in 2×2, all synchronised.
    static func openComparisonAll(_ state: inout AppState, current: StudySummary, currentSeries: [SeriesSummary],
                                  priors: [PriorWithSeries]) -> [Effect] {
        let cs = HangingProtocols.imageSeries(currentSeries)
        guard let c = cs.max(by: { $0.files.count < $1.files.count }) else {
            state.status = StatusMessage(text: "The current study has no images in the store", role: .warning)
            return []
        }
        var viewports = [ViewportState(seriesID: c.id)]
        var studies = [current]
        var series = cs
        for p in priors.prefix(3) {
            let ps = HangingProtocols.imageSeries(p.series)
            guard let best = ps.max(by: { match($0, c) < match($1, c) }) else { continue }
            viewports.append(ViewportState(seriesID: best.id))
            studies.append(p.study)
            series += ps
        }
        guard viewports.count > 1 else {
            state.status = StatusMessage(text: "No prior study of this patient with images in the store", role: .warning)
            return []
        }
        for i in viewports.indices { viewports[i].loading = true }
        var v = ViewerState(study: current, series: series, viewports: viewports, studies: studies)
        v.layout = viewports.count == 2 ? .oneByTwo : .twoByTwo
        while v.viewports.count < v.layout.viewportCount { v.viewports.append(ViewportState()) }
        state.viewer = v
        state.screen = .viewer
        state.status = StatusMessage(text: "Current with \(viewports.count - 1) prior\(viewports.count == 2 ? "" : "s"): "
                                     + studies.dropFirst().map { formatDate($0.studyDate) }.joined(separator: ", ") + "; synchronised", role: .statusBar)
        return viewports.enumerated().compactMap { i, vp in
            vp.seriesID.map { .openViewport(viewport: i, seriesID: $0, plane: .acquired, obliqueAngle: vp.obliqueAngle) }
        }
    }

    /// How well a prior series matches a current one (higher is better).
    static func match(_ p: SeriesSummary, _ c: SeriesSummary) -> Int {
        var score = 0
        if p.modality == c.modality { score += 100 }
        let words = Set(c.description.lowercased().split(separator: " ").filter { $0.count > 2 && !$0.hasPrefix("(") })
        score += 10 * Set(p.description.lowercased().split(separator: " ")).intersection(words).count
        return score * 10_000 + min(p.files.count, 9999)
    }
}

func fmt1(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
}

/// "DOE^JANE^M" → "DOE, JANE M" (PS3.5 6.2.1 person name components).
public func displayName(_ pn: String) -> String {
    let alphabetic = pn.split(separator: "=", omittingEmptySubsequences: false).first.map(String.init) ?? pn
    let parts = alphabetic.split(separator: "^", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
    guard parts.count > 1 else { return alphabetic }
    let given = parts.dropFirst().filter { !$0.isEmpty }.joined(separator: " ")
    return given.isEmpty ? parts[0] : parts[0] + ", " + given
}

/// "20241102" → "2024-11-02"; anything else unchanged.
public func formatDate(_ d: String) -> String {
    let c = Array(d)
    guard c.count == 8, c.allSatisfy(\.isNumber) else { return d }
    return String(c[0..<4]) + "-" + String(c[4..<6]) + "-" + String(c[6..<8])
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Reducer {
    /// Opens the viewer as the hanging protocol `hanging.index` arranges it.
    static func hang(_ state: inout AppState, current: StudySummary, hanging: HangingState) -> [Effect] {
        let p = hanging.matches[hanging.index]
        let (layout, viewports) = HangingProtocols.arrange(p, currentSeries: hanging.currentSeries,
                                                           priorSeries: hanging.prior == nil ? nil : hanging.priorSeries,
                                                           presets: state.presets)
        guard !viewports.isEmpty else {
            state.status = StatusMessage(text: "This study has no images to show", role: .warning)
            return []
        }
        let usesPrior = viewports.contains { vp in hanging.priorSeries.contains { $0.id == vp.seriesID } }
        var studies = [current]
        if usesPrior, let prior = hanging.prior { studies.append(prior) }
        var v = ViewerState(study: current, series: HangingProtocols.imageSeries(hanging.currentSeries)
                                + (usesPrior ? HangingProtocols.imageSeries(hanging.priorSeries) : []),
                            viewports: viewports, studies: studies)
        v.layout = layout
        v.hanging = hanging
        state.viewer = v
        state.screen = .viewer
        let more = hanging.matches.count > 1 ? " (p: \(hanging.matches.count - 1) more)" : ""
        state.status = StatusMessage(text: "Hanging protocol: \(p.name)\(more)", role: .statusBar)
        return viewports.enumerated().compactMap { i, vp in
            vp.seriesID.map { .openViewport(viewport: i, seriesID: $0, plane: vp.plane, obliqueAngle: vp.obliqueAngle) }
        }
    }
}

extension Reducer {
    /// A study that is not (wholly) in the store and can be fetched.
    static func needsRetrieve(_ state: AppState, _ s: StudySummary?) -> Bool {
        guard let s, state.archiveName != nil else { return false }
        return s.state == .remote || (s.state == .partial && s.source == state.archiveName)
    }
}
