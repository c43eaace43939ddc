#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DICOMCore
import NIOCore

/// An instance received over the network and committed by a sink.
public struct ReceivedInstance: Sendable, Equatable {
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    /// Where it was stored (a file path for `DirectorySink`).
    public var location: String
    public var bytes: Int
}

/// Where received instances go: `DirectorySink` writes Part 10 files (`--out DIR`); the local
/// study store can adopt this protocol (in Workstation, which sees both modules).
///
/// A sink hands out one writer per instance. The data set arrives in fragments and is written
/// as it comes; only `commit()` makes the instance visible, so a transfer that breaks off
/// never leaves a half-written file counted as received.
public protocol InstanceSink: Sendable {
    /// Whether the instance is already held (a retrieve then skips it: resume).
    func contains(sopInstanceUID: String) -> Bool
    func begin(sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String) throws(NetworkError) -> any InstanceWriter
    /// Committing an instance costs more than closing and renaming a file (the study store
    /// adopts it in an SQLite transaction): a streaming retrieve then writes on a thread of its
    /// own, so that commits overlap the transfer.
    var hasCostlyCommit: Bool { get }
}

extension InstanceSink {
    public var hasCostlyCommit: Bool { false }
}

public protocol InstanceWriter: AnyObject {
    /// Append a fragment of the data set, encoded in the announced transfer syntax.
    func write(_ fragment: ByteBuffer) throws(NetworkError)
    /// Append bytes that live in someone else's buffer (a WADO-RS part streaming in), valid
    /// only during the call: written or copied, never kept by reference.
    func write(contentsOf bytes: UnsafeRawBufferPointer) throws(NetworkError)
    /// The data set is complete: make the instance visible.
    func commit() throws(NetworkError) -> ReceivedInstance
    /// The transfer failed: remove every trace of the instance.
    func discard()
}

extension InstanceWriter {
    /// A writer that only takes ByteBuffers gets a copy.
    public func write(contentsOf bytes: UnsafeRawBufferPointer) throws(NetworkError) {
        try write(ByteBuffer(bytes: bytes))
    }
}

/// Writes each instance as `DIR/<SOPInstanceUID>.dcm`, a Part 10 file (File Meta Information
/// from the C-STORE's SOP class/instance and the presentation context's transfer syntax,
/// then the data set bytes exactly as received). Directory 0700, files 0600 (patient data).
public struct DirectorySink: InstanceSink {
    public let directory: String
    public let sourceAETitle: String?

    public init(directory: String, sourceAETitle: String? = nil) throws(NetworkError) {
        self.directory = directory
        self.sourceAETitle = sourceAETitle
        var st = stat()
        if stat(directory, &st) != 0 {
            if mkdir(directory, 0o700) != 0 && errno != EEXIST {
                throw NetworkError(.file("\(directory): cannot create directory: \(String(cString: strerror(errno)))"))
            }
        } else if st.st_mode & S_IFMT != S_IFDIR {
            throw NetworkError(.file("\(directory): exists and is not a directory"))
        }
    }

    /// File name for a SOP Instance UID; anything but digits and dots is refused, so a hostile
    /// UID cannot name a path outside the directory.
    public static func fileName(for uid: String) -> String? {
        // Bytes, not Characters: Character.isNumber asks Unicode's tables, ~8 µs a name, which
        // was 2.5 ms of a 300-instance retrieve.
        let u = uid.utf8
        guard !u.isEmpty, u.count <= 64, u.first != UInt8(ascii: "."),
              u.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }) else {
            return nil
        }
        return uid + ".dcm"
    }

    public func path(for uid: String) -> String? { Self.fileName(for: uid).map { directory + "/" + $0 } }

    public func contains(sopInstanceUID: String) -> Bool {
        guard let p = path(for: sopInstanceUID) else { return false }
        return access(p, F_OK) == 0
    }

    public func begin(sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String) throws(NetworkError) -> any InstanceWriter {
        guard let final = path(for: sopInstanceUID) else {
            throw NetworkError(.file("SOP Instance UID '\(sopInstanceUID.prefix(80))' is not a valid UID (PS3.5 §9.1)"))
        }
        let temp = directory + "/.partial-\(getpid())-" + (Self.fileName(for: sopInstanceUID) ?? "x")
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw NetworkError(.file("\(temp): cannot create: \(String(cString: strerror(errno)))"))
        }
        let writer = FileInstanceWriter(fd: fd, temp: temp, final: final, sopClassUID: sopClassUID,
                                        sopInstanceUID: sopInstanceUID, transferSyntaxUID: transferSyntaxUID)
        do {
            let ts = TransferSyntax.lookup(transferSyntaxUID)
            let header = try Part10Writer(transferSyntax: ts, sourceApplicationEntityTitle: sourceAETitle)
                .header(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID)
            try writer.writeBytes(header)
        } catch let e as NetworkError {
            writer.discard()
            throw e
        } catch {
            writer.discard()
            throw NetworkError(.file("\(final): \(error)"))
        }
        return writer
    }
}

