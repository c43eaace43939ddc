import DICOMCore
import Imaging
import TerminalGraphics
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// The workstation's loop: read a key, turn it into an action, reduce, run the effects, draw.
/// The loop is the only place that touches the terminal (through its backend) and the
/// library; everything it decides comes from `Reducer`.
public final class WorkstationApp {
    public private(set) var state: AppState
    public let library: any StudyLibrary
    /// The configured archive (worklist query, retrieve); nil: the local store only.
    public let archive: (any ArchiveService)?
    public let renderer: ScreenRenderer
    public let backend: any TerminalBackend
    private var resolver = KeyResolver()
    /// Results of background work (registration, archive queries, retrieves) come back here.
    public let inbox = Inbox()
    private let clock: () -> Double
    private var lastTick: Double
    /// Statistics of the last presented frame (tests and the latency benchmark read them).
    public private(set) var lastPresent = PresentStats()
    public private(set) var lastRenderedViewports = 0
    /// `--deidentify`: the PS3.15 Basic Profile applied to what the tag browser shows (one
    /// profile per session, so replaced UIDs stay consistent while it runs).
    public let deidentification: ConfidentialityProfile?

    /// - Parameters:
    ///   - clock: seconds, monotonic (tests pass a fake one).
    public init(library: any StudyLibrary, renderer: ScreenRenderer, backend: any TerminalBackend, resources: UIResources,
                today: String, cellSize: (width: Int, height: Int)?, archive: (any ArchiveService)? = nil,
                deidentify: Bool = false, clock: @escaping () -> Double = monotonicSeconds) {
        self.library = library
        self.archive = archive
        self.deidentification = deidentify ? ConfidentialityProfile() : nil
        self.renderer = renderer
        self.backend = backend
        self.clock = clock
        lastTick = clock()
        let size = backend.size
        var s = AppState(width: size.width, height: size.height, today: today, presets: resources.presets)
        if let c = cellSize, c.width > 0, c.height > 0 {
            s.cellWidth = c.width
            s.cellHeight = c.height
        }
        s.graphicsName = renderer.graphics.rawValue
        s.protocols = resources.protocols
        s.archiveName = archive?.name
        if let a = archive { s.archiveStatus = "\(a.name): querying…" }
        s.defaultLayout = resources.layout
        if deidentify {
            s.hideIdentity = true
            s.identityLocked = true
        }
        if let w = resources.warnings.first {
            s.status = StatusMessage(text: w + (resources.warnings.count > 1 ? " (+\(resources.warnings.count - 1) more)" : ""), role: .warning)
        }
        state = s
    }

    /// Loads the worklist; call once before `run` or `step`.
    public func start() {
        perform([.loadStudies] + (archive == nil ? [] : [.queryArchive(dateFrom: nil)]))
    }

    /// Runs until the user quits. Returns the process exit code.
    public func run() -> Int32 {
        start()
        draw()
        while !state.quitting {
            var timeout = state.viewer?.cine == true ? max(1, Int(1000 / (state.viewer?.cineFPS ?? 10))) : 500
            if inbox.isBusy { timeout = min(timeout, 50) }
            let key = backend.readKey(timeoutMilliseconds: timeout)
            if let key { handle(key) }
            let arrived = inbox.drain()
            for a in arrived { dispatch(a) }
            if state.viewer?.cine == true {
                let now = clock()
                dispatch(.tick(now - lastTick))
                lastTick = now
            } else {
                lastTick = clock()
            }
            if key == nil, arrived.isEmpty, state.viewer?.cine != true { continue }
            draw()
        }
        library.viewing([])
        backend.shutdown()
        return 0
    }

