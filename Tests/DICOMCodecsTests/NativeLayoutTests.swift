import DICOMCodecs
import Testing

/// Synthetic native frames with known values: bit layouts of PS3.5 8.1.1 and PS3.3 C.7.6.3.
@Suite("native pixel data layouts")
struct NativeLayoutTests {
    let explicitLE = "1.2.840.10008.1.2.1"
    let explicitBE = "1.2.840.10008.1.2.2"

    func decode(_ bytes: [UInt8], _ d: PixelDescription, frame: Int = 0, uid: String = "1.2.840.10008.1.2.1")
        throws(CodecError) -> DecodedFrame
    {
        try decodeFrame(bytes, frameIndex: frame, transferSyntaxUID: uid, description: d)
    }

    @Test("12 bits stored in 16, High Bit 11, signed: sign-extended, upper bits ignored")
    func signed12() throws {
        let d = PixelDescription(rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 1)
        // 0x0800 = −2048; 0xF7FF has garbage in the top nibble → 0x7FF = 2047; 0x0FFF = −1
        let frame = try decode([0x00, 0x08, 0xFF, 0xF7, 0xFF, 0x0F], d)
        #expect(frame.sampleType == .int16)
        #expect(frame.values == [-2048, 2047, -1])
    }

    @Test("12 bits stored in 16, unsigned: masked to Bits Stored")
    func unsigned12() throws {
        let d = PixelDescription(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 12, highBit: 11)
        let frame = try decode([0xFF, 0xFF, 0x34, 0x12], d)
        #expect(frame.sampleType == .uint16)
        #expect(frame.values == [0x0FFF, 0x0234])
    }

    @Test("High Bit above Bits Stored − 1: the value sits at bits [HighBit−BitsStored+1, HighBit] (PS3.5 8.1.1)")
    func highBitOffset() throws {
        // 8 bits stored, high bit 11: value = (raw >> 4) & 0xFF
        let d = PixelDescription(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 8, highBit: 11, pixelRepresentation: 1)
        let frame = try decode([0xF0, 0x07, 0x0F, 0xF8], d)  // 0x07F0 → 0x7F = 127; 0xF80F → 0x80 → −128
        #expect(frame.values == [127, -128])
    }

    @Test("8-bit signed and 32-bit unsigned/signed containers")
    func containers() throws {
        let d8 = PixelDescription(rows: 1, columns: 2, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 1)
        #expect(try decode([0x80, 0x7F], d8).values == [-128, 127])
        let d32 = PixelDescription(rows: 1, columns: 1, bitsAllocated: 32, bitsStored: 32)
        let f32 = try decode([0xFF, 0xFF, 0xFF, 0xFF], d32)
        #expect(f32.sampleType == .uint32)
        #expect(f32.values == [4_294_967_295])
        let s32 = PixelDescription(rows: 1, columns: 1, bitsAllocated: 32, bitsStored: 32, pixelRepresentation: 1)
        #expect(try decode([0xFE, 0xFF, 0xFF, 0xFF], s32).values == [-2])
    }

    @Test("big endian 16-bit samples are byte swapped")
    func bigEndian16() throws {
        let d = PixelDescription(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1)
        let frame = try decode([0x12, 0x34, 0xFF, 0xFE], d, uid: explicitBE)
        #expect(frame.values == [0x1234, -2])
        #expect(frame.bytes == [0x34, 0x12, 0xFE, 0xFF])
    }

    @Test("planar configuration 1 is returned colour-by-pixel")
    func planar() throws {
        let d = PixelDescription(
            rows: 1, columns: 2, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8,
            photometricInterpretation: "RGB", planarConfiguration: 1)
        #expect(try decode([1, 2, 10, 20, 100, 200], d).values == [1, 10, 100, 2, 20, 200])
    }

    @Test("1-bit frames: least significant bit first, frames packed across byte boundaries")
    func oneBit() throws {
        // 3 frames of 1×3 pixels: bits 0-2, 3-5, 6-8 of the stream.
        let d = PixelDescription(rows: 1, columns: 3, bitsAllocated: 1, bitsStored: 1, numberOfFrames: 3)
        let bytes: [UInt8] = [0b0110_1101, 0b0000_0001]  // bits: 1,0,1,1,0,1,1,0,1
        #expect(try decode(bytes, d, frame: 0).values == [1, 0, 1])
        #expect(try decode(bytes, d, frame: 1).values == [1, 0, 1])
        #expect(try decode(bytes, d, frame: 2).values == [1, 0, 1])
        let f = try decode(bytes, d, frame: 2)
        #expect(f.sampleType == .uint8)
    }

