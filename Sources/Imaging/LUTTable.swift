/// A lookup table as described by a LUT Descriptor and LUT Data (PS3.3 C.11.1.1.1 for the
/// Modality LUT, C.11.2.1.1 for the VOI LUT, C.7.6.3.1.5 for palette colour LUTs).
///
/// The descriptor's three values are: number of entries (0 means 65536), the first stored or
/// input value mapped, and the number of bits of each entry. Input values below
/// `firstMapped` map to the first entry, values above the last mapped one to the last entry
/// (PS3.3 C.11.1.1.1: "... shall be mapped to the first/last entry").
public struct LUTTable: Sendable, Equatable, Hashable {
    /// The input value mapped to `data[0]` (descriptor value 2; US or SS by pixel representation).
    public var firstMapped: Int
    /// Bits per entry (descriptor value 3), 8...16. Output values are in `0 ..< 1 << bits`.
    public var bits: Int
    /// The entries, already unpacked to one value each.
    public var data: [UInt16]

    /// - Throws: `ImagingError` when the table is empty or `bits` is outside 1...16.
    public init(firstMapped: Int, bits: Int, data: [UInt16]) throws(ImagingError) {
        guard !data.isEmpty, (1...16).contains(bits), data.count <= 65536 else {
            throw ImagingError(.invalidLUTDescriptor(
                entries: data.count, firstMapped: firstMapped, bits: bits, dataCount: data.count))
        }
        self.firstMapped = firstMapped
        self.bits = bits
        self.data = data
    }

    /// Builds a table from the raw descriptor (entries, first mapped, bits) and data.
    /// A descriptor entry count of 0 means 65536 (PS3.3 C.11.1.1.1).
    public init(descriptor: (entries: Int, firstMapped: Int, bits: Int), data: [UInt16]) throws(ImagingError) {
        let entries = descriptor.entries == 0 ? 65536 : descriptor.entries
        guard entries == data.count else {
            throw ImagingError(.invalidLUTDescriptor(
                entries: descriptor.entries, firstMapped: descriptor.firstMapped,
                bits: descriptor.bits, dataCount: data.count))
        }
        try self.init(firstMapped: descriptor.firstMapped, bits: descriptor.bits, data: data)
    }

    /// Largest value an entry may hold: 2^bits − 1.
    public var maxOutput: Int { (1 << bits) - 1 }

    /// The entry for `input`, clamped to the first / last entry outside the mapped range.
    @inlinable
    public func value(at input: Int) -> Int {
        let index = input - firstMapped
        if index <= 0 { return Int(data[0]) }
        if index >= data.count { return Int(data[data.count - 1]) }
        return Int(data[index])
    }
}
