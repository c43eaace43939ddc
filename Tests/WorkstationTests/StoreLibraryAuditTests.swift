import AuditTrail
import Foundation
import StudyStore
import Testing
@testable import Workstation
#if canImport(Glibc)
import Glibc
#endif

@Suite struct StoreLibraryAuditTests {
    @Test("the workstation records each study it opens; a confidential one (a prior too) stays shut without --show-confidential, and is audited with it")
    func openingIsAudited() throws {
        var template = Array("/tmp/sixray-storeaudit-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(dir)'") }
        let store = try StudyStore.open(root: dir + "/store")
        #expect(store.importFiles([DemoFixture.root], source: "demo").imported == 100)
        let studies = try StoreLibrary(store: store).studies()
        let current = try #require(studies.first { $0.description.contains("current") })
        let prior = try #require(studies.first { $0.description.contains("(prior)") })
        try store.setConfidential(true, study: prior.id)

        let lib = StoreLibrary(store: store)
        #expect(try lib.studies().map(\.id).contains(prior.id) == false)
        // The confidential prior is not offered for comparison, and not readable by UID.
        #expect(try lib.priors(of: current).map(\.id).contains(prior.id) == false)
        #expect(throws: WorkstationError.self) { try lib.series(ofStudy: prior.id) }
        // Opening the current study (as the app does: the studies on screen are held).
        let h = TestHarness(width: 140, height: 40, graphics: .blocks, library: lib)
        h.press("v")
        #expect(h.app.state.viewer?.studies.map(\.id).contains(current.id) == true)
        var records = try AuditLog.read(path: store.auditLog.path).records
        let opened = records.filter { $0.event == "open" }
        #expect(opened.map(\.study).contains(current.id))
        #expect(opened.allSatisfy { $0.detail == "workstation" && $0.outcome == .success })
        #expect(!records.contains { $0.study == prior.id && !["import", "mark"].contains($0.event) })

        let shown = StoreLibrary(store: store)
        shown.showConfidential = true
        #expect(try shown.series(ofStudy: prior.id).count == 1)
        shown.viewing([prior.id])
        shown.viewing([])
        records = try AuditLog.read(path: store.auditLog.path).records
        #expect(records.filter { $0.study == prior.id }.map(\.event) == ["import", "mark", "access-confidential", "open"])
        let text = String(decoding: try #require(FileManager.default.contents(atPath: store.auditLog.path)), as: UTF8.self)
        #expect(!text.contains("DEMO^PHANTOM") && !text.contains("SIXRAY-DEMO-1"))
    }
}
