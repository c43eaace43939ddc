import AuditTrail
import SixrayConfig

/// The `[cache]` table of Sixray's configuration file, `$XDG_CONFIG_HOME/sixray/config.toml`
/// (default `~/.config/sixray/config.toml`):
///
///     [cache]
///     max_size = "20 GB"      # or "500MiB", or a number of bytes
///     path = "/data/sixray"   # optional; default $XDG_CACHE_HOME/sixray
///
/// Only `[cache]` is read here; other tables (the network configuration) are skipped, so
/// one file serves every part. The reader understands the TOML the file needs — tables,
/// `key = "string"` and `key = number`, comments — and names the line of anything else.
public struct StoreConfiguration: Sendable, Equatable {
    /// 10 GB when the file does not set a quota.
    public static let defaultMaxSize: Int64 = 10_000_000_000

    public var maxSizeBytes: Int64 = defaultMaxSize
    public var root: String?
    /// `[privacy] confidential_codes = ["R", "V"]`: Confidentiality Codes (0040,1008) that make
    /// a study confidential (hidden from the worklist unless asked for, and audited).
    public var confidentialCodes: [String] = []
    /// `[audit]`: the audit log's path and syslog destination.
    public var audit = AuditConfiguration()

    public init() {}

    public static func path(environment: [String: String]) -> String {
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/sixray/config.toml" }
        return (environment["HOME"] ?? "/tmp") + "/.config/sixray/config.toml"
    }

    /// The configuration from the environment's config file; defaults when there is none.
    public static func load(environment: [String: String]) throws(StoreError) -> StoreConfiguration {
        let path = path(environment: environment)
        guard let size = FileSystem.fileSize(path) else { return StoreConfiguration() }
        guard size < 1 << 20 else { throw StoreError(.config(line: 0, reason: "larger than 1 MB"), path: path) }
        let source: [UInt8]
        do {
            let bytes = try SmallFile.read(path)
            source = bytes
        } catch {
            throw StoreError(.io("cannot read"), path: path)
        }
        let text = String(decoding: source, as: UTF8.self)
        do {
            try CredentialPolicy.checkFile(path, text: text)
        } catch {
            throw StoreError(.config(line: error.line ?? 0, reason: (error.key.map { "\($0): " } ?? "") + error.reason), path: path)
        }
        do {
            return try parse(text)
        } catch {
            var e = error
            e.path = path
            throw e
        }
    }

    /// Parse the text of a config file (the whole file is TOML; only `[cache]` is read here).
    public static func parse(_ text: String) throws(StoreError) -> StoreConfiguration {
        var config = StoreConfiguration()
        do {
            let doc = try ConfigSection.parse(text, file: nil)
            config.audit = try AuditConfiguration.parse(doc)
            if let privacy = try doc.section("privacy") {
                try privacy.checkKeys(["confidential_codes"])
                config.confidentialCodes = try privacy.strings("confidential_codes") ?? []
            }
            guard let cache = try doc.section("cache") else { return config }
            try cache.checkKeys(["max_size", "path"])
            if let size = cache.table["max_size"] {
                let line = cache.table.entry("max_size")?.line ?? 0
                if let n = size.integer, n >= 0 {
                    config.maxSizeBytes = n
                } else if let t = size.string, let bytes = parseSize(t) {
                    config.maxSizeBytes = bytes
                } else {
                    throw StoreError(.config(line: line, reason: "cache.max_size: expected a size such as \"20 GB\""))
                }
            }
            if let p = try cache.string("path") {
                guard p.hasPrefix("/") else {
                    throw StoreError(.config(line: cache.table.entry("path")?.line ?? 0, reason: "cache.path: expected an absolute path"))
                }
                config.root = p
            }
        } catch let e as StoreError {
            throw e
        } catch let e as ConfigError {
            throw StoreError(.config(line: e.line ?? 0, reason: (e.key.map { "\($0): " } ?? "") + e.reason))
        } catch {
            throw StoreError(.config(line: 0, reason: "\(error)"))
        }
        return config
    }

    /// "20 GB", "20GB", "1.5 GiB", "500M", "123456": K/M/G/T are powers of 1000, KiB/MiB/GiB/TiB of 1024.
    public static func parseSize(_ text: String) -> Int64? { ByteSize.parse(text) }

}

/// Whole-file reads for small files (the config file).
enum SmallFile {
    static func read(_ path: String) throws(StoreError) -> [UInt8] {
        guard let size = FileSystem.fileSize(path) else { throw StoreError(.io("cannot read"), path: path) }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystem.error("cannot open", path: path) }
        defer { FileSystem.closeDescriptor(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 { if errno == EINTR { continue }; throw FileSystem.error("read failed", path: path) }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }
}

#if canImport(Glibc)
import Glibc
#endif
