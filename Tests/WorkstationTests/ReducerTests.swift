import Imaging
import Testing
import TerminalUI
@testable import Workstation

/// The reducer alone: state in, state and effects out, no terminal and no files.
@Suite struct ReducerTests {
    static func studies() -> [StudySummary] {
        [StudySummary(id: "1.1", patientName: "DOE^JANE", patientID: "P1", studyDate: "20261120", modalities: ["CT"],
                      description: "CT CHEST", accession: "A1", seriesCount: 2, instanceCount: 300),
         StudySummary(id: "1.2", patientName: "DOE^JANE", patientID: "P1", studyDate: "20250101", modalities: ["CT"],
                      description: "CT CHEST", accession: "A0", seriesCount: 1, instanceCount: 100, isRead: true),
         StudySummary(id: "2.1", patientName: "ROE^RICHARD", patientID: "P2", studyDate: "20261120", modalities: ["MR"],
                      description: "MR BRAIN", accession: "B1", seriesCount: 5, instanceCount: 900, keywords: ["teaching"])]
    }

    func worklistState() -> AppState {
        var s = AppState(width: 120, height: 40, today: "20261120")
        _ = Reducer.reduce(&s, .studiesLoaded(Self.studies(), notice: nil))
        return s
    }

    func viewerState(count: Int = 48) -> AppState {
        var s = worklistState()
        let series = [SeriesSummary(id: "s1", studyID: "1.1", number: 1, modality: "CT", description: "AXIAL", instanceCount: count),
                      SeriesSummary(id: "s2", studyID: "1.1", number: 2, modality: "CT", description: "BONE", instanceCount: count)]
        _ = Reducer.reduce(&s, .command(.open))
        _ = Reducer.reduce(&s, .seriesListLoaded(studyID: s.browser!.study.id, series))
        let effects = Reducer.reduce(&s, .command(.open))
        #expect(effects == [.openViewport(viewport: 0, seriesID: "s1", plane: .acquired, obliqueAngle: 30)])
        _ = Reducer.reduce(&s, .viewportReady(viewport: 0, seriesID: "s1", plane: .acquired, count: count, startIndex: 0))
        let t = ViewTransform(sourceWidth: 512, sourceHeight: 512, viewportWidth: 1000, viewportHeight: 1000)
        _ = Reducer.reduce(&s, .rendered(viewport: 0, transform: t, pixelScale: SIMD2(1, 1), position: 0))
        return s
    }

    @Test func worklistSortsByDateNewestFirstAndFilters() {
        var s = worklistState()
        #expect(Reducer.selectedStudy(s)?.id == "2.1" || Reducer.selectedStudy(s)?.id == "1.1")
        _ = Reducer.reduce(&s, .command(.filterUnread))
        #expect(Reducer.worklistRows(s).studies.map(\.id).sorted() == ["1.1", "2.1"])
        _ = Reducer.reduce(&s, .command(.filterModality)) // CT
        #expect(Reducer.worklistRows(s).studies.map(\.id) == ["1.1"])
        _ = Reducer.reduce(&s, .command(.clearFilters))
        _ = Reducer.reduce(&s, .command(.filter))
        for c in "teach" { _ = Reducer.reduce(&s, .key(.character(c))) }
        let (rows, studies) = Reducer.worklistRows(s)
        #expect(s.worklist.table.arrange(rows).map { studies[$0].id } == ["2.1"])
        _ = Reducer.reduce(&s, .key(.escape))
        #expect(s.worklist.filterInput == nil && s.worklist.table.filter.isEmpty)
        _ = Reducer.reduce(&s, .command(.filterToday))
        #expect(Reducer.worklistRows(s).studies.map(\.id).sorted() == ["1.1", "2.1"])
    }

    @Test func openingAStudyMarksItReadAndLoadsItsSeries() {
        var s = worklistState()
        _ = Reducer.reduce(&s, .command(.first))
        let id = Reducer.selectedStudy(s)!.id
        let wasRead = Reducer.selectedStudy(s)!.isRead
        let effects = Reducer.reduce(&s, .command(.open))
        #expect(s.screen == .browser)
        #expect(effects.first == .loadSeriesList(studyID: id))
        #expect(effects.contains(.setRead(studyID: id, true)) == !wasRead)
        _ = Reducer.reduce(&s, .command(.back))
        #expect(s.screen == .worklist)
    }

