#if canImport(Glibc)
import Glibc
#endif
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
    let stagingDirectory: StagingDirectory

    public init(store: StudyStore, source: String) throws(NetworkError) {
        self.store = store
        self.source = source
        // A folder of its own inside the store's temporary folder, named as the store names
        // this process's temporaries: other Sixray processes sharing the store leave it alone
        // while we live (their start-up sweep removed the staged files of a running retrieve
        // when they lay in tmp/ itself), and sweep it once we are gone.
        let dir = store.makeTemporaryPath()
        staging = try DirectorySink(directory: dir, sourceAETitle: nil)
        stagingDirectory = StagingDirectory(path: dir)
    }

    public func contains(sopInstanceUID: String) -> Bool {
        ((try? store.instance(sopInstanceUID)) ?? nil) != nil
    }

    /// Each commit adopts the instance into the index (an SQLite transaction).
    public var hasCostlyCommit: Bool { true }

    public func begin(sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String) throws(NetworkError) -> any InstanceWriter {
        let inner = try staging.begin(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, transferSyntaxUID: transferSyntaxUID)
        return StoreInstanceWriter(inner: inner, store: store, source: source)
    }
}

/// Removes the (then empty) staging folder when the last copy of the sink goes.
final class StagingDirectory: Sendable {
    let path: String
    init(path: String) { self.path = path }
    deinit { rmdir(path) }
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
            // Partial until the retrieve has everything the archive listed (the caller then marks
            // it complete): a process killed mid-transfer leaves no study counted complete.
            let outcome = try store.adopt(temporaryFile: received.location, source: source, retrieving: true)
            received.location = (try? store.instance(outcome.sopInstanceUID))??.path ?? received.location
            return received
        } catch {
            throw NetworkError(.file("the study store refused \(received.sopInstanceUID): \(error)"))
        }
    }

    func discard() { inner.discard() }
}
