#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMNetwork
import DICOMweb
import NIOConcurrencyHelpers
import NIOCore

/// DICOMweb archives (`protocol = "dicomweb"`) and inline base URLs, and the bridge from
/// WADO-RS parts to the same `InstanceSink` a DIMSE retrieve uses.
///
///     [archive.cloud]
///     protocol = "dicomweb"
///     url = "https://pacs.example.org/dicom-web"
///     token_env = "PACS_TOKEN"        # or token = "...", or token_command = "print-token"
///     # username = "me", password = "..." for HTTP basic authentication
extension ArchiveConfig.Archive {
    public static func isURL(_ node: String) -> Bool { node.hasPrefix("http://") || node.hasPrefix("https://") }

    /// An inline base URL as a NODE.
    public static func dicomweb(url: String) -> ArchiveConfig.Archive {
        var a = ArchiveConfig.Archive(name: url, host: "", port: 80, calledAETitle: "DICOMWEB")
        a.archiveProtocol = .dicomweb
        return a
    }

    public var isDICOMweb: Bool { archiveProtocol == .dicomweb }

    /// The service's base URL: `url`, else http(s)://host:port built from the entry.
    public func dicomwebURL() throws(DICOMwebError) -> String {
        if Self.isURL(name) && section == nil { return name }
        if let u = (try? section?.string("url")) ?? nil { return u }
        guard !host.isEmpty else { throw DICOMwebError(.config, "archive '\(name)' has protocol = \"dicomweb\" but no url") }
        return (tls == nil ? "http://" : "https://") + host + ":\(port)/dicom-web"
    }

    /// Credentials from the entry: token, token_env, token_command, or username/password.
    public func dicomwebAuth(environment: [String: String]) throws(DICOMwebError) -> DICOMwebAuth {
        guard let t = section else { return .none }
        func s(_ k: String) -> String? { (try? t.string(k)) ?? nil }
        if let token = s("token") { return .bearer(token) }
        if let v = s("token_env") {
            guard let token = environment[v], !token.isEmpty else {
                throw DICOMwebError(.config, "archive '\(name)': token_env names \(v), which is not set")
            }
            return .bearer(token)
        }
        if let cmd = s("token_command") { return .bearer(try DICOMwebAuth.tokenFromCommand(cmd)) }
        if let user = s("username") { return .basic(user: user, password: s("password") ?? "") }
        return .none
    }

    public func dicomwebClient(environment: [String: String]) throws(DICOMwebError) -> DICOMwebClient {
        try DICOMwebClient(baseURL: dicomwebURL(), auth: dicomwebAuth(environment: environment),
                           connectTimeout: connectTimeout, readTimeout: dimseTimeout,
                           caFile: tls?.caFile, verifyCertificates: tls?.verifyPeer ?? true)
    }
}

/// The process environment as a dictionary (for token_env).
public func processEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let e = p.pointee {
        let s = String(cString: e)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return env
}

/// What a WADO-RS retrieve into a sink did.
public struct WebRetrieveReport: Sendable {
    public var received: [ReceivedInstance] = []
    public var skipped = 0
    /// Instances QIDO-RS listed (nil if the listing failed).
    public var expected: [String]?
    /// Listed but neither received nor already held.
    public var missing: [String] = []
    public var error: DICOMwebError?
    /// The number of instances the archive said it holds (QIDO-RS), if it said.
    public var archiveCount: Int?
    /// The server answered 206 Partial Content for at least one request, and its Warning.
    public var partialContent = false
    public var warning: String?
    /// Complete when nothing failed and nothing is missing; after a 206, or with fewer
    /// instances than the archive counted, only if the listing could be read and shows nothing
    /// missing.
    public var isComplete: Bool { error == nil && missing.isEmpty && !((partialContent || fewerThanCounted) && expected == nil) }
    /// Fewer instances arrived (or were already held) than the archive counted.
    public var fewerThanCounted: Bool { archiveCount.map { received.count + skipped < $0 } ?? false }
}