    @Test func escOnTheWorklistClearsFiltersThenQuits() {
        var s = worklistState()
        _ = Reducer.reduce(&s, .command(.filterToday))
        #expect(Reducer.reduce(&s, .command(.back)).isEmpty && !s.worklist.todayOnly)
        #expect(Reducer.reduce(&s, .command(.back)) == [.quit] && s.quitting)
    }

    @Test func pinAndReadToggleAndAskTheStore() {
        var s = worklistState()
        let id = Reducer.selectedStudy(s)!.id
        #expect(Reducer.reduce(&s, .command(.pin)) == [.setPinned(studyID: id, true)])
        #expect(s.worklist.studies.first { $0.id == id }!.isPinned)
        let read = s.worklist.studies.first { $0.id == id }!.isRead
        #expect(Reducer.reduce(&s, .command(.toggleRead)) == [.setRead(studyID: id, !read)])
    }

    @Test func slicesScrollWithinTheSeries() {
        var s = viewerState(count: 48)
        _ = Reducer.reduce(&s, .command(.nextSlice))
        #expect(s.viewer!.viewports[0].index == 1)
        _ = Reducer.reduce(&s, .command(.nextPage))
        #expect(s.viewer!.viewports[0].index == 11)
        _ = Reducer.reduce(&s, .command(.lastSlice))
        #expect(s.viewer!.viewports[0].index == 47)
        _ = Reducer.reduce(&s, .command(.nextSlice))
        #expect(s.viewer!.viewports[0].index == 47)
        _ = Reducer.reduce(&s, .command(.firstSlice))
        _ = Reducer.reduce(&s, .command(.previousSlice))
        #expect(s.viewer!.viewports[0].index == 0)
    }

    @Test func windowPresetsAndAdjustments() {
        var s = viewerState()
        _ = Reducer.reduce(&s, .command(.preset1))
        let w1 = s.viewer!.viewports[0].window
        #expect(w1 != nil && s.viewer!.viewports[0].windowName != nil)
        _ = Reducer.reduce(&s, .command(.windowWider))
        #expect(s.viewer!.viewports[0].window!.width > w1!.width)
        _ = Reducer.reduce(&s, .command(.levelUp))
        #expect(s.viewer!.viewports[0].window!.center > w1!.center)
        _ = Reducer.reduce(&s, .command(.autoWindow))
        #expect(s.viewer!.viewports[0].window == nil && s.viewer!.viewports[0].windowName == "auto")
        _ = Reducer.reduce(&s, .command(.invert))
        #expect(s.viewer!.viewports[0].invert)
        _ = Reducer.reduce(&s, .command(.preset9))
        #expect(s.status.role == .warning && s.status.text.contains("No window preset 9"))
    }

    @Test func geometryCommands() {
        var s = viewerState()
        _ = Reducer.reduce(&s, .command(.zoomIn))
        _ = Reducer.reduce(&s, .command(.panRight))
        _ = Reducer.reduce(&s, .command(.rotateClockwise))
        _ = Reducer.reduce(&s, .command(.flipHorizontal))
        _ = Reducer.reduce(&s, .command(.flipVertical))
        var vp = s.viewer!.viewports[0]
        #expect(vp.zoom == 1.25 && vp.panX > 0 && vp.quarterTurns == 1 && vp.flipHorizontal && vp.flipVertical)
        _ = Reducer.reduce(&s, .command(.rotateCounterclockwise))
        _ = Reducer.reduce(&s, .command(.rotateCounterclockwise))
        _ = Reducer.reduce(&s, .command(.fit))
        vp = s.viewer!.viewports[0]
        #expect(vp.zoom == 1 && vp.panX == 0 && vp.quarterTurns == 3)
    }

    @Test func planesAndSlabsAskForANewOpen() {
        var s = viewerState()
        let e = Reducer.reduce(&s, .command(.planeSagittal))
        #expect(e == [.openViewport(viewport: 0, seriesID: "s1", plane: .sagittal, obliqueAngle: 30)])
        #expect(s.viewer!.viewports[0].loading && s.viewer!.viewports[0].plane == .sagittal)
        // A late answer for the old plane is ignored.
        _ = Reducer.reduce(&s, .viewportReady(viewport: 0, seriesID: "s1", plane: .acquired, count: 48, startIndex: 0))
        #expect(s.viewer!.viewports[0].loading)
        _ = Reducer.reduce(&s, .viewportReady(viewport: 0, seriesID: "s1", plane: .sagittal, count: 256, startIndex: 128))
        #expect(!s.viewer!.viewports[0].loading && s.viewer!.viewports[0].index == 128)
        _ = Reducer.reduce(&s, .command(.slabCycle))
        #expect(s.viewer!.viewports[0].slab == .mip)
        _ = Reducer.reduce(&s, .command(.slabThicker))
        #expect(s.viewer!.viewports[0].slabThickness == 15)
        _ = Reducer.reduce(&s, .command(.planeOblique))
        let tilt = Reducer.reduce(&s, .command(.tiltObliqueUp))
        #expect(tilt == [.openViewport(viewport: 0, seriesID: "s1", plane: .oblique, obliqueAngle: 35)])
    }

