/// The DICOM JSON Model of PS3.18 Annex F.
///
/// Values are decoded as PS3.18 F.2 says: text VRs as strings, IS/DS as numbers (F.2.3),
/// PN as objects with Alphabetic/Ideographic/Phonetic (F.2.2), AT as "GGGGEEEE",
/// binary values as InlineBinary (base64 of the little-endian octets) or BulkDataURI (F.2.7).
public struct DICOMJSONEncoder: Sendable {
    public enum BulkData: Sendable, Equatable {
        /// Every binary value inline (base64).
        case inline
        /// Values longer than `threshold` bytes as a BulkDataURI `file://PATH?offset=N&length=M`.
        case uri(threshold: Int)
        /// Values longer than `threshold` bytes are left out: the element has only "vr".
        case omit(threshold: Int)
    }

    public var bulkData: BulkData
    /// Pretty-print with this indent; nil for compact output.
    public var indent: Int?

    public init(bulkData: BulkData = .uri(threshold: 1024), indent: Int? = 2) {
        self.bulkData = bulkData
        self.indent = indent
    }

    /// One data set as a JSON object.
    public func encode(_ ds: DataSet, sourcePath: String? = nil) -> String {
        var out = ""
        out.reserveCapacity(ds.count * 64)
        writeDataSet(ds, to: &out, level: 0, sourcePath: sourcePath)
        return out
    }

    // MARK: - Writing

    private func newline(_ out: inout String, _ level: Int) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * level)
    }

    private var colon: String { indent == nil ? ":" : ": " }

    private func writeDataSet(_ ds: DataSet, to out: inout String, level: Int, sourcePath: String?) {
        if ds.isEmpty { out += "{}"; return }
        out += "{"
        var first = true
        for e in ds.elements {
            if !first { out += "," }
            first = false
            newline(&out, level + 1)
            out += "\"\(e.tag.jsonKey)\"\(colon)"
            writeElement(e, in: ds, to: &out, level: level + 1, sourcePath: sourcePath)
        }
        newline(&out, level)
        out += "}"
    }

    private func writeElement(_ e: DataElement, in ds: DataSet, to out: inout String, level: Int, sourcePath: String?) {
        let value = JSONValue.of(e, in: ds)
        out += "{"
        newline(&out, level + 1)
        out += "\"vr\"\(colon)\"\(value.vr.rawValue)\""
        switch value.payload {
        case .empty:
            break
        case .values(let values):
            out += ","
            newline(&out, level + 1)
            out += "\"Value\"\(colon)["
            for (i, v) in values.enumerated() {
                if i > 0 { out += "," }
                newline(&out, level + 2)
                switch v {
                case .null: out += "null"
                case .string(let s): writeString(s, to: &out)
                case .number(let n): out += n
                case .personName(let groups):
                    out += "{"
                    let names = ["Alphabetic", "Ideographic", "Phonetic"]
                    for (gi, g) in groups.enumerated() {
                        if gi > 0 { out += "," }
                        newline(&out, level + 3)
                        out += "\"\(names[gi])\"\(colon)"
                        writeString(g, to: &out)
                    }
                    newline(&out, level + 2)
                    out += "}"
                }
            }
            newline(&out, level + 1)
            out += "]"
        case .items(let items):
            out += ","
            newline(&out, level + 1)
            out += "\"Value\"\(colon)["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(&out, level + 2)
                writeDataSet(item, to: &out, level: level + 2, sourcePath: sourcePath)
            }
            if !items.isEmpty { newline(&out, level + 1) }
            out += "]"
        case .binary(let length, let range, let bytes):
            switch bulkData {
            case .uri(let threshold) where length > threshold:
                if let sourcePath, let range {
                    out += ","
                    newline(&out, level + 1)
                    out += "\"BulkDataURI\"\(colon)"
                    writeString("file://\(percentEncodePath(sourcePath))?offset=\(range.lowerBound)&length=\(range.count)", to: &out)
                } else {
                    writeInline(bytes(), to: &out, level: level)
                }
            case .omit(let threshold) where length > threshold:
                break
            default:
                writeInline(bytes(), to: &out, level: level)
            }
        }
        newline(&out, level)
        out += "}"
    }

    private func writeInline(_ bytes: [UInt8], to out: inout String, level: Int) {
        out += ","
        newline(&out, level + 1)
        out += "\"InlineBinary\"\(colon)\""
        out += base64(bytes)
        out += "\""
    }

    private func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c.value == 0x7F:
                let h = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// The JSON view of one element, decoded as PS3.18 F.2 describes.
