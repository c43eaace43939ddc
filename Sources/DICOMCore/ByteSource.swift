#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Read-only bytes a data set was parsed from: a memory-mapped file or an owned buffer
/// (e.g. an inflated deflate stream).
///
/// Bulk values (pixel data, large OB/OW) are not copied by the reader; they keep a reference
/// to the source and an (offset, length) range, so opening a 2 GB multi-frame file touches
/// only the pages of its header. The mapping is private and read-only and lives as long as
/// any data set or bulk reference that points into it.
public final class ByteSource: @unchecked Sendable {
    // Immutable after init: the mapping or buffer is never written, so sharing across
    // tasks is safe.
    private let base: UnsafeRawPointer?
    public let count: Int
    private let mapped: Bool
    /// Path of the file, or a label such as "<stdin>"; used in error messages.
    public let name: String
    /// True when the bytes are a file's, so that (offset, length) locate a value in that file.
    public var isFile: Bool { fromFile }
    private let fromFile: Bool

    /// Map a file read-only. Zero-byte files map to an empty source.
    public init(contentsOfFile path: String) throws(DICOMError) {
        name = path
        fromFile = true
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DICOMError(.io(String(cString: strerror(errno))), file: path)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw DICOMError(.io(String(cString: strerror(errno))), file: path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw DICOMError(.isDirectory, file: path)
        }
        let size = Int(st.st_size)
        count = size
        if size == 0 {
            base = nil
            mapped = false
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        if p == MAP_FAILED || p == nil {
            // Not mappable (a pipe, some network file systems): fall back to reading it.
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            var done = 0
            while done < size {
                let n = pread(fd, buffer + done, size - done, off_t(done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    buffer.deallocate()
                    throw DICOMError(.io("read failed after \(done) of \(size) bytes"), file: path)
                }
                done += n
            }
            base = UnsafeRawPointer(buffer)
            mapped = false
        } else {
            base = UnsafeRawPointer(p)
            mapped = true
        }
    }

    /// Own a copy of `bytes`.
    public init(bytes: [UInt8], name: String = "<memory>") {
        self.name = name
        fromFile = false
        count = bytes.count
        mapped = false
        if bytes.isEmpty {
            base = nil
        } else {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            base = UnsafeRawPointer(buffer)
        }
    }

    deinit {
        guard let base else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            base.deallocate()
        }
    }

    /// The whole source as a buffer; valid while `self` is alive.
    @inlinable public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(buffer)
    }

    @usableFromInline var buffer: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    /// Copy a range out. The range must lie inside the source (checked).
    public func bytes(in range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside source")
        return Array(buffer[range])
    }
}
