/// TOML 1.0 documents for Sixray's data and configuration files (config.toml, themes, keymaps,
/// window presets, hanging protocols).
///
/// Supported: comments, `[table]` and `[[array-of-tables]]` headers with dotted names, bare,
/// quoted and dotted keys, basic / literal / multi-line strings with every escape of the spec,
/// decimal / hex / octal / binary integers with `_`, floats (exponents, `inf`, `nan`), booleans,
/// arrays (nested, over several lines, trailing comma), inline tables. Local dates and times
/// are kept as their text (`.dateTime`). Every value remembers its line so that the code that
/// interprets a file can name file, line and key in its message.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case dateTime(String)
    case array([TOMLValue])
    case table(TOMLTable)

    public var string: String? { if case let .string(s) = self { return s } else { return nil } }
    public var integer: Int64? { if case let .integer(n) = self { return n } else { return nil } }
    public var bool: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var array: [TOMLValue]? { if case let .array(a) = self { return a } else { return nil } }
    public var table: TOMLTable? { if case let .table(t) = self { return t } else { return nil } }
    /// Integers and floats as a Double.
    public var number: Double? {
        switch self {
        case let .integer(n): return Double(n)
        case let .float(d): return d
        default: return nil
        }
    }

    /// The TOML type name, for messages ("expected a string, found an integer").
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .dateTime: return "a date-time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML table: keys in file order, each with its value and the line it was defined on.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var value: TOMLValue
        public var line: Int
    }
    /// Keys in the order they appeared.
    public private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]
    /// The line of the table's header (0 for the root table).
    public var line: Int
    /// Dotted path of the table from the root ("" for the root), for messages.
    public var path: String
    /// True when created implicitly (by `[a.b]` before `[a]`, or by a dotted key).
    var isImplicit = false
    /// True for tables defined inline (`{ ... }`), which are closed to later additions.
    var isInline = false

    public init(path: String = "", line: Int = 0) {
        self.path = path
        self.line = line
    }

    public subscript(key: String) -> TOMLValue? { entries[key]?.value }
    public func entry(_ key: String) -> Entry? { entries[key] }
    public var isEmpty: Bool { keys.isEmpty }

    mutating func set(_ key: String, _ value: TOMLValue, line: Int) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = Entry(value: value, line: line)
    }

    /// Full dotted path of `key` in this table, for messages.
    public func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The value at a dotted path below this table (`"cache.max_size"`).
    public func value(at dottedPath: String) -> TOMLValue? {
        var table = self
        let parts = dottedPath.split(separator: ".").map(String.init)
        for (i, part) in parts.enumerated() {
            guard let v = table[part] else { return nil }
            if i == parts.count - 1 { return v }
            guard case let .table(t) = v else { return nil }
            table = t
        }
        return nil
    }
}

/// Parsing a TOML text. Cores do no I/O: callers read the file and pass its text and name.
public enum TOMLParser {
    /// - Parameter source: the file name, used in error messages.
    /// - Throws: `ConfigError` naming the file, line and key of the first problem.
    public static func parse(_ text: String, source: String? = nil) throws(ConfigError) -> TOMLTable {
        var p = Parser(Array(text.unicodeScalars), source: source)
        return try p.document()
    }
}

private struct Parser {
    let s: [Unicode.Scalar]
    let source: String?
    var i = 0
    var line = 1
    var root = TOMLTable()
    /// Path of the table that `key = value` lines currently go to; `arrayIndex` set for `[[...]]`.
    var current: [String] = []
    /// Paths explicitly defined by a `[header]`, to reject duplicates.
    var defined: Set<[String]> = []
    /// Arrays and inline tables open around the value being read. Bounded so that a hostile
    /// file (`[[[[…`) is an error, not a stack overflow (found by Scripts/fuzz toml).
    var nesting = 0
    static let maxNesting = 64

    init(_ s: [Unicode.Scalar], source: String?) {
        self.s = s
        self.source = source
    }

    func error(_ reason: String, key: String? = nil) -> ConfigError {
        ConfigError(reason, file: source, line: line, key: key)
    }

