import Imaging
import Testing
import TerminalUI
@testable import Workstation
#if canImport(Glibc)
import Glibc
#endif

/// Screens rendered into the cell buffer and compared, as text, with the snapshots in
/// Tests/WorkstationTests/Snapshots (SIXRAY_UPDATE_SNAPSHOTS=1 rewrites them), at 80×24 and
/// 200×60; and the whole app driven by keys on a headless terminal over the demo studies.
@Suite(.serialized) struct ScreenTests {
    static let snapshotDir: String = {
        let file = #filePath
        return String(file[..<file.lastIndex(of: "/")!]) + "/Snapshots"
    }()

    func assertSnapshot(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let path = Self.snapshotDir + "/" + name + ".txt"
        if getenv("SIXRAY_UPDATE_SNAPSHOTS") != nil {
            let f = fopen(path, "wb")!
            fputs(text + "\n", f)
            fclose(f)
            return
        }
        guard let expected = readTextFile(path) else {
            Issue.record("missing snapshot \(path) (run with SIXRAY_UPDATE_SNAPSHOTS=1)", sourceLocation: sourceLocation)
            return
        }
        #expect(text + "\n" == expected, "snapshot \(name) differs", sourceLocation: sourceLocation)
    }

    @Test(arguments: [(80, 24), (200, 60)])
    func worklistBrowserViewerHelp(width: Int, height: Int) {
        let h = TestHarness(width: width, height: height)
        assertSnapshot(h.screen, "worklist-\(width)x\(height)")
        h.press("Enter")
        assertSnapshot(h.screen, "browser-\(width)x\(height)")
        h.press("Enter")
        h.press("Down", "Down", "2")
        assertSnapshot(h.screen, "viewer-\(width)x\(height)")
        h.press("?")
        assertSnapshot(h.screen, "help-\(width)x\(height)")
    }

    @Test func tooSmallTerminalShowsAMessage() {
        let h = TestHarness(width: 40, height: 10)
        #expect(h.screen.contains("too small"))
        h.backend.width = 100
        h.backend.height = 30
        h.press("F5") // any key; then resize
        h.app.handle(.resize)
        h.app.draw()
        #expect(h.row(0).contains("Worklist"))
    }

    @Test func scrollingRedrawsOnlyTheViewport() {
        let h = TestHarness(width: 120, height: 40, graphics: .sixel)
        h.press("Enter", "Enter")
        #expect(h.backend.imageOutput.count > 1000) // the first slice as sixel
        h.press("Down")
        // Text: only the overlay lines change (slice number, position), not the whole screen.
        #expect(!h.app.lastPresent.fullRedraw)
        #expect(h.app.lastPresent.changedCells < 120 * 4)
        #expect(h.app.lastRenderedViewports == 1)
        #expect(h.statusLine.hasSuffix("2/48"))
        #expect(h.screen.contains("Im 2/48 · -57.5 mm · th 2.5"))
        // A key that changes nothing in the picture re-encodes nothing.
        h.press("h") // overlay off
        #expect(h.app.lastRenderedViewports == 0)
    }

    @Test func demoReadingSessionEndToEnd() {
        let h = TestHarness(width: 160, height: 48, graphics: .blocks)
        #expect(h.row(0).contains("3 of 3 studies"))
        h.press("Enter")
        #expect(h.row(1).contains("CT ABDOMEN (current)"))
        h.press("Enter")
        for _ in 0..<10 { h.press("Down") }
        #expect(h.statusLine.hasSuffix("11/48"))
        #expect(h.screen.contains("Im 11/48 · -35 mm"))
        h.press("1")
        #expect(h.statusLine.contains("Window: "))
        // Orientation labels of an axial slice: R on the left, L on the right, A top, P bottom.
        let mid = h.row(1 + (48 - 2) / 2)
        #expect(mid.hasPrefix("R") && mid.hasSuffix("L"))
        // Measure: a distance of 10 cursor steps to the right.
        h.press("d", "Enter")
        for _ in 0..<10 { h.press("Right") }
        h.press("Enter")
        #expect(h.statusLine.contains("Distance placed"))
        #expect(h.screen.contains(" mm"))
        // The value under the cursor is shown, in HU for CT.
        #expect(h.screen.contains("HU "))
        // Tags of the image.
        h.press("T")
        #expect(h.screen.contains("(0008,0060)") || h.screen.contains("Modality"))
        h.press("Esc", "Esc", "Esc")
        #expect(h.row(0).contains("Worklist"))
    }

