import SixrayCLI
import ArgumentParser
import AuditTrail
#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMNetwork
import Dispatch
import NIOConcurrencyHelpers
import StudyStore
import Workstation

/// Options shared by the network commands (DCMTK spellings where it has one: -aet, -aec).
struct NetworkOptions: ParsableArguments {
    @Option(name: [.customLong("aet"), .customLong("aet", withSingleDash: true)],
            help: "Our AE title (default: [sixray] aet in the config, else SIXRAY).")
    var aet: String?

    @Option(name: [.customLong("call"), .customLong("aec", withSingleDash: true)],
            help: "The peer's AE title, overriding the config.")
    var call: String?

    @Option(help: "Configuration file (default: $XDG_CONFIG_HOME/sixray/config.toml).")
    var config: String?

    @Option(help: "Seconds to wait for the peer before giving up (connect and each answer).")
    var timeout: Double?

    @Flag(help: "Use TLS (PS3.15 B.1) even if the config does not say so.")
    var tls = false
    @Option(help: "PEM file of CA certificates that sign the peer's certificate.")
    var tlsCa: String?
    @Option(help: "PEM certificate to present (TLS client certificate, or the listener's).")
    var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?
    @Flag(help: "Do not verify the peer's certificate (verification is on by default).")
    var tlsNoVerify = false

    func loadConfig() throws(NetworkError) -> ArchiveConfig {
        var env: [String: String] = [:]
        for key in ["XDG_CONFIG_HOME", "HOME"] { if let v = getenv(key) { env[key] = String(cString: v) } }
        if let config { return try ArchiveConfig.load(path: config) }
        guard let p = ArchiveConfig.defaultPath(environment: env) else { return ArchiveConfig() }
        return try ArchiveConfig.load(path: p)
    }

    func localAE(_ c: ArchiveConfig, archive: ArchiveConfig.Archive? = nil) throws(NetworkError) -> LocalAE {
        let t = aet ?? archive?.callingAETitle ?? c.aeTitle
        guard let ok = validAETitle(t) else { throw NetworkError(.config("--aet '\(t)' is not a valid AE title (1–16 characters)")) }
        return LocalAE(aeTitle: ok)
    }

    var tlsSettings: TLSSettings? {
        guard tls || tlsCa != nil || tlsCert != nil else { return nil }
        var s = TLSSettings(caFile: tlsCa, certificateFile: tlsCert, privateKeyFile: tlsKey)
        s.verifyPeer = !tlsNoVerify
        return s
    }

    func archive(_ node: String, _ c: ArchiveConfig) throws(NetworkError) -> ArchiveConfig.Archive {
        var a = ArchiveConfig.Archive.isURL(node) ? .dicomweb(url: node) : try c.resolve(node)
        if let call {
            guard let ok = validAETitle(call) else { throw NetworkError(.config("--call '\(call)' is not a valid AE title")) }
            a.calledAETitle = ok
        }
        if let timeout { a.connectTimeout = timeout; a.dimseTimeout = timeout }
        if let s = tlsSettings { a.tls = s }
        return a
    }
}

/// Run async work from a synchronous ArgumentParser command.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let box = NIOLockedValueBox<Result<T, any Error>?>(nil)
    Task {
        do { let v = try await body(); box.withLockedValue { $0 = .success(v) } } catch { box.withLockedValue { $0 = .failure(error) } }
        done.signal()
    }
    done.wait()
    switch box.withLockedValue({ $0 }) {
    case .success(let v)?: return v
    case .failure(let e)?: throw e
    case nil: throw FailureExit()
    }
}

/// Report a failed network command in one line and exit 1.
func networkFailure(_ error: any Error) -> ExitCode {
    if let e = error as? NetworkError { Output.error(e.description) } else if !(error is FailureExit) { Output.error("\(error)") }
    return ExitCode(1)
}

let networkExitCodes = "Exit codes: 0 success; 1 failure (connection, association rejected — result, source and reason are printed in words — error status, bad configuration); 2 partly done (a retrieve is incomplete, some files were not stored); 64 usage error."