    @Test("odd-length frame with a trailing pad byte, second frame starting at an odd offset")
    func oddLength() throws {
        let d = PixelDescription(rows: 1, columns: 3, bitsAllocated: 8, bitsStored: 8, numberOfFrames: 2)
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 0]
        #expect(try decode(bytes, d, frame: 1).values == [4, 5, 6])
    }

    @Test("YBR_FULL_422 native: Y1 Y2 Cb Cr expanded and converted like pydicom")
    func ybr422() throws {
        let d = PixelDescription(
            rows: 1, columns: 2, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8,
            photometricInterpretation: "YBR_FULL_422")
        let frame = try decode([76, 150, 85, 255], d)  // Y1 Y2 Cb Cr
        #expect(frame.photometricInterpretation == "RGB")
        // Y 76, Cb 85, Cr 255: R = 76 + 1.402·127 = 254.05 → 254; G = 76 − 0.344·(−43) − 0.714·127 ≈ −0.06 → 0; B = 76 + 1.772·(−43) ≈ −0.2 → 0
        #expect(frame.values == [254, 0, 0, 255, 74, 74])
    }

    @Test("frame shorter than Rows × Columns × bytes is a typed error naming the frame")
    func tooShort() {
        let d = PixelDescription(rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 16, numberOfFrames: 2)
        #expect {
            try decode([UInt8](repeating: 0, count: 40), d, frame: 1)
        } throws: { error in
            let e = error as? CodecError
            return e?.isCorruptData == true && e?.frameIndex == 1
                && e?.description == "Explicit VR Little Endian frame 2 (1.2.840.10008.1.2.1): frame needs 32 bytes but only 8 are present"
        }
    }

    @Test("absurd dimensions and impossible bit depths are rejected before allocating")
    func absurd() {
        let huge = PixelDescription(rows: 65535, columns: 65535, samplesPerPixel: 3, bitsAllocated: 16, bitsStored: 16)
        #expect(throws: CodecError.self) { try decode([0, 0], huge) }
        let bad = PixelDescription(rows: 2, columns: 2, bitsAllocated: 12, bitsStored: 12)
        #expect(throws: CodecError.self) { try decode([UInt8](repeating: 0, count: 8), bad) }
        let highBit = PixelDescription(rows: 1, columns: 1, bitsAllocated: 16, bitsStored: 12, highBit: 16)
        #expect(throws: CodecError.self) { try decode([0, 0], highBit) }
    }

    @Test("unknown and known-unsupported transfer syntaxes are typed errors naming the UID")
    func unsupportedSyntax() {
        let d = PixelDescription(rows: 1, columns: 1, bitsAllocated: 8, bitsStored: 8)
        #expect {
            try decode([0], d, uid: "1.2.840.10008.1.2.4.100")
        } throws: { error in
            let e = error as? CodecError
            return e?.isUnsupportedTransferSyntax == true
                && e?.description == "MPEG2 Main Profile / Main Level frame 1 (1.2.840.10008.1.2.4.100): no pixel data decoder for this transfer syntax"
        }
        #expect {
            try decode([0], d, uid: "1.2.3.4")
        } throws: { error in
            (error as? CodecError)?.description == "1.2.3.4 frame 1 (1.2.3.4): no pixel data decoder for this transfer syntax"
        }
    }
}

@Suite("frame indexing and registry")
struct FrameIndexTests {
    @Test("native frame index outside Number of Frames is a typed error")
    func outOfRange() {
        let d = PixelDescription(rows: 1, columns: 2, bitsAllocated: 8, bitsStored: 8, numberOfFrames: 2)
        #expect {
            try decodeFrame([UInt8](repeating: 0, count: 4), frameIndex: 2, transferSyntaxUID: "1.2.840.10008.1.2", description: d)
        } throws: { error in
            (error as? CodecError)?.description
                == "Implicit VR Little Endian frame 3 (1.2.840.10008.1.2): frame index out of range, Number of Frames is 2"
        }
        #expect(throws: CodecError.self) {
            try decodeFrame([UInt8](repeating: 0, count: 4), frameIndex: -1, transferSyntaxUID: "1.2.840.10008.1.2", description: d)
        }
    }

    @Test("multi-frame native: frame k starts at k × frame length")
    func secondFrame() throws {
        let d = PixelDescription(rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 16, numberOfFrames: 3)
        let bytes: [UInt8] = [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0]
        let f = try decodeFrame(bytes, frameIndex: 2, transferSyntaxUID: "1.2.840.10008.1.2.1", description: d)
        #expect(f.values == [5, 6])
    }

    @Test("registry: every decoded syntax has a method, encapsulation follows the method, padding ignored")
    func registry() throws {
        let r = CodecRegistry.standard
        #expect(r.codecs.count == 16)
        #expect(try r.require("1.2.840.10008.1.2.4.80\0").method == .jpegLS)
        #expect(r.codec(for: "1.2.840.10008.1.2.2")?.isEncapsulated == false)
        #expect(r.codec(for: "1.2.840.10008.1.2.4.201")?.method == .jpeg2000)
        #expect(r.codec(for: "1.2.840.10008.1.2.4.50")?.isLossy == true)
        #expect(r.codec(for: "1.2.840.10008.1.2.4.100") == nil)
    }

    @Test("RLE: PackBits literal, replicate and no-op runs; short segment is an error")
    func rle() throws {
        let d = PixelDescription(rows: 1, columns: 6, bitsAllocated: 8, bitsStored: 8)
        var frame = [UInt8](repeating: 0, count: 64)
        frame[0] = 1
        frame[4] = 64
        frame += [0x01, 7, 8, 0x80, 0xFD, 9]  // literal 2, no-op, replicate 4
        let f = try decodeFrame(frame, frameIndex: 0, transferSyntaxUID: "1.2.840.10008.1.2.5", description: d)
        #expect(f.values == [7, 8, 9, 9, 9, 9])
        let short = Array(frame.dropLast(2))
        #expect {
            try decodeFrame(short, frameIndex: 0, transferSyntaxUID: "1.2.840.10008.1.2.5", description: d)
        } throws: { error in
            (error as? CodecError)?.description == "RLE Lossless frame 1 (1.2.840.10008.1.2.5): RLE segment 1 decodes to 2 bytes, expected 6"
        }
    }
}
