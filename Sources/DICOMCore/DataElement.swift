/// A value that stays in its source until asked for: pixel data and other large binary values
/// (PS3.18 calls these bulk data).
public struct BulkDataReference: Sendable {
    public let source: ByteSource
    /// Absolute byte offset of the value in `source`.
    public let offset: Int
    public let length: Int

    public init(source: ByteSource, offset: Int, length: Int) {
        precondition(offset >= 0 && length >= 0 && offset + length <= source.count, "bulk range outside source")
        self.source = source
        self.offset = offset
        self.length = length
    }

    /// Read the value (one copy).
    public func bytes() -> [UInt8] { source.bytes(in: offset..<offset + length) }
}

/// Encapsulated pixel data (PS3.5 §A.4): an item holding the Basic Offset Table, then one
/// item per fragment, then a sequence delimiter. Fragment bytes stay in the source.
public struct EncapsulatedPixelData: Sendable {
    public let source: ByteSource
    /// Offset of the first item tag, i.e. of the element's value.
    public let valueOffset: Int
    /// Length of the value up to, not including, the sequence delimitation item.
    public let valueLength: Int
    /// Basic Offset Table entries (empty if the first item is empty).
    public let basicOffsetTable: [UInt32]
    /// Absolute byte ranges of the fragments' data (item headers excluded).
    public let fragments: [Range<Int>]
    /// Offsets of each fragment's item tag relative to the first fragment item, the frame of
    /// reference of the Basic and Extended Offset Tables (PS3.5 A.4).
    public let fragmentItemOffsets: [Int]

    public init(source: ByteSource, valueOffset: Int, valueLength: Int, basicOffsetTable: [UInt32],
                fragments: [Range<Int>], fragmentItemOffsets: [Int]) {
        self.source = source
        self.valueOffset = valueOffset
        self.valueLength = valueLength
        self.basicOffsetTable = basicOffsetTable
        self.fragments = fragments
        self.fragmentItemOffsets = fragmentItemOffsets
    }

    /// The value as stored (items with their headers, without the sequence delimiter), as
    /// pydicom holds it and PS3.18 InlineBinary encodes it.
    public func valueBytes() -> [UInt8] { source.bytes(in: valueOffset..<valueOffset + valueLength) }

    public func fragmentBytes(_ index: Int) -> [UInt8] { source.bytes(in: fragments[index]) }
}

/// The value of a data element as read.
public enum ElementValue: Sendable {
    /// Raw value bytes in the data set's byte order, padding included.
    case bytes([UInt8])
    /// A large binary value left in its source (bulk data, PS3.18).
    case bulk(BulkDataReference)
    /// A small value read from a file, left in the mapped source rather than copied: reading a
    /// header allocates nothing per element. Same meaning as `.bytes`.
    case inSource(BulkDataReference)
    /// A sequence of items (PS3.5 §7.5).
    case sequence([DataSet])
    /// Encapsulated pixel data (PS3.5 §A.4). Boxed: it is large and rare, and keeping it out
    /// of line keeps every other element small.
    indirect case encapsulated(EncapsulatedPixelData)
}

/// One data element: tag, VR and value (PS3.5 §7.1).
public struct DataElement: Sendable {
    public var tag: Tag
    public var vr: VR
    public var value: ElementValue
    /// The element was encoded with undefined length (sequences, encapsulated pixel data).
    public var hasUndefinedLength: Bool
    /// Byte offset of the element's tag in its source; nil for elements built in memory.
    public var offset: Int?

    public init(tag: Tag, vr: VR, value: ElementValue, hasUndefinedLength: Bool = false, offset: Int? = nil) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.hasUndefinedLength = hasUndefinedLength
        self.offset = offset
    }

    public init(tag: Tag, vr: VR, bytes: [UInt8]) {
        self.init(tag: tag, vr: vr, value: .bytes(bytes))
    }

    /// Length of the value in bytes as stored (for sequences and encapsulated data: as
    /// encoded, or nil when it was undefined and is not known).
    public var valueLength: Int? {
        switch value {
        case .bytes(let b): return b.count
        case .bulk(let r), .inSource(let r): return r.length
        case .sequence: return nil
        case .encapsulated(let e): return e.valueLength
        }
    }

    /// The value's bytes, reading bulk data from its source if needed; nil for sequences.
    public func valueBytes() -> [UInt8]? {
        switch value {
        case .bytes(let b): return b
        case .bulk(let r), .inSource(let r): return r.bytes()
        case .sequence: return nil
        case .encapsulated(let e): return e.valueBytes()
        }
    }

    public var items: [DataSet]? {
        if case .sequence(let items) = value { return items }
        return nil
    }
}
