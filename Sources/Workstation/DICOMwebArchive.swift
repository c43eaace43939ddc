#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMNetwork
import DICOMweb
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
    public var isComplete: Bool { error == nil && missing.isEmpty }
}

/// Retrieve a study or series by WADO-RS into `sink` (PS3.18 §10.4): the instances are first
/// listed by QIDO-RS, then each multipart part is written to the sink as soon as it is
/// complete (File Meta Information replaced by the sink's own, data set bytes as received).
/// Instances the sink already holds are skipped; listed ones that did not arrive are missing.
public func retrieveDICOMweb(client: DICOMwebClient, study: String, series: String?, sink: any InstanceSink,
                             progress: @Sendable (Int) -> Void = { _ in }) async -> WebRetrieveReport {
    var report = WebRetrieveReport()
    var q = QIDOQuery(level: .instances, studyInstanceUID: study, seriesInstanceUID: series)
    if series == nil { q = QIDOQuery(level: .instances, studyInstanceUID: study) }
    q.includeFields = ["00080018"]
    // The listing runs while the instances stream in: it is only needed at the end.
    let query = q
    async let listing = try? client.searchAll(query)
    let result = await client.retrieve(study: study, series: series) { part in
        let h = try Part10Header.parse(part.bytes)
        if sink.contains(sopInstanceUID: h.sopInstanceUID) { report.skipped += 1; return }
        let w = try sink.begin(sopClassUID: h.sopClassUID, sopInstanceUID: h.sopInstanceUID, transferSyntaxUID: h.transferSyntaxUID)
        do {
            try w.write(ByteBuffer(bytes: part.bytes[h.dataSetOffset...]))
            report.received.append(try w.commit())
        } catch {
            w.discard()
            throw error
        }
        progress(report.received.count)
    }
    report.error = result.error
    if let list = await listing {
        report.expected = list.compactMap { $0.string(.sopInstanceUID) }
    }
    if let expected = report.expected {
        let got = Set(report.received.map(\.sopInstanceUID))
        report.missing = expected.filter { !got.contains($0) && !sink.contains(sopInstanceUID: $0) }
    }
    return report
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