let stderrIsTTY = isatty(2) == 1

struct Echo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a DICOM node (C-ECHO, like echoscu).",
        discussion: "NODE is an archive named in the config or AET@host:port.\n\n" + networkExitCodes)

    @Argument(help: "Archive name or AET@host:port.") var node: String
    @OptionGroup var net: NetworkOptions

    func run() throws {
        do {
            let c = try net.loadConfig()
            let a = try net.archive(node, c)
            if a.isDICOMweb { try webEcho(a); return }
            let client = DICOMClient(remote: a.remote(), local: try net.localAE(c, archive: a))
            let r = try runBlocking { try await client.echo() }
            Output.write("\(a.calledAETitle)@\(a.host):\(a.port): C-ECHO \(r.status) in \(String(format2(r.seconds * 1000))) ms (\(r.peerImplementation))\n")
            if !r.status.isSuccess { throw ExitCode(1) }
        } catch let e as ExitCode { throw e } catch { throw networkFailure(error) }
    }
}

func format2(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return String(r)
}

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query a DICOM node (C-FIND, like findscu): patients, studies, series, images or the worklist.",
        discussion: """
            Patient level uses the Patient Root model, the other levels Study Root; --model \
            worklist queries the Modality Worklist (PS3.4 K). --date takes a DICOM range \
            (20240101-20241231, 20240101-, -20241231). Wildcards * and ? work in --name. \
            --json prints a PS3.18 JSON array of the matches.

            """ + networkExitCodes)

    @Argument(help: "Archive name or AET@host:port.") var node: String
    @Option(help: "patient, study, series or image.") var level: String = "study"
    @Option(help: "patient (Patient Root), study (Study Root) or worklist.") var model: String?
    @Option(help: "Patient ID.") var patientId: String?
    @Option(help: "Patient's name (wildcards allowed).") var name: String?
    @Option(help: "Study date or range (YYYYMMDD-YYYYMMDD); for the worklist, the scheduled date.") var date: String?
    @Option(help: "Modality (CT, MR, ...).") var modality: String?
    @Option(help: "Accession number.") var accession: String?
    @Option(help: "Study Instance UID (needed for series and image levels).") var study: String?
    @Option(help: "Series Instance UID (needed for the image level).") var series: String?
    @Option(help: "Stop after N matches (sends C-CANCEL).") var limit: Int?
    @Flag(help: "Print the matches as a PS3.18 JSON array.") var json = false
    @Flag(help: "DICOMweb: ask for fuzzy matching of person names (QIDO-RS fuzzymatching=true).") var fuzzy = false
    @OptionGroup var net: NetworkOptions

    func run() throws {
        guard let lvl = QueryLevel(rawValue: level.uppercased()) else {
            throw ValidationError("--level must be patient, study, series or image")
        }
        let m: InformationModel
        if let model {
            guard let mm = InformationModel(rawValue: model) else { throw ValidationError("--model must be patient, study or worklist") }
            m = mm
        } else {
            m = lvl == .patient ? .patientRoot : .studyRoot
        }
        if m == .studyRoot && lvl == .patient { throw ValidationError("the Study Root model has no PATIENT level; use --model patient") }
        var keys = Identifier()
        var columns: [(String, Tag)] = []
        func key(_ tag: Tag, _ value: String?, _ title: String?) {
            keys.set(tag, value ?? "")
            if let title { columns.append((title, tag)) }
        }
        if m == .worklist {
            key(.patientID, patientId, "PatientID")
            key(.patientName, name, "Name")
            key(.accessionNumber, accession, "Accession")
            key(.studyInstanceUID, study, nil)
            key(.requestedProcedureID, nil, "RequestedProcedure")
            var sps = Identifier()
            sps.set(.modality, modality ?? "")
            sps.set(.scheduledProcedureStepStartDate, date ?? "")
            sps.set(.scheduledStationAETitle, "")
            keys.setSequence(.scheduledProcedureStepSequence, item: sps)
        } else {
            key(.patientID, patientId, "PatientID")
            key(.patientName, name, "Name")
            if lvl != .patient {
                key(.studyDate, date, "Date")
                key(.accessionNumber, accession, "Accession")
                key(.studyInstanceUID, study, lvl == .study ? "StudyInstanceUID" : nil)
                if lvl == .study {
                    key(.modalitiesInStudy, modality, "Modalities")
                    key(.numberOfStudyRelatedInstances, nil, "Images")
                    key(.studyDescription, nil, "Description")
                }
            }
            if lvl == .series || lvl == .image {
                guard study != nil else { throw ValidationError("--level \(level) needs --study UID") }
                key(.modality, modality, "Modality")
                key(.seriesNumber, nil, "Series")
                key(.seriesInstanceUID, series, lvl == .series ? "SeriesInstanceUID" : nil)
                if lvl == .series {
                    key(.numberOfSeriesRelatedInstances, nil, "Images")
                    key(.seriesDescription, nil, "Description")
                }
            }
            if lvl == .image {
                guard series != nil else { throw ValidationError("--level image needs --series UID") }
                key(.instanceNumber, nil, "Instance")
                key(.sopInstanceUID, nil, "SOPInstanceUID")
                key(.sopClassUID, nil, nil)
            }
        }
        do {
            let c = try net.loadConfig()
            let a = try net.archive(node, c)
            let identifier = keys
            let lim = limit
            let matches: [DataSet]
            if a.isDICOMweb {
                matches = try webFind(a, model: m, level: lvl, identifier: identifier.dataSet, limit: lim, fuzzy: fuzzy)
            } else {
                let client = DICOMClient(remote: a.remote(), local: try net.localAE(c, archive: a))
                matches = try runBlocking {
                    try await client.find(model: m, level: m == .worklist ? nil : lvl, identifier: identifier, limit: lim)
                }
            }
            if json {
                let enc = DICOMJSONEncoder(bulkData: .inline, indent: 2)
                Output.write("[" + matches.map { enc.encode($0) }.joined(separator: ",\n") + "]\n")
            } else {
                var rows = [columns.map(\.0)]
                for ds in matches {
                    rows.append(columns.map { (_, tag) in
                        if m == .worklist, tag == .requestedProcedureID, let item = ds[.scheduledProcedureStepSequence]?.items?.first {
                            return (ds.string(tag) ?? "") + " " + (item.string(.modality) ?? "") + " " + (item.string(.scheduledProcedureStepStartDate) ?? "")
                        }
                        return ds.strings(tag)?.joined(separator: "\\") ?? ""
                    })
                }
                let widths = (0..<columns.count).map { i in rows.map { $0[i].count }.max() ?? 0 }
                for r in rows {
                    Output.write(zip(r, widths).map { $0.0.padding($0.1) }.joined(separator: "  ").trimmedRight() + "\n")
                }
                if stderrIsTTY { Output.write("\(matches.count) match\(matches.count == 1 ? "" : "es")\n", to: 2) }
            }
        } catch let e as ExitCode { throw e } catch { throw networkFailure(error) }
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func trimmedRight() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

struct Retrieve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrieve a study or series (C-GET or C-MOVE) as Part 10 files.",
        discussion: """
            The archive is first asked which instances exist; instances already in the \
            output directory are skipped (a retrieve resumes). --via get fetches on the same \
            association (storage SCP role, PS3.7 D.3.3.4); --via move starts Sixray's storage \
            SCP on --port for the duration and asks the archive to send to --aet, which the \
            archive must know. Files are written as DIR/<SOPInstanceUID>.dcm (0600), each \
            only renamed into place when complete; an incomplete retrieve exits 2 and leaves \
            DIR/.sixray-retrieve.json saying which instances are missing. Without --out the \
            instances go into the local study store (each indexed only once complete; an \
            incomplete retrieve leaves the study marked partial, and the next retrieve fetches \
            only what is missing).

            """ + networkExitCodes)

    @Argument(help: "Archive name or AET@host:port.") var node: String
    @Option(help: "Study Instance UID.") var study: String
    @Option(help: "Series Instance UID (only this series).") var series: String?
    @Option(help: "move or get (default: the archive's retrieve setting, else move).") var via: String?
    @Option(help: "Directory for the retrieved files (created 0700).") var out: String?
    @Option(help: "Port of our storage SCP during a C-MOVE (default: the archive's move_port, else [sixray] port).")
    var port: Int?
    @Option(help: "DICOMweb: series of a study retrieved in parallel, one request each (default 4).")
    var concurrency: Int = 4
    @Option(help: "DICOMweb: SOP Instance UID (with --series) for --metadata, --frames, --rendered.")
    var instance: String?
    @Flag(help: "DICOMweb: print the study/series/instance metadata as DICOM JSON (PS3.18 F.2) on stdout.")
    var metadata = false
    @Option(help: "DICOMweb: frame numbers (1-based, comma-separated) of --instance to write to --out.")
    var frames: String?
    @Option(help: "DICOMweb: write --instance rendered as jpeg or png to --out.")
    var rendered: String?
    @OptionGroup var net: NetworkOptions
    @OptionGroup var location: StoreLocation

    func run() throws {
        let log = try location.auditLog()
        var peer = AuditLog.peerName(node)
        do {
            let c = try net.loadConfig()
            let a = try net.archive(node, c)
            peer = auditPeer(a)
            let local = try net.localAE(c, archive: a)
            let method: RetrieveMethod
            if let via {
                guard let m = RetrieveMethod(rawValue: via) else { throw ValidationError("--via must be move or get") }
                method = m
            } else {
                method = a.retrieve == .get ? .get : .move
            }
            if metadata || frames != nil || rendered != nil || instance != nil {
                guard a.isDICOMweb else {
                    throw ValidationError("--instance, --metadata, --frames and --rendered are WADO-RS requests: NODE must be a DICOMweb archive or base URL")
                }
                try webResources(a)
                return
            }
            let dir: String
            let sink: any InstanceSink
            var store: StudyStore?
            if let out {
                dir = out
                sink = try DirectorySink(directory: dir, sourceAETitle: a.calledAETitle)
            } else {
                let s = try location.open()
                store = s
                dir = "the local study store"
                sink = try StoreSink(store: s, source: a.name)
            }
            if a.isDICOMweb {
                guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 64") }
                try webRetrieve(a, study: study, series: series, sink: sink, store: store, dir: dir, audit: log, concurrency: concurrency)
                return
            }
            var req = RetrieveRequest(studyInstanceUID: study, seriesInstanceUID: series, method: method,
                                      moveDestination: net.aet ?? a.moveDestination ?? local.aeTitle,
                                      movePort: port ?? a.movePort ?? c.port)
            req.moveListenHost = "0.0.0.0"
            let client = DICOMClient(remote: a.remote(), local: local)
            let request = req
            let counter = NIOLockedValueBox(0)
            let tty = stderrIsTTY
            let report = try runBlocking {
                try await client.retrieve(request, sink: sink) { progress, inst in
                    if inst != nil {
                        let n = counter.withLockedValue { $0 += 1; return $0 }
                        if tty { Output.write("\rreceived \(n)" + (progress.remaining.map { ", \($0) remaining" } ?? "") + "   ", to: 2) }
                    }
                }
            }
            if tty { Output.write("\r", to: 2) }
            let r = report.result
            auditRecord(log, .retrieve, study: study, outcome: report.isComplete ? .success : .failure, peer: peer,
                        instances: r.progress.received, detail: retrieveDetail(method.rawValue, complete: report.isComplete))
            var line = "\(method.rawValue): \(r.progress.received) received"
            if r.progress.skipped > 0 { line += ", \(r.progress.skipped) already held" }
            if let e = report.expected { line += " of \(e) listed" }
            if let t = r.timeToFirstInstance { line += "; first after \(format2(t * 1000)) ms" }
            line += " → \(dir)"
            Output.write(line + "\n", to: 2)
            if let store {
                // The index says whether the study is whole (a series retrieve leaves it as it was).
                if !report.isComplete { try? store.markPartial(study: study) } else if series == nil { try? store.markComplete(study: study) }
            } else {
                writeRetrieveState(dir: dir, study: study, report: report)
            }
            if !report.isComplete {
                var why: [String] = []
                if let e = r.error { why.append(e.description) }
                if let s = r.finalStatus, !s.isSuccess { why.append("final status \(s)") }
                if r.progress.failed > 0 { why.append("\(r.progress.failed) sub-operations failed at the archive") }
                why += r.failures.prefix(5)
                if !report.missing.isEmpty { why.append("\(report.missing.count) instances missing") }
                Output.error("retrieve incomplete: " + why.joined(separator: "; "))
                throw ExitCode(2)
            }
        } catch let e as ExitCode { throw e } catch let e as ValidationError { throw e } catch {
            auditRecord(log, .retrieve, study: study, outcome: .failure, peer: peer, detail: "not retrieved")
            throw networkFailure(error)
        }
    }

    /// The audit record's detail: how, what and whether all of it came.
    func retrieveDetail(_ how: String, complete: Bool) -> String {
        how + (series.map { " series \($0)" } ?? "") + (out == nil ? " to the store" : " to a folder") + (complete ? "" : ", incomplete")
    }

    func writeRetrieveState(dir: String, study: String, report: RetrieveReport) {
        let missing = report.missing.map { "\"\($0)\"" }.joined(separator: ", ")
        let json = """
            {"study": "\(study)", "complete": \(report.isComplete), "received": \(report.result.progress.received), \
            "skipped": \(report.result.progress.skipped), "expected": \(report.expected.map(String.init) ?? "null"), "missing": [\(missing)]}

            """
        try? writeFileAtomically(Array(json.utf8), to: dir + "/.sixray-retrieve.json")
    }
}

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send DICOM files to a node (C-STORE, like storescu); directories are walked.",
        discussion: "Each file's data set is sent as stored when the node accepts its transfer syntax.\n\n" + networkExitCodes)

    @Argument(help: "Archive name or AET@host:port.") var node: String
    @Argument(help: "Files or directories.") var paths: [String]
    @OptionGroup var net: NetworkOptions
    @OptionGroup var location: StoreLocation

    func run() throws {
        var files: [String] = []
        for p in paths { collectFiles(p, into: &files) }
        if files.isEmpty { Output.error("no files found in \(paths.joined(separator: " "))"); throw ExitCode(1) }
        let log = try location.auditLog()
        var peer = AuditLog.peerName(node)
        do {
            let c = try net.loadConfig()
            let a = try net.archive(node, c)
            peer = auditPeer(a)
            if a.isDICOMweb { try webSend(a, files: files, audit: log); return }
            let client = DICOMClient(remote: a.remote(), local: try net.localAE(c, archive: a))
            let list = files
            let r: StoreResult
            do { r = try runBlocking { try await client.store(paths: list) } } catch {
                auditSent(log, files: files, failed: Set(files), peer: peer, how: "c-store")
                throw error
            }
            auditSent(log, files: files, failed: Set(r.failures.map { $0.path }), peer: peer, how: "c-store")
            for f in r.failures { Output.error("\(f.path): \(f.reason)") }
            Output.write("sent \(r.sent.count) of \(files.count) files to \(a.calledAETitle)@\(a.host):\(a.port)\n", to: 2)
            if !r.failures.isEmpty { throw ExitCode(r.sent.isEmpty ? 1 : 2) }
        } catch let e as ExitCode { throw e } catch { throw networkFailure(error) }
    }
}

