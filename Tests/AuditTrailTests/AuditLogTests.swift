import AuditTrail
import SixrayConfig
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct AuditLogTests {
    @Test("a record is one JSON line with its fields in a fixed order, and reads back equal")
    func format() throws {
        let r = AuditRecord(time: AuditRecord.iso8601(1_795_768_200.25), user: "reader", pid: 42, host: "ws1", event: "retrieve",
                            study: "1.2.3", outcome: .failure, peer: "pacs AE@10.0.0.1:104", instances: 7, detail: "a \"quoted\"\nline")
        #expect(r.time == "2026-11-27T08:30:00.250Z")
        #expect(r.jsonLine == #"{"time":"2026-11-27T08:30:00.250Z","user":"reader","pid":42,"host":"ws1","event":"retrieve","study":"1.2.3","outcome":"failure","peer":"pacs AE@10.0.0.1:104","instances":7,"detail":"a \"quoted\"\nline"}"# + "\n")
        let (records, damaged) = AuditLog.parse(Array(r.jsonLine.utf8))
        #expect(damaged.isEmpty)
        #expect(records == [r])
    }
}

/// A private temporary folder, removed by `cleanup()`.
struct TempDir {
    let path: String
    init() {
        var template = Array("/tmp/sixray-audit-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buf in buf.baseAddress.flatMap { mkdtemp($0) } }
        path = made.map { String(cString: $0) } ?? "/tmp/sixray-audit-test-\(getpid())"
    }
    func cleanup() {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(d)
        }
        rmdir(path)
    }
}

func fileText(_ path: String) -> String {
    guard let f = fopen(path, "r") else { return "" }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension AuditLogTests {
    @Test("the log file is created 0600 (a wider mode left by hand is narrowed), missing folders 0700, and a symlink in its place is refused")
    func privateFile() throws {
        let tmp = TempDir()
        defer { tmp.cleanup(); rmdir(tmp.path + "/sub") }
        let old = umask(0)
        defer { umask(old) }
        let log = AuditLog(path: tmp.path + "/sub/audit.log", identity: AuditIdentity(user: "u", pid: 1, host: "h"))
        try log.record(.open, study: "1.2")
        var st = stat()
        #expect(stat(log.path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(stat(tmp.path + "/sub", &st) == 0 && st.st_mode & 0o777 == 0o700)
        chmod(log.path, 0o644)
        try log.record(.view, study: "1.2")
        #expect(stat(log.path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        unlink(log.path)

        // A link planted where the log goes is not followed.
        let target = tmp.path + "/elsewhere"
        #expect(symlink(target, tmp.path + "/linked.log") == 0)
        let linked = AuditLog(path: tmp.path + "/linked.log")
        #expect(throws: AuditError.self) { try linked.record(.open, study: "1.2") }
        #expect(access(target, F_OK) != 0)
        unlink(tmp.path + "/linked.log")
    }

    @Test("16 threads appending 250 records of ~6 kB each at once: every line whole, none lost")
    func concurrentAppends() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.path + "/audit.log"
        // Lines longer than PIPE_BUF (4096): atomicity comes from O_APPEND on a regular file, not
        // from the pipe rule.
        let filler = String(repeating: "x", count: 6000)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<16 {
                group.addTask {
                    let log = AuditLog(path: path, identity: AuditIdentity(user: "t\(t)", pid: Int32(t), host: "h"))
                    for i in 0..<250 { try? log.record(.view, study: "2.25.\(t).\(i)", detail: filler) }
                }
            }
        }
        let (records, damaged) = try AuditLog.read(path: path)
        #expect(damaged.isEmpty)
        #expect(records.count == 16 * 250)
        #expect(records.allSatisfy { $0.detail == filler && $0.study?.hasPrefix("2.25.\($0.pid).") == true })
        #expect(Set(records.compactMap(\.study)).count == 16 * 250)
    }

    @Test("damaged lines are reported by number and skipped; a line of the first format (time in seconds) still reads")
    func damagedLines() throws {
        let good = AuditRecord(time: "2026-11-27T08:00:00.000Z", user: "u", pid: 1, host: "h", event: "open", study: "1.2")
        let text = good.jsonLine
            + "not json at all\n"
            + #"{"time":"2026-11-27T08:00:01.000Z","user":"u","pid":1,"host":"h","event":"view","study":"1.3","outc"# + "\n"
            + "\n"
            + #"{"time":1795766400.5,"user":"old","pid":9,"event":"list-confidential","study":"1.4"}"# + "\n"
            + #"{"time":"2026-11-27T08:00:02.000Z","event":"open","outcome":"maybe"}"# + "\n"
            + #"{"user":"u","event":"open"}"# + "\n"
            + "\u{FF}\u{FE}binary\n"
        let (records, damaged) = AuditLog.parse(Array(text.utf8))
        #expect(records.count == 2)
        #expect(records[0] == good)
        #expect(records[1].time == "2026-11-27T08:00:00.500Z" && records[1].user == "old" && records[1].outcome == .success)
        #expect(damaged.map(\.line) == [2, 3, 6, 7, 8])
        #expect(damaged[2].reason.contains("maybe"))
        #expect(damaged[3].reason == "no time")
    }

    @Test func missingLogHasNoRecords() throws {
        let (records, damaged) = try AuditLog.read(path: "/nonexistent/sixray/audit.log")
        #expect(records.isEmpty && damaged.isEmpty)
    }

    @Test("peers lose credentials, query and fragment")
    func peerNames() {
        #expect(AuditLog.peerName("https://me:secret@pacs.example.org:8443/dicom-web?token=abc#x") == "https://pacs.example.org:8443/dicom-web")
        #expect(AuditLog.peerName("http://127.0.0.1:8042/dicom-web") == "http://127.0.0.1:8042/dicom-web")
        #expect(AuditLog.peerName("ORTHANC@127.0.0.1:4242") == "ORTHANC@127.0.0.1:4242")
    }

    @Test("config.toml [audit]: path and syslog parsed; bad values name the line")
    func configuration() throws {
        let c = try AuditConfiguration.parse(ConfigSection.parse("[cache]\nmax_size = 1\n[audit]\npath = \"/var/log/s.log\"\nsyslog = \"udp://127.0.0.1:5514\"\n", file: "c.toml"))
        #expect(c.path == "/var/log/s.log")
        #expect(c.syslog?.destination == .udp(host: "127.0.0.1", port: 5514))
        #expect(c.log(storeRoot: "/x").path == "/var/log/s.log")
        #expect(AuditConfiguration().log(storeRoot: "/data/store").path == "/data/store/audit.log")
        #expect(try AuditConfiguration.parse(ConfigSection.parse("[audit]\nsyslog = \"/dev/log\"\n", file: nil)).syslog?.destination == .unix(path: "/dev/log"))
        #expect(try SyslogSender(address: "udp://[::1]").destination == .udp(host: "::1", port: 514))
        do {
            _ = try AuditConfiguration.parse(ConfigSection.parse("[audit]\n\nsyslog = \"tcp://h:1\"\n", file: "c.toml"))
            Issue.record("tcp accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.description.contains("audit.syslog"))
        }
        #expect(throws: ConfigError.self) { try AuditConfiguration.parse(ConfigSection.parse("[audit]\nfile = \"/x\"\n", file: nil)) }
        #expect(throws: ConfigError.self) { try AuditConfiguration.parse(ConfigSection.parse("[audit]\npath = \"rel/x\"\n", file: nil)) }
    }
}

