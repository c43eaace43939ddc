import DICOMwebCore
import Foundation
import NIOCore

/// Carries the parsed parts of a WADO-RS body from the connection's event loop to a
/// `WADOPartHandler`. Threaded, the handler runs on a writer thread of its own, so that reading
/// the socket and committing instances (adopting them into the study store, an SQLite
/// transaction each) overlap instead of taking turns, and the event loop, which other
/// connections share, does not wait on them.
///
/// Content travels as slices of the network buffers (no copy); what is queued is bounded by
/// `limit` bytes: past it, `backpressure` hands AsyncHTTPClient a future that completes once
/// the writer has caught up, and AsyncHTTPClient reads no more until then (so a slow disk slows
/// the transfer, TCP's window pushing back on the server, and memory stays bounded).
///
/// The handler is called in order, on the writer thread (or, unthreaded, on the event loop as
/// each event is sent). Its first error stops the pipeline: later events are dropped and the error is reported to the event loop side
/// (`failure`), which then ends the request. `finish()` waits until every queued event has
/// been handled; after it the handler and the counts may be read from any thread.
///
/// The thread is used only when the handler asks for it (`WADOPartHandler.wantsWriterThread`,
/// i.e. a sink whose commits are costly): otherwise each event is handled on the event loop as
/// it is sent. Measured on a 2-core machine with Orthanc beside the client (`/tmp` on tmpfs,
/// 120 and 300 × 512 KB): writing plain Part 10 files was 10–20 % quicker on the event loop (a
/// third busy thread competes with the archive and the reader; the write itself is a copy into
/// the page cache, as cheap as the read), adopting into the study store ~5 % quicker on the
/// writer thread (20 % while reads were 64 KiB).
///
/// `@unchecked Sendable`: the queue and every field below are guarded by `mutex`, except the
/// counts and `handler`, which only the writer thread (or, unthreaded, the event loop) touches
/// until `finish()` returns.
final class PartPipeline: @unchecked Sendable {
    enum Event {
        case begin([String: String])
        case body(ByteBuffer)
        case end
    }

    let handler: any WADOPartHandler
    let url: String
    /// The most content bytes queued before the reader is held back.
    let limit: Int
    /// False: the handler is called on the event loop, as each event is sent (no queue).
    let threaded: Bool

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue = CircularBuffer<Event>(initialCapacity: 64)
    private var queuedBytes = 0
    private var closed = false
    private var started = false
    private var done = false
    private var writerWaiting = false
    private var waiter: EventLoopPromise<Void>?
    private var doneContinuations: [CheckedContinuation<Void, Never>] = []
    private var failed: DICOMwebError?

    // Written by the writer thread only (read after `finish()`).
    private(set) var parts = 0
    private(set) var bytes = 0
    private(set) var inPart = false
    /// The most content bytes that were queued at once.
    private(set) var maxQueuedBytes = 0

    init(handler: any WADOPartHandler, url: String, limit: Int = 8 << 20, threaded: Bool = true) {
        self.handler = handler
        self.url = url
        self.limit = limit
        self.threaded = threaded
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// The handler's error, if it stopped the pipeline (thread-safe).
    var failure: DICOMwebError? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return failed
    }

    /// Queue one event (event loop side). Dropped once the handler has failed.
    func send(_ event: Event) {
        if !threaded {
            // On the event loop itself: the handler's error is kept as the writer's would be.
            guard failure == nil else { return }
            do throws(DICOMwebError) { try handle(event) } catch {
                pthread_mutex_lock(mutex)
                failed = withURL(error)
                pthread_mutex_unlock(mutex)
            }
            return
        }
        pthread_mutex_lock(mutex)
        if failed == nil && !closed {
            if !started { start() }
            if case .body(let b) = event {
                queuedBytes += b.readableBytes
                maxQueuedBytes = max(maxQueuedBytes, queuedBytes)
            }
            queue.append(event)
            if writerWaiting { pthread_cond_broadcast(cond) }
        }
        pthread_mutex_unlock(mutex)
    }

    /// What to answer AsyncHTTPClient after a piece of the body: go on now, or once the writer
    /// has worked the queue down to half the limit; a failed future once the handler has failed.
    func backpressure(on loop: any EventLoop) -> EventLoopFuture<Void> {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let failed { return loop.makeFailedFuture(failed) }
        if queuedBytes <= limit { return loop.makeSucceededVoidFuture() }
        let p = loop.makePromise(of: Void.self)
        waiter = p
        return p.futureResult
    }

    /// No more events: wait until the writer has handled every queued one (or stopped).
    func finish() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            pthread_mutex_lock(mutex)
            closed = true
            if !started || done {
                pthread_mutex_unlock(mutex)
                c.resume()
                return
            }
            doneContinuations.append(c)
            if writerWaiting { pthread_cond_broadcast(cond) }
            pthread_mutex_unlock(mutex)
        }
    }

    /// Called with the mutex held.
    private func start() {
        started = true
        Thread { [self] in
            Thread.current.name = "wado-writer"
            run()
        }.start()
    }

    private func run() {
        pthread_mutex_lock(mutex)
        while true {
            while queue.isEmpty && !closed {
                writerWaiting = true
                pthread_cond_wait(cond, mutex)
                writerWaiting = false
            }
            guard let event = queue.popFirst() else { break }
            if case .body(let b) = event { queuedBytes -= b.readableBytes }
            var release: EventLoopPromise<Void>?
            if waiter != nil && queuedBytes <= limit / 2 { release = waiter; waiter = nil }
            let stopped = failed != nil
            pthread_mutex_unlock(mutex)
            release?.succeed(())
            var thrown: DICOMwebError?
            if !stopped {
                do throws(DICOMwebError) { try handle(event) } catch { thrown = withURL(error) }
            }
            pthread_mutex_lock(mutex)
            if let error = thrown, failed == nil {
                failed = error
                queue.removeAll()
                queuedBytes = 0
                if let w = waiter { waiter = nil; w.fail(error) }
            }
        }
        done = true
        let continuations = doneContinuations
        doneContinuations = []
        pthread_mutex_unlock(mutex)
        for c in continuations { c.resume() }
    }

    private func handle(_ event: Event) throws(DICOMwebError) {
        switch event {
        case .begin(let headers):
            inPart = true
            try handler.partBegin(headers: headers)
        case .body(let buffer):
            bytes += buffer.readableBytes
            var failure: DICOMwebError?
            buffer.withUnsafeReadableBytes { raw in
                do throws(DICOMwebError) { try handler.partBody(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        case .end:
            try handler.partEnd()
            inPart = false
            parts += 1
        }
    }

    private func withURL(_ e: DICOMwebError) -> DICOMwebError {
        e.url == nil ? DICOMwebError(e.kind, e.message + " (after \(parts) complete parts)", url: url) : e
    }
}