    @Test func layoutsAddViewportsWithTheNextSeries() {
        var s = viewerState()
        let e = Reducer.reduce(&s, .command(.layoutCycle))
        #expect(s.viewer!.layout == .oneByTwo)
        #expect(e == [.openViewport(viewport: 1, seriesID: "s2", plane: .acquired, obliqueAngle: 30)])
        _ = Reducer.reduce(&s, .command(.layoutCycle))
        #expect(s.viewer!.layout == .twoByTwo && s.viewer!.viewports.count == 4)
        _ = Reducer.reduce(&s, .command(.nextViewport))
        #expect(s.viewer!.focused == 1)
        #expect(Reducer.viewportRects(s).count == 4)
    }

    @Test func cineAdvancesByTheClock() {
        var s = viewerState(count: 10)
        _ = Reducer.reduce(&s, .command(.cine))
        _ = Reducer.reduce(&s, .tick(0.25)) // 10 fps → 2.5 frames
        #expect(s.viewer!.viewports[0].index == 2)
        _ = Reducer.reduce(&s, .tick(0.75)) // carry 0.5 + 7.5 = 8 → wraps
        #expect(s.viewer!.viewports[0].index == 0)
        _ = Reducer.reduce(&s, .command(.cineFaster))
        #expect(s.viewer!.cineFPS == 12.5)
        _ = Reducer.reduce(&s, .command(.cine))
        _ = Reducer.reduce(&s, .tick(1))
        #expect(s.viewer!.viewports[0].index == 0)
    }

    @Test func distanceMeasurementFromTwoPoints() {
        var s = viewerState()
        _ = Reducer.reduce(&s, .command(.measureDistance))
        #expect(s.keyContexts == ["measure", "viewer", "global"])
        _ = Reducer.reduce(&s, .command(.place)) // centre
        for _ in 0..<4 { _ = Reducer.reduce(&s, .command(.cursorRight)) }
        _ = Reducer.reduce(&s, .command(.place))
        let m = try! #require(s.viewer!.measurements.first)
        #expect(m.kind == .distance && m.points.count == 2 && s.viewer!.tool == nil)
        // 4 steps of one cell (10 terminal pixels) at 1000 px for 512 source pixels.
        #expect(abs((m.points[1].x - m.points[0].x) - 40 * 512 / 1000) < 1e-9)
        _ = Reducer.reduce(&s, .command(.clearMeasurements))
        #expect(s.viewer!.measurements.isEmpty)
    }

    @Test func escCancelsAToolBeforeLeavingTheViewer() {
        var s = viewerState()
        _ = Reducer.reduce(&s, .command(.measureEllipse))
        _ = Reducer.reduce(&s, .command(.back))
        #expect(s.screen == .viewer && s.viewer!.tool == nil)
        _ = Reducer.reduce(&s, .command(.back))
        #expect(s.screen == .browser)
    }

    @Test func mouseDragAdjustsWindowAndWheelScrolls() {
        var s = viewerState()
        _ = Reducer.reduce(&s, .mouse(MouseEvent(kind: .press, button: .left, x: 10, y: 10)))
        _ = Reducer.reduce(&s, .mouse(MouseEvent(kind: .drag, button: .left, x: 30, y: 10)))
        #expect(s.viewer!.viewports[0].window!.width > 400)
        _ = Reducer.reduce(&s, .mouse(MouseEvent(kind: .release, button: .left, x: 30, y: 10)))
        #expect(s.viewer!.drag == nil)
    }

    @Test func helpAndDialogsTakeKeysFirst() {
        var s = viewerState()
        _ = Reducer.reduce(&s, .command(.help))
        _ = Reducer.reduce(&s, .command(.nextSlice))
        #expect(s.help?.scroll == 1 && s.viewer!.viewports[0].index == 0)
        _ = Reducer.reduce(&s, .command(.back))
        #expect(s.help == nil && s.screen == .viewer)
    }