struct JSONValue {
    enum Item {
        case null
        case string(String)
        /// A JSON number literal.
        case number(String)
        case personName([String])
    }
    enum Payload {
        case empty
        case values([Item])
        case items([DataSet])
        /// Binary value: its length, its absolute range in the source if it has one, its bytes.
        case binary(length: Int, range: Range<Int>?, bytes: () -> [UInt8])
    }
    var vr: VR
    var payload: Payload

    static func of(_ e: DataElement, in ds: DataSet) -> JSONValue {
        switch e.value {
        case .sequence(let items):
            return JSONValue(vr: .SQ, payload: .items(items))
        case .encapsulated(let enc):
            return JSONValue(vr: e.vr, payload: .binary(
                length: enc.valueLength, range: enc.valueOffset..<enc.valueOffset + enc.valueLength,
                bytes: { enc.valueBytes() }))
        case .bulk(let ref):
            let swap = ds.isBigEndian ? (e.vr.numericSize ?? 1) : 1
            return JSONValue(vr: e.vr, payload: .binary(
                length: ref.length, range: swap > 1 ? nil : ref.offset..<ref.offset + ref.length,
                bytes: {
                    var b = ref.bytes()
                    swapBytes(&b, size: swap)
                    return b
                }))
        case .bytes(let raw):
            return decode(raw, element: e, in: ds)
        case .inSource(let ref):
            return decode(ref.bytes(), element: e, in: ds)
        }
    }

