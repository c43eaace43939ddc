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

/// Who is acting: the operating system's user, this process and this host (the active
/// participant of PS3.15 A.5.3.2), read once.
public struct AuditIdentity: Sendable, Equatable {
    public var user: String
    public var pid: Int32
    public var host: String

    public init(user: String, pid: Int32, host: String) {
        self.user = user
        self.pid = pid
        self.host = host
    }

    public static func current() -> AuditIdentity {
        let uid = getuid()
        var user = String(uid)
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        if getpwuid_r(uid, &pwd, &buffer, buffer.count, &result) == 0, result != nil, let name = pwd.pw_name {
            user = String(cString: name)
        }
        var host = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&host, host.count - 1) == 0
            ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return AuditIdentity(user: user, pid: getpid(), host: hostName)
    }
}

/// The audit trail: an append-only file of JSON lines (`AuditRecord`), private to its owner
/// (0600), optionally copied to syslog (`SyslogSender`).
///
/// Each record is one `write(2)` of a whole line on a descriptor opened with `O_APPEND`, so
/// records of several processes writing at once never interleave (on a local file system the
/// append and the write are one atomic step under the inode's lock; NFS does not promise this).
/// The file is opened for each record: a rotated or removed log is simply created again.
public struct AuditLog: Sendable {
    public let path: String
    public let identity: AuditIdentity
    public let syslog: SyslogSender?
    /// Seconds since 1970; injectable for tests.
    public let clock: @Sendable () -> Double

    public init(path: String, identity: AuditIdentity = .current(), syslog: SyslogSender? = nil,
                clock: @escaping @Sendable () -> Double = AuditLog.wallClock) {
        self.path = path
        self.identity = identity
        self.syslog = syslog
        self.clock = clock
    }

    public static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// A record of `event` by this process, now.
    public func makeRecord(_ event: AuditRecord.Event, study: String? = nil, outcome: AuditRecord.Outcome = .success,
                           peer: String? = nil, instances: Int? = nil, detail: String? = nil) -> AuditRecord {
        AuditRecord(time: AuditRecord.iso8601(clock()), user: identity.user, pid: identity.pid, host: identity.host,
                    event: event.rawValue, study: study, outcome: outcome, peer: peer, instances: instances, detail: detail)
    }

    /// Append one record (and send it to syslog when configured; a syslog failure does not
    /// fail the call: the local file is the record of truth).
    public func record(_ event: AuditRecord.Event, study: String? = nil, outcome: AuditRecord.Outcome = .success,
                       peer: String? = nil, instances: Int? = nil, detail: String? = nil) throws(AuditError) {
        try append(makeRecord(event, study: study, outcome: outcome, peer: peer, instances: instances, detail: detail))
    }

    public func append(_ record: AuditRecord) throws(AuditError) {
        let line = Array(record.jsonLine.utf8)
        // O_NOFOLLOW: a symbolic link planted in the log's place is refused, not followed.
        var fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 && errno == ENOENT {
            // The store's folder may not exist yet (`sixray send` before any import): make it private.
            Self.makeParentDirectories(path)
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        }
        guard fd >= 0 else { throw AuditError("cannot open the audit log: \(String(cString: strerror(errno)))", path: path) }
        defer { _ = close(fd) }
        // A log created by an older version or by hand with a wider mode is made private.
        _ = fchmod(fd, 0o600)
        var written = -1
        repeat {
            written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        } while written < 0 && errno == EINTR
        guard written == line.count else {
            let why = written < 0 ? String(cString: strerror(errno)) : "short write (\(written) of \(line.count) bytes)"
            throw AuditError("cannot write the audit log: \(why)", path: path)
        }
        syslog?.send(record)
    }