extension Send {
    /// One audit record per study among `files` (read from each file's header): success when
    /// every file of it went, else failure with the count that did.
    func auditSent(_ log: AuditLog, files: [String], failed: Set<String>, failedSOPs: Set<String> = [], peer: String, how: String) {
        var order: [String] = []
        var tally: [String: (sent: Int, total: Int)] = [:]
        for f in files {
            let ds = (try? Part10Reader.read(path: f))?.dataSet
            let uid = ds?.string(Tag(0x0020, 0x000D)) ?? ""
            if tally[uid] == nil { order.append(uid) }
            var t = tally[uid] ?? (0, 0)
            t.total += 1
            if !failed.contains(f) && !failedSOPs.contains(ds?.string(.sopInstanceUID) ?? "") { t.sent += 1 }
            tally[uid] = t
        }
        for uid in order {
            let t = tally[uid] ?? (0, 0)
            auditRecord(log, .send, study: uid.isEmpty ? nil : uid, outcome: t.sent == t.total ? .success : .failure, peer: peer,
                        instances: t.sent, detail: how + (t.sent == t.total ? "" : ", \(t.sent) of \(t.total) sent"))
        }
    }
}

/// Regular files under `path` (not following hidden entries), sorted.
func collectFiles(_ path: String, into out: inout [String]) {
    var st = stat()
    guard stat(path, &st) == 0 else { Output.error("\(path): \(String(cString: strerror(errno)))"); return }
    if st.st_mode & S_IFMT == S_IFDIR {
        guard let d = opendir(path) else { return }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(d)
        for n in names.sorted() { collectFiles(path + "/" + n, into: &out) }
    } else if st.st_mode & S_IFMT == S_IFREG {
        out.append(path)
    }
}

