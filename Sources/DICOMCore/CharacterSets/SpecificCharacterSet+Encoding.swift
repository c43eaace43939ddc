extension SpecificCharacterSet {
    /// Encode `string` as the value field of an element with `vr` (without padding), choosing
    /// the code elements as pydicom's `encode_string` does: the whole value with the first of
    /// the (0008,0005) character sets that can encode it, else the longest encodable runs,
    /// each introduced by its escape sequence (PS3.5 §6.1.2.5, PS3.3 Tables C.12-3/C.12-4), and
    /// after JIS X 0208/0212 an escape back to value 1's G0 set. PN values are encoded per
    /// component (`^`) and group (`=`), multi-valued text per value (`\`), so every delimiter is
    /// in value 1's set (PS3.5 §6.1.2.5.3). VRs not affected by the Specific Character Set are
    /// encoded as ISO 8859-1.
    ///
    /// Differences from pydicom: nil instead of a lossy encoding with `?` when no character set
    /// can represent a character; GB 2312 runs (`ISO 2022 IR 58`) get their `ESC $ ) A` as
    /// PS3.5 Annex J.3 requires (pydicom omits it); Hangul syllables outside KS X 1001 are not
    /// written as make-up sequences (nil).
    public func encode(_ string: String, vr: VR) -> [UInt8]? {
        guard vr.usesSpecificCharacterSet else {
            var out: [UInt8] = []
            for s in string.unicodeScalars {
                guard s.value <= 0xFF else { return nil }
                out.append(UInt8(s.value))
            }
            return out
        }
        if encodings.count == 1, encodings[0].codec == .utf8 || encodings[0].codec == .latin1 && string.utf8.allSatisfy({ $0 < 0x80 }) {
            return Array(string.utf8)
        }
        func join(_ parts: [String], _ separator: UInt8, _ encodePart: (String) -> [UInt8]?) -> [UInt8]? {
            var out: [UInt8] = []
            for (i, part) in parts.enumerated() {
                if i > 0 { out.append(separator) }
                guard let bytes = encodePart(part) else { return nil }
                out.append(contentsOf: bytes)
            }
            return out
        }
        let values = vr.isSingleValuedText ? [string] : Self.split(string, "\\")
        return join(values, 0x5C) { value in
            guard vr == .PN else { return encodeString(Array(value.unicodeScalars)) }
            var groups = Self.split(value, "=")
            while let last = groups.last, last.isEmpty { groups.removeLast() }
            return join(groups, 0x3D) { group in
                join(Self.split(group, "^"), 0x5E) {
                    encodeString(Array($0.unicodeScalars))
                }
            }
        }
    }

    /// pydicom `encode_string` / `_encode_string_parts`.
    private func encodeString(_ value: [Unicode.Scalar]) -> [UInt8]? {
        for (i, encoding) in encodings.enumerated() {
            let (bytes, failed) = Self.encodeRun(value[...], encoding.codec)
            guard failed == nil else { continue }
            var out: [UInt8] = []
            if i > 0 { out += escapeSequence(for: encoding, encoded: bytes) }
            out += bytes
            if encoding.codec == .iso2022JP || encoding.codec == .iso2022JP2 { out += tailEscape() }
            return out
        }
        guard encodings.count > 1 else { return nil }
        var out: [UInt8] = []
        var rest = value[...]
        var best = encodings[0]
        while !rest.isEmpty {
            var longest = 0
            var bestBytes: [UInt8] = []
            for encoding in encodings {
                let (bytes, failed) = Self.encodeRun(rest, encoding.codec)
                let count = failed.map { $0 - rest.startIndex } ?? rest.count
                if count == rest.count {
                    best = encoding; longest = count; bestBytes = bytes
                    break
                }
                if count > longest { best = encoding; longest = count; bestBytes = bytes }
            }
            guard longest > 0 else { return nil }
            out += escapeSequence(for: best, encoded: bestBytes)
            out += bestBytes
            rest = rest.dropFirst(longest)
        }
        if best.codec == .iso2022JP || best.codec == .iso2022JP2 { out += tailEscape() }
        return out
    }

    /// The escape sequence designating `encoding` (pydicom `_get_escape_sequence_for_encoding`):
    /// JIS X 0201 is ESC ) I for katakana, ESC ( J for romaji; JIS X 0208/0212 carry their own.
    private func escapeSequence(for encoding: PyEncoding, encoded: [UInt8]) -> [UInt8] {
        switch encoding.codec {
        case .iso2022JP, .iso2022JP2: return []  // the run already starts with ESC $ B / ESC $ ( D
        case .shiftJIS: return (encoded.first ?? 0) >= 0x80 ? [0x1B, 0x29, 0x49] : [0x1B, 0x28, 0x4A]
        case .gb2312 where encoding.name == "iso_ir_58": return [0x1B, 0x24, 0x29, 0x41]
        default:
            return Self.escapeSequences.first { $0.value == encoding.name }?.key ?? []
        }
    }

    /// Back to value 1's G0 set after a JIS X 0208/0212 run.
    private func tailEscape() -> [UInt8] {
        let first = encodings[0]
        if first.codec == .shiftJIS { return [0x1B, 0x28, 0x4A] }
        return Self.escapeSequences.first { $0.value == first.name }?.key ?? []
    }

    /// Encode as many scalars as possible with `codec`; `failed` is the index of the first one
    /// that cannot be encoded (CPython `UnicodeEncodeError.start`, with pydicom's custom
    /// JIS X 0201 / 0208 / 0212 encoders that keep a value in one G0/G1 set).
    static func encodeRun(_ value: ArraySlice<Unicode.Scalar>, _ codec: PythonCodec) -> (bytes: [UInt8], failed: Int?) {
        var out: [UInt8] = []
        if value.isEmpty { return ([], nil) }
        switch codec {
        case .shiftJIS:
            // pydicom `_encode_to_jis_x_0201`: one byte per character, all ISO IR 14 or all ISO IR 13
            var msb: UInt8?
            for i in value.indices {
                let s = value[i].value
                let b: UInt8?
                switch s {
                case 0..<0x80: b = UInt8(s)
                case 0xA5: b = 0x5C
                case 0x203E: b = 0x7E
                case 0xFF61...0xFF9F: b = UInt8(s - 0xFEC0)
                default: b = nil
                }
                guard let b, msb == nil || msb == b & 0x80 else { return (out, i) }
                msb = b & 0x80
                out.append(b)
            }
            return (out, nil)
        case .iso2022JP, .iso2022JP2:
            let map = codec == .iso2022JP ? EncoderMaps.jisX0208 : EncoderMaps.jisX0212
            out = codec == .iso2022JP ? [0x1B, 0x24, 0x42] : [0x1B, 0x24, 0x28, 0x44]
            for i in value.indices {
                guard let code = map[value[i].value] else { return (i == value.startIndex ? [] : out, i) }
                out.append(UInt8(code >> 8)); out.append(UInt8(code & 0xFF))
            }
            return (out, nil)
        default:
            for i in value.indices {
                guard appendEncoded(value[i].value, codec, to: &out) else { return (out, i) }
            }
            return (out, nil)
        }
    }

    /// CPython's strict encoder for one scalar; false if it cannot be encoded.
    private static func appendEncoded(_ s: UInt32, _ codec: PythonCodec, to out: inout [UInt8]) -> Bool {
        if s < 0x80 {  // charmaps (EBCDIC...) may lack an ASCII lower half: use their map
            if case .charmap = codec {} else { out.append(UInt8(s)); return true }
        }
        switch codec {
        case .ascii: return false
        case .latin1:
            guard s <= 0xFF else { return false }
            out.append(UInt8(s)); return true
        case .utf8:
            guard let scalar = Unicode.Scalar(s) else { return false }
            out.append(contentsOf: String(Character(scalar)).utf8); return true
        case .iso8859_2, .iso8859_3, .iso8859_4, .iso8859_5, .iso8859_6, .iso8859_7, .iso8859_8, .iso8859_9, .tis620,
             .charmap:
            guard let b = EncoderMaps.singleByte(codec)[s] else { return false }
            out.append(b); return true
        case .eucKR, .gb2312:
            guard let code = (codec == .eucKR ? EncoderMaps.ksX1001 : EncoderMaps.gb2312)[s] else { return false }
            out.append(UInt8(code >> 8) | 0x80); out.append(UInt8(code & 0xFF) | 0x80); return true
        case .gbk, .gb18030:
            if let code = (codec == .gbk ? EncoderMaps.gbk : EncoderMaps.gb18030)[s] {
                out.append(UInt8(code >> 8)); out.append(UInt8(code & 0xFF)); return true
            }
            guard codec == .gb18030, !(0xD800...0xDFFF).contains(s), s <= 0x10FFFF else { return false }
            var index: UInt32
            if s >= 0x10000 {
                index = s - 0x10000 + 15 * 12600  // four-byte codes from 0x90308130
            } else {
                guard let i = EncoderMaps.gb18030FourByteIndex(s) else { return false }
                index = i
            }
            let b4 = index % 10; index /= 10
            let b3 = index % 126; index /= 126
            let b2 = index % 10, b1 = index / 10
            out += [UInt8(b1 + 0x81), UInt8(b2 + 0x30), UInt8(b3 + 0x81), UInt8(b4 + 0x30)]
            return true
        case .shiftJIS, .iso2022JP, .iso2022JP2:
            return false  // handled by encodeRun
        }
    }
}