    /// Handles one key as the loop does (tests and the benchmark drive the app through this).
    public func handle(_ key: Key) {
        switch key {
        case .resize:
            let s = backend.size
            resolver.reset()
            dispatch(.resize(width: s.width, height: s.height))
        case let .mouse(e):
            dispatch(.mouse(e))
        default:
            // A text field being edited takes printable keys and editing keys itself.
            if (state.screen == .worklist && state.worklist.filterInput != nil || state.prompt != nil), isTextKey(key) {
                dispatch(.key(key))
                return
            }
            switch resolver.resolve(key, keymap: renderer.keymap, contexts: state.keyContexts) {
            case let .action(name):
                if let c = Command(rawValue: name) { dispatch(.command(c)) }
            case .pending:
                break
            case let .unbound(k):
                dispatch(.key(k))
            }
        }
    }

    func isTextKey(_ key: Key) -> Bool {
        switch key {
        case .character, .backspace, .delete, .left, .right, .home, .end, .ctrl("a"), .ctrl("e"), .ctrl("u"), .ctrl("k"), .ctrl("w"),
             .enter, .escape:
            return true
        default:
            return false
        }
    }

    /// Waits until background work is done and its results are reduced (tests, benchmarks).
    public func settle(timeoutSeconds: Double = 30) {
        let start = monotonicSeconds()
        repeat {
            for a in inbox.drain() { dispatch(a) }
            if !inbox.isBusy { for a in inbox.drain() { dispatch(a) }; return }
            usleep(2000)
        } while monotonicSeconds() - start < timeoutSeconds
    }

    private var viewed: Set<String> = []

    public func dispatch(_ action: Action) {
        let effects = Reducer.reduce(&state, action)
        let nowViewed = Set(state.viewer?.studies.map(\.id) ?? [])
        if nowViewed != viewed {
            viewed = nowViewed
            library.viewing(nowViewed)
        }
        perform(effects)
    }

    /// Draws the current state and feeds what the renderer learned back to the reducer.
    public func draw() {
        let frame = renderer.render(state)
        lastPresent = backend.present(frame.buffer, images: frame.images)
        lastRenderedViewports = frame.renderedViewports
        for a in frame.feedback { _ = Reducer.reduce(&state, a) }
    }