    @Test func everyCommandIsInTheCatalogAndBoundInTheDefaultKeymap() {
        let r = UIResources.load(configDirectory: nil)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        for c in Command.allCases {
            let contexts = Command.catalog.contexts.filter { $0.value[c.rawValue] != nil }.map(\.key)
            #expect(!contexts.isEmpty, "\(c.rawValue) has no help text")
            #expect(contexts.contains { !r.keymap.sequences(for: c.rawValue, in: $0).isEmpty }, "\(c.rawValue) is unbound")
        }
        let vim = UIResources.load(keymap: "vim", configDirectory: nil)
        #expect(vim.warnings.isEmpty, "\(vim.warnings)")
        #expect(vim.keymap.sequences(for: "first_slice", in: "viewer").map(\.description) == ["gg", "Home"])
    }

    @Test func brokenUserFilesFallBackWithAMessage() {
        let files = ["/cfg/themes/dark.toml": "[roles]\ntext = \"#zzz\"\n",
                     "/cfg/keymaps/default.toml": "[viewer]\nnext_slice = [\"Dwn\"]\n"]
        let r = UIResources.load(configDirectory: "/cfg", readFile: { files[$0] })
        #expect(r.warnings.count == 2)
        #expect(r.warnings[0].hasPrefix("/cfg/themes/dark.toml:2: key 'roles.text'"))
        #expect(r.warnings[1].hasPrefix("/cfg/keymaps/default.toml:2: key 'viewer.next_slice': unknown key name 'Dwn'"))
        #expect(r.theme == Theme.builtInDark || r.theme.name == "dark")
        #expect(!r.keymap.sequences(for: "next_slice", in: "viewer").isEmpty)
        // A valid user override replaces only what it names.
        let ok = UIResources.load(configDirectory: "/cfg", readFile: { $0 == "/cfg/keymaps/default.toml" ? "[viewer]\nnext_slice = [\"n\"]\n" : nil })
        #expect(ok.keymap.sequences(for: "next_slice", in: "viewer").map(\.description) == ["n"])
        #expect(ok.keymap.sequences(for: "previous_slice", in: "viewer").map(\.description) == ["Up", "ScrollUp"])
    }
}

@Suite struct SyncTests {
    func geometry(start: Double, spacing: Double, count: Int, frame: String) -> SliceGeometry {
        SliceGeometry(normal: Vec3(0, 0, 1), positions: (0..<count).map { start + Double($0) * spacing },
                      frameOfReference: frame, modality: "CT")
    }

    /// A 1×2 comparison: current 1.25 mm from −100, prior 5 mm from `priorStart`.
    func comparison(priorStart: Double, sameFrame: Bool) -> AppState {
        var s = AppState(width: 120, height: 40, today: "20261120")
        let cur = StudySummary(id: "c", patientID: "P", studyDate: "20261120", modalities: ["CT"])
        let pri = StudySummary(id: "p", patientID: "P", studyDate: "20250101", modalities: ["CT"])
        let cs = [SeriesSummary(id: "cs", studyID: "c", modality: "CT", files: ["a"])]
        let ps = [SeriesSummary(id: "ps", studyID: "p", modality: "CT", files: ["b"])]
        let e = Reducer.reduce(&s, .comparisonLoaded(current: cur, prior: pri, currentSeries: cs, priorSeries: ps))
        #expect(e.count == 2 && s.viewer?.layout == .oneByTwo)
        let e0 = Reducer.reduce(&s, .viewportReady(viewport: 0, seriesID: "cs", plane: .acquired, count: 161, startIndex: 0,
                                                   geometry: geometry(start: -100, spacing: 1.25, count: 161, frame: "F1")))
        #expect(e0.isEmpty)
        let e1 = Reducer.reduce(&s, .viewportReady(viewport: 1, seriesID: "ps", plane: .acquired, count: 41, startIndex: 0,
                                                   geometry: geometry(start: priorStart, spacing: 5, count: 41, frame: sameFrame ? "F1" : "F2")))
        #expect(e1 == (sameFrame ? [] : [.register(from: "cs", to: "ps")]))
        return s
    }

