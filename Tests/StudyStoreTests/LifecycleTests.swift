import DICOMCore
import GRDB
import Testing
@testable import StudyStore

#if canImport(Glibc)
import Glibc
#endif

@Suite("StudyStore: patients, priors and annotations")
struct StudyStorePatientTests {
    @Test("a study from outside with another Patient ID: candidates listed, --as-patient attaches it, priors find it")
    func reconciliation() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let store = try StudyStore.open(root: tmp.store, options: options())
        _ = try writeStudy(instance(patient: "LOC1", study: "2.25.10", date: "20240601", modality: "CT", bodyPart: "CHEST"),
                           count: 2, to: tmp.inputs + "/local")
        #expect(store.importFiles([tmp.inputs + "/local"]).patientMatches.isEmpty)

        // The CD from another hospital: same name (written differently), birth date and sex.
        let cd = try writeStudy(instance(patient: "EXT-77", name: "Doe^Jane^^", study: "2.25.20", date: "20230101",
                                         modality: "CT", bodyPart: "CHEST"), count: 2, to: tmp.inputs + "/cd")
        let dry = store.importFiles([tmp.inputs + "/cd"])
        #expect(dry.patientMatches.count == 1)
        #expect(dry.patientMatches.first?.patientID == "EXT-77")
        #expect(dry.patientMatches.first?.candidates.map(\.patientID) == ["LOC1"])
        // Without attaching, the CD's study is its own patient's, and no prior of LOC1's study.
        #expect(try store.priors(of: "2.25.10").isEmpty)
        #expect(try store.candidatePatients(forStudy: "2.25.20").map(\.patientID) == ["LOC1"])

        // Start over and import the CD attached to the local patient.
        _ = try store.evict(studies: ["2.25.20"])
        let attached = store.importFiles(cd, asPatient: "LOC1")
        #expect(attached.imported == 2)
        let s = try #require(try store.study("2.25.20"))
        #expect(s.patient.patientID == "LOC1")
        #expect(s.originalPatientID == "EXT-77")
        #expect(s.originalPatientName == "Doe^Jane^^")
        #expect(try store.priors(of: "2.25.10").map(\.candidate.studyInstanceUID) == ["2.25.20"])
        // A second CD with the same foreign ID joins the same local patient by itself.
        _ = try writeStudy(instance(patient: "EXT-77", name: "Doe^Jane", study: "2.25.30", date: "20220101", modality: "MR",
                                    bodyPart: "HEAD"), count: 1, to: tmp.inputs + "/cd2")
        _ = store.importFiles([tmp.inputs + "/cd2"])
        #expect(try store.study("2.25.30")?.patient.patientID == "LOC1")
        #expect(try store.priors(of: "2.25.10").map(\.candidate.studyInstanceUID) == ["2.25.20", "2.25.30"])
        // An unknown local patient is refused.
        let more = try writeStudy(instance(patient: "EXT-88", study: "2.25.40"), count: 1, to: tmp.inputs + "/cd3")
        #expect(store.importFiles(more, asPatient: "NOPE").storeError?.kind.isNotFound == true)
        #expect(try store.study("2.25.40") == nil)
        // Attaching after the import does the same as --as-patient.
        _ = store.importFiles(more)
        #expect(try store.study("2.25.40")?.patient.patientID == "EXT-88")
        try store.attach(study: "2.25.40", toPatientID: "LOC1")
        #expect(try store.study("2.25.40")?.patient.patientID == "LOC1")
        #expect(try store.study("2.25.40")?.originalPatientID == "EXT-88")
        #expect(try store.patients(withID: "EXT-88").isEmpty)
        #expect(try store.priors(of: "2.25.10").count == 3)
    }

    @Test("priors by Other Patient IDs")
    func otherPatientIDs() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let store = try StudyStore.open(root: tmp.store, options: options())
        var current = instance(patient: "NEW-1", study: "2.25.1", date: "20240101")
        current.otherPatientIDs = ["OLD-9"]
        try writeInstance(current, to: tmp.inputs)
        try writeInstance(instance(patient: "OLD-9", name: "DOE^JANE", study: "2.25.2", date: "20200101"), to: tmp.inputs)
        try writeInstance(instance(patient: "SOMEONE", name: "X^Y", study: "2.25.3", date: "20200101"), to: tmp.inputs)
        _ = store.importFiles([tmp.inputs])
        #expect(try store.priors(of: "2.25.1").map(\.candidate.studyInstanceUID) == ["2.25.2"])
        #expect(try store.priors(of: "2.25.2").map(\.candidate.studyInstanceUID) == ["2.25.1"])
    }

    @Test("prior ranking: modality and body part first, then earlier studies newest first, later ones last")
    func ranking() {
        let current = PriorCandidate(studyInstanceUID: "c", studyDate: "20240101", modalities: ["CT"], bodyParts: ["CHEST"], location: .local)
        func c(_ uid: String, _ date: String, _ m: String, _ b: String, _ loc: PriorCandidate.Location = .local) -> PriorCandidate {
            PriorCandidate(studyInstanceUID: uid, studyDate: date, modalities: [m], bodyParts: [b], location: loc)
        }
        let ranked = StudyStore.rankPriors(current: current, candidates: [
            c("mr-chest-2023", "20230101", "MR", "CHEST"),
            c("ct-head-2023", "20230601", "CT", "HEAD"),
            c("ct-chest-2020", "20200101", "CT", "CHEST"),
            c("ct-chest-2022", "20220101", "CT", "CHEST", .archive("PACS")),
            c("ct-chest-2025", "20250101", "CT", "CHEST"),
            c("us-knee-2023", "20230101", "US", "KNEE"),
            c("c", "20240101", "CT", "CHEST"),
            c("ct-chest-2020", "20200101", "CT", "CHEST", .archive("PACS")),
        ])
        #expect(ranked.map(\.candidate.studyInstanceUID) == [
            "ct-chest-2022", "ct-chest-2020", "ct-chest-2025", "ct-head-2023", "mr-chest-2023", "us-knee-2023",
        ])
        #expect(ranked.map(\.relevance) == [3, 3, 3, 2, 1, 0])
        #expect(ranked[1].candidate.location == .local)
    }

    @Test("keywords, notes, pin and read state; keywords ignore case")
    func annotations() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let store = try StudyStore.open(root: tmp.store, options: options())
        try writeInstance(instance(study: "2.25.1"), to: tmp.inputs)
        _ = store.importFiles([tmp.inputs])
        try store.addKeyword("  Teaching ", study: "2.25.1")
        try store.addKeyword("teaching", study: "2.25.1")
        try store.addKeyword("follow-up", study: "2.25.1")
        try store.setNote("compare with CD", study: "2.25.1")
        try store.setPinned(true, study: "2.25.1")
        let s = try #require(try store.study("2.25.1"))
        #expect(s.keywords == ["follow-up", "teaching"])
        #expect(s.note == "compare with CD")
        #expect(s.pinned)
        try store.removeKeyword("TEACHING", study: "2.25.1")
        #expect(try store.study("2.25.1")?.keywords == ["follow-up"])
        #expect(try store.keywords().map(\.keyword) == ["follow-up"])
        #expect(throws: StoreError.self) { try store.addKeyword("x", study: "2.25.999") }
        // Mirrored beside the files for a rebuild.
        let saved = StudyStore.loadAnnotations(studyDirectory: tmp.store + "/" + StoreLayout.studyDirectory(studyUID: "2.25.1"))
        #expect(saved?.pinned == true && saved?.keywords == ["follow-up"] && saved?.note == "compare with CD")
    }
}