    /// Runs effects; their results come back as actions.
    func perform(_ effects: [Effect]) {
        for e in effects {
            switch e {
            case .loadStudies:
                do {
                    let studies = try library.studies()
                    dispatch(.studiesLoaded(studies, notice: studies.isEmpty ? "No studies in the local store: import some with `sixray import PATH`, or try `sixray demo`." : nil))
                } catch {
                    dispatch(.studiesFailed(error.description))
                }
            case let .loadSeriesList(id):
                do { dispatch(.seriesListLoaded(studyID: id, try library.series(ofStudy: id))) } catch {
                    dispatch(.seriesListFailed(studyID: id, error.description))
                }
            case let .openViewport(i, seriesID, plane, angle):
                guard let series = state.viewer?.series.first(where: { $0.id == seriesID }) ?? state.browser?.series.first(where: { $0.id == seriesID }) else {
                    dispatch(.viewportFailed(viewport: i, seriesID: seriesID, "series \(seriesID) is not in this study"))
                    continue
                }
                do {
                    let opened = try renderer.provider.open(series: series, plane: plane, obliqueAngle: angle)
                    dispatch(.viewportReady(viewport: i, seriesID: seriesID, plane: plane, count: opened.count,
                                            startIndex: opened.start, geometry: opened.geometry))
                } catch {
                    dispatch(.viewportFailed(viewport: i, seriesID: seriesID, error.description))
                }
            case let .setRead(id, read):
                library.setRead(read, study: id)
            case let .setPinned(id, pinned):
                library.setPinned(pinned, study: id)
            case let .showTags(seriesID, plane, index):
                dispatch(.showText(title: "DICOM tags", lines: tagLines(seriesID: seriesID, plane: plane, index: index)))
            case let .showReports(studyID):
                dispatch(.showText(title: "Structured reports", lines: reportLines(studyID: studyID)))
            case let .register(a, b):
                guard let v = state.viewer, let sa = v.series.first(where: { $0.id == a }),
                      let sb = v.series.first(where: { $0.id == b }) else { continue }
                // Decoding every slice of two long series takes a moment: off the loop.
                inbox.spawn { _, post in post(WorkstationApp.register(sa, sb)) }
            case let .openComparison(id, rank):
                openComparison(id, rank: rank)
            case let .openComparisonAll(id):
                openComparisonAll(id)
            case let .openStudy(id):
                openStudy(id)
            case let .queryArchive(dateFrom):
                guard let archive else { continue }
                inbox.spawn { _, post in
                    do { post(.archiveStudies(try archive.findStudies(dateFrom: dateFrom, patientID: nil, limit: 500))) } catch {
                        post(.archiveFailed("\(error)"))
                    }
                }
            case let .retrieve(id):
                guard let archive else { continue }
                inbox.spawn { isCancelled, post in
                    do {
                        let summary = try archive.retrieve(study: id, isCancelled: isCancelled) { received, remaining in
                            post(.retrieveProgress(studyID: id, received: received, remaining: remaining))
                        }
                        post(.retrieveFinished(studyID: id, summary))
                    } catch {
                        post(.retrieveFinished(studyID: id, RetrieveSummary(received: 0, skipped: 0, complete: false, message: "\(error)")))
                    }
                }
            case .cancelBackground:
                inbox.cancelAll()
            case let .loadAttachCandidates(id):
                dispatch(.attachCandidates(studyID: id, library.attachCandidates(study: id).map(\.label)))
            case let .attach(id, patient):
                do {
                    try library.attach(study: id, toPatientID: patient)
                    dispatch(.message("Study attached to patient \(patient) (its own identifiers are kept)", .success))
                    perform([.loadStudies])
                } catch {
                    dispatch(.message(error.description, .error))
                }
            case let .fetchPriors(id, limit, thenCompare):
                guard let archive, let current = state.worklist.studies.first(where: { $0.id == id })
                        ?? state.viewer?.studies.first(where: { $0.id == id }), !current.patientID.isEmpty else { continue }
                let held = Set((try? library.studies())?.filter { $0.state == .complete }.map(\.id) ?? [])
                inbox.spawn { isCancelled, post in
                    guard let found = try? archive.findStudies(dateFrom: nil, patientID: current.patientID, limit: 50) else {
                        if thenCompare { post(.message("\(archive.name) did not answer; no prior to compare", .warning)) }
                        return
                    }
                    let priors = PriorRanking.rank(found.filter { $0.id != current.id && !held.contains($0.id) }, for: current).prefix(limit)
                    if priors.isEmpty {
                        if thenCompare { post(.message("No prior of this patient at \(archive.name) either", .warning)) }
                        return
                    }
                    if thenCompare, let first = priors.first { post(.priorFound(priorID: first.id, currentID: current.id)) }
                    // One at a time: prefetching never takes more than one association's share.
                    for p in priors where !isCancelled() {
                        do {
                            let summary = try archive.retrieve(study: p.id, isCancelled: isCancelled) { received, remaining in
                                post(.retrieveProgress(studyID: p.id, received: received, remaining: remaining))
                            }
                            post(.retrieveFinished(studyID: p.id, summary))
                        } catch {
                            post(.retrieveFinished(studyID: p.id, RetrieveSummary(received: 0, skipped: 0, complete: false, message: "\(error)")))
                        }
                    }
                }
            case .redraw:
                backend.invalidate()
            case .quit:
                break
            }
        }
    }

