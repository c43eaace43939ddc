/// Typed reading of one table of a TOML file, with errors that name the file, line and key.
///
///     let section = ConfigSection(document, file: "config.toml")
///     let port = try section.integer("port", in: 1...65535) ?? 104
public struct ConfigSection: Sendable {
    public let table: TOMLTable
    public let file: String?

    public init(_ table: TOMLTable, file: String?) {
        self.table = table
        self.file = file
    }

    /// Parses `text` and wraps the root table.
    public static func parse(_ text: String, file: String?) throws(ConfigError) -> ConfigSection {
        ConfigSection(try TOMLParser.parse(text, source: file), file: file)
    }

    public var keys: [String] { table.keys }

    func fail(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(reason, file: file, line: table.entry(key)?.line ?? (table.line > 0 ? table.line : nil),
                    key: table.keyPath(key))
    }

    func typed<T>(_ key: String, _ what: String, _ get: (TOMLValue) -> T?) throws(ConfigError) -> T? {
        guard let v = table[key] else { return nil }
        guard let t = get(v) else { throw fail(key, "expected \(what), found \(v.typeName)") }
        return t
    }

    public func string(_ key: String) throws(ConfigError) -> String? { try typed(key, "a string") { $0.string } }
    public func bool(_ key: String) throws(ConfigError) -> Bool? { try typed(key, "true or false") { $0.bool } }
    public func number(_ key: String) throws(ConfigError) -> Double? { try typed(key, "a number") { $0.number } }

    public func integer(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int? {
        guard let n = try typed(key, "an integer", { $0.integer }) else { return nil }
        guard let v = Int(exactly: n), range.map({ $0.contains(v) }) ?? true else {
            throw fail(key, "\(n) is out of range\(range.map { " \($0.lowerBound)...\($0.upperBound)" } ?? "")")
        }
        return v
    }

    /// A string or an array of strings (`key = "x"` and `key = ["x", "y"]` both read as a list).
    public func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = table[key] else { return nil }
        if let s = v.string { return [s] }
        guard let a = v.array else { throw fail(key, "expected a string or an array of strings, found \(v.typeName)") }
        var out: [String] = []
        for item in a {
            guard let s = item.string else { throw fail(key, "expected an array of strings, found \(item.typeName) in it") }
            out.append(s)
        }
        return out
    }

    public func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let s = try string(key) else { throw fail(key, "missing (a string is required)") }
        return s
    }

    /// A sub-table (`[name]` or an inline table).
    public func section(_ key: String) throws(ConfigError) -> ConfigSection? {
        guard var t = try typed(key, "a table", { $0.table }) else { return nil }
        t.path = table.keyPath(key) // inline tables do not know their key
        return ConfigSection(t, file: file)
    }

    /// The tables of an array of tables (`[[name]]`).
    public func sections(_ key: String) throws(ConfigError) -> [ConfigSection] {
        guard let v = table[key] else { return [] }
        guard let a = v.array else { throw fail(key, "expected [[\(table.keyPath(key))]] tables, found \(v.typeName)") }
        var out: [ConfigSection] = []
        for item in a {
            guard let t = item.table else { throw fail(key, "expected tables in [[\(table.keyPath(key))]], found \(item.typeName)") }
            out.append(ConfigSection(t, file: file))
        }
        return out
    }

    /// Rejects keys other than `allowed`, so that a misspelt option is reported instead of ignored.
    public func checkKeys(_ allowed: Set<String>) throws(ConfigError) {
        for key in table.keys where !allowed.contains(key) {
            throw fail(key, "unknown key (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    /// A byte size: an integer, or a string like "20 GB", "512MiB", "1.5G".
    public func byteSize(_ key: String) throws(ConfigError) -> Int64? {
        guard let v = table[key] else { return nil }
        if let n = v.integer, n >= 0 { return n }
        guard let s = v.string, let n = ByteSize.parse(s) else {
            throw fail(key, "expected a size such as 20 GB or 512 MiB")
        }
        return n
    }
}

/// Human byte sizes: "20 GB" (10^9), "20 GiB" (2^30), "1.5G", "512" (bytes).
public enum ByteSize {
    public static func parse(_ text: String) -> Int64? {
        let t = text.filter { $0 != " " && $0 != "_" }
        let numberPart = t.prefix { $0.isNumber || $0 == "." }
        guard !numberPart.isEmpty, let value = Double(numberPart), value >= 0 else { return nil }
        let unit = t.dropFirst(numberPart.count).lowercased()
        let factors: [String: Double] = [
            "": 1, "b": 1,
            "k": 1e3, "kb": 1e3, "kib": 1024,
            "m": 1e6, "mb": 1e6, "mib": 1_048_576,
            "g": 1e9, "gb": 1e9, "gib": 1_073_741_824,
            "t": 1e12, "tb": 1e12, "tib": 1_099_511_627_776,
        ]
        guard let f = factors[unit] else { return nil }
        let bytes = value * f
        guard bytes < 9e18 else { return nil }
        return Int64(bytes.rounded())
    }

    /// "1.2 GB", "340 MB", "12 kB", "512 B".
    public static func format(_ bytes: Int64) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (f, u) in units where Double(bytes) >= f {
            let v = Double(bytes) / f
            let rounded = v >= 100 ? (v).rounded() : (v * 10).rounded() / 10
            return (rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)) + " " + u
        }
        return "\(bytes) B"
    }
}
