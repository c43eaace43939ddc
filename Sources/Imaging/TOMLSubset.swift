/// A value of the small TOML subset the data files (window presets, later themes) use.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)

    public var string: String? { if case let .string(s) = self { return s } else { return nil } }
    public var number: Double? { if case let .number(n) = self { return n } else { return nil } }
}

/// A deliberately tiny TOML reader: `# comments`, blank lines, `[[array]]` table headers,
/// `[table]` headers, and `key = value` with basic strings ("…" with \" \\ \n \t escapes),
/// integers, floats and booleans. Enough for data files; anything else is a clear error with
/// its line number rather than a silent misread.
public enum TOMLSubset {
    public struct Table: Sendable {
        public var header: String
        public var isArrayItem: Bool
        public var line: Int
        public var values: [String: TOMLValue]
    }

    /// The tables in file order; keys before any header land in a table with header "".
    public static func parse(_ text: String) throws(ImagingError) -> [Table] {
        var tables = [Table(header: "", isArrayItem: false, line: 0, values: [:])]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = stripComment(Substring(rawLine)).trimmingSpaces()
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                guard line.hasSuffix("]]"), line.count > 4 else {
                    throw ImagingError(.presets(line: lineNumber, reason: "malformed array-of-tables header \(line)"))
                }
                let name = String(line.dropFirst(2).dropLast(2)).trimmingSpaces()
                tables.append(Table(header: name, isArrayItem: true, line: lineNumber, values: [:]))
                continue
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw ImagingError(.presets(line: lineNumber, reason: "malformed table header \(line)"))
                }
                tables.append(Table(header: String(line.dropFirst().dropLast()).trimmingSpaces(),
                                    isArrayItem: false, line: lineNumber, values: [:]))
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw ImagingError(.presets(line: lineNumber, reason: "expected key = value, found \(line)"))
            }
            var key = String(line[..<eq]).trimmingSpaces()
            if key.hasPrefix("\""), key.hasSuffix("\""), key.count >= 2 { key = String(key.dropFirst().dropLast()) }
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ImagingError(.presets(line: lineNumber, reason: "invalid key '\(key)'"))
            }
            let value = try parseValue(String(line[line.index(after: eq)...]).trimmingSpaces(), line: lineNumber)
            if tables[tables.count - 1].values[key] != nil {
                throw ImagingError(.presets(line: lineNumber, reason: "duplicate key '\(key)'"))
            }
            tables[tables.count - 1].values[key] = value
        }
        return tables
    }

    static func stripComment(_ line: Substring) -> String {
        var inString = false, escaped = false
        for (i, ch) in zip(line.indices, line) {
            if escaped { escaped = false; continue }
            if inString, ch == "\\" { escaped = true; continue }
            if ch == "\"" { inString.toggle() }
            if ch == "#", !inString { return String(line[..<i]) }
        }
        return String(line)
    }

    static func parseValue(_ text: String, line: Int) throws(ImagingError) -> TOMLValue {
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else {
                throw ImagingError(.presets(line: line, reason: "unterminated string \(text)"))
            }
            var out = ""
            var escaped = false
            for ch in text.dropFirst().dropLast() {
                if escaped {
                    switch ch {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\"", "\\": out.append(ch)
                    default: throw ImagingError(.presets(line: line, reason: "unsupported escape \\\(ch)"))
                    }
                    escaped = false
                } else if ch == "\\" {
                    escaped = true
                } else if ch == "\"" {
                    throw ImagingError(.presets(line: line, reason: "unescaped quote in \(text)"))
                } else {
                    out.append(ch)
                }
            }
            return .string(out)
        }
        let digits = text.filter { $0 != "_" }
        if let n = Double(digits), n.isFinite { return .number(n) }
        throw ImagingError(.presets(line: line, reason: "unsupported value \(text)"))
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