/// Retrieve a study or series by WADO-RS into `sink` (PS3.18 §10.4). Each multipart part
/// streams into the sink as it arrives (`SinkPartHandler`: File Meta Information replaced by
/// the sink's own, data set bytes as received), so memory is bounded by a network chunk,
/// not by an instance. A study's series are retrieved in parallel, at most `concurrency`
/// at a time (one request per series; the series are listed by QIDO-RS first). When a
/// transfer breaks off, the instances are listed by QIDO-RS: listed ones that neither
/// arrived nor were already held are missing. Instances the sink already holds are skipped.
public func retrieveDICOMweb(client: DICOMwebClient, study: String, series: String?, sink: any InstanceSink,
                             concurrency: Int = 4,
                             progress: @escaping @Sendable (Int) -> Void = { _ in }) async -> WebRetrieveReport {
    var report = WebRetrieveReport()
    // The archive's count of the study's (or the series') instances, asked alongside the
    // transfer: one small QIDO-RS answer, so that a 200 that silently leaves instances out is
    // caught too (listing every instance alongside cost Orthanc ~100 ms of CPU per 120).
    async let archiveCount = instanceCount(client: client, study: study, series: series)
    let count = NIOLockedValueBox(0)
    @Sendable func one(_ series: String?) async -> (received: [ReceivedInstance], skipped: Int, error: DICOMwebError?, partial: String?) {
        let handler = SinkPartHandler(sink: sink) { _ in progress(count.withLockedValue { $0 += 1; return $0 }) }
        let r = await client.retrieve(study: study, series: series, into: handler)
        return (handler.received, handler.skipped, r.error, r.partialContent ? (r.warning ?? "") : nil)
    }
    var parallel: [String] = []
    if series == nil && concurrency > 1 {
        var sq = QIDOQuery(level: .series, studyInstanceUID: study)
        sq.includeFields = ["0020000E"]
        parallel = ((try? await client.searchAll(sq)) ?? []).compactMap { $0.string(.seriesInstanceUID) }
    }
    if parallel.count > 1 {
        let list = parallel
        await withTaskGroup(of: (received: [ReceivedInstance], skipped: Int, error: DICOMwebError?, partial: String?).self) { group in
            var next = 0
            while next < min(concurrency, list.count) {
                let s = list[next]
                group.addTask { await one(s) }
                next += 1
            }
            for await r in group {
                report.received += r.received
                report.skipped += r.skipped
                if report.error == nil { report.error = r.error }
                if let w = r.partial { report.partialContent = true; report.warning = report.warning ?? (w.isEmpty ? nil : w) }
                if next < list.count {
                    let s = list[next]
                    group.addTask { await one(s) }
                    next += 1
                }
            }
        }
    } else {
        let r = await one(series)
        report.received = r.received
        report.skipped = r.skipped
        report.error = r.error
        report.partialContent = r.partial != nil
        report.warning = r.partial.flatMap { $0.isEmpty ? nil : $0 }
    }
    report.archiveCount = await archiveCount
    if report.error != nil || report.partialContent || report.fewerThanCounted {
        // Only a retrieve that broke off, that the server answered with 206 Partial Content
        // (PS3.18 §10.4.3: some instances could not be returned), or that brought fewer
        // instances than the archive counts needs the listing, to say what is missing.
        // (Running it alongside every transfer cost Orthanc ~100 ms of CPU per 120-instance
        // series, taken from the transfer on a 2-core machine.)
        var q = QIDOQuery(level: .instances, studyInstanceUID: study, seriesInstanceUID: series)
        q.includeFields = ["00080018"]
        if let list = try? await client.searchAll(q) {
            report.expected = list.compactMap { $0.string(.sopInstanceUID) }
        }
    }
    if let expected = report.expected {
        let got = Set(report.received.map(\.sopInstanceUID))
        report.missing = expected.filter { !got.contains($0) && !sink.contains(sopInstanceUID: $0) }
    }
    return report
}

/// NumberOfStudyRelatedInstances (or NumberOfSeriesRelatedInstances with a series) by
/// QIDO-RS, or nil when the archive does not say.
func instanceCount(client: DICOMwebClient, study: String, series: String?) async -> Int? {
    var q: QIDOQuery
    let tag: Tag
    if let series {
        q = QIDOQuery(level: .series, studyInstanceUID: study)
        q.matching = [("0020000E", series)]
        q.includeFields = ["00201209"]
        tag = Tag(0x0020, 0x1209)
    } else {
        q = QIDOQuery(level: .studies)
        q.matching = [("0020000D", study)]
        q.includeFields = ["00201208"]
        tag = Tag(0x0020, 0x1208)
    }
    guard let answer = try? await client.search(q), answer.count == 1,
          let text = answer[0].string(tag) else { return nil }
    return Int(text.trimmingCharacters(in: .whitespaces))
}

/// Writes WADO-RS parts into an `InstanceSink` as they stream in, the same sink a DIMSE
/// retrieve writes to. A part's first bytes are held only until its File Meta Information
/// is complete (PS3.10 §7.1: SOP class, instance and transfer syntax name the sink's file);
/// from then on each chunk goes straight to the sink's writer (a temporary file). The part's
/// end commits (renamed into place or adopted by the store); a part the body breaks off
/// inside is discarded, so it is counted missing, never half-written.
public final class SinkPartHandler: WADOPartHandler {
    public let sink: any InstanceSink
    public private(set) var received: [ReceivedInstance] = []
    public private(set) var skipped = 0
    /// The most bytes of one part this handler held in memory at once (the meta-group prefix).
    public private(set) var maxHeldBytes = 0
    /// Larger File Meta Information than this is refused (a part that is not Part 10).
    public var maxHeadBytes = 1 << 20
    let onReceived: (ReceivedInstance) -> Void
    private var head: [UInt8] = []
    private var writer: (any InstanceWriter)?
    private var skipping = false