    @Test func identityCanBeHidden() {
        let h = TestHarness(width: 120, height: 30)
        #expect(h.screen.contains("DEMO, PHANTOM"))
        h.press("Ctrl-p")
        #expect(!h.screen.contains("DEMO, PHANTOM") && h.screen.contains("(hidden)"))
        h.press("Enter", "Enter")
        #expect(!h.screen.contains("DEMO, PHANTOM") && !h.screen.contains("SIXRAY-DEMO"))
    }

    @Test func aSeriesThatFailsShowsItsErrorAndTheRestWorks() {
        var template = Array("/tmp/sixray-broken-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        _ = try? DemoStudies().write(to: dir)
        // Truncate every file of the prior series inside its pixel data: the series lists, but no slice decodes.
        for k in 1...30 {
            let p = dir + "/prior/CT" + (k < 10 ? "00" : "0") + String(k) + ".dcm"
            truncate(p, 60000)
        }
        let h = TestHarness(width: 120, height: 30, library: FolderLibrary(root: dir))
        h.press("End", "Enter", "Enter")
        #expect(h.screen.contains("prior") || h.row(0).contains("prior"))
        #expect(h.screen.lowercased().contains("error") || h.screen.contains("truncated") || h.screen.contains("no image")
                || h.screen.contains("bytes"), "\(h.screen)")
        h.press("Esc", "Esc", "Home", "Enter", "Enter")
        #expect(h.screen.contains("Im 1/48"))
    }
}

extension ScreenTests {
    @Test func demoComparisonScrollsBothInSync() {
        let h = TestHarness(width: 160, height: 40, graphics: .blocks)
        h.press("c")
        let v = h.app.state.viewer!
        #expect(v.layout == .oneByTwo && v.studies.count == 2)
        #expect(h.statusLine.contains("Registered the exams along the patient axis"))
        // The demo's prior was taken 35 mm further along the table; for every current slice in
        // the overlap, the linked prior slice lies within half the prior's spacing (4 mm) of the
        // same anatomy.
        var checked = 0
        for _ in 0..<47 {
            h.press("Down")
            let s = h.app.state.viewer!
            let cur = s.viewports[0], pri = s.viewports[1]
            let z = cur.geometry!.positions[cur.index] + 35
            let priorPositions = pri.geometry!.positions
            guard z >= priorPositions.first!, z <= priorPositions.last! else { continue }
            #expect(abs(priorPositions[pri.index] - z) <= 2 + 0.01, "current \(cur.index + 1): prior slice at \(priorPositions[pri.index]) for \(z)")
            checked += 1
        }
        #expect(checked > 20)
        #expect(h.statusLine.contains("· sync"))
    }
}

extension ScreenTests {
    @Test func reformatsAndSlabsOfTheDemo() {
        let h = TestHarness(width: 160, height: 48, graphics: .blocks)
        h.press("Enter", "Enter", "z")
        var vp = h.app.state.viewer!.viewports[0]
        #expect(vp.plane == .sagittal && vp.count == 256 && vp.error == nil, "\(vp.error ?? "")")
        #expect(h.screen.contains("Sagittal 129/256"))
        // Sagittal, radiological convention: anterior on the left, superior on top.
        let mid = h.row(1 + 46 / 2)
        #expect(mid.hasPrefix("A") && mid.hasSuffix("P"), "\(mid)")
        #expect(h.row(3).contains("S"))
        h.press("y")
        vp = h.app.state.viewer!.viewports[0]
        #expect(vp.plane == .coronal && vp.count == 256)
        let cmid = h.row(1 + 46 / 2)
        #expect(cmid.hasPrefix("R") && cmid.hasSuffix("L"), "\(cmid)")
        h.press("b")
        #expect(h.screen.contains("MIP 10 mm"))
        h.press("o")
        vp = h.app.state.viewer!.viewports[0]
        #expect(vp.plane == .oblique && vp.count > 0 && vp.error == nil, "\(vp.error ?? "")")
        // Slab on the acquired stack switches to the axial reformat.
        h.press("x")
        #expect(h.app.state.viewer!.viewports[0].plane == .axial)
        // A single-slice series has no sagittal plane: a clear message in the viewport.
    }
}