struct Listen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Storage and Verification SCP (like storescp): received instances are written as Part 10 files.",
        discussion: """
            Accepts associations called --aet for Verification and every storage SOP class, in \
            any transfer syntax it knows (the data set is stored as received). Each instance is \
            written to a temporary file and renamed to DIR/<SOPInstanceUID>.dcm only when \
            complete. One line per event on stderr. Runs until interrupted.

            """ + networkExitCodes)

    @Option(name: [.customLong("port"), .short], help: "TCP port to listen on (default: [sixray] port, else 11112).") var port: Int?
    @Option(help: "Address to bind.") var host: String = "0.0.0.0"
    @Option(help: "Directory for received files (created 0700).") var out: String = "."
    @Flag(help: "Accept any called AE title.") var anyCalledAet = false
    @OptionGroup var net: NetworkOptions

    func run() throws {
        do {
            let c = try net.loadConfig()
            let local = try net.localAE(c)
            let sink = try DirectorySink(directory: out)
            var config = StorageSCP.Configuration(local: local, port: port ?? c.port)
            config.host = host
            config.requireCalledAETitle = !anyCalledAet
            if let t = net.tlsSettings { config.tls = t }
            if let t = net.timeout { config.dimseTimeout = .milliseconds(Int64(t * 1000)) }
            let cfg = config
            try runBlocking {
                let scp = try await StorageSCP.start(cfg, sink: sink) { e in
                    switch e.kind {
                    case .associated: Output.write("association from \(e.peer)\n", to: 2)
                    case .stored(let i): Output.write("stored \(i.sopInstanceUID) (\(i.bytes) bytes) from \(e.peer)\n", to: 2)
                    case .failed(let why): Output.write("not stored: \(why) (\(e.peer))\n", to: 2)
                    case .echoed: Output.write("C-ECHO from \(e.peer)\n", to: 2)
                    case .released: Output.write("released by \(e.peer)\n", to: 2)
                    case .aborted(let why): Output.write("association with \(e.peer) ended: \(why)\n", to: 2)
                    case .rejected(let why): Output.write("\(why): \(e.peer)\n", to: 2)
                    }
                }
                Output.write("listening on \(cfg.host):\(scp.port) as \(cfg.local.aeTitle)\(cfg.tls == nil ? "" : " (TLS)")\n", to: 2)
                await scp.wait()
            }
        } catch let e as ExitCode { throw e } catch { throw networkFailure(error) }
    }
}
