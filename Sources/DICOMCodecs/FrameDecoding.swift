import DICOMCore

/// Decodes one frame of Pixel Data.
///
/// - For native syntaxes `bytes` is the *whole* Pixel Data value (all frames, as stored, without
///   byte swapping) and `frameIndex` selects the frame: 1-bit frames need not start on a byte
///   boundary (frame k starts at bit k × Rows × Columns × Samples, PS3.5 8.1.1), and the value may
///   carry a trailing pad byte.
/// - For encapsulated syntaxes `bytes` is the frame's codestream (its fragments concatenated) and
///   `frameIndex` only labels errors.
/// - `bigEndian` overrides the byte order of native data (nil: from the transfer syntax).
/// - `pixelDataVR` is the VR Pixel Data was read with: in Explicit VR Big Endian, 8-bit samples
///   in an OW value were written as byte-swapped 16-bit words and are swapped back (as pydicom
///   does); OB values and 1-bit data are used as stored.
public func decodeFrame(
    _ bytes: UnsafeRawBufferPointer, frameIndex: Int, transferSyntaxUID: String,
    description: PixelDescription, bigEndian: Bool? = nil, pixelDataVR: VR = .OW,
    registry: CodecRegistry = .standard
) throws(CodecError) -> DecodedFrame {
    let codec = try registry.require(transferSyntaxUID, frameIndex: frameIndex)
    let context = DecodeContext(uid: codec.uid, frameIndex: frameIndex, description: description)
    if let reason = description.validationFailure() { throw context.error(.invalidDescription(reason)) }
    if codec.isEncapsulated, frameIndex < 0 {
        throw context.error(.frameIndexOutOfRange(frames: description.numberOfFrames))
    }
    switch codec.method {
    case .nativeLittleEndian, .nativeBigEndian:
        let big = bigEndian ?? (codec.method == .nativeBigEndian)
        return try NativeDecoder.decode(bytes, bigEndian: big, swapOW8: big && pixelDataVR == .OW, context: context)
    case .rle:
        return try RLEDecoder.decode(bytes, context: context)
    case .jpegDCT:
        return try JPEGDCTDecoder.decode(bytes, context: context)
    case .jpegLossless:
        return try JPEGLosslessDecoder.decode(bytes, context: context)
    case .jpegLS:
        return try JPEGLSDecoder.decode(bytes, context: context)
    case .jpeg2000:
        return try JPEG2000Decoder.decode(bytes, context: context)
    }
}

/// Convenience overload for any byte collection (copied to contiguous storage when needed).
public func decodeFrame<Bytes: Collection<UInt8>>(
    _ bytes: Bytes, frameIndex: Int, transferSyntaxUID: String, description: PixelDescription,
    bigEndian: Bool? = nil, pixelDataVR: VR = .OW, registry: CodecRegistry = .standard
) throws(CodecError) -> DecodedFrame {
    let result: Result<DecodedFrame, CodecError>? = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(CodecError) -> DecodedFrame in
            try decodeFrame(
                UnsafeRawBufferPointer(buffer), frameIndex: frameIndex, transferSyntaxUID: transferSyntaxUID,
                description: description, bigEndian: bigEndian, pixelDataVR: pixelDataVR, registry: registry)
        }
    }
    if let result { return try result.get() }
    let array = Array(bytes)
    let copied: Result<DecodedFrame, CodecError> = array.withUnsafeBytes { raw in
        Result { () throws(CodecError) -> DecodedFrame in
            try decodeFrame(
                raw, frameIndex: frameIndex, transferSyntaxUID: transferSyntaxUID, description: description,
                bigEndian: bigEndian, pixelDataVR: pixelDataVR, registry: registry)
        }
    }
    return try copied.get()
}

/// What every decoder needs to label errors and shape its output.
struct DecodeContext: Sendable {
    let uid: String
    let frameIndex: Int
    let description: PixelDescription

    func error(_ kind: CodecError.Kind) -> CodecError {
        CodecError(kind, transferSyntaxUID: uid, frameIndex: frameIndex)
    }

    var photometric: String { description.photometric }
    var signed: Bool { description.pixelRepresentation == 1 }

    /// pydicom's default `as_rgb=True`: YBR_FULL and YBR_FULL_422 are returned as RGB.
    var convertsYBRToRGB: Bool {
        description.samplesPerPixel == 3 && (photometric == "YBR_FULL" || photometric == "YBR_FULL_422")
    }

    /// The photometric interpretation of the output.
    var outputPhotometric: String {
        if convertsYBRToRGB || photometric == "YBR_RCT" || photometric == "YBR_ICT" { return "RGB" }
        return photometric
    }

    /// Builds the output frame from interleaved values, converting YBR to RGB where pydicom does.
    func frame(values: [Int32], sampleType: DecodedFrame.SampleType, convertYBR: Bool = true) -> DecodedFrame {
        var values = values
        if convertYBR && convertsYBRToRGB {
            ColorSpace.convertYBRFullToRGB(&values, sampleType: sampleType)
        }
        return DecodedFrame(
            rows: description.rows, columns: description.columns, samplesPerPixel: description.samplesPerPixel,
            sampleType: sampleType, photometricInterpretation: outputPhotometric, values: values)
    }
}

/// Stored value → pixel value (PS3.5 8.1.1, PS3.3 C.7.6.3.1): the Bits Stored bits ending at
/// High Bit are the value, the other bits are ignored; two's complement values are sign-extended.
///
/// pydicom 3 ignores High Bit (it keeps the low Bits Stored bits, `_correct_unused_bits`); for
/// the usual High Bit = Bits Stored − 1 both agree. For other High Bits this follows the standard.
struct SampleNormalizer: Sendable {
    let shift: UInt32
    let mask: UInt32
    let signBit: UInt32
    let signed: Bool

    init(bitsStored: Int, highBit: Int, signed: Bool) {
        shift = UInt32(max(0, highBit + 1 - bitsStored))
        mask = bitsStored >= 32 ? UInt32.max : (UInt32(1) << UInt32(bitsStored)) - 1
        signBit = UInt32(1) << UInt32(max(0, bitsStored - 1))
        self.signed = signed
    }

    init(_ d: PixelDescription) {
        self.init(bitsStored: d.bitsStored, highBit: d.highBit, signed: d.pixelRepresentation == 1)
    }

    @inline(__always)
    func callAsFunction(_ raw: UInt32) -> Int32 {
        let v = (raw >> shift) & mask
        if signed && (v & signBit) != 0 {
            return Int32(bitPattern: v | ~mask)
        }
        return Int32(bitPattern: v)
    }
}
