import DICOMCore
import GRDB
import Testing
@testable import StudyStore

#if canImport(Glibc)
import Glibc
#endif

@Suite("StudyStore: crashes, damage and concurrency")
struct StudyStoreFaultTests {
    /// What a SIGKILL between rename and commit leaves: a file the index does not know, a
    /// temporary file, and the dead writer's marker. (The real SIGKILL drill is in
    /// Tests/Conformance/store_faults.py.)
    @Test("after a crash, open removes unindexed files and temporaries, drops rows of missing files")
    func crashSweep() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.1"), count: 3, to: tmp.inputs)
        do {
            let store = try StudyStore.open(root: tmp.store, options: options())
            _ = store.importFiles([tmp.inputs])
        }
        let orphanRelative = StoreLayout.instancePath(studyUID: "2.25.2", sopInstanceUID: "2.25.2.1.1")
        try FileSystem.makePrivateDirectory(tmp.store + "/" + StoreLayout.studyDirectory(studyUID: "2.25.2"))
        try writeBytes(try instance(study: "2.25.2").encode(), to: tmp.store + "/" + orphanRelative)
        try writeBytes([1, 2, 3], to: tmp.store + "/tmp/999999-1-1.part")
        // One indexed file lost.
        let lost = StoreLayout.instancePath(studyUID: "2.25.1", sopInstanceUID: "2.25.1.1.3")
        unlink(tmp.store + "/" + lost)
        // The marker of a writer that is gone.
        try writeBytes([], to: tmp.store + "/writers/999999-1")

