import DICOMNetwork
import NIOCore
import StudyStore

/// Retrieved instances straight into the local study store: each one is streamed to a file in
/// the store's temporary folder (as `DirectorySink` does for `--out`), and only a complete,
/// committed file is adopted and indexed. A transfer that breaks off leaves nothing the index
/// counts. Instances the store already holds are skipped (resume).
public struct StoreSink: InstanceSink {
    public let store: StudyStore
    /// Recorded as the studies' source (the archive's name).
    public let source: String
    let staging: DirectorySink

    public init(store: StudyStore, source: String) throws(NetworkError) {
        self.store = store
        self.source = source
        // The store's own temporary folder: files there are the store's to sweep if a process
        // dies, and an adopted file leaves it at once.
        let temp = store.makeTemporaryPath()
        let dir = temp.lastIndex(of: "/").map { String(temp[..<$0]) } ?? temp
        staging = try DirectorySink(directory: dir, sourceAETitle: nil)
    }

    public func contains(sopInstanceUID: String) -> Bool {
        ((try? store.instance(sopInstanceUID)) ?? nil) != nil
    }

    public func begin(sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String) throws(NetworkError) -> any InstanceWriter {
        let inner = try staging.begin(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, transferSyntaxUID: transferSyntaxUID)
        return StoreInstanceWriter(inner: inner, store: store, source: source)
    }
}

final class StoreInstanceWriter: InstanceWriter {
    let inner: any InstanceWriter
    let store: StudyStore
    let source: String

    init(inner: any InstanceWriter, store: StudyStore, source: String) {
        self.inner = inner
        self.store = store
        self.source = source
    }

    func write(_ fragment: ByteBuffer) throws(NetworkError) { try inner.write(fragment) }
    func write(contentsOf bytes: UnsafeRawBufferPointer) throws(NetworkError) { try inner.write(contentsOf: bytes) }

    func commit() throws(NetworkError) -> ReceivedInstance {
        var received = try inner.commit()
        do {
            let outcome = try store.adopt(temporaryFile: received.location, source: source)
            received.location = (try? store.instance(outcome.sopInstanceUID))??.path ?? received.location
            return received
        } catch {
            throw NetworkError(.file("the study store refused \(received.sopInstanceUID): \(error)"))
        }
    }

    func discard() { inner.discard() }
}
