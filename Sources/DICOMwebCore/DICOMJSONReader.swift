import DICOMCore
import Foundation

/// Reads the DICOM JSON Model (PS3.18 F.2) into `DataSet`s, the same shape a C-FIND answer
/// has, so QIDO-RS and DIMSE results go through one code path. Values are re-encoded as
/// Explicit VR Little Endian element values: strings joined by backslash and padded to even
/// length (PS3.5 §6.2, §7.1.1), numbers in binary for US/SS/UL/SL/FL/FD/UV/SV, Person Name
/// groups joined by "=" (PS3.18 F.2.2). BulkDataURI values are left empty.
public enum DICOMJSONReader {
    /// Parse a JSON array of data sets (a QIDO-RS or metadata response).
    public static func dataSets(_ bytes: [UInt8], url: String? = nil) throws(DICOMwebError) -> [DataSet] {
        if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) { return [] }
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: Data(bytes), options: []) } catch {
            throw DICOMwebError(.json, "response is not JSON (PS3.18 F.2): \((error as NSError).localizedDescription); starts with '\(printable(bytes.prefix(40)[...]))'", url: url)
        }
        guard let array = any as? [Any] else {
            throw DICOMwebError(.json, "expected a JSON array of data sets (PS3.18 F.2), got \(typeName(any))", url: url)
        }
        var out: [DataSet] = []
        out.reserveCapacity(array.count)
        for (i, item) in array.enumerated() {
            guard let obj = item as? [String: Any] else {
                throw DICOMwebError(.json, "item [\(i)] is \(typeName(item)), expected an object of attributes", url: url)
            }
            out.append(try dataSet(obj, path: "[\(i)]", url: url))
        }
        return out
    }

    /// JSON true/false. (`v is Bool` will not do: on Linux an NSNumber 0 or 1 also casts to
    /// Bool, which made PixelRepresentation 0/1 "not a number".)
    static func isBoolean(_ n: NSNumber) -> Bool { n.objCType.pointee == CChar(UInt8(ascii: "c")) }

    static func typeName(_ v: Any) -> String {
        switch v {
        case is String: return "a string"
        case let n as NSNumber: return isBoolean(n) ? "a boolean" : "a number"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return "\(type(of: v))"
        }
    }

    static func dataSet(_ obj: [String: Any], path: String, url: String?) throws(DICOMwebError) -> DataSet {
        var ds = DataSet()
        for (key, value) in obj {
            let where_ = "\(path) \(key)"
            guard key.utf8.count == 8, let raw = UInt32(key, radix: 16) else {
                throw DICOMwebError(.json, "\(where_): attribute key must be 8 hexadecimal digits (PS3.18 F.2.1.1)", url: url)
            }
            let tag = Tag(UInt16(raw >> 16), UInt16(raw & 0xFFFF))
            guard let attr = value as? [String: Any] else {
                throw DICOMwebError(.json, "\(where_): expected an object with \"vr\", got \(typeName(value))", url: url)
            }
            guard let vrName = attr["vr"] as? String, let vr = VR(rawValue: vrName) else {
                throw DICOMwebError(.json, "\(where_): missing or unknown \"vr\" (PS3.18 F.2.2)", url: url)
            }
            if vr == .SQ {
                var items: [DataSet] = []
                if let values = attr["Value"] {
                    guard let list = values as? [Any] else {
                        throw DICOMwebError(.json, "\(where_): \"Value\" must be an array", url: url)
                    }
                    for (j, v) in list.enumerated() {
                        guard let o = v as? [String: Any] else {
                            throw DICOMwebError(.json, "\(where_)[\(j)]: a sequence item must be an object", url: url)
                        }
                        items.append(try dataSet(o, path: "\(where_)[\(j)]", url: url))
                    }
                }
                ds.set(DataElement(tag: tag, vr: .SQ, value: .sequence(items)))
                continue
            }
            if let b64 = attr["InlineBinary"] {
                guard let s = b64 as? String, let data = Data(base64Encoded: s) else {
                    throw DICOMwebError(.json, "\(where_): \"InlineBinary\" is not base64", url: url)
                }
                ds.set(DataElement(tag: tag, vr: vr, bytes: padded([UInt8](data), vr: vr)))
                continue
            }
            guard let values = attr["Value"] else {
                ds.set(DataElement(tag: tag, vr: vr, bytes: []))
                continue
            }
            guard let list = values as? [Any] else {
                throw DICOMwebError(.json, "\(where_): \"Value\" must be an array, got \(typeName(values))", url: url)
            }
            ds.set(DataElement(tag: tag, vr: vr, bytes: try encode(list, vr: vr, at: where_, url: url)))
        }
        return ds
    }

    static func padded(_ b: [UInt8], vr: VR) -> [UInt8] {
        guard b.count & 1 == 1 else { return b }
        return b + [vr == .UI || vr == .OB || vr == .UN ? 0 : 0x20]
    }

    static func encode(_ list: [Any], vr: VR, at where_: String, url: String?) throws(DICOMwebError) -> [UInt8] {
        func number(_ v: Any, _ i: Int) throws(DICOMwebError) -> Double {
            if let n = v as? NSNumber, !isBoolean(n) { return n.doubleValue }
            if let s = v as? String, let d = Double(s) { return d }
            throw DICOMwebError(.json, "\(where_) Value[\(i)]: expected a number for VR \(vr.rawValue), got \(typeName(v))", url: url)
        }
        var out: [UInt8] = []
        func le<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        switch vr {
        case .US, .SS, .UL, .SL, .UV, .SV, .FL, .FD:
            for (i, v) in list.enumerated() {
                if v is NSNull { continue }
                let d = try number(v, i)
                // An integer VR takes the value's integer part, and only within its range: a
                // huge, infinite or NaN number is refused in words (Int(d) would trap; found
                // by Scripts/fuzz dicomweb-json).
                func integer<T: FixedWidthInteger>(_: T.Type) throws(DICOMwebError) -> T {
                    guard d.isFinite, let x = T(exactly: d.rounded(.towardZero)) else {
                        throw DICOMwebError(.json, "\(where_) Value[\(i)]: \(d) is out of range for VR \(vr.rawValue)", url: url)
                    }
                    return x
                }
                switch vr {
                case .US: le(try integer(UInt16.self))
                case .SS: le(try integer(Int16.self))
                case .UL: le(try integer(UInt32.self))
                case .SL: le(try integer(Int32.self))
                case .UV: le(try integer(UInt64.self))
                case .SV: le(try integer(Int64.self))
                case .FL: le(Float(d).bitPattern)
                default: le(d.bitPattern)
                }
            }
            return out
        case .AT:
            for (i, v) in list.enumerated() {
                guard let s = v as? String, s.utf8.count == 8, let raw = UInt32(s, radix: 16) else {
                    throw DICOMwebError(.json, "\(where_) Value[\(i)]: AT value must be 8 hexadecimal digits", url: url)
                }
                le(UInt16(raw >> 16))
                le(UInt16(raw & 0xFFFF))
            }
            return out
        default:
            var strings: [String] = []
            for (i, v) in list.enumerated() {
                switch v {
                case is NSNull: strings.append("")
                case let s as String: strings.append(s)
                case let n as NSNumber where (vr == .IS || vr == .DS) && !isBoolean(n):
                    let d = n.doubleValue
                    strings.append(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))
                case let o as [String: Any] where vr == .PN:
                    // PS3.18 F.2.2: Alphabetic, Ideographic, Phonetic component groups.
                    var groups = ["Alphabetic", "Ideographic", "Phonetic"].map { o[$0] as? String ?? "" }
                    while groups.last == "" { groups.removeLast() }
                    strings.append(groups.joined(separator: "="))
                default:
                    throw DICOMwebError(.json, "\(where_) Value[\(i)]: expected a string for VR \(vr.rawValue), got \(typeName(v))", url: url)
                }
            }
            return padded(Array(strings.joined(separator: "\\").utf8), vr: vr)
        }
    }
}

