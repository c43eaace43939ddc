#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes byte buffers to a file descriptor completely: retries on EINTR, waits with poll() on
/// EAGAIN (non-blocking ttys), continues after partial writes, and turns EPIPE into
/// `GraphicsError.Code.brokenPipe` instead of dying. The process must ignore SIGPIPE
/// (`signal(SIGPIPE, SIG_IGN)`, done by the `sixray` executable) for EPIPE to be seen at all.
public enum FileOutput {
    public static func write(_ bytes: [UInt8], to fd: Int32) throws(GraphicsError) {
        let failure: GraphicsError? = bytes.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> GraphicsError? in
            guard let base = buf.baseAddress else { return nil }
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, base + done, buf.count - done)
                if n > 0 { done += n; continue }
                let e = errno
                if n < 0 && e == EINTR { continue }
                if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 1000)
                    continue
                }
                if n < 0 && e == EPIPE {
                    return GraphicsError(.brokenPipe, "fd \(fd): reader closed after \(done) of \(buf.count) bytes")
                }
                let reason = n == 0 ? "write returned 0" : String(cString: strerror(e))
                return GraphicsError(.writeFailed, "fd \(fd): \(reason) after \(done) of \(buf.count) bytes")
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Creates or truncates `path` and writes `bytes`.
    public static func write(_ bytes: [UInt8], toPath path: String) throws(GraphicsError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw GraphicsError(.writeFailed, "\(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try write(bytes, to: fd)
    }
}
