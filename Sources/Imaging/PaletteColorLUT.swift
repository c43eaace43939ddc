/// PALETTE COLOR display: stored values index three LUTs (PS3.3 C.7.6.3.1.5, Red/Green/Blue
/// Palette Color Lookup Table Descriptor and Data; C.7.6.3.1.6 for their segmented form).
///
/// Each table maps stored values `firstMapped …` to entries of `bits` (8 or 16) bits; values
/// outside clamp to the first/last entry. Entries are scaled to 8 bits by
/// `round(v · 255 / (2^bits − 1))` (exact for 8-bit entries, `v / 257` for 16-bit).
public struct PaletteColorLUT: Sendable, Equatable {
    public var red: LUTTable
    public var green: LUTTable
    public var blue: LUTTable
    /// Compiled 8-bit RGB per stored value of `storedRange` (interleaved r, g, b).
    @usableFromInline let rgb: [UInt8]
    public let storedRange: ClosedRange<Int>

    /// - Parameters:
    ///   - bitsStored: Bits Stored of the indices (8 or 16 in practice), 1...16.
    /// - Throws: `ImagingError` for an unsupported Bits Stored.
    public init(red: LUTTable, green: LUTTable, blue: LUTTable, bitsStored: Int, isSigned: Bool = false) throws(ImagingError) {
        guard (1...16).contains(bitsStored) else { throw ImagingError(.unsupportedBitsStored(bitsStored)) }
        self.red = red
        self.green = green
        self.blue = blue
        let range = isSigned
            ? (-(1 << (bitsStored - 1)))...((1 << (bitsStored - 1)) - 1)
            : 0...((1 << bitsStored) - 1)
        storedRange = range
        var rgb = [UInt8](repeating: 0, count: range.count * 3)
        for (i, s) in range.enumerated() {
            rgb[3 * i] = Self.to8Bit(red.value(at: s), bits: red.bits)
            rgb[3 * i + 1] = Self.to8Bit(green.value(at: s), bits: green.bits)
            rgb[3 * i + 2] = Self.to8Bit(blue.value(at: s), bits: blue.bits)
        }
        self.rgb = rgb
    }

    /// Round half up of `v · 255 / (2^bits − 1)`, in integers.
    static func to8Bit(_ v: Int, bits: Int) -> UInt8 {
        let maxValue = (1 << bits) - 1
        let clamped = Swift.min(Swift.max(v, 0), maxValue)
        return UInt8((clamped * 255 * 2 + maxValue) / (2 * maxValue))
    }

    /// The 8-bit colour of one stored value.
    public func color(of stored: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = Swift.min(Swift.max(stored, storedRange.lowerBound), storedRange.upperBound) - storedRange.lowerBound
        return (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])
    }

    /// Interleaved RGB for a frame of stored indices.
    @inlinable
    public func apply<T: StoredSample>(_ values: [T]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 3)
        let lo = storedRange.lowerBound, hi = storedRange.upperBound
        rgb.withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, v) in values.enumerated() {
                    let i = (Swift.min(Swift.max(Int(v), lo), hi) - lo) * 3
                    dst[3 * k] = table[i]
                    dst[3 * k + 1] = table[i + 1]
                    dst[3 * k + 2] = table[i + 2]
                }
            }
        }
        return out
    }

    /// An RGB `DisplayImage` of a `width × height` frame of indices.
    public func render<T: StoredSample>(_ values: [T], width: Int, height: Int) -> DisplayImage {
        DisplayImage(width: width, height: height, channels: 3, pixels: apply(values))
    }
}
