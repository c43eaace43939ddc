import AsyncHTTPClient
import DICOMwebCore
import NIOCore
import NIOHTTP1

/// Parses a WADO-RS response body on the connection's event loop as the bytes are read, and
/// hands the parts to a `WADOPartHandler` through a `PartPipeline` (on the event loop, or on a
/// writer thread when the handler asks for one; content goes as slices of the network
/// buffers). (AsyncHTTPClient's async body hands one chunk at a time to another thread and
/// reads no further until it is taken: about 1,000 thread hops for a 60 MB series, which made
/// a retrieve 1.9× curl's time; the pipeline's writer thread instead runs behind the reader by
/// up to its limit.)
///
/// `@unchecked Sendable`: AsyncHTTPClient calls a delegate only on the request's event loop,
/// one call at a time, and the caller reads the state only after the task's future completes
/// and the pipeline has finished.
///
/// Not generic over the handler: the retrieve is generic across a module boundary, so a
/// generic delegate and pipeline ran unspecialised, with a metadata lookup per chunk.
final class WADOStreamDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    let handler: any WADOPartHandler
    let url: String
    private(set) var status = 0
    private(set) var retryAfter: Double?
    private(set) var warning: String?
    private(set) var errorBody: [UInt8] = []
    private(set) var failure: DICOMwebError?
    private(set) var sawHead = false
    private var parser: MultipartParser?
    /// Parts whose closing delimiter has been read.
    private var partsEnded = 0
    let pipeline: PartPipeline

    init(handler: any WADOPartHandler, url: String) {
        self.handler = handler
        self.url = url
        pipeline = PartPipeline(handler: handler, url: url, threaded: handler.wantsWriterThread)
    }

    /// Parts handled and content bytes, once `finish()` returned (the caller adds the error).
    var result: WADOResult { WADOResult(parts: pipeline.parts, bytes: pipeline.bytes) }
    /// The body ended inside a part (after `finish()`).
    var inPart: Bool { pipeline.inPart }

    /// The closing boundary delimiter has been read: the body is complete whatever the
    /// connection does next.
    var bodyComplete: Bool { status < 400 && failure == nil && (parser?.isComplete ?? false) }

    /// Wait until the handler has had every part that arrived.
    func finish() async { await pipeline.finish() }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        sawHead = true
        status = Int(head.status.code)
        retryAfter = head.headers.first(name: "Retry-After").flatMap(Double.init)
        warning = head.headers.first(name: "Warning")
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
        if let stopped = pipeline.failure { return fail(task, stopped) }
        parser = nil  // (not held twice while it is fed: no copy of its buffer)
        var stopped: DICOMwebError?
        let pipeline = self.pipeline
        buffer.withUnsafeReadableBytes { raw in
            do throws(DICOMwebError) {
                try p.feed(raw) { piece throws(DICOMwebError) in
                    switch piece {
                    case .partBegin(let headers):
                        pipeline.send(.begin(headers))
                    case .body(let bytes):
                        // A slice of the network buffer where the piece lies in it; the few
                        // bytes the parser held back across reads are copied.
                        if let base = raw.baseAddress, let b = bytes.baseAddress, b >= base, b + bytes.count <= base + raw.count {
                            let at = buffer.readerIndex + base.distance(to: b)
                            if let slice = buffer.getSlice(at: at, length: bytes.count) { pipeline.send(.body(slice)); return }
                        }
                        var copy = ByteBufferAllocator().buffer(capacity: bytes.count)
                        copy.writeBytes(bytes)
                        pipeline.send(.body(copy))
                    case .partEnd:
                        partsEnded += 1
                        pipeline.send(.end)
                    }
                }
            } catch { stopped = withURL(error) }
        }
        parser = p
        if let stopped { return fail(task, stopped) }
        return pipeline.backpressure(on: task.eventLoop)
    }

    private func withURL(_ e: DICOMwebError) -> DICOMwebError {
        e.url == nil ? DICOMwebError(e.kind, e.message + " (after \(partsEnded) complete parts)", url: url) : e
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