/// Reverse code tables, built on first use from `CharacterSetTables` plus the generated
/// `encoderOverrides` (verified against CPython's encoders over the whole BMP).
enum EncoderMaps {
    static let jisX0208 = ninetyFour(CharacterSetTables.jisX0208, "jisX0208")
    static let jisX0212 = ninetyFour(CharacterSetTables.jisX0212, "jisX0212")
    static let ksX1001 = ninetyFour(CharacterSetTables.ksX1001, "ksX1001")
    static let gb2312 = ninetyFour(CharacterSetTables.gb2312, "gb2312")
    static let gb18030 = twoByteGB(CharacterSetTables.gb18030TwoByte, "gb18030TwoByte")
    static let gbk = twoByteGB(CharacterSetTables.gbkTwoByte, "gbkTwoByte")
    private static let singleByteMaps: [PythonCodec: [UInt32: UInt8]] = {
        var maps: [PythonCodec: [UInt32: UInt8]] = [:]
        let codecs: [PythonCodec] = [.iso8859_2, .iso8859_3, .iso8859_4, .iso8859_5, .iso8859_6, .iso8859_7,
                                     .iso8859_8, .iso8859_9, .tis620]
        for codec in codecs {
            var map: [UInt32: UInt8] = [:]
            for (i, u) in (codec.singleByteTable ?? []).enumerated() where u != CharacterSetTables.unmapped && map[UInt32(u)] == nil {
                map[UInt32(u)] = UInt8(0x80 + i)
            }
            maps[codec] = map
        }
        for (index, table) in CharacterSetTables.charmaps.enumerated() {
            var map: [UInt32: UInt8] = [:]
            for (i, u) in table.enumerated() where u != CharacterSetTables.unmapped && map[UInt32(u)] == nil {
                map[UInt32(u)] = UInt8(i)
            }
            maps[.charmap(index)] = map
        }
        return maps
    }()