    var atEnd: Bool { i >= s.count }
    var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }
    func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }

    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { i += 1 } }

    /// Skips spaces, then an optional comment, then requires end of line or file.
    mutating func endOfLine() throws(ConfigError) {
        skipSpaces()
        if peek == "#" { skipComment() }
        if atEnd { return }
        if peek == "\r", peek(1) == "\n" { i += 1 }
        guard peek == "\n" else { throw error("unexpected '\(Character(peek!))' after value; expected end of line") }
        i += 1
        line += 1
    }

    mutating func skipComment() {
        while let c = peek, c != "\n" { i += 1 }
    }

    /// Skips whitespace, newlines and comments (inside arrays).
    mutating func skipBlank() {
        while let c = peek {
            if c == " " || c == "\t" || c == "\r" { i += 1 } else if c == "\n" { i += 1; line += 1 } else if c == "#" { skipComment() } else { break }
        }
    }

    mutating func document() throws(ConfigError) -> TOMLTable {
        while true {
            skipBlank()
            guard let c = peek else { break }
            if c == "[" {
                try header()
            } else {
                let keyLine = line
                let (path, value) = try keyValue()
                try assign(path, value, line: keyLine)
                try endOfLine()
            }
        }
        return root
    }

    mutating func header() throws(ConfigError) {
        let isArray = peek(1) == "["
        i += isArray ? 2 : 1
        skipSpaces()
        let path = try key()
        skipSpaces()
        guard peek == "]", !isArray || peek(1) == "]" else {
            throw error("malformed table header: expected '\(isArray ? "]]" : "]")'", key: path.joined(separator: "."))
        }
        i += isArray ? 2 : 1
        let headerLine = line
        try endOfLine()
        let name = path.joined(separator: ".")
        let (src, ln) = (source, line)
        let fail = { (reason: String) in ConfigError(reason, file: src, line: ln, key: name) }
        if isArray {
            try modify(path.dropLast(), creating: true, line: headerLine) { (t: inout TOMLTable) throws(ConfigError) in
                let last = path[path.count - 1]
                var newTable = TOMLTable(path: t.keyPath(last), line: headerLine)
                newTable.isImplicit = false
                switch t[last] {
                case nil:
                    t.set(last, .array([.table(newTable)]), line: headerLine)
                case .array(var items)? where items.allSatisfy({ $0.table.map { !$0.isInline } ?? false }):
                    items.append(.table(newTable))
                    t.set(last, .array(items), line: t.entry(last)?.line ?? headerLine)
                default:
                    throw fail("[[\(name)]] redefines a key that is not an array of tables")
                }
            }
        } else {
            if defined.contains(path) { throw error("table [\(name)] defined twice", key: name) }
            try modify(path.dropLast(), creating: true, line: headerLine) { (t: inout TOMLTable) throws(ConfigError) in
                let last = path[path.count - 1]
                switch t[last] {
                case nil:
                    t.set(last, .table(TOMLTable(path: t.keyPath(last), line: headerLine)), line: headerLine)
                case .table(var existing)? where existing.isImplicit && !existing.isInline:
                    existing.isImplicit = false
                    existing.line = headerLine
                    t.set(last, .table(existing), line: headerLine)
                default:
                    throw fail("[\(name)] redefines an existing key")
                }
            }
            defined.insert(path)
        }
        current = path
    }

    /// Applies `body` to the table at `path` (following the last element of arrays of tables),
    /// creating implicit tables on the way when `creating` is set.
    mutating func modify(_ path: ArraySlice<String>, creating: Bool, line: Int,
                         _ body: (inout TOMLTable) throws(ConfigError) -> Void) throws(ConfigError) {
        let (src, ln) = (source, self.line)
        var table = root
        try Self.walk(&table, path, creating: creating, line: line,
                      error: { ConfigError($0, file: src, line: ln, key: path.joined(separator: ".")) }, body)
        root = table
    }

    static func walk(_ table: inout TOMLTable, _ path: ArraySlice<String>, creating: Bool, line: Int,
                     error: (String) -> ConfigError,
                     _ body: (inout TOMLTable) throws(ConfigError) -> Void) throws(ConfigError) {
        guard let first = path.first else {
            try body(&table)
            return
        }
        let rest = path.dropFirst()
        switch table[first] {
        case nil:
            guard creating else { throw error("no table '\(first)'") }
            var t = TOMLTable(path: table.keyPath(first), line: line)
            t.isImplicit = true
            try walk(&t, rest, creating: creating, line: line, error: error, body)
            table.set(first, .table(t), line: line)
        case .table(var t)?:
            if t.isInline { throw error("inline table '\(t.path)' cannot be extended") }
            try walk(&t, rest, creating: creating, line: line, error: error, body)
            table.set(first, .table(t), line: table.entry(first)?.line ?? line)
        case .array(var items)?:
            guard case .table(var t)? = items.last, !t.isInline else {
                throw error("'\(table.keyPath(first))' is not a table")
            }
            try walk(&t, rest, creating: creating, line: line, error: error, body)
            items[items.count - 1] = .table(t)
            table.set(first, .array(items), line: table.entry(first)?.line ?? line)
        case let other?:
            throw error("'\(table.keyPath(first))' is \(other.typeName), not a table")
        }
    }

    mutating func assign(_ keyPath: [String], _ value: TOMLValue, line: Int) throws(ConfigError) {
        let full = (current + keyPath).joined(separator: ".")
        let parents = keyPath.dropLast()
        let last = keyPath[keyPath.count - 1]
        var target = current[...]
        target.append(contentsOf: parents)
        let (src, ln) = (source, self.line)
        try modify(target, creating: true, line: line) { (t: inout TOMLTable) throws(ConfigError) in
            if t[last] != nil { throw ConfigError("duplicate key '\(full)'", file: src, line: ln, key: full) }
            t.set(last, value, line: line)
        }
    }

    mutating func key() throws(ConfigError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = peek else { throw error("expected a key at end of file") }
            if c == "\"" {
                parts.append(try basicString())
            } else if c == "'" {
                parts.append(try literalString())
            } else {
                let start = i
                while let c = peek, isBareKeyScalar(c) { i += 1 }
                guard i > start else { throw error("expected a key, found '\(Character(c))'") }
                parts.append(String(String.UnicodeScalarView(s[start..<i])))
            }
            skipSpaces()
            if peek == "." { i += 1 } else { return parts }
        }
    }

    func isBareKeyScalar(_ c: Unicode.Scalar) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
    }

    mutating func keyValue() throws(ConfigError) -> ([String], TOMLValue) {
        let k = try key()
        skipSpaces()
        guard peek == "=" else { throw error("expected '=' after key '\(k.joined(separator: "."))'", key: k.joined(separator: ".")) }
        i += 1
        skipSpaces()
        do {
            return (k, try value())
        } catch {
            var e = error
            if e.key == nil { e.key = (current + k).joined(separator: ".") }
            throw e
        }
    }

    mutating func value() throws(ConfigError) -> TOMLValue {
        guard let c = peek else { throw error("expected a value at end of file") }
        switch c {
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" { return .string(try multilineBasic()) }
            return .string(try basicString())
        case "'":
            if peek(1) == "'", peek(2) == "'" { return .string(try multilineLiteral()) }
            return .string(try literalString())
        case "[", "{":
            guard nesting < Self.maxNesting else {
                throw error("arrays and inline tables nested deeper than \(Self.maxNesting)")
            }
            nesting += 1
            defer { nesting -= 1 }
            return c == "[" ? try arrayValue() : try inlineTable()
        case "t", "f":
            if match("true") { return .bool(true) }
            if match("false") { return .bool(false) }
            throw error("unknown value (strings need quotes)")
        default:
            return try numberOrDate()
        }
    }

    mutating func match(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard i + w.count <= s.count, Array(s[i..<i + w.count]) == w else { return false }
        if let next = peek(w.count), isBareKeyScalar(next) { return false }
        i += w.count
        return true
    }

    mutating func basicString() throws(ConfigError) -> String {
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek, c != "\n" else { throw error("unterminated string") }
            i += 1
            if c == "\"" { return String(out) }
            if c == "\\" { out.append(try escape()) } else { out.append(c) }
        }
    }

    mutating func escape() throws(ConfigError) -> Unicode.Scalar {
        guard let e = peek else { throw error("unterminated escape") }
        i += 1
        switch e {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "e": return "\u{1B}"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let n = e == "u" ? 4 : 8
            guard i + n <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<i + n])), radix: 16),
                  let scalar = Unicode.Scalar(v) else {
                throw error("invalid \\\(e) escape")
            }
            i += n
            return scalar
        default:
            throw error("invalid escape \\\(Character(e))")
        }
    }

    mutating func literalString() throws(ConfigError) -> String {
        i += 1
        let start = i
        while let c = peek, c != "'" {
            if c == "\n" { throw error("unterminated literal string") }
            i += 1
        }
        guard peek == "'" else { throw error("unterminated literal string") }
        defer { i += 1 }
        return String(String.UnicodeScalarView(s[start..<i]))
    }

    mutating func multilineBasic() throws(ConfigError) -> String {
        i += 3
        if peek == "\n" { i += 1; line += 1 } else if peek == "\r", peek(1) == "\n" { i += 2; line += 1 }
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek else { throw error("unterminated multi-line string") }
            if c == "\"", peek(1) == "\"", peek(2) == "\"" {
                i += 3
                // Up to two further quotes belong to the content.
                while peek == "\"" { out.append("\""); i += 1 }
                return String(out)
            }
            i += 1
            if c == "\n" { line += 1 }
            if c == "\\" {
                // Line-ending backslash: trim the newline and following whitespace.
                var j = i
                while j < s.count, s[j] == " " || s[j] == "\t" || s[j] == "\r" { j += 1 }
                if j < s.count, s[j] == "\n" {
                    i = j
                    while let w = peek, w == " " || w == "\t" || w == "\n" || w == "\r" {
                        if w == "\n" { line += 1 }
                        i += 1
                    }
                } else {
                    out.append(try escape())
                }
            } else {
                out.append(c)
            }
        }
    }

    mutating func multilineLiteral() throws(ConfigError) -> String {
        i += 3
        if peek == "\n" { i += 1; line += 1 } else if peek == "\r", peek(1) == "\n" { i += 2; line += 1 }
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek else { throw error("unterminated multi-line literal string") }
            if c == "'", peek(1) == "'", peek(2) == "'" {
                i += 3
                while peek == "'" { out.append("'"); i += 1 }
                return String(out)
            }
            if c == "\n" { line += 1 }
            out.append(c)
            i += 1
        }
    }

    mutating func arrayValue() throws(ConfigError) -> TOMLValue {
        i += 1
        var items: [TOMLValue] = []
        while true {
            skipBlank()
            guard let c = peek else { throw error("unterminated array") }
            if c == "]" { i += 1; return .array(items) }
            items.append(try value())
            skipBlank()
            if peek == "," { i += 1; continue }
            if atEnd { throw error("unterminated array") }
            guard peek == "]" else { throw error("expected ',' or ']' in array") }
        }
    }

    mutating func inlineTable() throws(ConfigError) -> TOMLValue {
        i += 1
        var table = TOMLTable(path: current.joined(separator: "."), line: line)
        skipSpaces()
        if peek == "}" { i += 1; table.isInline = true; return .table(table) }
        while true {
            skipSpaces()
            let (k, v) = try keyValue()
            let valueLine = line
            let name = k.joined(separator: ".")
            try Self.walk(&table, k.dropLast(), creating: true, line: valueLine, error: { self.error($0, key: name) }) {
                (t: inout TOMLTable) throws(ConfigError) in
                if t[k[k.count - 1]] != nil { throw self.error("duplicate key '\(name)' in inline table", key: name) }
                t.set(k[k.count - 1], v, line: valueLine)
            }
            skipSpaces()
            if peek == "," { i += 1; continue }
            guard peek == "}" else { throw error("expected ',' or '}' in inline table (inline tables are one line)") }
            i += 1
            table.isInline = true
            return .table(table)
        }
    }

    mutating func numberOrDate() throws(ConfigError) -> TOMLValue {
        let start = i
        while let c = peek, !(c == " " || c == "\t" || c == "\n" || c == "\r" || c == "," || c == "]" || c == "}" || c == "#") {
            i += 1
        }
        var text = String(String.UnicodeScalarView(s[start..<i]))
        // A date-time may have one space between date and time.
        if peek == " ", text.count == 10, text.filter({ $0 == "-" }).count == 2,
           let d = peek(1), d >= "0" && d <= "9" {
            i += 1
            while let c = peek, !(c == " " || c == "\t" || c == "\n" || c == "\r" || c == "," || c == "]" || c == "}" || c == "#") {
                i += 1
            }
            text = String(String.UnicodeScalarView(s[start..<i]))
        }
        guard !text.isEmpty else { throw error("expected a value") }
        if let v = Self.number(text) { return v }
        if Self.looksLikeDate(text) { return .dateTime(text) }
        throw error("invalid value '\(text)' (strings need quotes)")
    }

    static func looksLikeDate(_ t: String) -> Bool {
        let a = Array(t.utf8)
        func digit(_ k: Int) -> Bool { k < a.count && a[k] >= 48 && a[k] <= 57 }
        if a.count >= 10, (0..<4).allSatisfy(digit), a[4] == 45, digit(5), digit(6), a[7] == 45, digit(8), digit(9) { return true }
        if a.count >= 8, digit(0), digit(1), a[2] == 58, digit(3), digit(4), a[5] == 58 { return true }
        return false
    }

    static func number(_ text: String) -> TOMLValue? {
        switch text {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        let u = Array(text.utf8)
        // Underscores only between digits.
        for (k, c) in u.enumerated() where c == UInt8(ascii: "_") {
            guard k > 0, k < u.count - 1, isHexDigit(u[k - 1]), isHexDigit(u[k + 1]) else { return nil }
        }
        let clean = String(decoding: u.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where clean.hasPrefix(prefix) {
            return Int64(clean.dropFirst(2), radix: radix).map { .integer($0) }
        }
        var digits = Substring(clean)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard let first = digits.first, first.isASCII, first.isNumber else { return nil }
        if digits.count > 1, first == "0", digits.dropFirst().first?.isNumber == true { return nil } // no leading zeros
        if clean.allSatisfy({ $0.isNumber || $0 == "+" || $0 == "-" }) {
            return Int64(clean).map { .integer($0) }
        }
        guard clean.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }), !clean.hasSuffix("."),
              !clean.contains(".e"), !clean.contains(".E"), let d = Double(clean) else { return nil }
        return .float(d)
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
    }
}
