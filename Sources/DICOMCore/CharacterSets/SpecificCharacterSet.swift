/// Specific Character Set (0008,0005): how the text of SH, LO, ST, LT, UC, UT and PN values
/// is encoded (PS3.3 C.12.1.1.2; PS3.5 §6.1).
///
/// Decoding reproduces pydicom 3.0.2 (`pydicom.charset.decode_bytes` as used when reading a
/// file) exactly, including its leniency, because `sixray dump --json` is checked against
/// pydicom's `to_json_dict()`:
/// - the default repertoire (no or empty value 1, `ISO_IR 6`, `ISO 2022 IR 6`) is decoded as
///   ISO 8859-1, so bytes above 0x7F never fail;
/// - a value is split before every ESC (PS3.5 §6.1.2.5); a fragment that starts with an escape
///   sequence of PS3.3 Tables C.12-3/C.12-4 is decoded with that code element if value n of
///   (0008,0005) allows it, otherwise (or if it does not decode) the whole fragment, escape
///   sequence included, is decoded with value 1's character set with U+FFFD replacements;
/// - within a single-byte or KS X 1001 fragment, CR, LF, TAB and FF reset to value 1's character
///   set (PS3.5 §6.1.2.5.3). As in pydicom, `^`, `=` and `\` do not reset: conformant writers
///   re-designate explicitly before them (PS3.5 §6.1.2.5.3, Annexes H–J), and pydicom decodes PN
///   values with the text delimiters;
/// - unknown terms are corrected like pydicom (`ISO IR 100` → `ISO_IR 100`, `ISO-2022-IR 87` →
///   `ISO 2022 IR 87`), else looked up as Python codec names (`ISO_IR 100 ` and `latin1` are
///   CPython aliases of ISO 8859-1), else replaced by the default repertoire; `warnings` says so;
/// - `ISO_IR 192`, `GB18030` and `GBK` do not allow code extensions (PS3.5 §6.1.2.5.4 d): as
///   value 1 the other values are ignored, as value n > 1 they are dropped.
public struct SpecificCharacterSet: Sendable, Equatable {
    /// The (0008,0005) values this was made from.
    public let terms: [String]
    /// What was wrong with `terms` and what was assumed instead, in pydicom's words.
    public let warnings: [String]
    /// Python encodings, one per remaining term (pydicom's `convert_encodings`).
    let encodings: [PyEncoding]
    /// How value 1's set decodes a value without escape sequences, precomputed for speed.
    @usableFromInline let fastPath: FastPath

    @usableFromInline enum FastPath: Sendable, Equatable {
        case latin1, utf8, singleByte, none
    }

    /// pydicom's name for a codec (the list entries are compared by name when an escape sequence
    /// selects a code element) and the codec itself.
    struct PyEncoding: Sendable, Equatable {
        var name: String
        var codec: PythonCodec
    }

    /// The default character repertoire (ISO IR 6, decoded as ISO 8859-1 like pydicom).
    public static let `default` = SpecificCharacterSet([])

    /// True when values are decoded with the default repertoire only.
    public var isDefault: Bool { encodings.count == 1 && encodings[0].name == Self.defaultName }

    /// `values`: the (0008,0005) values as split at backslashes by the reader, not trimmed.
    /// Like pydicom (which reads CS values with `rstrip(" \0")` of the whole value), only the
    /// last value loses trailing spaces and NULs; an empty value 1 means the default repertoire.
    public init(_ values: [String]) {
        var terms = values
        if var last = terms.last {
            while let c = last.last, c == " " || c == "\0" { last.removeLast() }
            terms[terms.count - 1] = last
        }
        self.init(terms: terms.count == 1 && terms[0].isEmpty ? [] : terms)
    }

