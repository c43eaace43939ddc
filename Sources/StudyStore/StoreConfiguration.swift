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
        do {
            return try parse(String(decoding: source, as: UTF8.self))
        } catch {
            var e = error
            e.path = path
            throw e
        }
    }

    /// Parse the text of a config file.
    public static func parse(_ text: String) throws(StoreError) -> StoreConfiguration {
        var config = StoreConfiguration()
        var table = ""
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(String(raw)).trimming(" \t\r")
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw StoreError(.config(line: lineNumber, reason: "malformed table header")) }
                table = line.trimming("[] \t")
                continue
            }
            guard table == "cache" else { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw StoreError(.config(line: lineNumber, reason: "expected key = value"))
            }
            let key = String(line[..<eq]).trimming(" \t")
            let value = String(line[line.index(after: eq)...]).trimming(" \t")
            switch key {
            case "max_size":
                guard let bytes = parseSize(unquote(value)) else {
                    throw StoreError(.config(line: lineNumber, reason: "cache.max_size: expected a size such as \"20 GB\", found \(value)"))
                }
                config.maxSizeBytes = bytes
            case "path":
                let p = unquote(value)
                guard p.hasPrefix("/") else {
                    throw StoreError(.config(line: lineNumber, reason: "cache.path: expected an absolute path in quotes"))
                }
                config.root = p
            default:
                throw StoreError(.config(line: lineNumber, reason: "unknown key cache.\(key) (known: max_size, path)"))
            }
        }
        return config
    }

    /// "20 GB", "20GB", "1.5 GiB", "500M", "123456": K/M/G/T are powers of 1000, KiB/MiB/GiB/TiB of 1024.
    public static func parseSize(_ text: String) -> Int64? {
        let t = text.trimming(" ").uppercased()
        let number = t.prefix { $0.isNumber || $0 == "." }
        let unit = String(t.dropFirst(number.count)).trimming(" ")
        guard let value = Double(number), value >= 0 else { return nil }
        let scale: Double
        switch unit {
        case "", "B": scale = 1
        case "K", "KB": scale = 1e3
        case "M", "MB": scale = 1e6
        case "G", "GB": scale = 1e9
        case "T", "TB": scale = 1e12
        case "KIB": scale = 1024
        case "MIB": scale = 1024 * 1024
        case "GIB": scale = 1024 * 1024 * 1024
        case "TIB": scale = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = value * scale
        guard bytes < 9e18 else { return nil }
        return Int64(bytes)
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { return String(s.dropFirst().dropLast()) }
        return s
    }

    static func stripComment(_ line: String) -> String {
        var inString = false
        var out = ""
        for ch in line {
            if ch == "\"" { inString.toggle() }
            if ch == "#" && !inString { break }
            out.append(ch)
        }
        return out
    }
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
