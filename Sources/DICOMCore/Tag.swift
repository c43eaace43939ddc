/// A DICOM attribute tag: group and element number (PS3.5 §7.1).
///
/// Stored as one `UInt32` (`group << 16 | element`) so that tags sort in the order
/// PS3.5 §7.1 requires for a data set.
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(_ group: UInt16, _ element: UInt16) {
        self.rawValue = UInt32(group) << 16 | UInt32(element)
    }

    @inlinable public var group: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    @inlinable public var element: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// Odd groups other than 0001, 0003, 0005, 0007 and FFFF are private (PS3.5 §7.8.1).
    @inlinable public var isPrivate: Bool {
        group & 1 == 1 && group > 0x0007 && group != 0xFFFF
    }

    /// A Private Creator Data Element, (gggg,0010)-(gggg,00FF) in a private group (PS3.5 §7.8.1).
    @inlinable public var isPrivateCreator: Bool {
        isPrivate && element >= 0x0010 && element <= 0x00FF
    }

    /// For a private data element (gggg,xxee) with xx ≥ 0x10, the creator tag (gggg,00xx) that reserves it.
    @inlinable public var privateCreatorTag: Tag? {
        guard isPrivate, element >= 0x1000 else { return nil }
        return Tag(group, element >> 8)
    }

    /// Group length elements (gggg,0000).
    @inlinable public var isGroupLength: Bool { element == 0 }

    @inlinable public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `(gggg,eeee)` in upper-case hex, as dcmdump and the standard print it.
    public var description: String { "(\(hex4(group)),\(hex4(element)))" }

    /// `GGGGEEEE`, the form of the PS3.18 JSON model's object keys.
    public var jsonKey: String { hex4(group) + hex4(element) }

    // Delimitation tags (PS3.5 §7.5).
    public static let item = Tag(0xFFFE, 0xE000)
    public static let itemDelimitationItem = Tag(0xFFFE, 0xE00D)
    public static let sequenceDelimitationItem = Tag(0xFFFE, 0xE0DD)

    // Tags the reader itself needs.
    public static let fileMetaInformationGroupLength = Tag(0x0002, 0x0000)
    public static let fileMetaInformationVersion = Tag(0x0002, 0x0001)
    public static let mediaStorageSOPClassUID = Tag(0x0002, 0x0002)
    public static let mediaStorageSOPInstanceUID = Tag(0x0002, 0x0003)
    public static let transferSyntaxUID = Tag(0x0002, 0x0010)
    public static let implementationClassUID = Tag(0x0002, 0x0012)
    public static let implementationVersionName = Tag(0x0002, 0x0013)
    public static let specificCharacterSet = Tag(0x0008, 0x0005)
    public static let sopClassUID = Tag(0x0008, 0x0016)
    public static let sopInstanceUID = Tag(0x0008, 0x0018)
    public static let pixelData = Tag(0x7FE0, 0x0010)
    public static let floatPixelData = Tag(0x7FE0, 0x0008)
    public static let doubleFloatPixelData = Tag(0x7FE0, 0x0009)
    public static let extendedOffsetTable = Tag(0x7FE0, 0x0001)
    public static let extendedOffsetTableLengths = Tag(0x7FE0, 0x0002)
}

@usableFromInline
func hex4(_ v: UInt16) -> String {
    let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
    var out = [UInt8](repeating: 0, count: 4)
    var x = v
    for i in stride(from: 3, through: 0, by: -1) {
        out[i] = digits[Int(x & 0xF)]
        x >>= 4
    }
    return String(decoding: out, as: UTF8.self)
}