@Suite struct SyslogTests {
    let record = AuditRecord(time: "2026-11-27T08:30:00.250Z", user: "reader", pid: 42, host: "ws 1", event: "export",
                             study: "1.2.3", outcome: .success, instances: 2, detail: "dicom]\"")

    @Test("RFC 5424: PRI of facility 10 (notice, warning on failure), version, header fields, structured data escaped, BOM before the JSON")
    func message() {
        let bytes = SyslogSender.message(record)
        let bom = bytes.firstIndex(of: 0xEF) ?? bytes.endIndex
        let head = String(decoding: bytes[..<bom], as: UTF8.self)
        #expect(head == #"<85>1 2026-11-27T08:30:00.250Z ws1 sixray 42 sixray-audit [audit@32473 event="export" outcome="success" study="1.2.3" user="reader"] "#)
        #expect(Array(bytes[bom..<bom + 3]) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: bytes[(bom + 3)...], as: UTF8.self) + "\n" == record.jsonLine)
        var failed = record
        failed.outcome = .failure
        failed.study = "a\"b]c\\"
        let h2 = String(decoding: SyslogSender.message(failed), as: UTF8.self)
        #expect(h2.hasPrefix("<84>1 "))
        #expect(h2.contains(#"study="a\"b\]c\\""#))
    }

    @Test("sent over UDP on loopback: one datagram per record, the RFC 5424 message")
    func udp() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = UInt16(bigEndian: addr.sin_port)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        let tmp = TempDir()
        defer { tmp.cleanup() }
        let log = AuditLog(path: tmp.path + "/audit.log", identity: AuditIdentity(user: "reader", pid: 42, host: "ws1"),
                           syslog: try SyslogSender(address: "udp://127.0.0.1:\(port)"))
        try log.record(.retrieve, study: "1.2.840.1", outcome: .failure, peer: "pacs PACS@127.0.0.1:104", instances: 3)
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        #expect(n > 0)
        let got = Array(buf[0..<max(0, n)])
        let local = try AuditLog.read(path: log.path).records
        #expect(local.count == 1)
        #expect(got == SyslogSender.message(local[0]))
        #expect(String(decoding: got, as: UTF8.self).hasPrefix("<84>1 "))
    }

    @Test("sent to a local datagram socket (as /dev/log)")
    func unixSocket() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.path + "/log.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        #expect(bound == 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let sender = try SyslogSender(address: "unix://" + path)
        #expect(sender.send(record))
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buf, buf.count, 0)
        #expect(n > 0 && Array(buf[0..<max(0, n)]) == SyslogSender.message(record))
        // Nobody listening: false, no crash, no hang.
        #expect(!(try SyslogSender(address: tmp.path + "/nobody.sock")).send(record))
    }
}