    private static func decode(_ raw: [UInt8], element e: DataElement, in ds: DataSet) -> JSONValue {
        let vr = e.vr
        if raw.isEmpty { return JSONValue(vr: vr, payload: .empty) }
        switch vr {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN:
            var b = raw
            if ds.isBigEndian { swapBytes(&b, size: vr.numericSize ?? 1) }
            return JSONValue(vr: vr, payload: .binary(length: raw.count, range: nil, bytes: { b }))
        case .US, .SS, .UL, .SL:
            guard let values = NumericDecoding.integers(raw, vr: vr, bigEndian: ds.isBigEndian) else {
                return asUN(raw)
            }
            return JSONValue(vr: vr, payload: .values(values.map { .number(String($0)) }))
        case .SV:
            guard let values = NumericDecoding.integers(raw, vr: vr, bigEndian: ds.isBigEndian) else { return asUN(raw) }
            return JSONValue(vr: vr, payload: .values(values.map { .number(String($0)) }))
        case .UV:
            guard let values = NumericDecoding.unsigned64(raw, bigEndian: ds.isBigEndian) else { return asUN(raw) }
            return JSONValue(vr: vr, payload: .values(values.map { .number(String($0)) }))
        case .FL, .FD:
            guard let values = NumericDecoding.floats(raw, vr: vr, bigEndian: ds.isBigEndian) else { return asUN(raw) }
            return JSONValue(vr: vr, payload: .values(values.map(jsonNumber)))
        case .AT:
            guard let tags = NumericDecoding.tags(raw, bigEndian: ds.isBigEndian) else { return asUN(raw) }
            return JSONValue(vr: vr, payload: .values(tags.map { .string($0.jsonKey) }))
        case .SQ:
            return JSONValue(vr: vr, payload: .empty)
        case .PN:
            let parts = ds.characterSet.decodeValues(raw, vr: .PN)
            if parts.isEmpty || parts == [""] { return JSONValue(vr: vr, payload: .empty) }
            let values = parts.map { v -> Item in
                // Component groups (PS3.5 §6.2.1.1); split by scalar so that a combining mark
                // after "=" cannot swallow the delimiter.
                let groups = v.unicodeScalars.split(separator: "=", omittingEmptySubsequences: false)
                    .prefix(3).map { String(String.UnicodeScalarView($0)) }
                return .personName(groups)
            }
            return JSONValue(vr: vr, payload: .values(values))
        case .IS, .DS:
            let s = trimBoth(latin1(raw))
            if s.isEmpty { return JSONValue(vr: vr, payload: .empty) }
            let values = s.split(separator: "\\", omittingEmptySubsequences: false).map { part -> Item in
                let t = trimBoth(String(part))
                if t.isEmpty { return .null }
                if vr == .IS, let i = Int(t) { return .number(String(i)) }
                if let d = Double(t), d.isFinite {
                    if vr == .IS, d == d.rounded(), abs(d) < 9.0e18 { return .number(String(Int(d))) }
                    return jsonNumber(d)
                }
                return .string(t)
            }
            return JSONValue(vr: vr, payload: .values(values))
        case .LT, .ST, .UT:
            let s = ds.characterSet.decodeValues(raw, vr: vr).first ?? ""
            return s.isEmpty ? JSONValue(vr: vr, payload: .empty) : JSONValue(vr: vr, payload: .values([.string(s)]))
        case .UR:
            let s = trimTrailing(latin1(raw), " ")
            return s.isEmpty ? JSONValue(vr: vr, payload: .empty) : JSONValue(vr: vr, payload: .values([.string(s)]))
        case .SH, .LO, .UC:
            let parts = ds.characterSet.decodeValues(raw, vr: vr)
            if parts.count == 1 && parts[0].isEmpty { return JSONValue(vr: vr, payload: .empty) }
            return JSONValue(vr: vr, payload: .values(parts.map { $0.isEmpty ? .null : .string($0) }))
        case .AE:
            let s = latin1(raw)
            let parts = s.split(separator: "\\", omittingEmptySubsequences: false).map { trimBoth(String($0)) }
            if parts.count == 1 && parts[0].isEmpty { return JSONValue(vr: vr, payload: .empty) }
            return JSONValue(vr: vr, payload: .values(parts.map { $0.isEmpty ? .null : .string($0) }))
        case .AS, .CS, .DA, .DT, .TM, .UI:
            let s = trimTrailing(latin1(raw), " \0")
            if s.isEmpty { return JSONValue(vr: vr, payload: .empty) }
            let parts = s.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
            return JSONValue(vr: vr, payload: .values(parts.map { $0.isEmpty ? .null : .string($0) }))
        }
    }

    /// A binary value whose length does not fit its VR: reported as UN, as pydicom does.
    private static func asUN(_ raw: [UInt8]) -> JSONValue {
        JSONValue(vr: .UN, payload: .binary(length: raw.count, range: nil, bytes: { raw }))
    }

}

/// A finite double as a JSON number; NaN and infinities have no JSON form (null).
func jsonNumber(_ d: Double) -> JSONValue.Item {
    guard d.isFinite else { return .null }
    if d == d.rounded() && abs(d) < 1e15 {
        return .number(String(Int64(d)) + ".0")
    }
    return .number(String(d))
}

func percentEncodePath(_ path: String) -> String {
    var out = ""
    for b in path.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "-"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(UnicodeScalar(b))
        default:
            out += "%" + hexByte(b)
        }
    }
    return out
}

/// RFC 4648 base64.
public func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out = [UInt8]()
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i + 3 <= bytes.count {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        out.append(table[Int(n >> 18 & 63)]); out.append(table[Int(n >> 12 & 63)])
        out.append(table[Int(n >> 6 & 63)]); out.append(table[Int(n & 63)])
        i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
        let n = UInt32(bytes[i]) << 16
        out.append(table[Int(n >> 18 & 63)]); out.append(table[Int(n >> 12 & 63)])
        out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
    } else if rest == 2 {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
        out.append(table[Int(n >> 18 & 63)]); out.append(table[Int(n >> 12 & 63)])
        out.append(table[Int(n >> 6 & 63)]); out.append(UInt8(ascii: "="))
    }
    return String(decoding: out, as: UTF8.self)
}