final class FileInstanceWriter: InstanceWriter {
    private var fd: Int32
    let temp: String
    let final: String
    let sopClassUID: String
    let sopInstanceUID: String
    let transferSyntaxUID: String
    private(set) var written = 0
    private var buffer: [UInt8] = []

    init(fd: Int32, temp: String, final: String, sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String) {
        self.fd = fd
        self.temp = temp
        self.final = final
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.transferSyntaxUID = transferSyntaxUID
        buffer.reserveCapacity(1 << 18)
    }

    deinit { if fd >= 0 { close(fd); unlink(temp) } }

    func writeBytes(_ bytes: [UInt8]) throws(NetworkError) {
        let failure: NetworkError? = bytes.withUnsafeBytes { b in
            do throws(NetworkError) { try writeRaw(b); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    private func writeRaw(_ b: UnsafeRawBufferPointer) throws(NetworkError) {
        var done = 0
        while done < b.count {
            guard let base = b.baseAddress else { return }
            let n = Glibc.write(fd, base + done, b.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw NetworkError(.file("\(temp): write failed after \(written + done) bytes: \(String(cString: strerror(errno)))"))
            }
            done += n
        }
        written += b.count
    }

    /// Small fragments are gathered to 256 KiB before a write(2); large ones go straight out.
    func write(_ fragment: ByteBuffer) throws(NetworkError) {
        if fragment.readableBytes >= 1 << 17 && buffer.isEmpty {
            let failure: NetworkError? = fragment.withUnsafeReadableBytes { b in
                do throws(NetworkError) { try writeRaw(b); return nil } catch { return error }
            }
            if let failure { throw failure }
            return
        }
        fragment.withUnsafeReadableBytes { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 18 { try flush() }
    }

    /// Pieces of 32 KiB or more go straight to write(2) (no copy); smaller ones are gathered.
    /// What is gathered goes out with the next large piece in one writev(2) (a multipart
    /// parser hands on the tail it held back across reads, ~70 bytes, before each network
    /// chunk: a write of its own per chunk doubled the system calls of a WADO-RS retrieve).
    func write(contentsOf bytes: UnsafeRawBufferPointer) throws(NetworkError) {
        if bytes.count < 1 << 15 && buffer.count + bytes.count < 1 << 18 {
            buffer.append(contentsOf: bytes)
            return
        }
        if buffer.isEmpty || buffer.count >= 1 << 15 {
            try flush()
            try writeRaw(bytes)
            return
        }
        let failure: NetworkError? = buffer.withUnsafeBytes { head in
            do throws(NetworkError) { try writeTwo(head, bytes); return nil } catch { return error }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    /// `a` then `b`, with writev(2) until both are out.
    private func writeTwo(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) throws(NetworkError) {
        let total = a.count + b.count
        var done = 0
        while done < a.count {
            var iov = [iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress! + done), iov_len: a.count - done),
                       iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)]
            let n = writev(fd, &iov, 2)
            if n < 0 {
                if errno == EINTR { continue }
                throw NetworkError(.file("\(temp): write failed after \(written + done) bytes: \(String(cString: strerror(errno)))"))
            }
            done += n
        }
        if done < total {
            written += a.count
            try writeRaw(UnsafeRawBufferPointer(rebasing: b[(done - a.count)...]))
        } else {
            written += total
        }
    }

    private func flush() throws(NetworkError) {
        if buffer.isEmpty { return }
        let failure: NetworkError? = buffer.withUnsafeBytes { b in
            do throws(NetworkError) { try writeRaw(b); return nil } catch { return error }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    func commit() throws(NetworkError) -> ReceivedInstance {
        try flush()
        let f = fd
        fd = -1
        if close(f) != 0 {
            unlink(temp)
            throw NetworkError(.file("\(temp): close failed: \(String(cString: strerror(errno)))"))
        }
        if rename(temp, final) != 0 {
            let m = String(cString: strerror(errno))
            unlink(temp)
            throw NetworkError(.file("\(final): rename failed: \(m)"))
        }
        return ReceivedInstance(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID,
                                transferSyntaxUID: transferSyntaxUID, location: final, bytes: written)
    }

    func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temp)
    }
}
