import StudyStore
import Testing
@testable import Workstation
#if canImport(Glibc)
import Glibc
#endif

/// An archive in memory: it "holds" the demo's current study and fetches it by importing the
/// demo files into the store one by one.
struct FakeArchive: ArchiveService {
    let store: StudyStore
    let files: [String]
    let study: Workstation.StudySummary
    var offline = false
    var name: String { "PACS" }

    func findStudies(dateFrom: String?, patientID: String?, limit: Int) throws(WorkstationError) -> [Workstation.StudySummary] {
        if offline { throw WorkstationError("PACS: connection refused (127.0.0.1:1)") }
        return [study]
    }

    func retrieve(study: String, isCancelled: @escaping @Sendable () -> Bool,
                  progress: @escaping @Sendable (Int, Int?) -> Void) throws(WorkstationError) -> RetrieveSummary {
        var n = 0
        for f in files {
            if isCancelled() { return RetrieveSummary(received: n, skipped: 0, complete: false, message: "retrieve cancelled") }
            let r = store.importFiles([f], source: "PACS")
            n += r.imported
            progress(n, files.count - n)
        }
        return RetrieveSummary(received: n, skipped: 0, complete: true, message: nil)
    }
}

@Suite(.serialized) struct ArchiveWorkflowTests {
    func setUp(offline: Bool = false) throws -> (TestHarness, StudyStore, String) {
        var template = Array("/tmp/sixray-archive-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let store = try StudyStore.open(root: dir + "/store")
        let files = (1...48).map { DemoFixture.root + "/current/CT" + ($0 < 10 ? "00" : "0") + String($0) + ".dcm" }
        let remote = Workstation.StudySummary(id: "2.25.1729.1", patientName: "DEMO^PHANTOM", patientID: "SIXRAY-DEMO-1", studyDate: "20261120",
                                  modalities: ["CT"], description: "CT ABDOMEN (current)", seriesCount: 1, instanceCount: 48,
                                  source: "PACS", state: .remote)
        let archive = FakeArchive(store: store, files: files, study: remote, offline: offline)
        let h = TestHarness(width: 140, height: 40, graphics: .blocks, library: StoreLibrary(store: store), archive: archive)
        return (h, store, dir)
    }

    @Test func remoteStudiesListAndOpenProgressively() throws {
        let (h, store, dir) = try setUp()
        defer { _ = system("rm -rf '\(dir)'") }
        #expect(h.row(0).contains("PACS: 1 studies"))
        #expect(h.screen.contains("CT ABDOMEN (current)") && h.screen.contains("remote"))
        h.press("Enter")
        // The first instance opened the series browser; the retrieve finished and was announced.
        #expect(h.app.state.screen == .browser)
        #expect(h.statusLine.contains("Retrieved CT ABDOMEN (current): 48 instances"), "\(h.statusLine)")
        #expect(h.app.state.browser?.series.first?.files.count == 48)
        #expect(try store.study("2.25.1729.1")?.state == .complete)
        h.press("Enter")
        #expect(h.app.state.viewer?.viewports.first?.count == 48)
        h.press("Esc", "Esc")
        // Now local: the worklist shows it once, not as remote.
        #expect(h.app.state.worklist.studies.filter { $0.id == "2.25.1729.1" }.map(\.state) == [.complete])
    }

    @Test func anArchiveThatIsDownLeavesTheStoreWorking() throws {
        let (h, _, dir) = try setUp(offline: true)
        defer { _ = system("rm -rf '\(dir)'") }
        #expect(h.row(0).contains("PACS offline"))
        #expect(h.row(1).contains("Archive offline (PACS: connection refused (127.0.0.1:1)); the local store keeps working."))
        #expect(h.app.state.worklist.studies.isEmpty)
    }
}

/// The archive holds the demo's prior; the store only the current.
struct PriorArchive: ArchiveService {
    let store: StudyStore
    var name: String { "PACS" }
    static let prior = Workstation.StudySummary(id: "2.25.1729.2", patientName: "DEMO^PHANTOM", patientID: "SIXRAY-DEMO-1",
                                                studyDate: "20250611", modalities: ["CT"], description: "CT ABDOMEN (prior)",
                                                source: "PACS", state: .remote)

    func findStudies(dateFrom: String?, patientID: String?, limit: Int) throws(WorkstationError) -> [Workstation.StudySummary] {
        patientID == nil || patientID == "SIXRAY-DEMO-1" ? [Self.prior] : []
    }

    func retrieve(study: String, isCancelled: @escaping @Sendable () -> Bool,
                  progress: @escaping @Sendable (Int, Int?) -> Void) throws(WorkstationError) -> RetrieveSummary {
        let r = store.importFiles([DemoFixture.root + "/prior"], source: "PACS")
        progress(r.imported, 0)
        return RetrieveSummary(received: r.imported, skipped: 0, complete: true, message: nil)
    }
}

extension ArchiveWorkflowTests {
    @Test func compareFetchesThePriorFromTheArchiveWhenTheStoreHasNone() throws {
        var template = Array("/tmp/sixray-prior-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(dir)'") }
        let store = try StudyStore.open(root: dir + "/store")
        _ = store.importFiles([DemoFixture.root + "/current"], source: "demo")
        let h = TestHarness(width: 140, height: 40, graphics: .blocks, library: StoreLibrary(store: store),
                            archive: PriorArchive(store: store))
        // The worklist shows the local current and the archive's prior.
        #expect(h.app.state.worklist.studies.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.complete, .remote])
        h.press("Home", "c")
        let v = try #require(h.app.state.viewer)
        #expect(v.layout == .oneByTwo && v.studies.map(\.description) == ["CT ABDOMEN (current)", "CT ABDOMEN (prior)"])
        #expect(try store.study("2.25.1729.2")?.instanceCount == 30)
    }
}
