#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to stdout/stderr that survive partial writes and EINTR.
public enum Output {
    public static func write(_ s: String, to fd: Int32 = 1) {
        var s = s
        s.withUTF8 { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                done += n
            }
        }
    }

    public static func error(_ s: String) { write("sixray: " + s + "\n", to: 2) }
}

/// Exit with status 1 after the command has reported its errors.
public struct FailureExit: Error {
    public init() {}
}
