/// The Image Pixel Module attributes a frame decoder needs (PS3.3 C.7.6.3).
public struct PixelDescription: Sendable, Equatable, Hashable {
    /// (0028,0010) Rows.
    public var rows: Int
    /// (0028,0011) Columns.
    public var columns: Int
    /// (0028,0002) Samples per Pixel: 1 or 3.
    public var samplesPerPixel: Int
    /// (0028,0100) Bits Allocated: 1, 8, 16 or 32.
    public var bitsAllocated: Int
    /// (0028,0101) Bits Stored.
    public var bitsStored: Int
    /// (0028,0102) High Bit.
    public var highBit: Int
    /// (0028,0103) Pixel Representation: 0 unsigned, 1 two's complement.
    public var pixelRepresentation: Int
    /// (0028,0004) Photometric Interpretation, e.g. "MONOCHROME2", "YBR_FULL_422".
    public var photometricInterpretation: String
    /// (0028,0006) Planar Configuration: 0 colour-by-pixel, 1 colour-by-plane.
    public var planarConfiguration: Int
    /// (0028,0008) Number of Frames (1 when absent).
    public var numberOfFrames: Int

    public init(
        rows: Int, columns: Int, samplesPerPixel: Int = 1, bitsAllocated: Int, bitsStored: Int,
        highBit: Int? = nil, pixelRepresentation: Int = 0, photometricInterpretation: String = "MONOCHROME2",
        planarConfiguration: Int = 0, numberOfFrames: Int = 1
    ) {
        self.rows = rows
        self.columns = columns
        self.samplesPerPixel = samplesPerPixel
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.highBit = highBit ?? (bitsStored - 1)
        self.pixelRepresentation = pixelRepresentation
        self.photometricInterpretation = photometricInterpretation
        self.planarConfiguration = planarConfiguration
        self.numberOfFrames = numberOfFrames
    }

    /// Largest frame we agree to allocate: 2^28 samples (a 16384 × 16384 RGB frame is 2^29.6,
    /// whole-slide tiles are far smaller). Guards every decoder against absurd dimensions.
    public static let maximumSamplesPerFrame = 1 << 28

    /// Pixels per frame.
    public var pixelsPerFrame: Int { rows * columns }

    /// Samples per frame (pixels × samples per pixel).
    public var samplesPerFrame: Int { rows * columns * samplesPerPixel }

    /// Photometric Interpretation without padding.
    var photometric: String {
        var s = Substring(photometricInterpretation)
        while let last = s.last, last == " " || last == "\0" { s = s.dropLast() }
        while let first = s.first, first == " " { s = s.dropFirst() }
        return String(s)
    }

    /// Checks the values that every decoder relies on; returns a reason when invalid.
    func validationFailure() -> String? {
        if rows < 1 || columns < 1 { return "Rows \(rows) × Columns \(columns)" }
        if rows > 65535 || columns > 65535 { return "Rows \(rows) × Columns \(columns) exceed 65535" }
        if samplesPerPixel != 1 && samplesPerPixel != 3 { return "Samples per Pixel \(samplesPerPixel)" }
        if ![1, 8, 16, 32].contains(bitsAllocated) { return "Bits Allocated \(bitsAllocated)" }
        if bitsStored < 1 || bitsStored > bitsAllocated {
            return "Bits Stored \(bitsStored) with Bits Allocated \(bitsAllocated)"
        }
        if highBit < bitsStored - 1 || highBit >= bitsAllocated {
            return "High Bit \(highBit) with Bits Stored \(bitsStored), Bits Allocated \(bitsAllocated)"
        }
        if pixelRepresentation != 0 && pixelRepresentation != 1 {
            return "Pixel Representation \(pixelRepresentation)"
        }
        if planarConfiguration != 0 && planarConfiguration != 1 {
            return "Planar Configuration \(planarConfiguration)"
        }
        if numberOfFrames < 1 { return "Number of Frames \(numberOfFrames)" }
        if rows * columns * samplesPerPixel > Self.maximumSamplesPerFrame {
            return "\(rows) × \(columns) × \(samplesPerPixel) samples exceed the per-frame limit"
        }
        return nil
    }
}