/// The identifying attributes of a Part 10 instance (PS3.10 §7.1), read from its File Meta
/// Information without parsing the data set: enough to hand it to a sink as it arrives.
public struct Part10Header: Sendable, Equatable {
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    /// Offset of the data set (just past the meta group).
    public var dataSetOffset: Int

    /// Parse the preamble, "DICM" and the group 0002 elements (always Explicit VR Little Endian).
    public static func parse(_ b: [UInt8]) throws(DICOMwebError) -> Part10Header {
        guard let h = try scan(b, isComplete: true) else {
            throw DICOMwebError(.instance, "part's File Meta Information is incomplete (\(b.count) bytes)")
        }
        return h
    }

    /// Parse the start of a part as it arrives: nil while `b` might still be too short to hold
    /// the whole meta group (`isComplete` false), so a streaming reader can wait for more
    /// bytes; errors as soon as the bytes cannot be Part 10.
    public static func scan(_ b: [UInt8], isComplete: Bool) throws(DICOMwebError) -> Part10Header? {
        let magic: [UInt8] = [0x44, 0x49, 0x43, 0x4D]  // "DICM"
        let seen = max(0, min(b.count, 132) - 128)
        guard seen == 0 || b[128..<(128 + seen)].elementsEqual(magic[..<seen]), isComplete ? b.count >= 132 : true else {
            throw DICOMwebError(.instance, "part is not a DICOM Part 10 instance (no 'DICM' at byte 128, PS3.10 §7.1; \(b.count) bytes)")
        }
        if b.count < 132 { return nil }
        var i = 132
        var values: [UInt16: String] = [:]
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        while true {
            guard i + 8 <= b.count else {
                if isComplete { break }
                return nil
            }
            guard u16(i) == 0x0002 else { break }
            let element = UInt16(u16(i + 2))
            let vr = String(decoding: b[(i + 4)..<(i + 6)], as: UTF8.self)
            var length: Int
            var header: Int
            if ["OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV", "SV", "UV"].contains(vr) {
                guard i + 12 <= b.count else {
                    if isComplete { break }
                    return nil
                }
                length = u16(i + 8) | u16(i + 10) << 16
                header = 12
            } else {
                length = u16(i + 6)
                header = 8
            }
            guard length != 0xFFFF_FFFF else {
                throw DICOMwebError(.instance, "File Meta Information element (0002,\(String(element, radix: 16))) at byte \(i) has an undefined length")
            }
            guard i + header + length <= b.count else {
                if !isComplete { return nil }
                throw DICOMwebError(.instance, "File Meta Information element (0002,\(String(element, radix: 16))) at byte \(i) runs past the part's \(b.count) bytes")
            }
            if [0x0002, 0x0003, 0x0010].contains(element) {
                var v = Array(b[(i + header)..<(i + header + length)])
                while let l = v.last, l == 0 || l == 32 { v.removeLast() }
                values[element] = String(decoding: v, as: UTF8.self)
            }
            i += header + length
        }
        guard let cls = values[0x0002], let inst = values[0x0003], let ts = values[0x0010] else {
            throw DICOMwebError(.instance, "part's File Meta Information lacks SOP Class, SOP Instance or Transfer Syntax UID (PS3.10 §7.1)")
        }
        return Part10Header(sopClassUID: cls, sopInstanceUID: inst, transferSyntaxUID: ts, dataSetOffset: i)
    }
}