    @Test func sameFrameOfReferenceSyncsByPositionExactly() {
        var s = comparison(priorStart: -102.5, sameFrame: true)
        for i in 0..<160 {
            _ = Reducer.reduce(&s, .command(.nextSlice))
            let v = s.viewer!
            let z = -100 + 1.25 * Double(i + 1)
            let priorZ = v.viewports[1].geometry!.positions[v.viewports[1].index]
            #expect(abs(priorZ - z) <= 2.5, "slice \(i + 1): prior at \(priorZ) for \(z)")
            #expect(abs(v.viewports[1].syncDistance! - abs(priorZ - z)) < 1e-9)
        }
    }

    @Test func differentFramesWaitForRegistrationThenFollowTheOffset() {
        var s = comparison(priorStart: -70, sameFrame: false)
        _ = Reducer.reduce(&s, .command(.nextPage))
        #expect(s.viewer!.viewports[1].index == 0) // no offset yet: the prior stays
        _ = Reducer.reduce(&s, .registered(from: "cs", to: "ps", offset: Vec3(0, 0, 35), note: "Registered: 35 mm"))
        // Current at −87.5 → prior at −52.5 (index 3.5 → 3 or 4, 2.5 mm away).
        let v = s.viewer!
        #expect([3, 4].contains(v.viewports[1].index) && abs(v.viewports[1].syncDistance! - 2.5) < 1e-9)
        #expect(s.status.text == "Registered: 35 mm")
        // Registration asked once per pair.
        #expect(Reducer.registrationsNeeded(&s.viewer!).isEmpty)
    }

    @Test func failedRegistrationLeavesManualAlignment() {
        var s = comparison(priorStart: -70, sameFrame: false)
        _ = Reducer.reduce(&s, .registered(from: "cs", to: "ps", offset: nil, note: "the series do not overlap"))
        #expect(s.status.role == .warning)
        // The user scrolls the prior to the landmark, back to the current, and aligns.
        _ = Reducer.reduce(&s, .command(.nextViewport))
        for _ in 0..<6 { _ = Reducer.reduce(&s, .command(.nextSlice)) } // prior at −40
        _ = Reducer.reduce(&s, .command(.nextViewport))
        for _ in 0..<20 { _ = Reducer.reduce(&s, .command(.nextSlice)) } // current at −75
        #expect(s.viewer!.viewports[1].index == 6) // not linked yet
        _ = Reducer.reduce(&s, .command(.align))
        #expect(s.status.role == .success)
        let o = s.viewer!.offsets["cs|ps"]!
        #expect(abs(o.z - 35) < 1e-9)
        _ = Reducer.reduce(&s, .command(.nextPage)) // current −62.5 → prior −27.5: index 8 or 9
        #expect([8, 9].contains(s.viewer!.viewports[1].index))
    }

    @Test func unlinkedViewportAndSyncOff() {
        var s = comparison(priorStart: -100, sameFrame: true)
        _ = Reducer.reduce(&s, .command(.nextViewport))
        _ = Reducer.reduce(&s, .command(.syncViewport))
        _ = Reducer.reduce(&s, .command(.nextViewport))
        _ = Reducer.reduce(&s, .command(.nextPage))
        #expect(s.viewer!.viewports[1].index == 0)
        _ = Reducer.reduce(&s, .command(.nextViewport))
        _ = Reducer.reduce(&s, .command(.syncViewport))
        _ = Reducer.reduce(&s, .command(.nextViewport))
        _ = Reducer.reduce(&s, .command(.sync)) // off
        _ = Reducer.reduce(&s, .command(.nextPage))
        #expect(s.viewer!.viewports[1].index == 0)
        _ = Reducer.reduce(&s, .command(.sync)) // on: catches up at once
        #expect(s.viewer!.viewports[1].index == 5)
    }

    @Test func linkedWindowAndZoomFollow() {
        var s = comparison(priorStart: -100, sameFrame: true)
        _ = Reducer.reduce(&s, .command(.linkWindow))
        _ = Reducer.reduce(&s, .command(.preset1))
        #expect(s.viewer!.viewports[1].window != nil && s.viewer!.viewports[1].window! == s.viewer!.viewports[0].window!)
        _ = Reducer.reduce(&s, .command(.zoomIn))
        #expect(s.viewer!.viewports[1].zoom == 1)
        _ = Reducer.reduce(&s, .command(.linkZoom))
        _ = Reducer.reduce(&s, .command(.zoomIn))
        #expect(s.viewer!.viewports[1].zoom == s.viewer!.viewports[0].zoom)
    }

