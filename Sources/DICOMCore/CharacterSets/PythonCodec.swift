/// The CPython codecs that pydicom selects for the Specific Character Set terms
/// (PS3.3 C.12.1.1.2, Tables C.12-2 to C.12-5), reimplemented from the tables in
/// `CharacterSetTables` with CPython's error behaviour: Sixray's decoded text must equal
/// pydicom's, invalid bytes and replacement characters included.
enum PythonCodec: Sendable, Hashable {
    case ascii, latin1, utf8
    case iso8859_2, iso8859_3, iso8859_4, iso8859_5, iso8859_6, iso8859_7, iso8859_8, iso8859_9, tis620
    case shiftJIS, iso2022JP, iso2022JP2, eucKR, gb2312, gbk, gb18030
    /// Another CPython single-byte codec (`CharacterSetTables.charmaps[index]`), reachable only
    /// through terms that are Python codec names (e.g. `cp1252`).
    case charmap(Int)

    /// Upper half of a single-byte set, nil for the others.
    var singleByteTable: [UInt16]? {
        switch self {
        case .iso8859_2: return CharacterSetTables.iso8859_2
        case .iso8859_3: return CharacterSetTables.iso8859_3
        case .iso8859_4: return CharacterSetTables.iso8859_4
        case .iso8859_5: return CharacterSetTables.iso8859_5
        case .iso8859_6: return CharacterSetTables.iso8859_6
        case .iso8859_7: return CharacterSetTables.iso8859_7
        case .iso8859_8: return CharacterSetTables.iso8859_8
        case .iso8859_9: return CharacterSetTables.iso8859_9
        case .tis620: return CharacterSetTables.tis620
        default: return nil
        }
    }

    /// Look a codec up by name as CPython's `codecs.lookup` does: lower-case, then
    /// `encodings.normalize_encoding` (runs of characters other than ASCII letters, digits and
    /// '.' become one '_', leading and trailing ones are dropped), then `encodings.aliases`.
    static func lookup(_ name: String) -> PythonCodec? {
        var normalized = ""
        var punctuation = false
        for scalar in name.unicodeScalars {
            let isAlnum = scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            if isAlnum || scalar == "." {
                if punctuation && !normalized.isEmpty { normalized.append("_") }
                if scalar.isASCII { normalized.unicodeScalars.append(scalar) }
                punctuation = false
            } else {
                punctuation = true
            }
        }
        normalized = normalized.lowercased()
        return CharacterSetTables.pythonCodecAliases[normalized]
            ?? CharacterSetTables.pythonCodecAliases[String(normalized.map { $0 == "." ? "_" : $0 })]
    }
}

// MARK: - Decoding

/// Why a strict decode stopped: CPython's `UnicodeDecodeError`.
struct CodecDecodeFailure: Error {}

