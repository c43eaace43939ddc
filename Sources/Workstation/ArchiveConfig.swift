#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DICOMNetwork
import SixrayConfig
import NIOCore

/// Sixray's network configuration, `$XDG_CONFIG_HOME/sixray/config.toml` (default
/// `~/.config/sixray/config.toml`): our own AE title and storage port, and named archives.
///
///     [sixray]
///     aet = "SIXRAY"
///     port = 11112
///
///     [archive.pacs]
///     host = "pacs.example.org"
///     port = 104
///     called_aet = "PACS"            # the archive's AE title
///     calling_aet = "SIXRAY"         # ours towards it (default: [sixray] aet)
///     protocol = "dimse"             # or "dicomweb"
///     retrieve = "move"              # or "get"
///     move_destination = "SIXRAY"    # AE title the archive sends C-MOVE results to
///     move_port = 11112              # port our storage SCP listens on during a move
///     tls = true
///     tls_ca = "/etc/sixray/ca.pem"
///     tls_cert = "/etc/sixray/client.pem"   # client certificate
///     tls_key = "/etc/sixray/client.key"
///     tls_verify = true              # certificate verification; on by default
///     connect_timeout = 10           # seconds
///     dimse_timeout = 60             # seconds without a PDU before giving up
public struct ArchiveConfig: Sendable {
    public enum RetrieveMethod: String, Sendable { case move, get }
    public enum ArchiveProtocol: String, Sendable { case dimse, dicomweb }

    public struct Archive: Sendable {
        public var name: String
        public var host: String
        public var port: Int
        public var calledAETitle: String
        public var callingAETitle: String?
        public var archiveProtocol: ArchiveProtocol = .dimse
        public var retrieve: RetrieveMethod = .move
        public var moveDestination: String?
        public var movePort: Int?
        public var tls: TLSSettings?
        public var connectTimeout: Double = 10
        public var dimseTimeout: Double = 60
        /// The archive's whole table (DICOMweb reads its own keys from it).
        public var section: ConfigSection?

        public init(name: String, host: String, port: Int, calledAETitle: String) {
            self.name = name
            self.host = host
            self.port = port
            self.calledAETitle = calledAETitle
        }

        public func remote() -> RemoteAE {
            var r = RemoteAE(host: host, port: port, aeTitle: calledAETitle, tls: tls)
            r.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
            r.dimseTimeout = .milliseconds(Int64(dimseTimeout * 1000))
            return r
        }
    }

    public var aeTitle: String = "SIXRAY"
    public var port: Int = 11112
    public var archives: [String: Archive] = [:]
    /// The file read, if any (for messages).
    public var path: String?

    public init() {}