@Suite("StudyStore: quota, eviction and leases")
struct StudyStoreEvictionTests {
    @Test("least recently used first; never pinned, never in use; files go with the rows")
    func lru() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let clock = TestClock()
        let store = try StudyStore.open(root: tmp.store, options: options(clock: clock))
        for k in 1...4 {
            _ = try writeStudy(instance(study: "2.25.\(k)"), count: 2, to: tmp.inputs + "/\(k)")
            _ = store.importFiles([tmp.inputs + "/\(k)"])
            clock.advance(60)
        }
        let each = try #require(try store.study("2.25.1")).sizeBytes
        try store.setPinned(true, study: "2.25.1")          // oldest, pinned
        let lease = try store.lease(study: "2.25.2")         // second oldest, in use
        clock.advance(60)
        try store.touch(study: "2.25.3")                     // now the most recent
        let report = try store.evictToSize(each * 3)
        #expect(report.evicted == ["2.25.4"])
        #expect(report.freedBytes == each)
        #expect(!FileSystem.exists(tmp.store + "/" + StoreLayout.studyDirectory(studyUID: "2.25.4")))
        #expect(try store.instances(ofStudy: "2.25.4").isEmpty)
        // Down to one study's size: only the pinned and the leased ones may stay.
        let second = try store.evictToSize(each)
        #expect(second.evicted == ["2.25.3"])
        try store.release(lease)
        #expect(try store.evictToSize(each).evicted == ["2.25.2"])
        #expect(try store.stats().studies == 1)
        // Explicit eviction keeps a pinned study and says why.
        let explicit = try store.evict(studies: ["2.25.1", "2.25.404"])
        #expect(explicit.evicted.isEmpty)
        #expect(explicit.kept.map(\.reason) == ["pinned", "not in the store"])
    }

    @Test("a lease held by a process that is gone does not protect a study")
    func staleLease() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let store = try StudyStore.open(root: tmp.store, options: options())
        try writeInstance(instance(study: "2.25.1"), to: tmp.inputs)
        _ = store.importFiles([tmp.inputs])
        // A lease from a child that has exited.
        let pid = fork()
        if pid == 0 { _exit(0) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO leases (study_uid, pid, start_time, acquired_at) VALUES ('2.25.1', ?, 0, 0)",
                           arguments: [Int64(pid)])
        }
        #expect(try store.stats().studiesInUse == 0)
        #expect(try store.evict(studies: ["2.25.1"]).evicted == ["2.25.1"])
    }

    @Test("the import applies the configured quota, keeping what it just imported")
    func quotaOnImport() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let clock = TestClock()
        var o = options(clock: clock)
        let one = Int64(try instance(study: "2.25.1").encode().count)
        o.maxSizeBytes = one * 3
        let store = try StudyStore.open(root: tmp.store, options: o)
        for k in 1...3 {
            _ = try writeStudy(instance(study: "2.25.\(k)"), count: 1, to: tmp.inputs + "/\(k)")
            _ = store.importFiles([tmp.inputs + "/\(k)"])
            clock.advance(10)
        }
        _ = try writeStudy(instance(study: "2.25.9"), count: 2, to: tmp.inputs + "/9")
        _ = store.importFiles([tmp.inputs + "/9"])
        let left = try store.worklist(WorklistQuery()).map(\.studyInstanceUID).sorted()
        #expect(left == ["2.25.3", "2.25.9"])
    }

    @Test("cache.max_size and cache.path from config.toml; errors name the line")
    func configuration() throws {
        let c = try StoreConfiguration.parse("""
            # Sixray
            [network]
            ae_title = "SIXRAY"   # not ours: skipped

            [cache]
            max_size = "1.5 GiB" # comment
            path = "/data/sixray"
            """)
        #expect(c.maxSizeBytes == 1_610_612_736)
        #expect(c.root == "/data/sixray")
        #expect(StoreConfiguration.parseSize("20GB") == 20_000_000_000)
        #expect(StoreConfiguration.parseSize("500 M") == 500_000_000)
        #expect(StoreConfiguration.parseSize("12345") == 12345)
        #expect(StoreConfiguration.parseSize("lots") == nil)
        #expect(try StoreConfiguration.parse("").maxSizeBytes == StoreConfiguration.defaultMaxSize)
        do {
            _ = try StoreConfiguration.parse("[cache]\nmax_size = \"huge\"\n")
            Issue.record("accepted a bad size")
        } catch {
            #expect(error.description.contains("line 2"))
        }
        #expect(throws: StoreError.self) { try StoreConfiguration.parse("[cache]\nmax_sise = 1\n") }
        #expect(StoreConfiguration.path(environment: ["XDG_CONFIG_HOME": "/x"]) == "/x/sixray/config.toml")
        #expect(StudyStore.defaultRoot(environment: ["HOME": "/home/r"]) == "/home/r/.cache/sixray")
        #expect(StudyStore.defaultRoot(environment: ["HOME": "/home/r", "XDG_CACHE_HOME": "/c"]) == "/c/sixray")
    }
}

