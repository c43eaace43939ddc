import SixrayCLI
import ArgumentParser
import Foundation
import StudyStore

/// `sixray bench corpus DIR`: synthetic instances for the store benchmarks and fault drills.
struct BenchCorpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Write synthetic DICOM instances (no patient data) for the store benchmarks and tests.")

    @Argument(help: "Folder to write into (created).") var directory: String
    @Option(help: "Instances in all.") var instances = 1000
    @Option(help: "Studies they are spread over.") var studies = 50
    @Option(help: "Patients the studies are spread over.") var patients = 20
    @Option(help: "Extra pixel bytes per instance (larger files).") var padding = 0
    @Option(help: "UID root; study UIDs are this followed by the study number.") var uidRoot = "2.25.7"

    func run() throws {
        do {
            let paths = try SyntheticInstance.writeCorpus(to: directory, instances: instances, studies: studies,
                                                          patients: patients, padding: padding, uidRoot: uidRoot)
            print("wrote \(paths.count) instances in \(studies) studies under \(directory)")
        } catch {
            Output.error("bench corpus: \(error)")
            throw ExitCode(StoreExit.storeError)
        }
    }
}

private func now() -> Double { StudyStore.wallClock() }

/// CPU time of the calling thread, seconds (unaffected by other processes on the machine).
private func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Wall time of a whole process (posix_spawn + waitpid), seconds; nil if it failed.
private func timeProcess(_ exe: String, _ args: [String]) -> Double? {
    let start = now()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let argv = ([exe] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, exe, &actions, nil, argv, environ) == 0 else { return nil }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return status == 0 ? now() - start : nil
}

private func makeWorkDirectory(_ given: String?) throws -> String {
    if let given {
        try? FileManager.default.removeItem(atPath: given)
        try FileManager.default.createDirectory(atPath: given, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return given
    }
    let dir = NSTemporaryDirectory() + "sixray-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return dir
}

/// `sixray bench import`: instances per second into the store, against `cp -r` of the same files.
struct BenchImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import throughput of small instances, against `cp -r` of the same files (same run).",
        discussion: """
            Writes a synthetic corpus, then times `cp -r` of it (the floor: no parsing, no \
            index, no flush), `cp -r` followed by `sync`, and `StudyStore.importFiles` into a \
            fresh store (parse, copy to tmp/, syncfs per batch, rename, index), each on a cold \
            destination after a `sync`. Best of --rounds. Nothing is deleted until the end: \
            ext4 skips inodes deleted in the last seconds when it allocates new ones, and a \
            run that follows mass deletion pays for that scan (so does a run right after \
            another). Compare figures of the same run only.
            """)

    @Option(help: "Instances.") var instances = 10_000
    @Option(help: "Studies.") var studies = 100
    @Option(help: "Rounds (best is reported).") var rounds = 3
    @Option(help: "Instances per transaction and flush.") var batch = StudyStore.Options().batchSize
    @Option(help: "Work folder (default: a new folder under $TMPDIR, removed afterwards).") var work: String?

    func run() throws {
        let dir = try makeWorkDirectory(work)
        defer { if work == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let corpus = dir + "/corpus"
        let files = try SyntheticInstance.writeCorpus(to: corpus, instances: instances, studies: studies, patients: max(1, studies / 5))
        let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        print("corpus: \(files.count) instances, \(studies) studies, \(String(format: "%.1f", Double(bytes) / 1e6)) MB")
        var cp = Double.infinity, cpSync = Double.infinity, store = Double.infinity, storeNoFlush = Double.infinity
        for r in 0..<rounds {
            let dest = dir + "/copy\(r)"
            // Every measurement starts with nothing dirty in the page cache: otherwise one run
            // pays for the previous run's writeback.
            _ = timeProcess("sync", [])
            if let t = timeProcess("cp", ["-r", corpus, dest]) { cp = min(cp, t) }
            _ = timeProcess("sync", [])
            let start = now()
            if timeProcess("cp", ["-r", corpus, dest + "s"]) != nil, timeProcess("sync", []) != nil { cpSync = min(cpSync, now() - start) }
            for durable in [true, false] {
                let root = dir + "/store\(r)\(durable)"
                var options = StudyStore.Options()
                options.durable = durable
                options.batchSize = batch
                _ = timeProcess("sync", [])
                let t0 = now()
                let s = try StudyStore.open(root: root, options: options)
                let report = s.importFiles([corpus])
                s.close()
                let t = now() - t0
                guard report.imported == files.count, report.storeError == nil else {
                    Output.error("bench import: imported \(report.imported) of \(files.count): \(report.storeError.map { "\($0)" } ?? "")")
                    throw ExitCode(1)
                }
                if durable { store = min(store, t) } else { storeNoFlush = min(storeNoFlush, t) }
            }
        }
        let n = Double(files.count)
        func line(_ name: String, _ t: Double) -> String {
            String(format: "%@ %7.3f s  %9.0f instances/s  %5.2f× cp -r", pad(name, 36), t, n / t, t / cp)
        }
        print(line("cp -r (floor)", cp))
        print(line("cp -r + sync", cpSync))
        print(line("sixray import (flushed, default)", store))
        print(line("sixray import (durable = false)", storeNoFlush))
    }
}