    /// `$XDG_CONFIG_HOME/sixray/config.toml`, else `$HOME/.config/sixray/config.toml`.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/sixray/config.toml" }
        if let h = environment["HOME"], !h.isEmpty { return h + "/.config/sixray/config.toml" }
        return nil
    }

    /// Load `path`; a missing file is an empty configuration, a malformed one an error naming
    /// the file, line and key.
    public static func load(path: String) throws(NetworkError) -> ArchiveConfig {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return ArchiveConfig() }
            throw NetworkError(.config("\(path): \(String(cString: strerror(errno)))"))
        }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > 1 << 20 { close(fd); throw NetworkError(.config("\(path): larger than 1 MiB")) }
        }
        close(fd)
        let text = String(decoding: bytes, as: UTF8.self)
        do { try CredentialPolicy.checkFile(path, text: text) } catch { throw NetworkError(.config(error.description)) }
        var c = try parse(text, name: path)
        c.path = path
        return c
    }

    /// Top-level tables of config.toml and who reads them; anything else is a typo.
    static let knownTables: Set<String> = ["sixray", "archive", "archives", "cache", "ui", "profile", "privacy", "audit"]

    public static func parse(_ text: String, name: String = "config.toml") throws(NetworkError) -> ArchiveConfig {
        do {
            return try parseSections(text, name: name)
        } catch {
            throw NetworkError(.config(error.description))
        }
    }

    static func parseSections(_ text: String, name: String) throws(ConfigError) -> ArchiveConfig {
        let doc = try ConfigSection.parse(text, file: name)
        var c = ArchiveConfig()
        for key in doc.keys where !knownTables.contains(key) {
            throw ConfigError("unknown table or key (known tables: \(knownTables.sorted().joined(separator: ", ")))",
                              file: name, line: doc.table.entry(key)?.line, key: key)
        }
        func aet(_ t: ConfigSection, _ key: String) throws(ConfigError) -> String? {
            guard let s = try t.string(key) else { return nil }
            guard let ok = validAETitle(s) else {
                throw ConfigError("AE title must be 1–16 characters without backslash or control characters (PS3.5 §6.2)",
                                  file: name, line: t.table.entry(key)?.line, key: t.table.keyPath(key))
            }
            return ok
        }
        func seconds(_ t: ConfigSection, _ key: String) throws(ConfigError) -> Double? {
            guard let v = try t.number(key) else { return nil }
            guard v >= 0 else {
                throw ConfigError("expected a non-negative number of seconds", file: name, line: t.table.entry(key)?.line, key: t.table.keyPath(key))
            }
            return v
        }
        if let own = try doc.section("sixray") {
            try own.checkKeys(["aet", "port"])
            if let a = try aet(own, "aet") { c.aeTitle = a }
            if let p = try own.integer("port", in: 1...65535) { c.port = p }
        }
        for tableName in ["archive", "archives"] {
            guard let list = try doc.section(tableName) else { continue }
            for archiveName in list.keys {
                guard let t = try list.section(archiveName) else { continue }
                try t.checkKeys(["host", "port", "called_aet", "calling_aet", "protocol", "retrieve", "move_destination", "move_port",
                                 "tls", "tls_ca", "tls_cert", "tls_key", "tls_verify", "connect_timeout", "dimse_timeout",
                                 "url", "token", "token_env", "token_command", "username", "password"])
                func missing(_ key: String) -> ConfigError {
                    ConfigError("missing", file: name, line: t.table.line, key: t.table.keyPath(key))
                }
                let proto = try t.string("protocol") ?? "dimse"
                guard let archiveProtocol = ArchiveProtocol(rawValue: proto) else {
                    throw ConfigError("expected \"dimse\" or \"dicomweb\"", file: name, line: t.table.entry("protocol")?.line,
                                      key: t.table.keyPath("protocol"))
                }
                let host = try t.string("host") ?? (archiveProtocol == .dicomweb ? "" : nil)
                guard let host else { throw missing("host") }
                let called = try aet(t, "called_aet") ?? (archiveProtocol == .dicomweb ? "DICOMWEB" : nil)
                guard let called else { throw missing("called_aet") }
                var a = Archive(name: archiveName, host: host, port: try t.integer("port", in: 1...65535) ?? 104, calledAETitle: called)
                a.archiveProtocol = archiveProtocol
                a.callingAETitle = try aet(t, "calling_aet")
                if let r = try t.string("retrieve") {
                    guard let v = RetrieveMethod(rawValue: r) else {
                        throw ConfigError("expected \"move\" or \"get\"", file: name, line: t.table.entry("retrieve")?.line,
                                          key: t.table.keyPath("retrieve"))
                    }
                    a.retrieve = v
                }
                a.moveDestination = try aet(t, "move_destination")
                a.movePort = try t.integer("move_port", in: 1...65535)
                if try t.bool("tls") == true || t.table["tls_ca"] != nil || t.table["tls_cert"] != nil {
                    var settings = TLSSettings(caFile: try t.string("tls_ca"), certificateFile: try t.string("tls_cert"),
                                               privateKeyFile: try t.string("tls_key"))
                    settings.verifyPeer = try t.bool("tls_verify") ?? true
                    a.tls = settings
                }
                if let v = try seconds(t, "connect_timeout") { a.connectTimeout = v }
                if let v = try seconds(t, "dimse_timeout") { a.dimseTimeout = v }
                a.section = t
                c.archives[archiveName] = a
            }
        }
        return c
    }

    /// A NODE on the command line: a configured archive name, or `AET@host:port` inline
    /// (`AET@[::1]:port` for IPv6).
    public func resolve(_ node: String) throws(NetworkError) -> Archive {
        if let a = archives[node] { return a }
        guard let at = node.lastIndex(of: "@") else {
            let known = archives.keys.sorted()
            throw NetworkError(.config("unknown node '\(node)': not an archive in \(path ?? "the configuration")"
                + (known.isEmpty ? "" : " (known: \(known.joined(separator: ", ")))") + " and not AET@host:port"))
        }
        let aet = String(node[..<at])
        var hostPort = String(node[node.index(after: at)...])
        guard let ae = validAETitle(aet) else { throw NetworkError(.config("'\(aet)' in '\(node)' is not a valid AE title")) }
        var host: String
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = String(hostPort[hostPort.index(after: close)...])
        } else {
            guard let colon = hostPort.lastIndex(of: ":") else {
                throw NetworkError(.config("'\(node)': expected AET@host:port"))
            }
            host = String(hostPort[..<colon])
            hostPort = String(hostPort[colon...])
        }
        guard hostPort.hasPrefix(":"), let port = Int(hostPort.dropFirst()), (1...65535).contains(port), !host.isEmpty else {
            throw NetworkError(.config("'\(node)': expected AET@host:port with a port in 1...65535"))
        }
        return Archive(name: node, host: host, port: port, calledAETitle: ae)
    }
}

/// An AE title is 1–16 characters of the default repertoire without backslash or control
/// characters; leading and trailing spaces are insignificant (PS3.5 §6.2, AE).
public func validAETitle(_ s: String) -> String? {
    let t = s.trimmingCharacters(in: " ")
    guard !t.isEmpty, t.utf8.count <= 16, t.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F && $0 != "\\" }) else { return nil }
    return t
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