    /// pydicom `convert_encodings` on `terms` exactly as given (no trimming).
    init(terms: [String]) {
        self.terms = terms
        var warnings: [String] = []
        var encodings: [PyEncoding] = []
        if terms.isEmpty {
            encodings = [PyEncoding(name: Self.defaultName, codec: .latin1)]
        } else {
            for (i, term) in terms.enumerated() {
                encodings.append(Self.encoding(for: i == 0 && term.isEmpty ? "ISO_IR 6" : term, warnings: &warnings))
            }
        }
        if terms.count > 1 {
            if Self.standAlone.contains(terms[0]) {
                warnings.append("Value '\(terms[0])' for Specific Character Set does not allow code extensions, "
                    + "ignoring: \(terms.dropFirst().joined(separator: ", "))")
                encodings = [encodings[0]]
            } else {
                for i in stride(from: terms.count - 1, through: 1, by: -1) where Self.standAlone.contains(terms[i]) {
                    warnings.append("Value '\(terms[i])' cannot be used as code extension, ignoring it")
                    encodings.remove(at: i)
                }
            }
        }
        self.warnings = warnings
        self.encodings = encodings
        switch encodings[0].codec {
        case .latin1: fastPath = .latin1
        case .utf8: fastPath = .utf8
        case let codec where codec.singleByteTable != nil: fastPath = .singleByte
        default: fastPath = .none
        }
    }

    /// Convenience: the raw value field of (0008,0005) (backslash-separated, padded).
    /// Like pydicom, the CS value is read as ISO 8859-1.
    public init(valueField bytes: some Collection<UInt8>) {
        let text = Array(bytes).withUnsafeBufferPointer { Self.latin1($0) }
        self.init(bytes.isEmpty ? [] : Self.split(text, "\\"))
    }

    // MARK: Terms (pydicom `python_encoding`, PS3.3 Tables C.12-2 to C.12-5)

    static let defaultName = "iso8859"
    static let standAlone: Set<String> = ["ISO_IR 192", "GBK", "GB18030"]

    /// DICOM defined term → pydicom's Python encoding name.
    static let pythonEncoding: [String: String] = [
        "": "iso8859", "ISO_IR 6": "iso8859", "ISO_IR 13": "shift_jis",
        "ISO_IR 100": "latin_1", "ISO_IR 101": "iso8859_2", "ISO_IR 109": "iso8859_3", "ISO_IR 110": "iso8859_4",
        "ISO_IR 126": "iso_ir_126", "ISO_IR 127": "iso_ir_127", "ISO_IR 138": "iso_ir_138",
        "ISO_IR 144": "iso_ir_144", "ISO_IR 148": "iso_ir_148", "ISO_IR 166": "iso_ir_166",
        "ISO 2022 IR 6": "iso8859", "ISO 2022 IR 13": "shift_jis", "ISO 2022 IR 87": "iso2022_jp",
        "ISO 2022 IR 100": "latin_1", "ISO 2022 IR 101": "iso8859_2", "ISO 2022 IR 109": "iso8859_3",
        "ISO 2022 IR 110": "iso8859_4", "ISO 2022 IR 126": "iso_ir_126", "ISO 2022 IR 127": "iso_ir_127",
        "ISO 2022 IR 138": "iso_ir_138", "ISO 2022 IR 144": "iso_ir_144", "ISO 2022 IR 148": "iso_ir_148",
        "ISO 2022 IR 149": "euc_kr", "ISO 2022 IR 159": "iso2022_jp_2", "ISO 2022 IR 166": "iso_ir_166",
        "ISO 2022 IR 58": "iso_ir_58", "ISO_IR 192": "UTF8", "GB18030": "GB18030",
        "ISO 2022 GBK": "GBK", "ISO 2022 58": "GB2312", "GBK": "GBK",
    ]

