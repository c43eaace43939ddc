#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DICOMwebCore
import NIOCore

/// A STOW-RS request body (PS3.18 §10.5.1, RFC 2046 framing) produced from Part 10 files as it
/// is sent: each part's headers, then the file in reads of 256 KiB, then the closing delimiter.
struct STOWFileBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let files: [String]
    let sizes: [Int]
    let boundary: String

    func partHeader(_ i: Int) -> String {
        (i > 0 ? "\r\n" : "") + "--\(boundary)\r\nContent-Type: application/dicom\r\n\r\n"
    }
    var closing: String { (files.isEmpty ? "" : "\r\n") + "--\(boundary)--\r\n" }

    /// The body's exact length (the request sends it as Content-Length).
    var length: Int {
        files.indices.reduce(closing.utf8.count) { $0 + partHeader($1).utf8.count + sizes[$1] }
    }

    func makeAsyncIterator() -> Iterator { Iterator(body: self) }

    struct Iterator: AsyncIteratorProtocol {
        let body: STOWFileBody
        let file = OpenFile()
        var index = 0
        var remaining = 0
        var done = false

        /// Closes the file being read if the request ends early.
        final class OpenFile {
            var fd: Int32 = -1
            deinit { if fd >= 0 { close(fd) } }
        }

        mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if file.fd >= 0 && remaining == 0 {
                close(file.fd)
                file.fd = -1
                index += 1
            }
            if file.fd < 0 {
                if index == body.files.count {
                    done = true
                    return ByteBuffer(string: body.closing)
                }
                let path = body.files[index]
                file.fd = open(path, O_RDONLY | O_CLOEXEC)
                guard file.fd >= 0 else {
                    throw DICOMwebError(.instance, "\(path): cannot open: \(String(cString: strerror(errno)))")
                }
                remaining = body.sizes[index]
                return ByteBuffer(string: body.partHeader(index))
            }
            let want = Swift.min(remaining, 256 << 10)
            var buffer = ByteBuffer()
            buffer.reserveCapacity(want)
            let fd = file.fd
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { p in
                guard let base = p.baseAddress else { return 0 }
                var got = 0
                while got < want {
                    let r = read(fd, base + got, want - got)
                    if r < 0 && errno == EINTR { continue }
                    if r <= 0 { break }
                    got += r
                }
                return got
            }
            guard n == want else {
                throw DICOMwebError(.instance, "\(body.files[index]): changed while being sent (\(remaining - n) bytes short)")
            }
            remaining -= n
            return buffer
        }
    }
}
