import AuditTrail
import DICOMCore
import Testing
@testable import StudyStore

#if canImport(Glibc)
import Glibc
#endif

@Suite struct StoreAuditTests {
    @Test("evictions (by request, by quota, purge) are audited with the reason; the log names UIDs, never the patient")
    func evictionsAudited() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        for k in 1...3 {
            _ = try writeStudy(instance(patient: "PID\(k)", name: "SECRET^NAME\(k)", birth: "19411223", study: "2.25.9\(k)", accession: "ACC\(k)"),
                               count: 2, to: tmp.inputs + "/\(k)")
        }
        let clock = TestClock()
        let store = try StudyStore.open(root: tmp.store, options: options(clock: clock))
        defer { store.close() }
        #expect(store.importFiles([tmp.inputs]).imported == 6)
        #expect(store.auditLog.path == tmp.store + "/audit.log")

        #expect(try store.evict(studies: ["2.25.91"]).evicted == ["2.25.91"])
        let one = try #require(try store.study("2.25.92")).sizeBytes
        #expect(try store.evictToSize(one).evicted == ["2.25.92"])
        _ = try store.purge()
        let (records, damaged) = try AuditLog.read(path: store.auditLog.path)
        #expect(damaged.isEmpty)
        let imports = records.filter { $0.event == "import" }
        #expect(imports.map { $0.study ?? "" }.sorted() == ["2.25.91", "2.25.92", "2.25.93"])
        #expect(imports.allSatisfy { $0.instances == 2 && $0.outcome == .success })
        let evictions = records.filter { $0.event == "evict" }
        #expect(evictions.map { $0.study ?? "" }.sorted() == ["2.25.91", "2.25.92", "2.25.93"])
        #expect(evictions.first { $0.study == "2.25.91" }?.detail == "by request")
        #expect(Set(evictions.compactMap(\.detail)).isSubset(of: ["by request", "to size", "purge"]))
        #expect(evictions.allSatisfy { $0.outcome == .success && $0.pid == getpid() && !$0.user.isEmpty && !$0.host.isEmpty })
        // The store's clock stamps the records (UTC ISO 8601).
        #expect(evictions.allSatisfy { $0.time == AuditRecord.iso8601(clock.read()) })
        let text = String(decoding: try #require(readAll(store.auditLog.path)), as: UTF8.self)
        for secret in ["SECRET", "PID1", "PID2", "19411223", "ACC1"] { #expect(!text.contains(secret)) }
    }

    @Test("the quota's evictions during an import say 'quota'")
    func quotaAudited() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.71"), count: 2, to: tmp.inputs + "/a")
        let clock = TestClock()
        var o = options(clock: clock)
        o.maxSizeBytes = 1
        let store = try StudyStore.open(root: tmp.store, options: o)
        defer { store.close() }
        _ = store.importFiles([tmp.inputs + "/a"])
        clock.advance(10)
        _ = try writeStudy(instance(study: "2.25.72"), count: 2, to: tmp.inputs + "/b")
        _ = store.importFiles([tmp.inputs + "/b"])
        let evictions = try AuditLog.read(path: store.auditLog.path).records.filter { $0.event == "evict" }
        #expect(evictions.map { $0.study ?? "" } == ["2.25.71"])
        #expect(evictions.first?.detail == "quota")
    }

    @Test("a stored file's study is found from its path alone, with its confidential flag from study.json")
    func storedPaths() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.81"), count: 1, to: tmp.inputs + "/a")
        var c = instance(study: "2.25.82")
        c.confidentialityCode = "R"
        _ = try writeStudy(c, count: 1, to: tmp.inputs + "/b")
        var o = options()
        o.confidentialCodes = ["r"]
        let store = try StudyStore.open(root: tmp.store, options: o)
        defer { store.close() }
        _ = store.importFiles([tmp.inputs])
        try store.setConfidential(true, study: "2.25.81")
        let file = try #require(try store.instances(ofStudy: "2.25.81").first).path
        #expect(StudyStore.storedStudy(containing: file, root: tmp.store) == "2.25.81")
        let folder = tmp.store + "/" + StoreLayout.studyDirectory(studyUID: "2.25.81")
        #expect(StudyStore.storedStudy(containing: folder + "/../" + StoreLayout.fileName(forUID: "2.25.81"), root: tmp.store) == "2.25.81")
        #expect(StudyStore.storedStudy(containing: tmp.inputs + "/a", root: tmp.store) == nil)
        #expect(StudyStore.storedStudy(containing: tmp.store + "/objects", root: tmp.store) == nil)
        #expect(StudyStore.storedConfidentialFlag(study: "2.25.81", root: tmp.store))
        #expect(!StudyStore.storedConfidentialFlag(study: "2.25.82", root: tmp.store))   // by code, not flag
        #expect(try store.isConfidential(study: "2.25.81"))
        #expect(try store.isConfidential(study: "2.25.82"))
        try store.setConfidential(false, study: "2.25.81")
        #expect(!(try store.isConfidential(study: "2.25.81")))
        #expect(!StudyStore.storedConfidentialFlag(study: "2.25.81", root: tmp.store))
        let marks = try AuditLog.read(path: store.auditLog.path).records.filter { $0.event == "mark" }
        #expect(marks.map { $0.detail ?? "" } == ["confidential", "not confidential"])
    }
}
