import DICOMCore
import Testing
@testable import StudyStore

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConfidentialStudies {
    @Test("confidential studies (local flag or configured Confidentiality Code) are hidden unless asked for, and each access is audited")
    func hiddenAndAudited() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.1", accession: "A1"), count: 1, to: tmp.inputs + "/a")
        _ = try writeStudy(instance(study: "2.25.2", accession: "A2"), count: 1, to: tmp.inputs + "/b")
        var vip = instance(patient: "P9", name: "VIP^PERSON", study: "2.25.3", accession: "A3")
        vip.confidentialityCode = " r "
        _ = try writeStudy(vip, count: 1, to: tmp.inputs + "/c")
        var o = options()
        o.confidentialCodes = ["R"]
        let store = try StudyStore.open(root: tmp.store, options: o)
        #expect(store.importFiles([tmp.inputs]).imported == 3)

        let audit = tmp.store + "/audit.log"
        var q = WorklistQuery()
        #expect(try store.worklist(q).map(\.studyInstanceUID).sorted() == ["2.25.1", "2.25.2"])
        #expect(try store.count(q) == 2)
        // Nothing confidential was shown: the log holds the three imports only.
        #expect(String(decoding: try #require(readAll(audit)), as: UTF8.self).split(separator: "\n")
            .allSatisfy { $0.contains("\"event\":\"import\"") })

        try store.setConfidential(true, study: "2.25.2")
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.1"])

        q.showConfidential = true
        let all = try store.worklist(q)
        #expect(all.count == 3)
        #expect(all.filter(\.isConfidential).map(\.studyInstanceUID).sorted() == ["2.25.2", "2.25.3"])
        #expect(try store.count(q) == 3)

        // The audit log: private, one JSON line per event, study UIDs only, no patient data.
        var st = stat()
        #expect(stat(audit, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        let text = String(decoding: try #require(readAll(audit)), as: UTF8.self)
        let lines = text.split(separator: "\n").filter { !$0.contains("\"event\":\"import\"") }
        #expect(lines.count == 3)
        #expect(lines[0].contains("\"event\":\"mark\"") && lines[0].contains("\"study\":\"2.25.2\"") && lines[0].contains("\"detail\":\"confidential\""))
        #expect(lines.dropFirst().allSatisfy { $0.contains("\"event\":\"list-confidential\"") })
        #expect(Set(lines.dropFirst().compactMap { $0.range(of: "2.25.") != nil ? String($0.split(separator: "\"study\":\"")[1].prefix(6)) : nil }) == ["2.25.2", "2.25.3"])
        #expect(!text.contains("VIP") && !text.contains("P9") && !text.contains("DOE"))

        // Clearing the flag shows the study again; the code rule still hides the other.
        try store.setConfidential(false, study: "2.25.2")
        q.showConfidential = false
        #expect(try store.worklist(q).map(\.studyInstanceUID).sorted() == ["2.25.1", "2.25.2"])
        // Without the configured code, the coded study is an ordinary one.
        store.close()
        let plain = try StudyStore.open(root: tmp.store, options: options())
        defer { plain.close() }
        #expect(try plain.worklist(q).count == 3)
    }

    @Test func privacyTableIsRead() throws {
        let c = try StoreConfiguration.parse("[privacy]\nconfidential_codes = [\"R\", \"V\"]\n[cache]\nmax_size = 1000\n")
        #expect(c.confidentialCodes == ["R", "V"])
        #expect(c.maxSizeBytes == 1000)
        #expect(throws: StoreError.self) { try StoreConfiguration.parse("[privacy]\nconfidential_code = \"R\"\n") }
    }
}