    /// Estimates the offset between two series along the patient axis (different Frames of
    /// Reference) and reports it, or why it could not.
    static func register(_ sa: SeriesSummary, _ sb: SeriesSummary) -> Action {
        let a = sa.id, b = sb.id
        do {
            let pa = try SliceStack(seriesID: sa.id, files: sa.files, cacheLimit: 2).registrationProfile(limit: 160)
            let pb = try SliceStack(seriesID: sb.id, files: sb.files, cacheLimit: 2).registrationProfile(limit: 160)
            guard abs(dot(pa.normal, pb.normal)) > 0.9 else {
                return .registered(from: a, to: b, offset: nil, note: "the series were acquired in different planes: align a landmark with =")
            }
            let sign = dot(pa.normal, pb.normal) > 0 ? 1.0 : -1.0
            guard let r = AxialRegistration.register(pa.samples, pb.samples.map {
                AxialRegistration.Sample(position: $0.position * sign, area: $0.area, mean: $0.mean)
            }, sameModality: pa.modality == pb.modality) else {
                return .registered(from: a, to: b, offset: nil, note: "the series do not overlap along the patient axis: sync only after aligning a landmark (=)")
            }
            // Position in b (along b's normal) = position in a + offset.
            let offset = pb.normal * (r.offset * sign)
            let quality = r.score >= 0.8 ? "" : r.score >= 0.5 ? " (weak match: check, and align a landmark with = if needed)" : " (poor match: align a landmark with =)"
            return .registered(from: a, to: b, offset: offset,
                               note: "Registered the exams along the patient axis: \(fmt1(r.offset)) mm\(quality)")
        } catch {
            return .registered(from: a, to: b, offset: nil, note: "\(error.message): comparison not synchronised")
        }
    }

    func openComparison(_ id: String, rank: Int) {
        guard let current = state.worklist.studies.first(where: { $0.id == id }) ?? state.viewer?.studies.first(where: { $0.id == id }) else { return }
        do {
            let priors = try library.priors(of: current)
            let r = priors.isEmpty ? 0 : rank % priors.count
            let prior = priors.isEmpty ? nil : priors[r]
            let cs = try library.series(ofStudy: current.id)
            let ps = try prior.map { p throws(WorkstationError) in try library.series(ofStudy: p.id) } ?? []
            dispatch(.comparisonLoaded(current: current, prior: prior, currentSeries: cs, priorSeries: ps,
                                       priorRank: r, priorCount: priors.count))
        } catch {
            dispatch(.message(error.description, .error))
        }
    }

    func openComparisonAll(_ id: String) {
        guard let current = state.worklist.studies.first(where: { $0.id == id }) ?? state.viewer?.studies.first(where: { $0.id == id }) else { return }
        do {
            let priors = try library.priors(of: current).prefix(3).map { p throws(WorkstationError) in
                PriorWithSeries(study: p, series: try library.series(ofStudy: p.id))
            }
            dispatch(.comparisonAllLoaded(current: current, currentSeries: try library.series(ofStudy: current.id), priors: priors))
        } catch {
            dispatch(.message(error.description, .error))
        }
    }

    func openStudy(_ id: String) {
        guard let current = state.worklist.studies.first(where: { $0.id == id }) ?? state.browser.map({ $0.study }).flatMap({ $0.id == id ? $0 : nil }) else { return }
        do {
            let cs = try library.series(ofStudy: current.id)
            // The prior is only worth loading when a matching protocol wants one.
            let wantsPrior = HangingProtocols.matching(state.protocols, study: current, series: cs).contains { $0.needsPrior }
            let prior = wantsPrior ? try library.priors(of: current).first : nil
            let ps = try prior.map { p throws(WorkstationError) in try library.series(ofStudy: p.id) } ?? []
            dispatch(.studyLoaded(current: current, prior: prior, currentSeries: cs, priorSeries: ps))
        } catch {
            dispatch(.message(error.description, .error))
        }
    }

    func tagLines(seriesID: String, plane: ViewPlane, index: Int) -> [String] {
        guard let series = state.viewer?.series.first(where: { $0.id == seriesID }) else { return ["(series not found)"] }
        var path: String?
        let stacks = (renderer.provider as? VolumePlaneProvider)?.stacks ?? (renderer.provider as? StackPlaneProvider)
        if let stack = stacks.flatMap({ try? $0.stack(for: series) }), plane == .acquired,
           index < stack.slices.count {
            path = stack.slices[index].path
        }
        guard let file = path ?? series.files.first else { return ["(no file)"] }
        do {
            var f = try Part10Reader.read(path: file)
            if let profile = deidentification { f = f.deidentified(with: profile) }
            var lines = [deidentification == nil ? "File: \(file)" : "File: (de-identified, PS3.15 Basic Profile)", ""] + DumpFormatter(maxValueLength: 80, hideBulk: true).format(f).split(separator: "\n").map(String.init)
            if state.hideIdentity { lines = lines.map(Self.redactIdentity) }
            return lines
        } catch {
            return ["\(file): \(error)"]
        }
    }

