/// An ordered collection of data elements (PS3.5 §7): a file's data set or a sequence item.
///
/// Elements are kept sorted by tag. Values stay in the encoding they were read in
/// (`isBigEndian`, `characterSet`); typed accessors decode on demand.
public struct DataSet: Sendable {
    public private(set) var elements: [DataElement] = []
    /// Byte order of numeric values held as `.bytes` (explicit VR big endian is the only
    /// big-endian transfer syntax, PS3.5 §A.3).
    public var isBigEndian: Bool
    /// The Specific Character Set in effect for this data set: its own (0008,0005), or the
    /// enclosing data set's for an item without one (PS3.5 §6.1.2.5.2).
    public var characterSet: SpecificCharacterSet

    public init(isBigEndian: Bool = false, characterSet: SpecificCharacterSet = .default) {
        self.isBigEndian = isBigEndian
        self.characterSet = characterSet
    }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

    /// Index of `tag` by binary search.
    public func index(of tag: Tag) -> Int? {
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let t = elements[mid].tag
            if t == tag { return mid }
            if t < tag { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    public subscript(tag: Tag) -> DataElement? {
        guard let i = index(of: tag) else { return nil }
        return elements[i]
    }

    public func contains(_ tag: Tag) -> Bool { index(of: tag) != nil }

    /// Insert or replace an element, keeping tag order.
    public mutating func set(_ element: DataElement) {
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if elements[mid].tag < element.tag { lo = mid + 1 } else { hi = mid }
        }
        if lo < elements.count && elements[lo].tag == element.tag {
            elements[lo] = element
        } else {
            elements.insert(element, at: lo)
        }
        if element.tag == .specificCharacterSet, let raw = element.valueBytes() {
            characterSet = SpecificCharacterSet(valueField: raw)
        }
    }

    @discardableResult
    public mutating func remove(_ tag: Tag) -> DataElement? {
        guard let i = index(of: tag) else { return nil }
        return elements.remove(at: i)
    }

    /// Append while reading: the reader appends in file order and sorts once at the end if
    /// the file was out of order.
    mutating func appendUnchecked(_ element: DataElement) {
        if elements.isEmpty { elements.reserveCapacity(24) }
        elements.append(element)
    }

    mutating func sortElements() {
        // Stable: for duplicate tags the later one wins below.
        let sorted = elements.enumerated().sorted {
            $0.element.tag != $1.element.tag ? $0.element.tag < $1.element.tag : $0.offset < $1.offset
        }.map(\.element)
        var unique: [DataElement] = []
        unique.reserveCapacity(sorted.count)
        for e in sorted {
            if let last = unique.last, last.tag == e.tag { unique[unique.count - 1] = e } else { unique.append(e) }
        }
        elements = unique
    }

    // MARK: - Private creators (PS3.5 §7.8.1)

    /// The Private Creator that reserves the block of a private data element, e.g. "SIEMENS CSA
    /// HEADER" for (0029,1010) when (0029,0010) holds that string.
    public func privateCreator(of tag: Tag) -> String? {
        guard let creatorTag = tag.privateCreatorTag, let e = self[creatorTag] else { return nil }
        let s = string(e)
        return s.isEmpty ? nil : s
    }

    // MARK: - Typed access

    /// The whole value of a text element decoded with the character set in effect
    /// (PS3.5 §6.1), trailing padding removed; "" if absent or not text.
    public func string(_ element: DataElement) -> String {
        guard element.vr.isString, element.items == nil, let b = element.valueBytes() else { return "" }
        return trimTrailing(decodeText(b, vr: element.vr), " \0")
    }

    public func string(_ tag: Tag) -> String? {
        guard let e = self[tag] else { return nil }
        return string(e)
    }

    /// Values of a multi-valued text element, split at backslashes (not for LT, ST, UT, UR,
    /// whose backslash is a character, PS3.5 §6.2).
    public func strings(_ tag: Tag) -> [String]? {
        guard let e = self[tag] else { return nil }
        return strings(e)
    }

    public func strings(_ element: DataElement) -> [String] {
        let s = string(element)
        if s.isEmpty { return [] }
        if element.vr.isSingleValuedText { return [s] }
        return s.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
    }

    /// Decode text bytes: customizable VRs through the Specific Character Set, the others as
    /// the default repertoire (bytes above 0x7F read as ISO 8859-1, as pydicom does).
    public func decodeText(_ bytes: [UInt8], vr: VR) -> String {
        if vr.usesSpecificCharacterSet {
            return characterSet.decode(bytes, vr: vr)
        }
        return latin1(bytes)
    }

    /// Integer values of a binary integer element (US, SS, UL, SL, SV, UV) or of IS text.
    public func ints(_ tag: Tag) -> [Int]? {
        guard let e = self[tag] else { return nil }
        return ints(e)
    }

    public func ints(_ element: DataElement) -> [Int]? {
        switch element.vr {
        case .IS, .DS:
            return strings(element).compactMap { text -> Int? in
                let t = trimBoth(text)
                if let i = Int(t) { return i }
                // "12.0" is seen for IS; anything that is not a finite integral number is skipped.
                guard let d = Double(t), d.isFinite, d == d.rounded(), abs(d) < 9.0e18 else { return nil }
                return Int(d)
            }
        case .US, .SS, .UL, .SL, .SV, .UV, .OW, .OL, .OV:
            guard let b = element.valueBytes() else { return nil }
            return NumericDecoding.integers(b, vr: element.vr, bigEndian: isBigEndian)
        default:
            return nil
        }
    }

    public func int(_ tag: Tag) -> Int? { ints(tag)?.first }

    /// Floating-point values of FL, FD, OF, OD, DS, IS elements (and integers as doubles).
    public func doubles(_ tag: Tag) -> [Double]? {
        guard let e = self[tag] else { return nil }
        return doubles(e)
    }

    public func doubles(_ element: DataElement) -> [Double]? {
        switch element.vr {
        case .DS, .IS:
            return strings(element).compactMap { Double(trimBoth($0)) }
        case .FL, .FD, .OF, .OD:
            guard let b = element.valueBytes() else { return nil }
            return NumericDecoding.floats(b, vr: element.vr, bigEndian: isBigEndian)
        default:
            return ints(element)?.map(Double.init)
        }
    }

    public func double(_ tag: Tag) -> Double? { doubles(tag)?.first }
}

// MARK: - Small string helpers (no Foundation dependency on the hot path)

func trimTrailing(_ s: String, _ chars: String) -> String {
    var scalars = Substring(s).unicodeScalars
    let set = chars.unicodeScalars
    guard let last = scalars.last, set.contains(last) else { return s }
    while let last = scalars.last, set.contains(last) { scalars.removeLast() }
    return String(scalars)
}

func trimBoth(_ s: String) -> String {
    var scalars = Substring(s).unicodeScalars
    while let last = scalars.last, last == " " || last == "\0" { scalars.removeLast() }
    while let first = scalars.first, first == " " { scalars.removeFirst() }
    return String(scalars)
}

extension String {
    func trimmingLeadingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " { scalars.removeFirst() }
        return String(scalars)
    }
}