    public init(sink: any InstanceSink, onReceived: @escaping (ReceivedInstance) -> Void = { _ in }) {
        self.sink = sink
        self.onReceived = onReceived
    }

    public var wantsWriterThread: Bool { sink.hasCostlyCommit }

    public func partBegin(headers: [String: String]) throws(DICOMwebError) {
        writer?.discard()
        writer = nil
        skipping = false
        head.removeAll(keepingCapacity: true)
        if let type = headers["content-type"], !type.isEmpty, parseMediaType(type).type != "application/dicom" {
            throw DICOMwebError(.instance, "part \(received.count + skipped + 1) is '\(type)', not application/dicom")
        }
    }

    public func partBody(_ bytes: UnsafeRawBufferPointer) throws(DICOMwebError) {
        if skipping { return }
        if let writer {
            do { try writer.write(contentsOf: bytes) } catch { throw DICOMwebError(.instance, "\(error)") }
            return
        }
        head.append(contentsOf: bytes)
        maxHeldBytes = max(maxHeldBytes, head.count)
        if let h = try Part10Header.scan(head, isComplete: false) {
            try start(h)
        } else if head.count > maxHeadBytes {
            throw DICOMwebError(.instance, "part \(received.count + skipped + 1): no end of the File Meta Information in its first \(maxHeadBytes) bytes")
        }
    }

    public func partEnd() throws(DICOMwebError) {
        if skipping { return }
        if writer == nil, let h = try Part10Header.scan(head, isComplete: true) { try start(h) }
        guard let w = writer else { return }
        writer = nil
        do {
            let r = try w.commit()
            received.append(r)
            onReceived(r)
        } catch {
            w.discard()
            throw DICOMwebError(.instance, "\(error)")
        }
    }

    public func partAbandoned() {
        writer?.discard()
        writer = nil
        head.removeAll(keepingCapacity: true)
    }

    /// The meta group is complete: open the sink's writer and hand it the data set so far.
    private func start(_ h: Part10Header) throws(DICOMwebError) {
        if sink.contains(sopInstanceUID: h.sopInstanceUID) {
            skipped += 1
            skipping = true
            head.removeAll(keepingCapacity: true)
            return
        }
        let w: any InstanceWriter
        do { w = try sink.begin(sopClassUID: h.sopClassUID, sopInstanceUID: h.sopInstanceUID, transferSyntaxUID: h.transferSyntaxUID) } catch {
            throw DICOMwebError(.instance, "\(error)")
        }
        writer = w
        var failure: NetworkError?
        let from = min(h.dataSetOffset, head.count)
        head.withUnsafeBytes { b in
            do throws(NetworkError) { try w.write(contentsOf: UnsafeRawBufferPointer(rebasing: b[from...])) } catch { failure = error }
        }
        head.removeAll(keepingCapacity: true)
        if let failure { throw DICOMwebError(.instance, "\(failure)") }
    }
}

/// C-FIND-style identifier → QIDO-RS query: keys with a value match, empty keys are
/// returned (includefield), the level's UIDs go into the path (PS3.18 §10.6.1).
public func qidoQuery(level: QIDOLevel, identifier: DataSet, limit: Int?) -> QIDOQuery {
    let study = identifier.string(.studyInstanceUID).flatMap { $0.isEmpty ? nil : $0 }
    let series = identifier.string(.seriesInstanceUID).flatMap { $0.isEmpty ? nil : $0 }
    var q = QIDOQuery(level: level, studyInstanceUID: level == .studies ? nil : study,
                      seriesInstanceUID: level == .instances ? series : nil)
    for e in identifier.elements where e.tag != Tag(0x0008, 0x0052) && e.vr != .SQ {
        let key = String(format8: e.tag)
        let v = identifier.string(e.tag) ?? ""
        let inPath = (e.tag == .studyInstanceUID && q.studyInstanceUID != nil) || (e.tag == .seriesInstanceUID && q.seriesInstanceUID != nil)
        if v.isEmpty || inPath { q.includeFields.append(key) } else { q.matching.append((key, v)) }
    }
    q.limit = limit
    return q
}

extension String {
    init(format8 tag: Tag) {
        func hex(_ v: UInt16) -> String { let s = String(v, radix: 16, uppercase: true); return String(repeating: "0", count: 4 - s.count) + s }
        self = hex(tag.group) + hex(tag.element)
    }
}
