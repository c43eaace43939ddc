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