/// ISO 8859-1: every byte is the code point of the same value.
func latin1(_ bytes: [UInt8]) -> String {
    if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
    var s = String.UnicodeScalarView()
    for b in bytes { s.append(UnicodeScalar(b)) }
    return String(s)
}

/// Binary numeric values (PS3.5 §6.2).
public enum NumericDecoding {
    @inline(__always) static func load<T: FixedWidthInteger>(_ p: UnsafeRawBufferPointer, _ at: Int, _: T.Type, _ bigEndian: Bool) -> T {
        let v = p.loadUnaligned(fromByteOffset: at, as: T.self)
        return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
    }

    /// Integers of US, SS, UL, SL, SV, UV, OW, OL, OV, AT (as UInt16 pairs); nil if the length is
    /// not a multiple of the value size.
    public static func integers(_ bytes: [UInt8], vr: VR, bigEndian: Bool) -> [Int]? {
        guard let size = vr.numericSize, bytes.count % size == 0 else { return nil }
        let n = bytes.count / size
        return bytes.withUnsafeBytes { p -> [Int] in
            var out = [Int]()
            out.reserveCapacity(n)
            for i in 0..<n {
                let at = i * size
                switch vr {
                case .US, .OW: out.append(Int(load(p, at, UInt16.self, bigEndian)))
                case .SS: out.append(Int(load(p, at, Int16.self, bigEndian)))
                case .UL, .OL: out.append(Int(load(p, at, UInt32.self, bigEndian)))
                case .SL: out.append(Int(load(p, at, Int32.self, bigEndian)))
                case .SV: out.append(Int(load(p, at, Int64.self, bigEndian)))
                case .UV, .OV: out.append(Int(truncatingIfNeeded: load(p, at, UInt64.self, bigEndian)))
                default: break
                }
            }
            return out
        }
    }

    /// Unsigned 64-bit values (UV, OV) without truncation.
    public static func unsigned64(_ bytes: [UInt8], bigEndian: Bool) -> [UInt64]? {
        guard bytes.count % 8 == 0 else { return nil }
        return bytes.withUnsafeBytes { p in (0..<bytes.count / 8).map { load(p, $0 * 8, UInt64.self, bigEndian) } }
    }

    public static func floats(_ bytes: [UInt8], vr: VR, bigEndian: Bool) -> [Double]? {
        let size = (vr == .FL || vr == .OF) ? 4 : 8
        guard bytes.count % size == 0 else { return nil }
        return bytes.withUnsafeBytes { p in
            (0..<bytes.count / size).map { i -> Double in
                if size == 4 {
                    return Double(Float(bitPattern: load(p, i * 4, UInt32.self, bigEndian)))
                }
                return Double(bitPattern: load(p, i * 8, UInt64.self, bigEndian))
            }
        }
    }

    /// AT values: pairs of 16-bit group and element numbers.
    public static func tags(_ bytes: [UInt8], bigEndian: Bool) -> [Tag]? {
        guard bytes.count % 4 == 0 else { return nil }
        return bytes.withUnsafeBytes { p in
            (0..<bytes.count / 4).map {
                Tag(load(p, $0 * 4, UInt16.self, bigEndian), load(p, $0 * 4 + 2, UInt16.self, bigEndian))
            }
        }
    }
}