    /// Blanks the values of patient-identifying attributes in dump lines.
    static func redactIdentity(_ line: String) -> String {
        let tags = ["(0010,0010)", "(0010,0020)", "(0010,0030)", "(0010,1000)", "(0010,1001)", "(0010,2154)", "(0010,1040)"]
        guard tags.contains(where: { line.contains($0) }) else { return line }
        guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]"), open < close else { return line }
        return String(line[...open]) + "(hidden)" + String(line[close...])
    }

    func reportLines(studyID: String) -> [String] {
        let series = (try? library.series(ofStudy: studyID)) ?? []
        var lines: [String] = []
        for s in series where s.modality == "SR" {
            for path in s.files {
                guard let f = try? Part10Reader.read(path: path) else { lines.append("\(path): unreadable"); continue }
                lines.append("── \(s.description.isEmpty ? "Report" : s.description) ──")
                lines += StructuredReportText.lines(f.dataSet)
                lines.append("")
            }
        }
        return lines.isEmpty ? ["No structured report (SR) in this study."] : lines
    }
}

/// The text of an SR document's content tree (PS3.3 C.17.3): concept names, text, codes,
/// numbers with units, indented by nesting.
public enum StructuredReportText {
    public static func lines(_ ds: DataSet, depth: Int = 0) -> [String] {
        var out: [String] = []
        let pad = String(repeating: "  ", count: depth)
        let name = ds.items(Tag(0x0040, 0xA043)).first.flatMap { $0.string(Tag(0x0008, 0x0104)) }.map(trimSpaces)
        let type = ds.string(Tag(0x0040, 0xA040)).map(trimSpaces) ?? ""
        var value = ""
        switch type {
        case "TEXT": value = ds.string(Tag(0x0040, 0xA160)) ?? ""
        case "CODE": value = ds.items(Tag(0x0040, 0xA168)).first.flatMap { $0.string(Tag(0x0008, 0x0104)) } ?? ""
        case "NUM":
            if let mv = ds.items(Tag(0x0040, 0xA300)).first {
                value = (mv.string(Tag(0x0040, 0xA30A)).map(trimSpaces) ?? "") + " "
                    + (mv.items(Tag(0x0040, 0x08EA)).first.flatMap { $0.string(Tag(0x0008, 0x0100)) }.map(trimSpaces) ?? "")
            }
        case "DATE": value = ds.string(Tag(0x0040, 0xA121)) ?? ""
        case "PNAME": value = ds.string(Tag(0x0040, 0xA123)).map(displayName) ?? ""
        default: break
        }
        if name != nil || !value.isEmpty {
            out.append(pad + (name.map { $0 + (value.isEmpty ? "" : ": ") } ?? "") + value.trimmingTrailingSpaces)
        }
        for item in ds.items(Tag(0x0040, 0xA730)) { out += lines(item, depth: depth + (name == nil ? 0 : 1)) }
        return out
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = self
        while s.last == " " || s.last == "\0" { s.removeLast() }
        return s
    }
}

/// Seconds from a monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Today's date as YYYYMMDD in local time.
public func todayString() -> String {
    var t = time(nil)
    var tmv = tm()
    localtime_r(&t, &tmv)
    let y = Int(tmv.tm_year) + 1900, m = Int(tmv.tm_mon) + 1, d = Int(tmv.tm_mday)
    return String(y) + (m < 10 ? "0" : "") + String(m) + (d < 10 ? "0" : "") + String(d)
}

extension DataSet {
    /// The items of a sequence element, empty when absent or not a sequence.
    func items(_ tag: Tag) -> [DataSet] {
        guard let e = self[tag], case let .sequence(items) = e.value else { return [] }
        return items
    }
}