extension PythonCodec {
    /// Decode `bytes` with this codec and append the UTF-8 of the result to `out`.
    /// `replace` = CPython `errors="replace"` (one U+FFFD per error, each error spanning the bytes
    /// CPython's decoder reports); otherwise the first error throws and `out` may hold a prefix.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], replace: Bool) throws(CodecDecodeFailure) {
        switch self {
        case .latin1:
            for b in bytes { out.appendScalar(UInt32(b)) }
        case .ascii:
            for b in bytes {
                if b < 0x80 { out.append(b) } else { try out.fail(replace) }
            }
        case .utf8:
            if let valid = String(validating: bytes, as: UTF8.self) {
                out.append(contentsOf: valid.utf8)
            } else if replace {
                // Swift and CPython both replace "maximal subparts" (Unicode §3.9, U+FFFD substitution).
                out.append(contentsOf: String(decoding: bytes, as: UTF8.self).utf8)
            } else {
                throw CodecDecodeFailure()
            }
        case .iso8859_2, .iso8859_3, .iso8859_4, .iso8859_5, .iso8859_6, .iso8859_7, .iso8859_8, .iso8859_9,
             .tis620:
            let table = singleByteTable ?? []
            for b in bytes {
                if b < 0x80 { out.append(b); continue }
                let u = table[Int(b) - 0x80]
                if u == CharacterSetTables.unmapped { try out.fail(replace) } else { out.appendScalar(UInt32(u)) }
            }
        case .shiftJIS:
            try decodeShiftJIS(bytes, into: &out, replace: replace)
        case .iso2022JP, .iso2022JP2:
            try decodeISO2022(bytes, into: &out, replace: replace, jp2: self == .iso2022JP2)
        case .eucKR, .gb2312:
            try decodeEUC(bytes, into: &out, replace: replace,
                          table: self == .eucKR ? CharacterSetTables.ksX1001 : CharacterSetTables.gb2312,
                          korean: self == .eucKR)
        case .gbk, .gb18030:
            try decodeGB(bytes, into: &out, replace: replace, gb18030: self == .gb18030)
        case .charmap(let index):
            let table = CharacterSetTables.charmaps[index]
            for b in bytes {
                let u = table[Int(b)]
                if u == CharacterSetTables.unmapped { try out.fail(replace) } else { out.appendScalar(UInt32(u)) }
            }
        }
    }

    /// CPython `_codecs_jp.c` shift_jis: JIS X 0201 (ASCII half unchanged, katakana 0xA1...0xDF)
    /// and JIS X 0208 by the Shift_JIS arithmetic.
    private func decodeShiftJIS(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], replace: Bool) throws(CodecDecodeFailure) {
        let table = CharacterSetTables.jisX0208
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c < 0x80 { out.append(c); i += 1; continue }
            if (0xA1...0xDF).contains(c) { out.appendScalar(0xFEC0 + UInt32(c)); i += 1; continue }
            if (0x81...0x9F).contains(c) || (0xE0...0xEA).contains(c) {
                if i + 1 >= n { try out.fail(replace); return }  // incomplete: rest replaced at once
                let t = bytes[i + 1]
                if t >= 0x40 && t <= 0xFC && t != 0x7F {
                    let c1 = Int(c < 0xE0 ? c - 0x81 : c - 0xC1)
                    let c2 = Int(t < 0x80 ? t - 0x40 : t - 0x41)
                    let row = 2 * c1 + (c2 < 0x5E ? 0 : 1)
                    let cell = c2 < 0x5E ? c2 : c2 - 0x5E
                    let u = table[row * 94 + cell]
                    if u != CharacterSetTables.unmapped { out.appendScalar(UInt32(u)); i += 2; continue }
                }
            }
            try out.fail(replace)
            i += 1
        }
    }

    /// CPython `_codecs_iso2022.c` for iso2022_jp / iso2022_jp_2 (no shifting; G0 designations
    /// ASCII, JIS X 0201 Roman, JIS X 0208(-1978); iso2022_jp_2 adds JIS X 0212, GB 2312, KS X 1001).
    private func decodeISO2022(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], replace: Bool, jp2: Bool) throws(CodecDecodeFailure) {
        enum G0 { case ascii, roman, dbcs([UInt16]) }
        enum G2 { case ascii, latin1, greek }
        var g0 = G0.ascii
        var g2 = G2.ascii
        var escThroughout = false  // after an ESC that starts no ISO 2022 sequence
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if escThroughout {
                // CPython passes the bytes through as ISO 8859-1 up to a final byte (A...Z, @)
                out.appendScalar(UInt32(c))
                i += 1
                if (0x41...0x5A).contains(c) || c == 0x40 { escThroughout = false }
                continue
            }
            if c == 0x1B {
                if i + 1 >= n { try out.fail(replace); return }
                let c2 = bytes[i + 1]
                if jp2 && c2 == 0x4E {  // SS2: one character from G2
                    if i + 2 >= n { try out.fail(replace); return }
                    let b = bytes[i + 2]
                    switch g2 {
                    case .ascii:
                        if b >= 0x80 { try out.fail(replace, count: 3, i: &i); continue }
                        out.append(b)
                    case .latin1:
                        out.appendScalar(UInt32(b ^ 0x80))
                    case .greek:
                        guard let u = Self.cpythonISO8859_7(b ^ 0x80) else { try out.fail(replace); i += 1; continue }
                        out.appendScalar(u)
                    }
                    i += 3
                    continue
                }
                guard c2 == 0x28 || c2 == 0x29 || c2 == 0x24 || c2 == 0x2E else {
                    escThroughout = true
                    out.append(c); i += 1; continue
                }
                // iso2022processesc: find the final byte (A...Z or @) within 16 bytes
                var end = -1
                var k = 1
                while k < 16 {
                    if i + k >= n { try out.fail(replace); return }
                    let b = bytes[i + k]
                    if (0x41...0x5A).contains(b) || b == 0x40 { end = k; break }
                    k += 1
                }
                if end < 0 { try out.fail(replace); i += 1; continue }
                let length = end + 1
                var designation: G0?
                var g0Target = false
                if length == 3 {
                    let f = bytes[i + 2]
                    if c2 == 0x24 {
                        g0Target = true
                        designation = dbcs(final: f, jp2: jp2).map { G0.dbcs($0) }
                    } else if c2 == 0x28 {
                        g0Target = true
                        designation = f == 0x42 ? .ascii : f == 0x4A ? .roman : nil
                    } else if c2 == 0x29 || (c2 == 0x2E && jp2) {
                        // G1 / G2 designations are accepted but never invoked without shifts.
                        let known = c2 == 0x2E ? (f == 0x41 || f == 0x46) : dbcs(final: f, jp2: jp2) != nil || f == 0x42 || f == 0x4A
                        if !known { try out.fail(replace, count: length, i: &i); continue }
                        if c2 == 0x2E { g2 = f == 0x41 ? .latin1 : .greek }
                        i += length; continue
                    } else {
                        try out.fail(replace, count: length, i: &i); continue
                    }
                } else if length == 4 && c2 == 0x24 && (bytes[i + 2] == 0x28 || bytes[i + 2] == 0x29) {
                    let table = dbcs(final: bytes[i + 3], jp2: jp2)
                    if table == nil { try out.fail(replace, count: length, i: &i); continue }
                    if bytes[i + 2] == 0x29 { i += length; continue }
                    g0Target = true
                    designation = table.map { G0.dbcs($0) }
                } else {
                    try out.fail(replace, count: length, i: &i); continue
                }
                if g0Target, let designation { g0 = designation; i += length; continue }
                try out.fail(replace, count: length, i: &i)
                continue
            }
            if c < 0x20 { out.append(c); i += 1; continue }
            if c >= 0x80 { try out.fail(replace); i += 1; continue }
            switch g0 {
            case .ascii:
                out.append(c); i += 1
            case .roman:
                out.appendScalar(c == 0x5C ? 0xA5 : c == 0x7E ? 0x203E : UInt32(c)); i += 1
            case .dbcs(let table):
                if i + 1 >= n { try out.fail(replace); return }
                let t = bytes[i + 1]
                if (0x21...0x7E).contains(c), (0x21...0x7E).contains(t) {
                    let u = table[(Int(c) - 0x21) * 94 + Int(t) - 0x21]
                    if u != CharacterSetTables.unmapped { out.appendScalar(UInt32(u)); i += 2; continue }
                }
                try out.fail(replace, count: 2, i: &i)
            }
        }
    }

    /// CPython's `ISO8859_7_DECODE` (the 1987 repertoire) used for iso2022_jp_2's G2.
    private static func cpythonISO8859_7(_ c: UInt8) -> UInt32? {
        let v = UInt32(c)
        if c < 0xA0 { return v }
        if c < 0xC0 && (0x288F_3BC9 as UInt32) & (1 << (v - 0xA0)) != 0 { return v }
        if c >= 0xB4 && (c >= 0xD4 || (0xBFFF_FD77 as UInt32) & (1 << (v - 0xB4)) != 0) && c <= 0xFE { return 0x02D0 + v }
        switch c {
        case 0xA1: return 0x2018
        case 0xA2: return 0x2019
        case 0xAF: return 0x2015
        default: return nil
        }
    }

    private func dbcs(final f: UInt8, jp2: Bool) -> [UInt16]? {
        switch f {
        case 0x42, 0x40: return CharacterSetTables.jisX0208
        case 0x44 where jp2: return CharacterSetTables.jisX0212
        case 0x41 where jp2: return CharacterSetTables.gb2312
        case 0x43 where jp2: return CharacterSetTables.ksX1001
        default: return nil
        }
    }

    /// CPython euc_kr (KS X 1001 in G1, with the KS X 1001:1998 Annex 3 make-up sequences) and
    /// gb2312 (GB 2312 in G1).
    private func decodeEUC(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], replace: Bool, table: [UInt16], korean: Bool) throws(CodecDecodeFailure) {
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c < 0x80 { out.append(c); i += 1; continue }
            if i + 1 >= n { try out.fail(replace); return }
            let t = bytes[i + 1]
            if korean && c == 0xA4 && t == 0xD4 {
                if i + 8 > n { try out.fail(replace); return }
                if bytes[i + 2] == 0xA4, bytes[i + 4] == 0xA4, bytes[i + 6] == 0xA4 {
                    let b3 = bytes[i + 3], b5 = bytes[i + 5], b7 = bytes[i + 7]
                    let cho: UInt16? = (0xA1...0xBE).contains(b3) ? CharacterSetTables.koreanChoseong[Int(b3) - 0xA1] : nil
                    let jung: UInt16? = (0xBF...0xD3).contains(b5) ? UInt16(b5 - 0xBF) : nil
                    let jong: UInt16? = b7 == 0xD4 ? 0 : (0xA1...0xBE).contains(b7) ? CharacterSetTables.koreanJongseong[Int(b7) - 0xA1] : nil
                    if let cho, let jung, let jong, cho != CharacterSetTables.unmapped, jong != CharacterSetTables.unmapped {
                        out.appendScalar(0xAC00 + UInt32(cho) * 588 + UInt32(jung) * 28 + UInt32(jong))
                        i += 8
                        continue
                    }
                }
                try out.fail(replace); i += 1; continue
            }
            if (0xA1...0xFE).contains(c), (0xA1...0xFE).contains(t) {
                let u = table[(Int(c) - 0xA1) * 94 + Int(t) - 0xA1]
                if u != CharacterSetTables.unmapped { out.appendScalar(UInt32(u)); i += 2; continue }
            }
            try out.fail(replace); i += 1
        }
    }

    /// CPython gbk / gb18030 (`_codecs_cn.c`), GB18030 four-byte codes by the linear-index ranges
    /// of GB 18030-2000 (BMP) and the linear supplementary planes from 0x90308130.
    private func decodeGB(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], replace: Bool, gb18030: Bool) throws(CodecDecodeFailure) {
        let table = gb18030 ? CharacterSetTables.gb18030TwoByte : CharacterSetTables.gbkTwoByte
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c < 0x80 { out.append(c); i += 1; continue }
            if i + 1 >= n { try out.fail(replace); return }
            let t = bytes[i + 1]
            if gb18030 && (0x30...0x39).contains(t) {
                if i + 3 >= n { try out.fail(replace); return }
                let t3 = bytes[i + 2], t4 = bytes[i + 3]
                if (0x81...0xFE).contains(c), (0x81...0xFE).contains(t3), (0x30...0x39).contains(t4) {
                    let a = UInt32(c - 0x81), b = UInt32(t - 0x30), d = UInt32(t3 - 0x81), e = UInt32(t4 - 0x30)
                    if a < 4, let scalar = Self.gb18030BMP(((a * 10 + b) * 126 + d) * 10 + e) {
                        out.appendScalar(scalar); i += 4; continue
                    }
                    if a >= 15 {
                        let scalar = 0x10000 + (((a - 15) * 10 + b) * 126 + d) * 10 + e
                        if scalar <= 0x10FFFF { out.appendScalar(scalar); i += 4; continue }
                    }
                }
                try out.fail(replace); i += 1; continue
            }
            if c != 0x80, c != 0xFF, t >= 0x40, t != 0xFF {
                let u = table[(Int(c) - 0x81) * 191 + Int(t) - 0x40]
                if u != CharacterSetTables.unmapped { out.appendScalar(UInt32(u)); i += 2; continue }
            }
            try out.fail(replace); i += 1
        }
    }

    static func gb18030BMP(_ index: UInt32) -> UInt32? {
        let runs = CharacterSetTables.gb18030FourByteRuns
        var lo = 0, hi = runs.count / 3
        while lo < hi {  // last run whose first index <= index
            let mid = (lo + hi) / 2
            if runs[mid * 3] <= index { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let r = (lo - 1) * 3
        let offset = index - runs[r]
        return offset < runs[r + 2] ? runs[r + 1] + offset : nil
    }
}

extension [UInt8] {
    /// Append a Unicode scalar value as UTF-8 (the tables hold only valid scalars).
    @inline(__always) mutating func appendScalar(_ v: UInt32) {
        if v < 0x80 {
            append(UInt8(v))
        } else if v < 0x800 {
            append(UInt8(0xC0 | v >> 6)); append(UInt8(0x80 | v & 0x3F))
        } else if v < 0x10000 {
            append(UInt8(0xE0 | v >> 12)); append(UInt8(0x80 | v >> 6 & 0x3F)); append(UInt8(0x80 | v & 0x3F))
        } else {
            append(UInt8(0xF0 | v >> 18)); append(UInt8(0x80 | v >> 12 & 0x3F))
            append(UInt8(0x80 | v >> 6 & 0x3F)); append(UInt8(0x80 | v & 0x3F))
        }
    }

    /// One decoding error: U+FFFD when replacing, else throw.
    @inline(__always) mutating func fail(_ replace: Bool) throws(CodecDecodeFailure) {
        guard replace else { throw CodecDecodeFailure() }
        append(contentsOf: [0xEF, 0xBF, 0xBD])
    }

    /// One decoding error spanning `count` bytes; advances `i` past them.
    @inline(__always) mutating func fail(_ replace: Bool, count: Int, i: inout Int) throws(CodecDecodeFailure) {
        try fail(replace)
        i += count
    }
}