    @Test func priorsRankSameModalityBeforeDate() {
        let cur = StudySummary(id: "c", patientID: "P", studyDate: "20261120", modalities: ["CT"], bodyPart: "ABDOMEN")
        let list = [StudySummary(id: "mr", patientID: "P", studyDate: "20261105", modalities: ["MR"], bodyPart: "ABDOMEN"),
                    StudySummary(id: "ct-old", patientID: "P", studyDate: "20200101", modalities: ["CT"], bodyPart: "ABDOMEN"),
                    StudySummary(id: "ct", patientID: "P", studyDate: "20250611", modalities: ["CT"], bodyPart: "ABDOMEN"),
                    StudySummary(id: "ct-later", patientID: "P", studyDate: "20270101", modalities: ["CT"], bodyPart: "ABDOMEN")]
        #expect(PriorRanking.rank(list, for: cur).map(\.id) == ["ct", "ct-old", "ct-later", "mr"])
    }
}

@Suite struct WorklistDateTests {
    @Test func dateRangesAsTyped() {
        #expect(DateRange.parse("20240101-20241231", today: "20261120")! == ("20240101", "20241231"))
        #expect(DateRange.parse("20240101-", today: "20261120")! == ("20240101", nil))
        #expect(DateRange.parse("-20241231", today: "20261120")! == (nil, "20241231"))
        #expect(DateRange.parse("20240315", today: "20261120")! == ("20240315", "20240315"))
        #expect(DateRange.parse("7d", today: "20261120")! == ("20261113", "20261120"))
        #expect(DateRange.parse("3m", today: "20260115")! == ("20251017", "20260115"))
        #expect(DateRange.parse("1y", today: "20240301")! == ("20230302", "20240301")) // 365 days across a leap day
        #expect(DateRange.parse("", today: "20261120")! == (nil, nil))
        #expect(DateRange.parse("2024-01-01", today: "20261120") == nil)
        #expect(DateRange.parse("20241231-20240101", today: "20261120") == nil)
        #expect(DateRange.shift("20240229", days: 1) == "20240301" && DateRange.shift("20250101", days: -1) == "20241231")
    }

    @Test func theDatePromptFiltersTheWorklist() {
        var s = AppState(width: 120, height: 40, today: "20261120")
        _ = Reducer.reduce(&s, .studiesLoaded(ReducerTests.studies(), notice: nil))
        _ = Reducer.reduce(&s, .command(.filterDates))
        #expect(s.prompt?.purpose == .dateRange)
        for c in "20250102-" { _ = Reducer.reduce(&s, .key(.character(c))) }
        _ = Reducer.reduce(&s, .key(.enter))
        #expect(s.prompt == nil && s.worklist.dateFrom == "20250102" && s.worklist.dateTo == nil)
        #expect(Reducer.worklistRows(s).studies.map(\.id).sorted() == ["1.1", "2.1"])
        _ = Reducer.reduce(&s, .command(.filterDates))
        for c in "bad" { _ = Reducer.reduce(&s, .key(.character(c))) }
        _ = Reducer.reduce(&s, .key(.enter))
        #expect(s.prompt != nil && s.status.role == .error)
        _ = Reducer.reduce(&s, .key(.escape))
        #expect(s.prompt == nil && s.worklist.dateFrom == "20250102")
        _ = Reducer.reduce(&s, .command(.back)) // clears filters first
        #expect(s.worklist.dateFrom == nil)
    }
}

extension SyncTests {
    @Test func compareAgainGoesToTheNextPriorAndCompareAllHangsThree() {
        var s = comparison(priorStart: -100, sameFrame: true)
        #expect(Reducer.reduce(&s, .command(.compare)) == [.openComparison(studyID: "c", priorRank: 1)])
        #expect(Reducer.reduce(&s, .command(.compareAll)) == [.openComparisonAll(studyID: "c")])
        let cur = StudySummary(id: "c", patientID: "P", studyDate: "20261120", modalities: ["CT"])
        let priors = (1...3).map { k in
            PriorWithSeries(study: StudySummary(id: "p\(k)", patientID: "P", studyDate: "202\(k)0101", modalities: ["CT"]),
                            series: [SeriesSummary(id: "s\(k)", studyID: "p\(k)", modality: "CT", files: ["x"])])
        }
        let e = Reducer.reduce(&s, .comparisonAllLoaded(current: cur, currentSeries: [SeriesSummary(id: "cs", studyID: "c", modality: "CT", files: ["a"])],
                                                        priors: priors))
        #expect(s.viewer?.layout == .twoByTwo && s.viewer?.studies.count == 4 && e.count == 4)
    }
}