/// `sixray bench worklist`: query latency on a large index.
struct BenchWorklist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worklist",
        abstract: "Worklist query latency (p50/p99) on an index of 100,000 instances in 5,000 studies.",
        discussion: """
            Builds the store by importing a synthetic corpus (or reuses --store), then runs a \
            mix of worklist queries — first page by date, modality, name substring, name \
            wildcard, Patient ID, accession, date range, keyword, free text, unread, count — \
            each one on its own, in a fresh read transaction, as the TUI will.
            """)

    @Option(help: "Instances.") var instances = 100_000
    @Option(help: "Studies.") var studies = 5_000
    @Option(help: "Queries of each kind.") var queries = 300
    @Option(help: "An existing store to query instead of building one (e.g. from an earlier --keep).") var store: String?
    @Option(help: "Work folder (default: a new folder under $TMPDIR).") var work: String?
    @Flag(help: "Keep the work folder (the store can be reused with --store).") var keep = false

    func run() throws {
        var dir: String? = nil
        let root: String
        if let given = store {
            root = given
        } else {
            let d = try makeWorkDirectory(work)
            dir = d
            root = d + "/store"
            let t0 = now()
            _ = try SyntheticInstance.writeCorpus(to: d + "/corpus", instances: instances, studies: studies, patients: studies / 4)
            let t1 = now()
            let s = try StudyStore.open(root: root)
            let report = s.importFiles([d + "/corpus"])
            s.close()
            print(String(format: "built: corpus %.1f s, import %.1f s (%d instances)", t1 - t0, now() - t1, report.imported))
            try? FileManager.default.removeItem(atPath: d + "/corpus")
        }
        defer { if let dir, !keep { try? FileManager.default.removeItem(atPath: dir) } }
        let s = try StudyStore.open(root: root)
        // Keywords on a few studies so the keyword filter has something to find.
        let first = try s.worklist({ var q = WorklistQuery(); q.limit = 50; return q }())
        for st in first.prefix(20) { try s.addKeyword("teaching", study: st.studyInstanceUID) }
        let stats = try s.stats()
        print("index: \(stats.studies) studies, \(stats.series) series, \(stats.instances) instances, \(stats.patients) patients")

        func q(_ f: (inout WorklistQuery) -> Void) -> WorklistQuery { var x = WorklistQuery(); x.limit = 50; f(&x); return x }
        let kinds: [(String, (Int) -> WorklistQuery)] = [
            ("first page by date", { _ in q { _ in } }),
            ("page 20 by date", { _ in q { $0.offset = 1000 } }),
            ("sorted by name", { _ in q { $0.sort = .patientName; $0.descending = false } }),
            ("modality", { i in q { $0.modality = ["CT", "MR", "US", "PT"][i % 4] } }),
            ("name substring", { i in q { $0.patientName = "PATIENT\(i % 1000)" } }),
            ("name wildcard", { i in q { $0.patientName = "SYNTH*PATIENT\(i % 100)*" } }),
            ("patient ID", { i in q { $0.patientID = "SYN\(i % 1250)" } }),
            ("accession", { i in q { $0.accessionNumber = "A\(i % 5000)" } }),
            ("date range", { i in q { $0.dateFrom = "20\(10 + i % 15)0101"; $0.dateTo = "20\(10 + i % 15)0630" } }),
            ("keyword", { _ in q { $0.keyword = "teaching" } }),
            ("free text", { i in q { $0.text = "study \(i % 5000)" } }),
            ("unread + modality", { i in q { $0.read = .unread; $0.modality = ["CT", "MR"][i % 2] } }),
        ]
        var all: [Double] = []
        var allCPU: [Double] = []
        func p(_ v: [Double], _ q: Int) -> Double { v[min(v.count - 1, v.count * q / 100)] }
        print("\(pad("query", 22))   p50 ms   p99 ms   rows   (CPU time of the query thread: p50, p99 ms)")
        for (name, make) in kinds {
            var times: [Double] = []
            var cpu: [Double] = []
            var rows = 0
            for i in 0..<queries {
                let query = make(i)
                let c0 = threadCPU()
                let t0 = now()
                rows = try s.worklist(query).count
                times.append((now() - t0) * 1000)
                cpu.append((threadCPU() - c0) * 1000)
            }
            times.sort()
            cpu.sort()
            all += times
            allCPU += cpu
            print(String(format: "%@ %8.3f %8.3f %6d   %8.3f %8.3f", pad(name, 22), p(times, 50), p(times, 99), rows, p(cpu, 50), p(cpu, 99)))
        }
        var countTimes: [Double] = []
        for i in 0..<queries {
            let t0 = now()
            _ = try s.count(q { $0.modality = ["CT", "MR"][i % 2] })
            countTimes.append((now() - t0) * 1000)
        }
        countTimes.sort()
        all += countTimes
        print(String(format: "%@ %8.3f %8.3f", pad("count (modality)", 22), countTimes[countTimes.count / 2], countTimes[countTimes.count * 99 / 100]))
        all.sort()
        allCPU.sort()
        print(String(format: "all queries: p50 %.3f ms, p99 %.3f ms wall (target p99 ≤ 10 ms); CPU p50 %.3f ms, p99 %.3f ms",
                     p(all, 50), p(all, 99), p(allCPU, 50), p(allCPU, 99)))
        var load = [Double](repeating: 0, count: 3)
        if getloadavg(&load, 3) == 3 { print(String(format: "load average during the run: %.2f (2 cores shared with other builds: wall p99 follows it)", load[0])) }
        if keep, let dir { print("kept: \(dir) (reuse: --store \(root))") }
    }
}
