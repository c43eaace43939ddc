import DICOMCore
import Testing
@testable import StudyStore

#if canImport(Glibc)
import Glibc
#endif

@Suite("StudyStore: import, index and queries")
struct StudyStoreImportTests {
    @Test("a new store's folders are private, and the folders around it keep their modes")
    func existingAncestorsKeepTheirMode() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        // A shared parent (like /tmp, 1777) and a missing intermediate folder.
        chmod(tmp.path, 0o1777)
        let root = tmp.path + "/missing/store"
        try FileSystem.makePrivateDirectory(root)
        var st = stat()
        #expect(stat(tmp.path, &st) == 0 && st.st_mode & 0o7777 == 0o1777)
        #expect(FileSystem.mode(tmp.path + "/missing") == 0o700)
        #expect(FileSystem.mode(root) == 0o700)
        // The store's own existing folder is tightened.
        chmod(root, 0o755)
        try FileSystem.makePrivateDirectory(root)
        #expect(FileSystem.mode(root) == 0o700)
        #expect(stat(tmp.path, &st) == 0 && st.st_mode & 0o7777 == 0o1777)
    }

    @Test("importing a folder indexes every instance, files are byte-identical, private, and counted")
    func importFolder() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let a = try writeStudy(instance(study: "2.25.100", date: "20240105", accession: "A1"), count: 3, to: tmp.inputs + "/a")
        _ = try writeStudy(instance(patient: "P2", name: "ROE^RICHARD", sex: "M", study: "2.25.200", date: "20230301",
                                    modality: "MR", bodyPart: "HEAD", accession: "A2"), count: 2, to: tmp.inputs + "/b")
        let store = try StudyStore.open(root: tmp.store, options: options())
        let report = store.importFiles([tmp.inputs])
        #expect(report.imported == 5)
        #expect(report.duplicates == 0)
        #expect(report.rejected.isEmpty)
        #expect(report.storeError == nil)
        #expect(Set(report.studies) == ["2.25.100", "2.25.200"])

        let stats = try store.stats()
        #expect(stats.studies == 2 && stats.series == 2 && stats.instances == 5 && stats.patients == 2)

        let study = try #require(try store.study("2.25.100"))
        #expect(study.instanceCount == 3)
        #expect(study.seriesCount == 1)
        #expect(study.modalities == ["CT"])
        #expect(study.bodyParts == ["CHEST"])
        #expect(study.patient.patientID == "P1")
        #expect(study.patient.name == "DOE^JANE")
        #expect(study.accessionNumber == "A1")
        #expect(study.state == .complete)
        let sizes = a.map { FileSystem.fileSize($0) ?? 0 }
        #expect(study.sizeBytes == Int64(sizes.reduce(0, +)))

        let stored = try store.instances(ofStudy: "2.25.100")
        #expect(stored.map(\.instanceNumber) == [1, 2, 3])
        for (record, original) in zip(stored, a) {
            #expect(readAll(record.path) == readAll(original))
            #expect(FileSystem.mode(record.path) == 0o600)
            #expect(record.path.hasPrefix(tmp.store + "/objects/"))
        }
        #expect(FileSystem.mode(tmp.store) == 0o700)
        #expect(FileSystem.mode(tmp.store + "/objects") == 0o700)
        #expect(FileSystem.mode(tmp.store + "/index.sqlite") == 0o600)
        #expect(FileSystem.entries(tmp.store + "/tmp").isEmpty)
    }

    @Test("a second import of the same files reports duplicates and changes nothing")
    func duplicates() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.1"), count: 4, to: tmp.inputs)
        let store = try StudyStore.open(root: tmp.store, options: options(batchSize: 3))
        #expect(store.importFiles([tmp.inputs]).imported == 4)
        let again = store.importFiles([tmp.inputs])
        #expect(again.imported == 0)
        #expect(again.duplicates == 4)
        #expect(try store.stats().instances == 4)
        // The same SOP Instance UID given twice in one import is one instance.
        let tmp2 = TemporaryDirectory()
        defer { tmp2.cleanup() }
        let copy = try writeInstance(instance(study: "2.25.2"), to: tmp2.inputs, name: "one.dcm")
        try writeBytes(readAll(copy) ?? [], to: tmp2.inputs + "/two.dcm")
        let r = store.importFiles([tmp2.inputs])
        #expect(r.imported == 1 && r.duplicates == 1)
    }

    @Test("unreadable and incomplete files are rejected with a reason, and the import carries on")
    func rejections() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.1"), count: 2, to: tmp.inputs)
        try writeBytes(Array("just some text, not DICOM at all".utf8), to: tmp.inputs + "/README.TXT")
        var noStudy = instance(study: "2.25.9")
        noStudy.sopInstanceUID = "2.25.9.1.1"
        var bytes = try noStudy.encode()
        // Truncate in the middle of the pixel data: the file is incomplete.
        bytes.removeLast(20)
        try writeBytes(bytes, to: tmp.inputs + "/truncated.dcm")
        let store = try StudyStore.open(root: tmp.store, options: options())
        let report = store.importFiles([tmp.inputs, tmp.path + "/does-not-exist"])
        #expect(report.imported == 2)
        #expect(report.rejected.count == 3)
        let reasons = Dictionary(uniqueKeysWithValues: report.rejected.map { ($0.path.lastComponent, $0.reason) })
        #expect(reasons["README.TXT"]?.contains("not a DICOM file") == true, "\(reasons)")
        #expect(reasons["truncated.dcm"]?.contains("(7FE0,0010)") == true, "\(reasons)")
        #expect(reasons["does-not-exist"] == "no such file")
        #expect(try store.stats().instances == 2)
    }

    @Test("worklist filters, sorting and paging")
    func worklist() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.1", date: "20240105", modality: "CT", accession: "ACC-1"), count: 1, to: tmp.inputs)
        _ = try writeStudy(instance(study: "2.25.2", date: "20230301", modality: "MR", accession: "ACC-2"), count: 1, to: tmp.inputs)
        _ = try writeStudy(instance(patient: "P2", name: "ROE^RICHARD", sex: "M", study: "2.25.3", date: "20220707",
                                    modality: "PT", accession: "XYZ-3"), count: 1, to: tmp.inputs)
        let store = try StudyStore.open(root: tmp.store, options: options())
        _ = store.importFiles([tmp.inputs])
        try store.addKeyword("Teaching", study: "2.25.2")
        try store.setNote("follow-up in six months", study: "2.25.3")
        try store.setRead(true, study: "2.25.1")

        var q = WorklistQuery()
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.1", "2.25.2", "2.25.3"])
        q.descending = false
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.3", "2.25.2", "2.25.1"])
        q = WorklistQuery(); q.modality = "mr"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.2"])
        q = WorklistQuery(); q.patientName = "roe"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.3"])
        q = WorklistQuery(); q.patientName = "DOE^J*"
        #expect(try store.worklist(q).count == 2)
        q = WorklistQuery(); q.dateFrom = "20230101"; q.dateTo = "20231231"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.2"])
        q = WorklistQuery(); q.accessionNumber = "ACC*"
        #expect(try store.count(q) == 2)
        q = WorklistQuery(); q.keyword = "teaching"
        #expect(try store.worklist(q).map(\.keywords) == [["teaching"]])
        q = WorklistQuery(); q.text = "six months"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.3"])
        q = WorklistQuery(); q.text = "TEACH"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.2"])
        q = WorklistQuery(); q.text = "xyz-3"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.3"])
        q = WorklistQuery(); q.text = "ROE"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.3"])
        try store.removeKeyword("teaching", study: "2.25.2")
        q = WorklistQuery(); q.text = "teach"
        #expect(try store.worklist(q).isEmpty)
        q = WorklistQuery(); q.read = .unread
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.2", "2.25.3"])
        q = WorklistQuery(); q.patientID = "P2"
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.3"])
        q = WorklistQuery(); q.limit = 1; q.offset = 1
        #expect(try store.worklist(q).map(\.studyInstanceUID) == ["2.25.2"])
        q = WorklistQuery(); q.sort = .patientName; q.descending = false
        #expect(try store.worklist(q).first?.patient.patientID == "P1")
        // LIKE metacharacters in a filter are literal.
        q = WorklistQuery(); q.accessionNumber = "ACC_1"
        #expect(try store.count(q) == 0)
    }

    @Test("ingest(bytes:) and adopt(temporaryFile:) store once, then report duplicates, and leave no temporary file")
    func ingestAndAdopt() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let store = try StudyStore.open(root: tmp.store, options: options())
        let bytes = try instance(study: "2.25.5").encode()
        #expect(try store.ingest(bytes: bytes, source: "PACS") == .imported(sopInstanceUID: "2.25.5.1.1", studyInstanceUID: "2.25.5"))
        let temp = store.makeTemporaryPath()
        try writeBytes(bytes, to: temp)
        #expect(try store.adopt(temporaryFile: temp, source: "PACS") == .duplicate(sopInstanceUID: "2.25.5.1.1", studyInstanceUID: "2.25.5"))
        #expect(!FileSystem.exists(temp))
        let bad = store.makeTemporaryPath()
        try writeBytes([1, 2, 3], to: bad)
        #expect(throws: StoreError.self) { try store.adopt(temporaryFile: bad, source: "PACS") }
        #expect(!FileSystem.exists(bad))
        #expect(try store.study("2.25.5")?.source == "PACS")
        try store.markPartial(study: "2.25.5")
        #expect(try store.study("2.25.5")?.state == .partial)
        try store.markComplete(study: "2.25.5")
        #expect(try store.study("2.25.5")?.state == .complete)
        #expect(throws: StoreError.self) { try store.markPartial(study: "2.25.404") }
    }

    @Test("UIDs that are not plain digits and dots become hex file names, never paths")
    func fileNames() {
        #expect(StoreLayout.fileName(forUID: "1.2.840.113619.2.1") == "1.2.840.113619.2.1")
        let hostile = "../../etc/passwd"
        let name = StoreLayout.fileName(forUID: hostile)
        #expect(!name.contains("/") && name.hasPrefix("x"))
        #expect(StoreLayout.uid(fromFileName: name) == hostile)
        #expect(StoreLayout.shard(of: "1.2.3") == StoreLayout.shard(of: "1.2.3"))
        #expect(StoreLayout.shard(of: "1.2.3").count == 2)
    }
}

extension String {
    var lastComponent: String { split(separator: "/").last.map(String.init) ?? self }
}
