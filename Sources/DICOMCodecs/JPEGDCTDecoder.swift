import CJPEG

/// JPEG DCT-based processes (ISO/IEC 10918-1; PS3.5 A.4.1, 8.2.1) through libjpeg-turbo.
///
/// libjpeg-turbo 2.1 as shipped by Debian is built for 8-bit samples only, so 12-bit JPEG
/// Extended frames go to `JPEG12BitDecoder` (Swift, IJG-exact IDCT).
///
/// Colour (PS3.5 8.2.1): libjpeg delivers the components as coded (chroma upsampled by libjpeg,
/// no colour transform); YBR_FULL_422 / YBR_FULL are then converted to RGB with pydicom's
/// Float32 formula (`ColorSpace`), RGB is returned as is. This matches pydicom 3.0.2 (whose
/// GDCM plugin also returns YCbCr and converts afterwards) bit for bit on every test file;
/// letting libjpeg convert with its integer tables instead differs by ±1 on ~0.01% of samples
/// (US1_UNCR baseline: 103 of 921600).
enum JPEGDCTDecoder {
    static func decode(_ data: UnsafeRawBufferPointer, context: DecodeContext) throws(CodecError) -> DecodedFrame {
        let d = context.description
        guard let base = data.baseAddress, data.count > 4 else {
            throw context.error(.corruptCodestream("JPEG codestream is empty (\(data.count) bytes)"))
        }
        let frameHeader: JPEGFrameHeader
        do { frameHeader = try JPEGFrameHeader.scan(data) } catch { throw context.error(.corruptCodestream(error.message)) }
        if frameHeader.precision == 12 {
            return try decode12Bit(data, context: context)
        }
        guard frameHeader.precision == 8 else {
            throw context.error(.unsupportedFeature("\(frameHeader.precision)-bit JPEG DCT samples"))
        }
        guard frameHeader.isDCT else {
            throw context.error(.unsupportedFeature(String(format0x: frameHeader.marker) + " is not a DCT frame"))
        }
        guard frameHeader.width == d.columns, frameHeader.height == d.rows,
            frameHeader.components == d.samplesPerPixel
        else {
            throw context.error(.descriptionMismatch(
                "codestream is \(frameHeader.width)×\(frameHeader.height) with \(frameHeader.components) components, "
                    + "description \(d.columns)×\(d.rows) with \(d.samplesPerPixel)"))
        }
        guard d.bitsAllocated == 8 else {
            throw context.error(.descriptionMismatch("8-bit JPEG samples with Bits Allocated \(d.bitsAllocated)"))
        }
        let transform: Int32 = 0
        let count = d.rows * d.columns * d.samplesPerPixel
        var info = sixray_jpeg_info()
        var message = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
        var out = [UInt8](repeating: 0, count: count)
        let status = out.withUnsafeMutableBufferPointer { o in
            sixray_jpeg_decode(
                base.assumingMemoryBound(to: UInt8.self), data.count, &info, transform, Int32(d.columns),
                Int32(d.rows), Int32(d.samplesPerPixel), o.baseAddress, o.count, &message)
        }
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case 0: break
        case 2: throw context.error(.descriptionMismatch(text))
        case 3: throw context.error(.corruptCodestream("codestream truncated (\(data.count) bytes): \(text)"))
        default: throw context.error(.corruptCodestream("libjpeg: \(text)"))
        }
        let normalize = SampleNormalizer(bitsStored: d.bitsStored, highBit: d.bitsStored - 1, signed: context.signed)
        let values = out.map { normalize(UInt32($0)) }
        let type = DecodedFrame.SampleType.forContainer(bytes: 1, signed: context.signed)
        return context.frame(values: values, sampleType: type)
    }
}

extension JPEGDCTDecoder {
    static func decode12Bit(_ data: UnsafeRawBufferPointer, context: DecodeContext) throws(CodecError) -> DecodedFrame {
        let d = context.description
        guard d.bitsAllocated == 16 else {
            throw context.error(.descriptionMismatch("12-bit JPEG samples with Bits Allocated \(d.bitsAllocated)"))
        }
        var decoder = JPEG12BitDecoder(
            data: data, expectedWidth: d.columns, expectedHeight: d.rows, expectedComponents: d.samplesPerPixel)
        do {
            try decoder.run()
        } catch {
            switch error.kind {
            case .unsupported: throw context.error(.unsupportedFeature(error.message))
            case .mismatch: throw context.error(.descriptionMismatch(error.message))
            case .corrupt: throw context.error(.corruptCodestream(error.message))
            }
        }
        let normalize = SampleNormalizer(bitsStored: d.bitsStored, highBit: d.bitsStored - 1, signed: context.signed)
        let pixels = d.rows * d.columns
        let spp = d.samplesPerPixel
        var values = [Int32](repeating: 0, count: pixels * spp)
        decoder.planes.withUnsafeBufferPointer { planes in
            for c in 0..<spp {
                for i in 0..<pixels { values[i * spp + c] = normalize(UInt32(truncatingIfNeeded: planes[c * pixels + i])) }
            }
        }
        let type = DecodedFrame.SampleType.forContainer(bytes: 2, signed: context.signed)
        return context.frame(values: values, sampleType: type)
    }
}

extension String {
    init(format0x marker: UInt8) {
        let hex = String(marker, radix: 16, uppercase: true)
        self = "marker FF" + (hex.count < 2 ? "0" + hex : hex)
    }
}

/// The start-of-frame values of a JPEG codestream (ISO/IEC 10918-1 B.2.2), found by walking
/// the marker segments from SOI.
struct JPEGFrameHeader {
    struct Failure: Error { let message: String }

    var marker: UInt8
    var precision: Int
    var height: Int
    var width: Int
    var components: Int

    var isDCT: Bool { [0xC0, 0xC1, 0xC2, 0xC5, 0xC6, 0xC9, 0xCA, 0xCD, 0xCE].contains(marker) }
    var isLossless: Bool { marker == 0xC3 || marker == 0xC7 || marker == 0xCB || marker == 0xCF }

    static func scan(_ data: UnsafeRawBufferPointer) throws(Failure) -> JPEGFrameHeader {
        guard data.count >= 4, data[0] == 0xFF, data[1] == 0xD8 else {
            throw Failure(message: "no JPEG SOI marker (FFD8) at the start of the frame")
        }
        var i = 2
        while i + 4 <= data.count {
            guard data[i] == 0xFF else { throw Failure(message: "expected a marker at byte \(i)") }
            let m = data[i + 1]
            if m == 0xFF { i += 1; continue }
            let length = Int(data[i + 2]) << 8 | Int(data[i + 3])
            if (0xC0...0xCF).contains(m) && m != 0xC4 && m != 0xC8 && m != 0xCC {
                guard i + 2 + length <= data.count, length >= 8 else {
                    throw Failure(message: "SOF segment truncated at byte \(i)")
                }
                return JPEGFrameHeader(
                    marker: m, precision: Int(data[i + 4]), height: Int(data[i + 5]) << 8 | Int(data[i + 6]),
                    width: Int(data[i + 7]) << 8 | Int(data[i + 8]), components: Int(data[i + 9]))
            }
            if m == 0xDA || m == 0xD9 { break }
            i += 2 + length
        }
        throw Failure(message: "no start-of-frame marker before the scan data (\(data.count) bytes)")
    }
}
