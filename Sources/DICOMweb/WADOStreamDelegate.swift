import AsyncHTTPClient
import DICOMwebCore
import NIOCore
import NIOHTTP1

/// Feeds a WADO-RS response body to the multipart parser and a `WADOPartHandler` on the
/// connection's event loop, as the bytes are read. (AsyncHTTPClient's async body hands one
/// chunk at a time to another thread and reads no further until it is taken: about 1,000
/// thread hops for a 60 MB series, which made a retrieve 1.9× curl's time; here the parse and
/// the sink's write(2) happen where the bytes arrive.)
///
/// `@unchecked Sendable`: AsyncHTTPClient calls a delegate only on the request's event loop,
/// one call at a time, and the caller reads the state only after the task's future completes.
final class WADOStreamDelegate<Handler: WADOPartHandler>: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    let handler: Handler
    let url: String
    private(set) var status = 0
    private(set) var retryAfter: Double?
    private(set) var errorBody: [UInt8] = []
    private(set) var failure: DICOMwebError?
    private(set) var result = WADOResult()
    private(set) var inPart = false
    private(set) var sawHead = false
    private var parser: MultipartParser?

    init(handler: Handler, url: String) {
        self.handler = handler
        self.url = url
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        sawHead = true
        status = Int(head.status.code)
        retryAfter = head.headers.first(name: "Retry-After").flatMap(Double.init)
        guard status < 400 else { return task.eventLoop.makeSucceededVoidFuture() }
        let (type, params) = parseMediaType(head.headers.first(name: "Content-Type") ?? "")
        guard type == "multipart/related", let boundary = params["boundary"] else {
            return fail(task, DICOMwebError(.multipart, "expected a multipart/related response, got '\(type)'"
                                             + (type.hasPrefix("multipart") ? " without a boundary" : ""), url: url))
        }
        do { parser = try MultipartParser(boundary: boundary) } catch { return fail(task, DICOMwebError(error.kind, error.message, url: url)) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard status < 400 else {
            if errorBody.count < 1 << 16 { buffer.withUnsafeReadableBytes { errorBody.append(contentsOf: $0.prefix(1 << 16)) } }
            return task.eventLoop.makeSucceededVoidFuture()
        }
        guard var p = parser, failure == nil else { return task.eventLoop.makeSucceededVoidFuture() }
        parser = nil  // (not held twice while it is fed: no copy of its buffer)
        var stopped: DICOMwebError?
        buffer.withUnsafeReadableBytes { raw in
            do throws(DICOMwebError) {
                try p.feed(raw) { piece throws(DICOMwebError) in
                    switch piece {
                    case .partBegin(let headers):
                        inPart = true
                        try handler.partBegin(headers: headers)
                    case .body(let bytes):
                        result.bytes += bytes.count
                        try handler.partBody(bytes)
                    case .partEnd:
                        try handler.partEnd()
                        inPart = false
                        result.parts += 1
                    }
                }
            } catch { stopped = withURL(error) }
        }
        parser = p
        if let stopped { return fail(task, stopped) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    private func withURL(_ e: DICOMwebError) -> DICOMwebError {
        e.url == nil ? DICOMwebError(e.kind, e.message + " (after \(result.parts) complete parts)", url: url) : e
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {}

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        guard status < 400, failure == nil, let p = parser else { return }
        do { try p.finish() } catch { failure = withURL(error) }
    }

    private func fail(_ task: HTTPClient.Task<Void>, _ error: DICOMwebError) -> EventLoopFuture<Void> {
        if failure == nil { failure = error }
        return task.eventLoop.makeFailedFuture(error)
    }
}
