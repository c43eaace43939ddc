#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends audit records as RFC 5424 syslog messages, in the spirit of IHE ATNA (ITI TF-2
/// 3.20.6.1: facility 10 "security/authorization", severity 5 "notice", 4 "warning" for a
/// failure), over UDP (RFC 5426: one message per datagram) or a local datagram socket such as
/// `/dev/log`. The MSG part is the record's JSON line (UTF-8 with the BOM RFC 5424 §6.4 asks
/// for) instead of ATNA's XML; the record's key fields are repeated as structured data
/// `[audit@32473 ...]` (32473 is the example enterprise number of RFC 5612) for receivers
/// that filter on them.
///
/// Sending is best effort: no answer comes back over UDP, and a failure is counted, not
/// raised (the local log is the record of truth).
public struct SyslogSender: Sendable, Equatable {
    public enum Destination: Sendable, Equatable {
        case udp(host: String, port: UInt16)
        case unix(path: String)
    }

    public let destination: Destination

    public init(destination: Destination) { self.destination = destination }

    /// `udp://HOST:PORT` (port 514 when left out; `[::1]:514` for IPv6), `unix:///dev/log`, or a
    /// plain absolute path to a datagram socket.
    public init(address: String) throws(AuditError) {
        if address.hasPrefix("/") {
            destination = .unix(path: address)
        } else if address.hasPrefix("unix://") {
            let path = String(address.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw AuditError("syslog: expected unix:///absolute/path, got '\(address)'") }
            destination = .unix(path: path)
        } else if address.hasPrefix("udp://") {
            var rest = Substring(address.dropFirst("udp://".count))
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            var host: Substring
            var port: UInt16 = 514
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { throw AuditError("syslog: unclosed '[' in '\(address)'") }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let p = UInt16(after.dropFirst()), p > 0 else { throw AuditError("syslog: bad port in '\(address)'") }
                    port = p
                }
            } else if let colon = rest.lastIndex(of: ":") {
                host = rest[..<colon]
                guard let p = UInt16(rest[rest.index(after: colon)...]), p > 0 else { throw AuditError("syslog: bad port in '\(address)'") }
                port = p
            } else {
                host = rest
            }
            guard !host.isEmpty else { throw AuditError("syslog: no host in '\(address)'") }
            destination = .udp(host: String(host), port: port)
        } else {
            throw AuditError("syslog: expected udp://HOST:PORT, unix:///PATH or /PATH, got '\(address)' (TCP and TLS transports are not offered)")
        }
    }

    // MARK: - RFC 5424 message

    /// Facility 10, security/authorization messages (RFC 5424 Table 1; IHE ATNA).
    static let facility = 10

    /// The RFC 5424 message for `record`:
    /// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM JSON`.
    public static func message(_ record: AuditRecord, appName: String = "sixray") -> [UInt8] {
        let severity = record.outcome == .success ? 5 : 4
        var header = "<\(facility * 8 + severity)>1 \(record.time) \(headerField(record.host, max: 255)) "
        header += "\(headerField(appName, max: 48)) \(record.pid) sixray-audit "
        var sd = "[audit@32473 event=\"\(sdValue(record.event))\" outcome=\"\(record.outcome.rawValue)\""
        if let study = record.study { sd += " study=\"\(sdValue(study))\"" }
        sd += " user=\"\(sdValue(record.user))\"]"
        var line = record.jsonLine
        if line.hasSuffix("\n") { line.removeLast() }
        return Array((header + sd + " ").utf8) + [0xEF, 0xBB, 0xBF] + Array(line.utf8)
    }

    /// A header field: printable US-ASCII without spaces, at most `max` characters, "-" when
    /// empty (RFC 5424 §6.2).
    static func headerField(_ s: String, max: Int) -> String {
        let kept = String(String.UnicodeScalarView(s.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(max)))
        return kept.isEmpty ? "-" : kept
    }

    /// An SD-PARAM value: `"`, `\` and `]` escaped with a backslash (RFC 5424 §6.3.3).
    static func sdValue(_ s: String) -> String {
        var o = ""
        for c in s {
            if c == "\"" || c == "\\" || c == "]" { o.append("\\") }
            o.append(c)
        }
        return o
    }

    // MARK: - Transport

    /// Send one record; false when it could not be handed to the network or socket.
    @discardableResult
    public func send(_ record: AuditRecord) -> Bool {
        let bytes = Self.message(record)
        switch destination {
        case .udp(let host, let port): return Self.sendUDP(bytes, host: host, port: port)
        case .unix(let path): return Self.sendUnix(bytes, path: path)
        }
    }

    static func sendUDP(_ bytes: [UInt8], host: String, port: UInt16) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
        hints.ai_socktype = SOCK_DGRAM
        #endif
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            if fd >= 0 {
                let n = bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, a.pointee.ai_addr, a.pointee.ai_addrlen) }
                close(fd)
                if n == bytes.count { return true }
            }
            ai = a.pointee.ai_next
        }
        return false
    }

    static func sendUnix(_ bytes: [UInt8], path: String) -> Bool {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let n = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sa, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        return n == bytes.count
    }
}