@Suite("StudyStore: prefetch plan")
struct StudyStorePrefetchTests {
    @Test("the most relevant priors not complete locally are the ones to fetch")
    func prefetch() throws {
        let tmp = TemporaryDirectory()
        defer { tmp.cleanup() }
        let store = try StudyStore.open(root: tmp.store, options: options())
        try writeInstance(instance(study: "2.25.1", date: "20240101", modality: "CT", bodyPart: "CHEST"), to: tmp.inputs)
        try writeInstance(instance(study: "2.25.2", date: "20230101", modality: "CT", bodyPart: "CHEST"), to: tmp.inputs)
        try writeInstance(instance(study: "2.25.3", date: "20220101", modality: "CT", bodyPart: "CHEST"), to: tmp.inputs)
        _ = store.importFiles([tmp.inputs])
        try store.markPartial(study: "2.25.3")     // a retrieve that was cut short
        let archive = [
            PriorCandidate(studyInstanceUID: "2.25.2", studyDate: "20230101", modalities: ["CT"], bodyParts: ["CHEST"], location: .archive("PACS")),
            PriorCandidate(studyInstanceUID: "2.25.8", studyDate: "20210101", modalities: ["CT"], bodyParts: ["CHEST"], location: .archive("PACS")),
            PriorCandidate(studyInstanceUID: "2.25.9", studyDate: "20230601", modalities: ["US"], bodyParts: ["KNEE"], location: .archive("PACS")),
        ]
        let plan = try store.priorsToPrefetch(of: "2.25.1", archiveCandidates: archive, limit: 3)
        #expect(plan.map(\.studyInstanceUID) == ["2.25.3", "2.25.8"])
        #expect(try store.priorsToPrefetch(of: "2.25.1", archiveCandidates: archive, limit: 1).isEmpty)
    }
}
