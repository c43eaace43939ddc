/// One decoded frame, laid out exactly as pydicom 3's `Dataset.pixel_array` gives one frame:
/// integers of `sampleType`, sign-extended and masked to Bits Stored, little-endian, colour
/// samples interleaved (rows × columns × samples), YBR_FULL / YBR_FULL_422 converted to RGB
/// (pydicom's default `as_rgb=True`), JPEG 2000 YBR_RCT / YBR_ICT returned as RGB. PALETTE COLOR
/// frames hold the stored indices (the LUT is a display step, in `Imaging`).
public struct DecodedFrame: Sendable, Equatable {
    /// Integer type of each sample, named as numpy dtypes are.
    public enum SampleType: String, Sendable, Equatable, CaseIterable {
        case uint8 = "u1", int8 = "i1", uint16 = "u2", int16 = "i2", uint32 = "u4", int32 = "i4"

        /// Bytes per sample.
        public var byteWidth: Int {
            switch self {
            case .uint8, .int8: return 1
            case .uint16, .int16: return 2
            case .uint32, .int32: return 4
            }
        }

        /// Whether samples are two's complement.
        public var isSigned: Bool { self == .int8 || self == .int16 || self == .int32 }

        /// The type for a container of `bytes` bytes and the given Pixel Representation.
        static func forContainer(bytes: Int, signed: Bool) -> SampleType {
            switch (bytes, signed) {
            case (1, false): return .uint8
            case (1, true): return .int8
            case (2, false): return .uint16
            case (2, true): return .int16
            case (_, false): return .uint32
            case (_, true): return .int32
            }
        }
    }

    public let rows: Int
    public let columns: Int
    /// 1 or 3.
    public let samplesPerPixel: Int
    public let sampleType: SampleType
    /// The photometric interpretation of `bytes` after decoding ("RGB" after a YBR conversion).
    public let photometricInterpretation: String
    /// rows × columns × samplesPerPixel samples of `sampleType.byteWidth` bytes, little-endian.
    public let bytes: [UInt8]

    public init(
        rows: Int, columns: Int, samplesPerPixel: Int, sampleType: SampleType,
        photometricInterpretation: String, bytes: [UInt8]
    ) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.sampleType = sampleType
        self.photometricInterpretation = photometricInterpretation
        self.bytes = bytes
    }

    /// Packs sample values (already masked / sign-extended; for `uint32` the bit pattern) into
    /// a little-endian frame.
    init(
        rows: Int, columns: Int, samplesPerPixel: Int, sampleType: SampleType,
        photometricInterpretation: String, values: [Int32]
    ) {
        let width = sampleType.byteWidth
        let bytes = [UInt8](unsafeUninitializedCapacity: values.count * width) { out, count in
            values.withUnsafeBufferPointer { v in
                switch width {
                case 1:
                    for i in 0..<v.count { out[i] = UInt8(truncatingIfNeeded: v[i]) }
                case 2:
                    for i in 0..<v.count {
                        let x = UInt16(truncatingIfNeeded: v[i])
                        out[2 * i] = UInt8(truncatingIfNeeded: x)
                        out[2 * i + 1] = UInt8(truncatingIfNeeded: x >> 8)
                    }
                default:
                    for i in 0..<v.count {
                        let x = UInt32(bitPattern: v[i])
                        out[4 * i] = UInt8(truncatingIfNeeded: x)
                        out[4 * i + 1] = UInt8(truncatingIfNeeded: x >> 8)
                        out[4 * i + 2] = UInt8(truncatingIfNeeded: x >> 16)
                        out[4 * i + 3] = UInt8(truncatingIfNeeded: x >> 24)
                    }
                }
            }
            count = values.count * width
        }
        self.init(
            rows: rows, columns: columns, samplesPerPixel: samplesPerPixel, sampleType: sampleType,
            photometricInterpretation: photometricInterpretation, bytes: bytes)
    }

    /// Number of samples (rows × columns × samplesPerPixel).
    public var sampleCount: Int { rows * columns * samplesPerPixel }

    /// Sample `index` (row-major, samples interleaved) as a signed 64-bit value.
    public func value(at index: Int) -> Int64 {
        let w = sampleType.byteWidth
        let o = index * w
        switch sampleType {
        case .uint8: return Int64(bytes[o])
        case .int8: return Int64(Int8(bitPattern: bytes[o]))
        case .uint16: return Int64(UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8)
        case .int16: return Int64(Int16(bitPattern: UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8))
        case .uint32, .int32:
            let u = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16
                | UInt32(bytes[o + 3]) << 24
            return sampleType == .uint32 ? Int64(u) : Int64(Int32(bitPattern: u))
        }
    }

    /// All samples as signed 64-bit values (for tests, statistics and display pipelines).
    public var values: [Int64] { (0..<sampleCount).map { value(at: $0) } }
}