        let store = try StudyStore.open(root: tmp.store, options: options())
        #expect(!FileSystem.exists(tmp.store + "/" + orphanRelative))
        #expect(!FileSystem.exists(tmp.store + "/" + StoreLayout.studyDirectory(studyUID: "2.25.2")))
        #expect(FileSystem.entries(tmp.store + "/tmp").isEmpty)
        #expect(!FileSystem.exists(tmp.store + "/writers/999999-1"))
        let s = try #require(try store.study("2.25.1"))
        #expect(s.instanceCount == 2)
        #expect(s.state == .partial)
        #expect(try store.verify(repair: false).isClean)
    }

    @Test("verify finds a damaged, a missing and an unknown file; repair fixes the index and verify is clean")
    func verifyAndRepair() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(study: "2.25.1"), count: 4, to: tmp.inputs)
        let store = try StudyStore.open(root: tmp.store, options: options())
        _ = store.importFiles([tmp.inputs])
        let clean = try store.verify(repair: false)
        #expect(clean.isClean)
        #expect(clean.filesChecked == 4)

        let records = try store.instances(ofStudy: "2.25.1")
        // Damaged: same size, different SOP Instance UID inside.
        var other = instance(study: "2.25.1")
        other.sopInstanceUID = "2.25.1.1.9"   // same length as "2.25.1.1.1"
        try writeBytes(try other.encode(), to: records[0].path)
        unlink(records[1].path)                                    // missing
        chmod(records[2].path, 0o644)                              // too open
        let unknown = instance(study: "2.25.1")
        var u = unknown
        u.sopInstanceUID = "2.25.1.1.77"
        let unknownPath = tmp.store + "/" + StoreLayout.instancePath(studyUID: "2.25.1", sopInstanceUID: u.sopInstanceUID)
        try writeBytes(try u.encode(), to: unknownPath)            // on disk, not indexed

        let found = try store.verify(repair: false)
        let kinds = found.problems.map(\.kind)
        #expect(kinds.contains(.mismatch))
        #expect(kinds.contains(.missingFile))
        #expect(kinds.contains(.permissions))
        #expect(kinds.contains(.orphanFile))

        let repaired = try store.verify(repair: true)
        #expect(repaired.repaired >= 4)
        #expect(try store.verify(repair: false).isClean)
        let left = try store.instances(ofStudy: "2.25.1").map(\.sopInstanceUID).sorted()
        #expect(left == ["2.25.1.1.3", "2.25.1.1.4", "2.25.1.1.77"])
        #expect(try store.study("2.25.1")?.state == .partial)
        #expect(FileSystem.mode(records[2].path) == 0o600)
    }

    @Test("a damaged index is a clear error; rebuilding from the files keeps instances and annotations")
    func corruptIndex() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        _ = try writeStudy(instance(patient: "LOC1", study: "2.25.1", date: "20240101"), count: 3, to: tmp.inputs + "/a")
        let cd = try writeStudy(instance(patient: "EXT", study: "2.25.2", date: "20200101"), count: 2, to: tmp.inputs + "/b")
        do {
            let store = try StudyStore.open(root: tmp.store, options: options())
            _ = store.importFiles([tmp.inputs + "/a"])
            _ = store.importFiles(cd, asPatient: "LOC1")
            try store.setPinned(true, study: "2.25.1")
            try store.addKeyword("teaching", study: "2.25.2")
            try store.setNote("nodule", study: "2.25.2")
            try store.setConfidential(true, study: "2.25.2")
            store.close()
        }
        // Garbage over the index (and its WAL, as a disk fault would leave it).
        for suffix in ["-wal", "-shm"] { unlink(tmp.store + "/index.sqlite" + suffix) }
        try writeBytes([UInt8](repeating: 0x5A, count: 8192), to: tmp.store + "/index.sqlite")
        do {
            _ = try StudyStore.open(root: tmp.store, options: options())
            Issue.record("opened a damaged index")
        } catch {
            #expect(error.kind.isIndexCorrupt)
            #expect(error.description.contains("verify --repair"))
        }
        let (store, report) = try StudyStore.rebuildIndex(root: tmp.store, options: options())
        #expect(report.rebuilt)
        #expect(try store.stats().instances == 5)
        let a = try #require(try store.study("2.25.1"))
        let b = try #require(try store.study("2.25.2"))
        #expect(a.pinned)
        #expect(b.keywords == ["teaching"] && b.note == "nodule")
        #expect(b.confidentialFlag)
        #expect(!a.confidentialFlag)
        #expect(b.patient.patientID == "LOC1")
        #expect(b.originalPatientID == "EXT")
        #expect(try store.priors(of: "2.25.1").map(\.candidate.studyInstanceUID) == ["2.25.2"])
        #expect(try store.verify(repair: false).isClean)
        #expect(FileSystem.entries(tmp.store).contains { $0.hasPrefix("index.sqlite.damaged-") })
    }

    /// A retrieve killed after some instances arrived must not leave the study counted
    /// complete (the sweep only notices missing files, not instances never received).
    @Test("instances adopted by a retrieve leave their study partial until markComplete, even in a reopened store")
    func retrieveStartsPartial() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        do {
            let store = try StudyStore.open(root: tmp.store, options: options())
            var i = instance(study: "2.25.7")
            for k in 1...2 {
                i.sopInstanceUID = "2.25.7.1.\(k)"
                let temp = store.makeTemporaryPath()
                try writeBytes(try i.encode(), to: temp)
                _ = try store.adopt(temporaryFile: temp, source: "PACS", retrieving: true)
                #expect(try store.study("2.25.7")?.state == .partial)
            }
            // The process "dies" here: no markComplete.
        }
        let store = try StudyStore.open(root: tmp.store, options: options())
        let s = try #require(try store.study("2.25.7"))
        #expect(s.state == .partial && s.instanceCount == 2)
        try store.markComplete(study: "2.25.7")
        #expect(try store.study("2.25.7")?.state == .complete)
        // A complete study that receives another instance from a retrieve is partial again.
        var more = instance(study: "2.25.7")
        more.sopInstanceUID = "2.25.7.1.3"
        let temp = store.makeTemporaryPath()
        try writeBytes(try more.encode(), to: temp)
        _ = try store.adopt(temporaryFile: temp, source: "PACS", retrieving: true)
        #expect(try store.study("2.25.7")?.state == .partial)
        // study.json follows, so a rebuilt index keeps the state.
        let json = readAll(tmp.store + "/" + StoreLayout.studyDirectory(studyUID: "2.25.7") + "/study.json") ?? []
        #expect(String(decoding: json, as: UTF8.self).contains("\"state\" : \"partial\""))
        // An import is not a transfer that may break off: its new study is complete.
        _ = try writeStudy(instance(study: "2.25.8"), count: 2, to: tmp.inputs)
        _ = store.importFiles([tmp.inputs])
        #expect(try store.study("2.25.8")?.state == .complete)
    }

    /// A retrieve stages its files in a folder under tmp/ (StoreSink); another process opening
    /// the store (an import during the retrieve) swept them away when they lay in tmp/ itself.
    @Test("the start-up sweep keeps a live process's staging folder and removes a dead one's")
    func stagingFolders() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let store = try StudyStore.open(root: tmp.store, options: options())
        let live = store.makeTemporaryPath()
        try FileSystem.makePrivateDirectory(live)
        try writeBytes([1, 2, 3], to: live + "/1.2.3.dcm")
        let dead = tmp.store + "/tmp/999999-1-7.part"
        try FileSystem.makePrivateDirectory(dead)
        try writeBytes([4, 5, 6], to: dead + "/.partial-999999-1.2.4.dcm")
        _ = try StudyStore.open(root: tmp.store, options: options())
        #expect(FileSystem.exists(live + "/1.2.3.dcm"))
        #expect(!FileSystem.exists(dead))
        #expect(try store.verify(repair: false).problems.isEmpty)
    }

    @Test("readers see consistent snapshots while a writer imports")
    func concurrentReaders() async throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let paths = try SyntheticInstance.writeCorpus(to: tmp.inputs, instances: 400, studies: 20, patients: 5)
        var o = options(batchSize: 10)
        o.durable = false
        let store = try StudyStore.open(root: tmp.store, options: o)
        let reader = try StudyStore.open(root: tmp.store, options: o)   // a second handle, as another process would have
        try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            group.addTask {
                let r = store.importFiles(paths)
                return (r.imported, true)
            }
            for _ in 0..<3 {
                group.addTask {
                    var last = 0
                    var consistent = true
                    for _ in 0..<200 {
                        // One snapshot: the study rows' counts agree with the instance rows.
                        let (sum, count) = try reader.pool.read { db in
                            (try Int.fetchOne(db, sql: "SELECT coalesce(sum(num_instances), 0) FROM studies") ?? -1,
                             try Int.fetchOne(db, sql: "SELECT count(*) FROM instances") ?? -2)
                        }
                        if sum != count || count < last { consistent = false }
                        last = count
                        _ = try reader.worklist(WorklistQuery())
                    }
                    return (last, consistent)
                }
            }
            var imported = 0
            for try await (n, consistent) in group {
                #expect(consistent)
                imported = max(imported, n)
            }
            #expect(imported == 400)
        }
        #expect(try reader.stats().instances == 400)
    }

    @Test("a DICOMDIR made by DCMTK dcmmkdir is imported through its references, case-insensitively")
    func dicomdir() throws {
        guard let dcmmkdir = which("dcmmkdir") else {
            Issue.record("dcmmkdir (DCMTK) is not installed: Scripts/install-deps --test")
            return
        }
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let cd = tmp.path + "/cd"
        // ISO 9660 names: upper case, at most 8 characters.
        var i = instance(study: "2.25.50", date: "20240202")
        for k in 1...3 {
            i.sopInstanceUID = "2.25.50.1.\(k)"
            i.instanceNumber = k
            try writeInstance(i, to: cd + "/DICOM/ST1", name: "IM\(k)")
        }
        try writeBytes(Array("viewer software".utf8), to: cd + "/SETUP.EXE")
        let status = run(dcmmkdir, ["--recurse", "--invent", "+D", cd + "/DICOMDIR", "+id", cd, "DICOM"])
        #expect(status == 0)
        guard status == 0 else { return }
        // Mounted CDs often show lower-case names.
        #expect(Glibc.rename(cd + "/DICOM", cd + "/dicom") == 0)

        let media = try MediaDirectory.read(path: cd + "/DICOMDIR")
        #expect(media.references.count == 3)
        #expect(media.references.allSatisfy { $0.resolvedPath?.contains("/dicom/ST1/") == true })

        let store = try StudyStore.open(root: tmp.store, options: options())
        let report = store.importFiles([cd])
        #expect(report.imported == 3)
        #expect(report.rejected.isEmpty)      // SETUP.EXE is not looked at
        #expect(report.skipped == [cd + "/DICOMDIR"])
        #expect(try store.study("2.25.50")?.instanceCount == 3)
        // The DICOMDIR itself as the argument works the same.
        #expect(store.importFiles([cd + "/DICOMDIR"]).duplicates == 3)
    }
}

func which(_ tool: String) -> String? {
    for dir in (String(cString: getenv("PATH") ?? strdup("/usr/bin")).split(separator: ":")) {
        let p = "\(dir)/\(tool)"
        if access(p, X_OK) == 0 { return p }
    }
    return nil
}

/// Run a tool with its output discarded; returns the exit status.
func run(_ tool: String, _ args: [String]) -> Int32 {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let argv = ([tool] + args).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    guard posix_spawn(&pid, tool, &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (status >> 8) & 0xFF
}
