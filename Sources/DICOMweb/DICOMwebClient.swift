import AsyncHTTPClient
import DICOMCore
@_exported import DICOMwebCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// How the client proves who it is (PS3.18 §8.4: HTTP authentication, RFC 9110 §11).
/// The secret is only ever put in the Authorization header; `description` never shows it.
public enum DICOMwebAuth: Sendable, CustomStringConvertible {
    case none
    case bearer(String)
    case basic(user: String, password: String)

    var headerValue: String? {
        switch self {
        case .none: return nil
        case .bearer(let t): return "Bearer " + t
        case .basic(let u, let p): return "Basic " + Data((u + ":" + p).utf8).base64EncodedString()
        }
    }

    public var description: String {
        switch self {
        case .none: return "no authentication"
        case .bearer: return "bearer token (redacted)"
        case .basic(let u, _): return "basic auth as \(u)"
        }
    }

    /// A token from a command's standard output (the first line, trimmed), as
    /// `token_command = "gcloud auth print-access-token"` asks. The command runs with /bin/sh.
    public static func tokenFromCommand(_ command: String) throws(DICOMwebError) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch {
            throw DICOMwebError(.config, "token_command could not be started: \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw DICOMwebError(.config, "token_command exited with status \(p.terminationStatus)")
        }
        let token = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map { $0.trimmingSpaces() } ?? ""
        guard !token.isEmpty else { throw DICOMwebError(.config, "token_command printed no token") }
        return token
    }
}

/// One QIDO-RS level (PS3.18 §10.6.1.1, Table 10.6.1-1).
public enum QIDOLevel: String, Sendable { case studies, series, instances }

/// A QIDO-RS search (PS3.18 §10.6): attribute matching (keyword or tag → value, with the
/// same wildcard and range syntax as C-FIND, PS3.4 C.2.2.2), includefield, fuzzymatching,
/// limit and offset.
public struct QIDOQuery: Sendable {
    public var level: QIDOLevel
    public var studyInstanceUID: String?
    public var seriesInstanceUID: String?
    /// Matching keys in order, e.g. ("PatientID", "123"), ("StudyDate", "20240101-20241231").
    public var matching: [(String, String)] = []
    public var includeFields: [String] = []
    public var fuzzyMatching = false
    public var limit: Int?
    public var offset: Int?

    public init(level: QIDOLevel, studyInstanceUID: String? = nil, seriesInstanceUID: String? = nil) {
        self.level = level
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
    }

    /// The resource path and query string relative to the service's base URL.
    public var pathAndQuery: String {
        var path = ""
        if let s = studyInstanceUID, level != .studies { path += "/studies/" + escapePath(s) }
        if let s = seriesInstanceUID, level == .instances { path += "/series/" + escapePath(s) }
        path += "/" + level.rawValue
        var q: [String] = matching.map { escapeQuery($0.0) + "=" + escapeQuery($0.1) }
        for f in includeFields { q.append("includefield=" + escapeQuery(f)) }
        if fuzzyMatching { q.append("fuzzymatching=true") }
        if let limit { q.append("limit=\(limit)") }
        if let offset, offset > 0 { q.append("offset=\(offset)") }
        return q.isEmpty ? path : path + "?" + q.joined(separator: "&")
    }
}

