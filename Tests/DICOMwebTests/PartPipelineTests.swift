import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DICOMweb

/// The writer side of a WADO-RS retrieve: parts reach the handler whole and in order on the
/// pipeline's own thread, what is queued stays bounded while the handler is slow, and the
/// handler's first error stops everything after it.
@Suite struct PartPipelineTests {
    final class SlowHandler: WADOPartHandler, @unchecked Sendable {
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        var abandoned = 0
        let delay: useconds_t
        let failInPart: Int?
        init(delay: useconds_t, failInPart: Int? = nil) {
            self.delay = delay
            self.failInPart = failInPart
        }
        func partBegin(headers: [String: String]) throws(DICOMwebError) { current = [] }
        func partBody(_ bytes: UnsafeRawBufferPointer) throws(DICOMwebError) {
            if parts.count + 1 == failInPart { throw DICOMwebError(.instance, "no space left on device") }
            usleep(delay)
            current += bytes
        }
        func partEnd() throws(DICOMwebError) { parts.append(current) }
        func partAbandoned() { abandoned += 1 }
    }

    static func chunk(_ part: Int, _ k: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<65536).map { UInt8(truncatingIfNeeded: $0 &+ part &* 31 &+ k) })
    }

    @Test func aSlowWriterHoldsTheReaderBack() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handler = SlowHandler(delay: 300)
        let pipeline = PartPipeline(handler: handler, url: "http://x", limit: 256 << 10)
        var expected: [[UInt8]] = []
        for part in 0..<12 {
            pipeline.send(.begin(["content-type": "application/dicom"]))
            var whole: [UInt8] = []
            for k in 0..<6 {
                let c = Self.chunk(part, k)
                whole += c.readableBytesView
                pipeline.send(.body(c))
                try await pipeline.backpressure(on: loop).get()
            }
            pipeline.send(.end)
            expected.append(whole)
        }
        await pipeline.finish()
        #expect(handler.parts == expected)
        #expect(pipeline.parts == 12)
        #expect(pipeline.bytes == 12 * 6 * 65536)
        #expect(!pipeline.inPart)
        #expect(pipeline.failure == nil)
        // The reader waited whenever more than the limit was queued: one chunk over at most.
        #expect(pipeline.maxQueuedBytes <= (256 << 10) + 65536, "\(pipeline.maxQueuedBytes) bytes were queued")
    }

    @Test func theHandlersFirstErrorStopsThePipeline() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handler = SlowHandler(delay: 0, failInPart: 3)
        let pipeline = PartPipeline(handler: handler, url: "http://x/studies/1", limit: 1 << 30)
        for part in 0..<5 {
            pipeline.send(.begin([:]))
            pipeline.send(.body(Self.chunk(part, 0)))
            pipeline.send(.end)
        }
        await pipeline.finish()
        #expect(handler.parts.count == 2)
        #expect(pipeline.parts == 2)
        #expect(pipeline.inPart, "the failed part is left open, for the caller to abandon")
        let failure = try #require(pipeline.failure)
        #expect(failure.message.contains("no space left on device"))
        #expect(failure.message.contains("after 2 complete parts"))
        #expect(failure.url == "http://x/studies/1")
        // The event loop side learns of it at the next piece of the body.
        await #expect(throws: DICOMwebError.self) { try await pipeline.backpressure(on: loop).get() }
        // Nothing more reaches the handler.
        pipeline.send(.begin([:]))
        #expect(handler.parts.count == 2)
    }

    @Test func unthreadedTheHandlerRunsAsEachEventIsSent() async throws {
        let handler = SlowHandler(delay: 0, failInPart: 2)
        let pipeline = PartPipeline(handler: handler, url: "http://x", threaded: false)
        pipeline.send(.begin([:]))
        pipeline.send(.body(Self.chunk(0, 0)))
        pipeline.send(.end)
        #expect(handler.parts.count == 1, "handled before send returned")
        pipeline.send(.begin([:]))
        pipeline.send(.body(Self.chunk(1, 0)))
        #expect(pipeline.failure?.message.contains("after 1 complete parts") == true)
        pipeline.send(.end)
        await pipeline.finish()
        #expect(handler.parts.count == 1 && pipeline.parts == 1 && pipeline.inPart)
        await #expect(throws: DICOMwebError.self) { try await pipeline.backpressure(on: MultiThreadedEventLoopGroup.singleton.next()).get() }
    }

    @Test func finishingANeverStartedPipelineReturnsAtOnce() async {
        let pipeline = PartPipeline(handler: SlowHandler(delay: 0), url: "u")
        await pipeline.finish()
        #expect(pipeline.parts == 0 && pipeline.failure == nil)
    }
}
