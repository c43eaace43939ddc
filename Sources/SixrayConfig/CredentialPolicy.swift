#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A configuration file that holds credentials (a token, a password) must be readable by its
/// owner only: Sixray refuses it otherwise, as ssh refuses a private key others can read.
public enum CredentialPolicy {
    /// Key names that hold secrets: token, password, passwd, secret, api_key, and any key ending
    /// in _token, _password or _secret (`bearer_token`, `tls_key_password`).
    public static func isCredentialKey(_ key: String) -> Bool {
        let k = key.lowercased().replacingOccurrences(of: "-", with: "_")
        let exact: Set<String> = ["token", "password", "passwd", "secret", "api_key", "apikey", "credentials"]
        if exact.contains(k) { return true }
        return k.hasSuffix("_token") || k.hasSuffix("_password") || k.hasSuffix("_secret")
    }

    /// The dotted paths and lines of every credential key in `text`, found by parsing it; when it
    /// does not parse, by a line scan (the parse error is the loader's to report, but a broken
    /// file with a password in it is still a secret).
    public static func credentialKeys(in text: String) -> [(key: String, line: Int)] {
        if let table = try? TOMLParser.parse(text) {
            var found: [(String, Int)] = []
            walk(table, into: &found)
            return found
        }
        var found: [(String, Int)] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: " \t\"'")
            if let last = key.split(separator: ".").last, isCredentialKey(String(last).trimmingCharacters(in: " \"'")) {
                found.append((key, i + 1))
            }
        }
        return found
    }

    private static func walk(_ table: TOMLTable, into found: inout [(String, Int)]) {
        for key in table.keys {
            guard let entry = table.entry(key) else { continue }
            if isCredentialKey(key), entry.value.table == nil { found.append((table.keyPath(key), entry.line)) }
            walk(entry.value, into: &found)
        }
    }

    private static func walk(_ value: TOMLValue, into found: inout [(String, Int)]) {
        switch value {
        case .table(let t): walk(t, into: &found)
        case .array(let a): for v in a { walk(v, into: &found) }
        default: break
        }
    }

    /// Refuse `text` (the contents of `file`, whose permission bits are `mode`) when it holds
    /// credentials and group or others may read or write it.
    public static func check(text: String, mode: UInt32, file: String) throws(ConfigError) {
        guard mode & 0o077 != 0, let first = credentialKeys(in: text).first else { return }
        let octal = String(mode & 0o777, radix: 8)
        throw ConfigError(
            "holds credentials but is readable by group or others (mode 0\(octal)); run `chmod 600 \(file)`",
            file: file, line: first.line, key: first.key)
    }

    /// `check` for a file on disk (its mode from stat); a file that cannot be stat'ed is left to
    /// the reader to report.
    public static func checkFile(_ path: String, text: String) throws(ConfigError) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        try check(text: text, mode: UInt32(st.st_mode), file: path)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String { self[...].trimmingCharacters(in: set) }
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}
