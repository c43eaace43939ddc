import StudyStore
import Testing
@testable import Workstation
#if canImport(Glibc)
import Glibc
#endif

@Suite struct StoreLibraryTests {
    @Test func theWorklistReadsTheStore() throws {
        var template = Array("/tmp/sixray-storelib-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(dir)'") }
        let store = try StudyStore.open(root: dir + "/store")
        let report = store.importFiles([DemoFixture.root], source: "demo")
        #expect(report.imported == 100 && report.rejected.isEmpty)
        let lib = StoreLibrary(store: store)
        let studies = try lib.studies()
        #expect(studies.map(\.description).sorted() == ["CT ABDOMEN (current)", "CT ABDOMEN (prior)", "MR ABDOMEN T2"])
        let current = try #require(studies.first { $0.description.contains("current") })
        #expect(current.patientName == "DEMO^PHANTOM" && current.instanceCount == 48 && !current.isRead)
        let series = try lib.series(ofStudy: current.id)
        #expect(series.count == 1 && series[0].files.count == 48)
        #expect(series[0].files.allSatisfy { $0.hasPrefix(dir + "/store/") }) // read in place, not copied
        // The store's prior ranking: the CT prior before the MR.
        #expect(try lib.priors(of: current).map(\.description) == ["CT ABDOMEN (prior)", "MR ABDOMEN T2"])
        lib.setRead(true, study: current.id)
        lib.setPinned(true, study: current.id)
        let again = try #require(try lib.studies().first { $0.id == current.id })
        #expect(again.isRead && again.isPinned)
        // A study on screen is leased; leaving it releases the lease.
        lib.viewing([current.id])
        lib.viewing([])
        // The app on the store: open, view with the protocol (current beside prior).
        let h = TestHarness(width: 140, height: 40, graphics: .blocks, library: lib)
        #expect(h.row(0).contains("3 of 3 studies"))
        h.press("v")
        #expect(h.app.state.viewer?.studies.count == 2)
    }
}

import DICOMCore

extension StoreLibraryTests {
    /// A CD from another hospital: the demo's prior under another Patient ID and other UIDs.
    static func writeCD(to dir: String) throws {
        _ = mkdir(dir, 0o700)
        for k in 1...30 {
            let f = try Part10Reader.read(path: DemoFixture.root + "/prior/CT" + (k < 10 ? "00" : "0") + String(k) + ".dcm")
            var ds = f.dataSet
            func set(_ t: DICOMCore.Tag, _ vr: VR, _ v: String) {
                var b = Array(v.utf8)
                if b.count % 2 == 1 { b.append(vr == .UI ? 0 : 0x20) }
                ds.set(DataElement(tag: t, vr: vr, bytes: b))
            }
            set(DICOMCore.Tag(0x0010, 0x0020), .LO, "CD-999")
            set(DICOMCore.Tag(0x0020, 0x000D), .UI, "2.25.9.1")
            set(DICOMCore.Tag(0x0020, 0x000E), .UI, "2.25.9.1.1")
            set(DICOMCore.Tag(0x0008, 0x0018), .UI, "2.25.9.1.1.\(k)")
            set(DICOMCore.Tag(0x0008, 0x1030), .LO, "OUTSIDE CT")
            try Part10Writer().write(ds, to: dir + "/IM\(k).dcm")
        }
    }

    @Test func aStudyFromACDIsAttachedToTheLocalPatient() throws {
        var template = Array("/tmp/sixray-attach-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(dir)'") }
        let store = try StudyStore.open(root: dir + "/store")
        _ = store.importFiles([DemoFixture.root + "/current"], source: "demo")
        try Self.writeCD(to: dir + "/cd")
        _ = store.importFiles([dir + "/cd"], source: "CD")
        let lib = StoreLibrary(store: store)
        #expect(lib.attachCandidates(study: "2.25.9.1").map(\.patientID) == ["SIXRAY-DEMO-1"])
        let h = TestHarness(width: 140, height: 40, graphics: .blocks, library: lib)
        h.press("/")
        h.type("OUTSIDE")
        h.press("Enter", "A")
        #expect(h.app.state.prompt?.input.text == "SIXRAY-DEMO-1")
        #expect(h.screen.contains("Matching local patients: SIXRAY-DEMO-1 DEMO, PHANTOM 1960-01-01 O"))
        h.press("Enter")
        #expect(h.statusLine.contains("Study attached to patient SIXRAY-DEMO-1"))
        #expect(h.app.state.worklist.studies.first { $0.id == "2.25.9.1" }?.patientID == "SIXRAY-DEMO-1")
        // Now it is a prior of the current study, and the comparison opens with it.
        #expect(try lib.priors(of: try #require(h.app.state.worklist.studies.first { $0.id == "2.25.1729.1" })).map(\.id) == ["2.25.9.1"])
    }
}