/// Percent-encode a query key or value (RFC 3986 §3.4); the wildcards `*` and `?` of PS3.4
/// C.2.2.2.4 stay as they are. (`^` becomes %5E here or in URL parsing; Orthanc 1.10's plugin
/// does not decode escapes in query values, so a name with `^` does not match there.)
func escapeQuery(_ s: String) -> String {
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&=+#")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}

func escapePath(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? s
}

/// One part of a WADO-RS multipart response: its headers and its complete content (used
/// where parts are small: frames, rendered images).
public struct WADOPart: Sendable {
    public var headers: [String: String]
    public var bytes: [UInt8]
    public var contentType: String { headers["content-type"] ?? "application/dicom" }
}

/// Receives a WADO-RS multipart body as it streams in (PS3.18 §8.6.1.2): each part's
/// headers, its content in chunks, its end. Chunks are slices of the network buffers, valid
/// only during the call: a handler writes them on (to a file) and keeps nothing, so a
/// retrieve holds one chunk of a part in memory, never a whole instance.
public protocol WADOPartHandler: AnyObject {
    func partBegin(headers: [String: String]) throws(DICOMwebError)
    func partBody(_ bytes: UnsafeRawBufferPointer) throws(DICOMwebError)
    /// The part's content is complete (its closing delimiter arrived).
    func partEnd() throws(DICOMwebError)
    /// The body broke off inside the part, or a handler call threw: drop what it got of it.
    func partAbandoned()
    /// Run on a writer thread of its own (`PartPipeline`) rather than on the event loop.
    var wantsWriterThread: Bool { get }
}

extension WADOPartHandler {
    public var wantsWriterThread: Bool { false }
}

/// Collects whole parts in memory: for small responses only (frames, rendered images).
public final class CollectingPartHandler: WADOPartHandler {
    public private(set) var parts: [WADOPart] = []
    private var current: WADOPart?
    /// Parts larger than this are refused rather than held.
    public let maxPartBytes: Int

    public init(maxPartBytes: Int = 256 << 20) { self.maxPartBytes = maxPartBytes }

    public func partBegin(headers: [String: String]) throws(DICOMwebError) { current = WADOPart(headers: headers, bytes: []) }
    public func partBody(_ bytes: UnsafeRawBufferPointer) throws(DICOMwebError) {
        guard (current?.bytes.count ?? 0) + bytes.count <= maxPartBytes else {
            throw DICOMwebError(.instance, "part \(parts.count + 1) is larger than \(maxPartBytes >> 20) MiB")
        }
        current?.bytes.append(contentsOf: bytes)
    }
    public func partEnd() throws(DICOMwebError) {
        if let c = current { parts.append(c) }
        current = nil
    }
    public func partAbandoned() { current = nil }
}

/// What a retrieve got: parts handed on, and the error that ended it early, if any (the
/// parts already handed on stay good: a partial retrieve keeps what is complete).
public struct WADOResult: Sendable {
    public var parts = 0
    public var bytes = 0
    public var error: DICOMwebError?
    /// The server answered 206 Partial Content: it sent only some of what was asked
    /// (PS3.18 §10.4.3, with a Warning header saying why); the caller should find out which.
    public var partialContent = false
    /// The Warning header of a 206, if any.
    public var warning: String?

    public init(parts: Int = 0, bytes: Int = 0, error: DICOMwebError? = nil) {
        self.parts = parts
        self.bytes = bytes
        self.error = error
    }
}

/// STOW-RS outcome (PS3.18 §10.5.3): instances the server stored and those it refused.
public struct STOWResult: Sendable {
    public var stored: [String] = []
    public var failed: [(sopInstanceUID: String, reason: String)] = []
    public var status = 0
}

/// A DICOMweb client for one service (PS3.18 §10): QIDO-RS, WADO-RS, STOW-RS on
/// AsyncHTTPClient. TLS certificates are verified (AsyncHTTPClient's default); requests that
/// meet 429 or 503 are retried with exponential back-off (honouring Retry-After); a server
/// that sends nothing for `readTimeout` seconds ends the request with an error.
public final class DICOMwebClient: Sendable {
    public let baseURL: String
    let auth: DICOMwebAuth
    let http: HTTPClient
    public let requestTimeout: Double
    public let maxRetries: Int
    /// First back-off delay in seconds (doubled each retry).
    public let backoff: Double

    public init(baseURL: String, auth: DICOMwebAuth = .none, connectTimeout: Double = 10, readTimeout: Double = 60,
                requestTimeout: Double = 120, maxRetries: Int = 3, backoff: Double = 0.5,
                caFile: String? = nil, verifyCertificates: Bool = true) throws(DICOMwebError) {
        var b = baseURL
        while b.hasSuffix("/") { b.removeLast() }
        guard b.hasPrefix("http://") || b.hasPrefix("https://"), URL(string: b)?.host != nil else {
            throw DICOMwebError(.config, "DICOMweb base URL must be http:// or https:// with a host, e.g. http://127.0.0.1:8042/dicom-web", url: baseURL)
        }
        // user:password@ in the URL is HTTP basic authentication, taken out of the URL so it
        // is never printed.
        var auth = auth
        if let u = URL(string: b), let user = u.user, let scheme = b.range(of: "://"), let at = b.firstIndex(of: "@") {
            if case .none = auth { auth = .basic(user: user.removingPercentEncoding ?? user, password: (u.password ?? "").removingPercentEncoding ?? "") }
            b = String(b[..<scheme.upperBound]) + String(b[b.index(after: at)...])
        }
        self.baseURL = b
        self.auth = auth
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
        self.backoff = backoff
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .milliseconds(Int64(connectTimeout * 1000)), read: .milliseconds(Int64(readTimeout * 1000)))
        config.redirectConfiguration = .follow(max: 5, allowCycles: false)
        // Certificates are verified against the system roots, or the archive's own CA file.
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        tls.certificateVerification = verifyCertificates ? .fullVerification : .none
        config.tlsConfiguration = tls
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 4)
        // A refused connection fails at once (our own retries handle 429/503 and dropped
        // connections); AsyncHTTPClient's default kept reconnecting until the connect timeout,
        // so "nothing listening" took 20 s to say so.
        config.connectionPool.retryConnectionEstablishment = false
        // Reads of up to 1 MiB instead of NIO's 64 KiB: a WADO-RS series is tens to hundreds
        // of MB, and AsyncHTTPClient's body machinery costs ~10 µs a read whatever its size
        // (a 300-slice CT series: 2,400 reads, ~25 ms of CPU, became ~150). The buffer starts
        // small and grows only while reads fill it, so QIDO answers stay small.
        config.http1_1ConnectionDebugInitializer = { channel in
            channel.setOption(ChannelOptions.recvAllocator,
                              value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16384, maximum: 1 << 20))
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    deinit { try? http.syncShutdown() }

    // MARK: Requests

    func request(_ url: String, method: HTTPMethod = .GET, accept: String?) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url)
        r.method = method
        if let accept { r.headers.add(name: "Accept", value: accept) }
        if let a = auth.headerValue { r.headers.add(name: "Authorization", value: a) }
        r.headers.add(name: "User-Agent", value: "Sixray")
        return r
    }

    /// Send, retrying on 429/503 and on connection failures before any response; any other
    /// status ≥ 400 is an error naming the URL and status (with a short excerpt of the body).
    func send(_ make: () -> HTTPClientRequest, url: String, deadline: Double? = nil) async throws(DICOMwebError) -> HTTPClientResponse {
        var attempt = 0
        while true {
            let response: HTTPClientResponse
            do {
                response = try await http.execute(make(), timeout: .milliseconds(Int64((deadline ?? requestTimeout) * 1000)))
            } catch {
                if attempt < maxRetries, isRetryable(error) {
                    attempt += 1
                    try await sleep(retryDelay(after: error, attempt: attempt), url: url)
                    continue
                }
                throw DICOMwebError(.transport, describe(error), url: url)
            }
            let status = Int(response.status.code)
            if (status == 429 || status == 503) && attempt < maxRetries {
                attempt += 1
                var delay = backoff * Double(1 << (attempt - 1))
                if let ra = response.headers.first(name: "Retry-After"), let s = Double(ra) { delay = min(max(delay, s), 30) }
                _ = try? await response.body.collect(upTo: 1 << 20)
                try await sleep(delay, url: url)
                continue
            }
            if status >= 400 {
                let body = (try? await response.body.collect(upTo: 1 << 16)).map { String(buffer: $0) } ?? ""
                let excerpt = body.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(200)
                throw DICOMwebError(.http(status: status), attempt > 0 ? "after \(attempt) retries; \(excerpt)" : String(excerpt), url: url)
            }
            return response
        }
    }

    func sleep(_ seconds: Double, url: String) async throws(DICOMwebError) {
        do { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) } catch {
            throw DICOMwebError(.transport, "cancelled", url: url)
        }
    }

    func isRetryable(_ error: any Error) -> Bool {
        if let e = error as? HTTPClientError {
            return e == .remoteConnectionClosed || e == .connectTimeout
        }
        return isStaleConnection(error)
    }

    /// A kept-alive connection the server (or a proxy) closed just as the request went out:
    /// nothing was answered, so asking again on a new connection is safe.
    func isStaleConnection(_ error: any Error) -> Bool {
        guard let e = error as? ChannelError else { return false }
        return e == .ioOnClosedChannel || e == .alreadyClosed
    }

    /// Exponential back-off, except that a stale kept-alive connection is replaced at once.
    func retryDelay(after error: any Error, attempt: Int) -> Double {
        if attempt == 1 && isStaleConnection(error) { return 0 }
        return backoff * Double(1 << (attempt - 1))
    }

    func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .readTimeout: return "the server sent nothing within the read timeout (stalled)"
            case .connectTimeout: return "connection timed out"
            case .deadlineExceeded: return "request did not finish within the timeout"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(e)"
            }
        }
        if isStaleConnection(error) { return "the server closed the connection before answering" }
        // NIO's IOError reads "read(descriptor:pointer:size:): Connection reset by peer (errno: 104)":
        // keep the words, not the system call.
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return "connection refused (nothing listening at that host and port)"
            case ECONNRESET: return "the server reset the connection"
            case EPIPE: return "the server closed the connection while Sixray was sending"
            default: return String(cString: strerror(e.errnoCode)).lowercased()
            }
        }
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused (nothing listening at that host and port)" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS certificate verification failed (not signed by a trusted CA, or not for this host); give the archive's CA with tls_ca or --tls-ca"
        }
        return text
    }

    // MARK: QIDO-RS

    /// One QIDO-RS request (PS3.18 §10.6); 204 No Content is an empty result.
    public func search(_ query: QIDOQuery) async throws(DICOMwebError) -> [DataSet] {
        let url = baseURL + query.pathAndQuery
        let response = try await send({ request(url, accept: "application/dicom+json") }, url: url)
        if response.status.code == 204 { return [] }
        let type = parseMediaType(response.headers.first(name: "Content-Type") ?? "").type
        guard type.isEmpty || type == "application/dicom+json" || type == "application/json" else {
            throw DICOMwebError(.json, "expected application/dicom+json, got '\(type)'", url: url)
        }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: 256 << 20) } catch {
            throw DICOMwebError(.transport, "reading the response: \(describe(error))", url: url)
        }
        return try DICOMJSONReader.dataSets(Array(buffer: body), url: url)
    }

    /// All matches, fetched in pages of `pageSize` with limit/offset, up to `maxResults`.
    public func searchAll(_ query: QIDOQuery, pageSize: Int = 500, maxResults: Int? = nil) async throws(DICOMwebError) -> [DataSet] {
        var all: [DataSet] = []
        var q = query
        var offset = query.offset ?? 0
        while true {
            let want = maxResults.map { min(pageSize, $0 - all.count) } ?? pageSize
            if want <= 0 { break }
            q.limit = want
            q.offset = offset
            let page = try await search(q)
            all += page
            offset += page.count
            if page.count < want { break }
        }
        return all
    }

    // MARK: WADO-RS

    /// The WADO-RS resource for a study, series or instance (PS3.18 §10.4.1.1).
    public func resourceURL(study: String, series: String? = nil, instance: String? = nil) -> String {
        var u = baseURL + "/studies/" + escapePath(study)
        if let series { u += "/series/" + escapePath(series) }
        if let instance { u += "/instances/" + escapePath(instance) }
        return u
    }

    /// Retrieve instances as `multipart/related; type="application/dicom"` (PS3.18 §10.4),
    /// asking for `transferSyntax` ("*": whatever the archive stores, PS3.18 §8.7.3.5.2), or
    /// frames of one instance as `application/octet-stream` parts (PS3.18 §10.4.1.1.4).
    /// The body is parsed as it streams in and handed to `handler` chunk by chunk (see
    /// `WADOPartHandler`). An error ends the retrieve: the parts already ended stay delivered,
    /// the one in progress is abandoned, and the error is returned in the result.
    public func retrieve(study: String, series: String? = nil, instance: String? = nil, frames: [Int]? = nil,
                         transferSyntax: String = "*", into handler: some WADOPartHandler) async -> WADOResult {
        var url = resourceURL(study: study, series: series, instance: instance)
        var accept = "multipart/related; type=\"application/dicom\"; transfer-syntax=\(transferSyntax)"
        if let frames, instance != nil {
            url += "/frames/" + frames.map(String.init).joined(separator: ",")
            accept = "multipart/related; type=\"application/octet-stream\"; transfer-syntax=\(transferSyntax)"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: accept)
        if let a = auth.headerValue { headers.add(name: "Authorization", value: a) }
        headers.add(name: "User-Agent", value: "Sixray")
        var attempt = 0
        while true {
            let delegate = WADOStreamDelegate(handler: handler, url: url)
            let request: HTTPClient.Request
            do { request = try HTTPClient.Request(url: url, method: .GET, headers: headers) } catch {
                return WADOResult(error: DICOMwebError(.config, "bad URL: \(error)", url: url))
            }
            let task = http.execute(request: request, delegate: delegate, deadline: .now() + .hours(24))
            var transportError: (any Error)?
            do { try await task.futureResult.get() } catch { transportError = error }
            // A connection that ends badly after the closing boundary delimiter (a TLS peer
            // closing without close_notify, say) lost nothing: every part arrived whole and
            // inside the authenticated stream, and the multipart framing says the body is done.
            if transportError != nil && delegate.bodyComplete { transportError = nil }
            await delegate.finish()
            var result = delegate.result
            result.partialContent = delegate.status == 206
            result.warning = delegate.warning
            if delegate.inPart { handler.partAbandoned() }
            let status = delegate.status
            if (status == 429 || status == 503) && attempt < maxRetries {
                attempt += 1
                let delay = min(max(backoff * Double(1 << (attempt - 1)), delegate.retryAfter ?? 0), 30)
                do { try await sleep(delay, url: url) } catch { return WADOResult(error: error) }
                continue
            }
            if status >= 400 {
                let excerpt = String(decoding: delegate.errorBody, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ").prefix(200)
                result.error = DICOMwebError(.http(status: status), attempt > 0 ? "after \(attempt) retries; \(excerpt)" : String(excerpt), url: url)
            } else if let failure = delegate.failure ?? delegate.pipeline.failure {
                result.error = failure
            } else if let transportError {
                if !delegate.sawHead, attempt < maxRetries, isRetryable(transportError) {
                    attempt += 1
                    do { try await sleep(retryDelay(after: transportError, attempt: attempt), url: url) } catch { return WADOResult(error: error) }
                    continue
                }
                result.error = DICOMwebError(.transport, delegate.sawHead
                    ? "body broke off after \(result.parts) complete parts: \(describe(transportError))"
                    : describe(transportError), url: url)
            }
            return result
        }
    }

    /// Frames of one instance (PS3.18 §10.4.1.1.4), 1-based, each part collected whole (a
    /// frame is at most a few MiB), in the archive's transfer syntax unless one is asked for.
    public func frames(study: String, series: String, instance: String, numbers: [Int],
                       transferSyntax: String = "*") async throws(DICOMwebError) -> [WADOPart] {
        let collector = CollectingPartHandler()
        let r = await retrieve(study: study, series: series, instance: instance, frames: numbers,
                               transferSyntax: transferSyntax, into: collector)
        if let e = r.error { throw e }
        return collector.parts
    }

    /// Study, series or instance metadata (PS3.18 §10.4.1.1.2) as data sets without bulk data.
    public func metadata(study: String, series: String? = nil, instance: String? = nil) async throws(DICOMwebError) -> [DataSet] {
        let url = resourceURL(study: study, series: series, instance: instance) + "/metadata"
        let response = try await send({ request(url, accept: "application/dicom+json") }, url: url)
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: 1 << 30) } catch {
            throw DICOMwebError(.transport, "reading the response: \(describe(error))", url: url)
        }
        return try DICOMJSONReader.dataSets(Array(buffer: body), url: url)
    }

    /// A rendered image (PS3.18 §10.4.1.1.3), e.g. a JPEG thumbnail of one instance, with the
    /// media type the server chose.
    public func rendered(study: String, series: String, instance: String,
                         accept: String = "image/jpeg") async throws(DICOMwebError) -> (contentType: String, bytes: [UInt8]) {
        let url = resourceURL(study: study, series: series, instance: instance) + "/rendered"
        let response = try await send({ request(url, accept: accept) }, url: url)
        let type = response.headers.first(name: "Content-Type") ?? accept
        do { return (type, Array(buffer: try await response.body.collect(upTo: 64 << 20))) } catch {
            throw DICOMwebError(.transport, "reading the response: \(describe(error))", url: url)
        }
    }

    // MARK: STOW-RS

    /// Store Part 10 instances (PS3.18 §10.5) in one multipart/related request.
    public func store(_ instances: [[UInt8]], study: String? = nil) async throws(DICOMwebError) -> STOWResult {
        let url = baseURL + "/studies" + (study.map { "/" + escapePath($0) } ?? "")
        let boundary = "sixray-" + UUID().uuidString
        var body = ByteBuffer()
        body.reserveCapacity(instances.reduce(0) { $0 + $1.count + 100 })
        for i in instances {
            body.writeString("--\(boundary)\r\nContent-Type: application/dicom\r\n\r\n")
            body.writeBytes(i)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        let payload = body
        let response = try await send({
            var r = request(url, method: .POST, accept: "application/dicom+json")
            r.headers.add(name: "Content-Type", value: "multipart/related; type=\"application/dicom\"; boundary=\(boundary)")
            r.body = .bytes(payload)
            return r
        }, url: url)
        return try await stowResult(response, url: url)
    }

    /// Store Part 10 files (PS3.18 §10.5) in one multipart/related request whose body is read
    /// from the files while it is sent (256 KiB at a time), so memory stays bounded by one
    /// read whatever the batch's size. A file that changes size while being sent is an error.
    public func store(files: [String], study: String? = nil) async throws(DICOMwebError) -> STOWResult {
        let url = baseURL + "/studies" + (study.map { "/" + escapePath($0) } ?? "")
        var sizes: [Int] = []
        for f in files {
            var st = stat()
            guard stat(f, &st) == 0 else {
                throw DICOMwebError(.instance, "\(f): cannot read: \(String(cString: strerror(errno)))", url: url)
            }
            sizes.append(Int(st.st_size))
        }
        let body = STOWFileBody(files: files, sizes: sizes, boundary: "sixray-" + UUID().uuidString)
        let response = try await send({
            var r = request(url, method: .POST, accept: "application/dicom+json")
            r.headers.add(name: "Content-Type", value: "multipart/related; type=\"application/dicom\"; boundary=\(body.boundary)")
            r.body = .stream(body, length: .known(Int64(body.length)))
            return r
        }, url: url)
        return try await stowResult(response, url: url)
    }

    /// The STOW-RS answer (PS3.18 §10.5.3): Referenced and Failed SOP Sequences.
    func stowResult(_ response: HTTPClientResponse, url: String) async throws(DICOMwebError) -> STOWResult {
        var result = STOWResult()
        result.status = Int(response.status.code)
        let data: ByteBuffer
        do { data = try await response.body.collect(upTo: 64 << 20) } catch {
            throw DICOMwebError(.transport, "reading the response: \(describe(error))", url: url)
        }
        let bytes = Array(buffer: data)
        guard !bytes.isEmpty else { return result }
        // The response is one data set (PS3.18 §10.5.3.1); accept an array of one too.
        let text = bytes.first(where: { $0 != 32 && $0 != 10 && $0 != 13 }) == UInt8(ascii: "{") ? [91] + bytes + [93] : bytes
        guard let ds = try DICOMJSONReader.dataSets(text, url: url).first else { return result }
        for item in ds[Tag(0x0008, 0x1199)]?.items ?? [] {
            if let uid = item.string(Tag(0x0008, 0x1155)) { result.stored.append(uid) }
        }
        for item in ds[Tag(0x0008, 0x1198)]?.items ?? [] {
            let uid = item.string(Tag(0x0008, 0x1155)) ?? "?"
            let reason = item.int(Tag(0x0008, 0x1197)).map { "failure reason 0x" + String($0, radix: 16, uppercase: true) } ?? "failed"
            result.failed.append((uid, reason))
        }
        return result
    }
}
