import SixrayCLI
import ArgumentParser
import AuditTrail
import DICOMCore
import DICOMNetwork
import DICOMweb
import NIOConcurrencyHelpers
import StudyStore
import Workstation
#if canImport(Glibc)
import Glibc
#endif

// The DICOMweb side of echo, query, retrieve and send: used when the archive entry says
// protocol = "dicomweb" or NODE is a base URL (http://127.0.0.1:8042/dicom-web).

func webClient(_ a: ArchiveConfig.Archive) throws -> DICOMwebClient {
    try a.dicomwebClient(environment: processEnvironment())
}

extension Echo {
    /// A QIDO-RS probe (`/studies?limit=1`): the service answers and accepts our credentials.
    func webEcho(_ a: ArchiveConfig.Archive) throws {
        let client = try webClient(a)
        let start = DispatchTimeShim.now()
        var q = QIDOQuery(level: .studies)
        q.limit = 1
        let query = q
        _ = try runBlocking { try await client.search(query) }
        Output.write("\(client.baseURL): QIDO-RS answered in \(format2((DispatchTimeShim.now() - start) * 1000)) ms\n")
    }
}

extension Query {
    func webFind(_ a: ArchiveConfig.Archive, model: InformationModel, level: QueryLevel, identifier: DataSet,
                 limit: Int?, fuzzy: Bool) throws -> [DataSet] {
        guard model == .studyRoot else {
            throw ValidationError("DICOMweb (QIDO-RS) has no patient level or worklist; use --level study, series or image")
        }
        let l: QIDOLevel
        switch level {
        case .study: l = .studies
        case .series: l = .series
        default: l = .instances
        }
        var q = qidoQuery(level: l, identifier: identifier, limit: limit)
        q.fuzzyMatching = fuzzy
        let client = try webClient(a)
        let query = q
        return try runBlocking { limit != nil ? try await client.search(query) : try await client.searchAll(query) }
    }
}

extension Retrieve {
    func webRetrieve(_ a: ArchiveConfig.Archive, study: String, series: String?, sink: any InstanceSink, store: StudyStore?, dir: String,
                     audit: AuditLog, concurrency: Int) throws {
        let client = try webClient(a)
        let tty = stderrIsTTY
        let report = try runBlocking {
            await retrieveDICOMweb(client: client, study: study, series: series, sink: sink, concurrency: concurrency) { n in
                if tty { Output.write("\rreceived \(n)   ", to: 2) }
            }
        }
        if tty { Output.write("\r", to: 2) }
        auditRecord(audit, .retrieve, study: study, outcome: report.isComplete ? .success : .failure, peer: auditPeer(a),
                    instances: report.received.count, detail: retrieveDetail("wado-rs", complete: report.isComplete))
        var line = "wado-rs: \(report.received.count) received"
        if report.skipped > 0 { line += ", \(report.skipped) already held" }
        if let e = report.expected { line += " of \(e.count) listed" }
        Output.write(line + " → \(dir)\n", to: 2)
        if let store {
            if !report.isComplete { try? store.markPartial(study: study) } else if series == nil { try? store.markComplete(study: study) }
        } else {
            let missing = report.missing.map { "\"\($0)\"" }.joined(separator: ", ")
            let json = """
                {"study": "\(study)", "complete": \(report.isComplete), "received": \(report.received.count), \
                "skipped": \(report.skipped), "expected": \(report.expected.map { String($0.count) } ?? "null"), "missing": [\(missing)]}

                """
            try? writeFileAtomically(Array(json.utf8), to: dir + "/.sixray-retrieve.json")
        }
        if !report.isComplete {
            var why: [String] = []
            if let e = report.error { why.append(e.description) }
            if report.partialContent {
                why.append("the archive sent only part of the study (HTTP 206 Partial Content"
                           + (report.warning.map { ": \(String($0.prefix(200)))" } ?? "") + ")")
            }
            if report.fewerThanCounted && report.error == nil && !report.partialContent, let n = report.archiveCount {
                why.append("the archive counts \(n) instances but sent \(report.received.count)"
                           + (report.skipped > 0 ? " (\(report.skipped) were already here)" : ""))
            }
            if !report.missing.isEmpty { why.append("\(report.missing.count) instances missing") }
            Output.error("retrieve incomplete: " + why.joined(separator: "; "))
            throw ExitCode(report.received.isEmpty && report.skipped == 0 ? 1 : 2)
        }
    }
}