    /// `mkdir -p` of the folders above `path`, each new one 0700.
    static func makeParentDirectories(_ path: String) {
        var prefix = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).dropLast()
        for part in parts {
            prefix = prefix.isEmpty && !path.hasPrefix("/") ? String(part) : prefix + "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { return }
        }
    }

    // MARK: - Reading

    /// A line of the log that is not a record.
    public struct DamagedLine: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    /// Every record of the log at `path`, in file order, and the lines that are not records
    /// (reported with their 1-based line number, never fatal). A missing file has no records.
    public static func read(path: String) throws(AuditError) -> (records: [AuditRecord], damaged: [DamagedLine]) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return ([], []) }
            throw AuditError("cannot open: \(String(cString: strerror(errno)))", path: path)
        }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AuditError("read failed: \(String(cString: strerror(errno)))", path: path)
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return parse(bytes)
    }

    /// Records and damaged lines of a log's bytes.
    public static func parse(_ bytes: [UInt8]) -> (records: [AuditRecord], damaged: [DamagedLine]) {
        var records: [AuditRecord] = []
        var damaged: [DamagedLine] = []
        let decoder = JSONDecoder()
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            do {
                let wire = try decoder.decode(WireRecord.self, from: Data(line))
                records.append(try wire.record())
            } catch let e as AuditError {
                damaged.append(DamagedLine(line: lineNumber, reason: e.reason))
            } catch {
                damaged.append(DamagedLine(line: lineNumber, reason: "not a JSON audit record"))
            }
        }
        return (records, damaged)
    }

    /// The JSON form, lenient about what older Sixray versions wrote (time as seconds since
    /// 1970, no host, no outcome).
    struct WireRecord: Decodable {
        var time: String?
        var timeSeconds: Double?
        var user: String?
        var pid: Int32?
        var host: String?
        var event: String?
        var study: String?
        var outcome: String?
        var peer: String?
        var instances: Int?
        var detail: String?

        enum CodingKeys: String, CodingKey { case time, user, pid, host, event, study, outcome, peer, instances, detail }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let s = try? c.decodeIfPresent(String.self, forKey: .time) { time = s } else {
                timeSeconds = try c.decodeIfPresent(Double.self, forKey: .time)
            }
            user = try c.decodeIfPresent(String.self, forKey: .user)
            pid = try c.decodeIfPresent(Int32.self, forKey: .pid)
            host = try c.decodeIfPresent(String.self, forKey: .host)
            event = try c.decodeIfPresent(String.self, forKey: .event)
            study = try c.decodeIfPresent(String.self, forKey: .study)
            outcome = try c.decodeIfPresent(String.self, forKey: .outcome)
            peer = try c.decodeIfPresent(String.self, forKey: .peer)
            instances = try c.decodeIfPresent(Int.self, forKey: .instances)
            detail = try c.decodeIfPresent(String.self, forKey: .detail)
        }

        func record() throws(AuditError) -> AuditRecord {
            guard let stamp = time ?? timeSeconds.map(AuditRecord.iso8601) else { throw AuditError("no time") }
            guard let event, !event.isEmpty else { throw AuditError("no event") }
            let result: AuditRecord.Outcome
            if let outcome {
                guard let o = AuditRecord.Outcome(rawValue: outcome) else { throw AuditError("unknown outcome '\(outcome)'") }
                result = o
            } else {
                result = .success
            }
            return AuditRecord(time: stamp, user: user ?? "", pid: pid ?? 0, host: host ?? "", event: event, study: study,
                               outcome: result, peer: peer, instances: instances, detail: detail)
        }
    }
}

extension AuditLog {
    /// A peer as the log names it: a URL loses its user information (`user:password@`), query
    /// and fragment (tokens travel there); anything else is kept as given.
    public static func peerName(_ text: String) -> String {
        let chars = Array(text.utf8)
        var schemeEnd: Int?
        if chars.count >= 3 {
            for i in 0...(chars.count - 3) where chars[i] == 0x3A && chars[i + 1] == 0x2F && chars[i + 2] == 0x2F {
                schemeEnd = i + 3
                break
            }
        }
        guard let schemeEnd else { return text }
        let schemePart = String(decoding: chars[..<schemeEnd], as: UTF8.self)
        var rest = Substring(String(decoding: chars[schemeEnd...], as: UTF8.self))
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return schemePart + rest
    }
}