    /// Escape sequences of PS3.3 Tables C.12-3 and C.12-4 → pydicom's Python encoding name
    /// (`CODES_TO_ENCODINGS`; ESC ( J, JIS X 0201 Roman, is decoded as shift_jis like ESC ) I).
    static let escapeSequences: [[UInt8]: String] = [
        [0x1B, 0x28, 0x42]: "iso8859", [0x1B, 0x2D, 0x41]: "latin_1",
        [0x1B, 0x29, 0x49]: "shift_jis", [0x1B, 0x28, 0x4A]: "shift_jis",
        [0x1B, 0x24, 0x42]: "iso2022_jp",
        [0x1B, 0x2D, 0x42]: "iso8859_2", [0x1B, 0x2D, 0x43]: "iso8859_3", [0x1B, 0x2D, 0x44]: "iso8859_4",
        [0x1B, 0x2D, 0x46]: "iso_ir_126", [0x1B, 0x2D, 0x47]: "iso_ir_127", [0x1B, 0x2D, 0x48]: "iso_ir_138",
        [0x1B, 0x2D, 0x4C]: "iso_ir_144", [0x1B, 0x2D, 0x4D]: "iso_ir_148", [0x1B, 0x2D, 0x54]: "iso_ir_166",
        [0x1B, 0x24, 0x29, 0x43]: "euc_kr", [0x1B, 0x24, 0x28, 0x44]: "iso2022_jp_2",
        [0x1B, 0x24, 0x29, 0x41]: "iso_ir_58",
    ]

    /// `escapeSequences[bytes]` without building an array key.
    static func escapeSequenceName(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String? {
        guard bytes.count >= 3 else { return nil }
        let i = bytes.startIndex
        switch (bytes[i + 1], bytes[i + 2]) {
        case (0x28, 0x42): return bytes.count == 3 ? "iso8859" : nil
        case (0x28, 0x4A), (0x29, 0x49): return bytes.count == 3 ? "shift_jis" : nil
        case (0x24, 0x42): return bytes.count == 3 ? "iso2022_jp" : nil
        case (0x2D, let f):
            guard bytes.count == 3 else { return nil }
            switch f {
            case 0x41: return "latin_1"
            case 0x42: return "iso8859_2"
            case 0x43: return "iso8859_3"
            case 0x44: return "iso8859_4"
            case 0x46: return "iso_ir_126"
            case 0x47: return "iso_ir_127"
            case 0x48: return "iso_ir_138"
            case 0x4C: return "iso_ir_144"
            case 0x4D: return "iso_ir_148"
            case 0x54: return "iso_ir_166"
            default: return nil
            }
        default:
            return bytes.count == 4 ? escapeSequences[Array(bytes)] : nil
        }
    }

    /// Encodings whose escape sequences CPython's codec interprets itself (pydicom `handled_encodings`).
    static let handledEncodings: Set<String> = ["iso2022_jp", "iso2022_jp_2", "iso_ir_58"]

    static func encoding(for term: String, warnings: inout [String]) -> PyEncoding {
        if let name = pythonEncoding[term], let codec = PythonCodec.lookup(name) {
            return PyEncoding(name: name, codec: codec)
        }
        // pydicom `_python_encoding_for_corrected_encoding`
        var patched: String?
        let scalars = Array(term.unicodeScalars)
        func at(_ i: Int) -> Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }
        if term.hasPrefix("ISO"), let c = at(3), c != "_", term.unicodeScalars.dropFirst(4).starts(with: "IR".unicodeScalars) {
            patched = "ISO_IR" + String(String.UnicodeScalarView(scalars.dropFirst(6)))
        } else if term.hasPrefix("ISO"), !term.hasPrefix("ISO 2022 IR "), scalars.count >= 12,
                  let c3 = at(3), let c8 = at(8), let c11 = at(11), c3 != "\n", c8 != "\n", c11 != "\n",
                  String(String.UnicodeScalarView(scalars[4..<8])) == "2022",
                  String(String.UnicodeScalarView(scalars[9..<11])) == "IR" {
            patched = "ISO 2022 IR " + String(String.UnicodeScalarView(scalars.dropFirst(12)))
        }
        if let patched {
            if let name = pythonEncoding[patched], let codec = PythonCodec.lookup(name) {
                warnings.append("Incorrect value for Specific Character Set '\(term)' - assuming '\(patched)'")
                return PyEncoding(name: name, codec: codec)
            }
            warnings.append("Unknown encoding '\(term)' - using default encoding instead")
            return PyEncoding(name: defaultName, codec: .latin1)
        }
        // fallback: pydicom assumes the term is already a Python codec name
        if let codec = PythonCodec.lookup(term) {
            return PyEncoding(name: term, codec: codec)
        }
        warnings.append("Unknown encoding '\(term)' - using default encoding instead")
        return PyEncoding(name: defaultName, codec: .latin1)
    }
}