extension Retrieve {
    /// WADO-RS metadata, frames and rendered images (PS3.18 §10.4.1.1.2–4) of a study, series
    /// or instance: metadata as DICOM JSON on stdout; frames and rendered images as files in
    /// --out (0700), named `<SOPInstanceUID>.frame-<N>.<ext>` and `<SOPInstanceUID>.rendered.<ext>` (0600).
    func webResources(_ a: ArchiveConfig.Archive) throws {
        if instance != nil && series == nil { throw ValidationError("--instance needs --series (WADO-RS addresses an instance within its series)") }
        let needsInstance = frames != nil || rendered != nil
        guard !needsInstance || instance != nil else { throw ValidationError("--frames and --rendered need --series and --instance") }
        guard metadata || needsInstance else { throw ValidationError("--instance is for --metadata, --frames or --rendered") }
        var frameNumbers: [Int] = []
        if let frames {
            frameNumbers = frames.split(separator: ",").compactMap { Int(String($0).filter { $0 != " " }) }
            guard !frameNumbers.isEmpty, frameNumbers.count == frames.split(separator: ",").count, frameNumbers.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--frames takes 1-based frame numbers separated by commas, e.g. 1,2,5")
            }
        }
        var accept: String?
        if let rendered {
            switch rendered.lowercased() {
            case "jpeg", "jpg": accept = "image/jpeg"
            case "png": accept = "image/png"
            default: throw ValidationError("--rendered takes jpeg or png")
            }
        }
        if needsInstance && out == nil { throw ValidationError("--frames and --rendered write files: give --out DIR") }
        let client = try webClient(a)
        let (study, series, instance) = (self.study, self.series, self.instance)
        if metadata {
            let sets = try runBlocking { try await client.metadata(study: study, series: series, instance: instance) }
            let encoder = DICOMJSONEncoder(bulkData: .inline, indent: 2)
            Output.write("[\n" + sets.map { encoder.encode($0) }.joined(separator: ",\n") + "\n]\n")
        }
        guard let out, let series, let instance else { return }
        _ = try DirectorySink(directory: out)  // creates DIR 0700, refuses a file in the way
        guard let name = DirectorySink.fileName(for: instance) else { throw ValidationError("--instance '\(instance.prefix(80))' is not a UID") }
        let base = out + "/" + name.dropLast(4)
        if !frameNumbers.isEmpty {
            let numbers = frameNumbers
            let parts = try runBlocking { try await client.frames(study: study, series: series, instance: instance, numbers: numbers) }
            guard parts.count == numbers.count else {
                throw DICOMwebError(.multipart, "asked for \(numbers.count) frames, got \(parts.count) parts", url: client.resourceURL(study: study, series: series, instance: instance))
            }
            for (n, part) in zip(numbers, parts) {
                let path = base + ".frame-\(n)." + fileExtension(part.contentType)
                try writeFileAtomically(part.bytes, to: path)
                Output.write("\(path) (\(part.bytes.count) bytes, \(part.contentType))\n")
            }
        }
        if let accept {
            let image = try runBlocking { try await client.rendered(study: study, series: series, instance: instance, accept: accept) }
            let path = base + ".rendered." + fileExtension(image.contentType)
            try writeFileAtomically(image.bytes, to: path)
            Output.write("\(path) (\(image.bytes.count) bytes, \(image.contentType))\n")
        }
    }

    func fileExtension(_ contentType: String) -> String {
        switch parseMediaType(contentType).type {
        case "image/jpeg": return "jpg"
        case "image/png": return "png"
        case "image/jp2", "image/jpx": return "jp2"
        case "image/jls": return "jls"
        case "image/gif": return "gif"
        default: return "raw"
        }
    }
}

extension Send {
    /// STOW-RS in requests of at most 100 instances or 64 MiB (PS3.18 §10.5), each body read
    /// from the files while it is sent (memory bounded by one read, not by the batch).
    func webSend(_ a: ArchiveConfig.Archive, files: [String], audit: AuditLog) throws {
        let client = try webClient(a)
        var sent = 0
        var failures = 0
        var failedFiles = Set<String>()
        var failedSOPs = Set<String>()
        var batchFiles: [String] = []
        defer { auditSent(audit, files: files, failed: failedFiles, failedSOPs: failedSOPs, peer: auditPeer(a), how: "stow-rs") }
        var batch: [String] = []
        var batchBytes = 0
        func flush() throws {
            if batch.isEmpty { return }
            let b = batch
            let bf = batchFiles
            batch = []
            batchFiles = []
            batchBytes = 0
            let r: STOWResult
            do { r = try runBlocking { try await client.store(files: b) } } catch {
                failedFiles.formUnion(bf)
                throw error
            }
            sent += r.stored.count
            for f in r.failed { Output.error("\(f.sopInstanceUID): \(f.reason)"); failures += 1; failedSOPs.insert(f.sopInstanceUID) }
            if r.stored.isEmpty && r.failed.isEmpty { sent += b.count }  // a server that answers without a body
        }
        for f in files {
            do {
                let src = try ByteSource(contentsOfFile: f)
                guard src.count > 132, src.bytes(in: 128..<132) == [0x44, 0x49, 0x43, 0x4D] else {
                    Output.error("\(f): not a DICOM Part 10 file (no 'DICM' at byte 128)")
                    failures += 1
                    failedFiles.insert(f)
                    continue
                }
                batch.append(f)
                batchFiles.append(f)
                batchBytes += src.count
            } catch {
                Output.error("\(f): \(error)")
                failures += 1
                failedFiles.insert(f)
                continue
            }
            if batch.count >= 100 || batchBytes >= 64 << 20 { try flush() }
        }
        try flush()
        Output.write("sent \(sent) of \(files.count) files to \(client.baseURL) (STOW-RS)\n", to: 2)
        if failures > 0 { throw ExitCode(sent == 0 ? 1 : 2) }
    }
}

enum DispatchTimeShim {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