    static func singleByte(_ codec: PythonCodec) -> [UInt32: UInt8] { singleByteMaps[codec] ?? [:] }

    private static func ninetyFour(_ table: [UInt16], _ name: String) -> [UInt32: UInt16] {
        var map: [UInt32: UInt16] = [:]
        for (i, u) in table.enumerated() where u != CharacterSetTables.unmapped && map[UInt32(u)] == nil {
            map[UInt32(u)] = UInt16((i / 94 + 0x21) << 8 | (i % 94 + 0x21))
        }
        return applyOverrides(map, name)
    }

    private static func twoByteGB(_ table: [UInt16], _ name: String) -> [UInt32: UInt16] {
        var map: [UInt32: UInt16] = [:]
        for (i, u) in table.enumerated() where u != CharacterSetTables.unmapped && map[UInt32(u)] == nil {
            map[UInt32(u)] = UInt16((i / 191 + 0x81) << 8 | (i % 191 + 0x40))
        }
        return applyOverrides(map, name)
    }

    private static func applyOverrides(_ map: [UInt32: UInt16], _ name: String) -> [UInt32: UInt16] {
        var map = map
        let pairs = CharacterSetTables.encoderOverrides[name] ?? []
        for i in stride(from: 0, to: pairs.count - 1, by: 2) {
            map[pairs[i]] = pairs[i + 1] == 0xFFFF ? nil : UInt16(pairs[i + 1])
        }
        return map
    }

    /// Linear four-byte index of a BMP scalar in GB18030 (inverse of the decoder's runs).
    static func gb18030FourByteIndex(_ s: UInt32) -> UInt32? {
        let runs = CharacterSetTables.gb18030FourByteRuns
        for r in stride(from: 0, to: runs.count, by: 3) where s >= runs[r + 1] && s < runs[r + 1] + runs[r + 2] {
            return runs[r] + (s - runs[r + 1])
        }
        return nil
    }
}
