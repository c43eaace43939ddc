import CCharLS

/// JPEG-LS lossless and near-lossless (ISO/IEC 14495-1; PS3.5 A.4.3) through CharLS 2.
///
/// The frame header is read and checked against the description before CharLS allocates
/// or writes anything. Samples come out as CharLS gives them (1 byte for ≤ 8 bits, else 2);
/// interleave mode "none" is colour-by-plane and is interleaved here.
/// JPEG-LS has no signedness: for Pixel Representation 1 the P-bit values are sign-extended
/// (as pydicom's `_apply_sign_correction` does).
enum JPEGLSDecoder {
    static func decode(_ data: UnsafeRawBufferPointer, context: DecodeContext) throws(CodecError) -> DecodedFrame {
        let d = context.description
        guard let base = data.baseAddress, data.count > 4 else {
            throw context.error(.corruptCodestream("JPEG-LS codestream is empty (\(data.count) bytes)"))
        }
        guard let decoder = charls_jpegls_decoder_create() else {
            throw context.error(.corruptCodestream("CharLS decoder could not be created"))
        }
        defer { charls_jpegls_decoder_destroy(decoder) }
        func check(_ e: charls_jpegls_errc, _ step: String) throws(CodecError) {
            guard e.rawValue != 0 else { return }
            let text = charls_get_error_message(e).map { String(cString: $0) } ?? "error \(e.rawValue)"
            throw context.error(.corruptCodestream("CharLS \(step): \(text) (codestream \(data.count) bytes)"))
        }
        try check(charls_jpegls_decoder_set_source_buffer(decoder, base, data.count), "source")
        try check(charls_jpegls_decoder_read_header(decoder), "header")
        var info = charls_frame_info()
        try check(charls_jpegls_decoder_get_frame_info(decoder, &info), "frame info")
        guard Int(info.width) == d.columns, Int(info.height) == d.rows,
            Int(info.component_count) == d.samplesPerPixel
        else {
            throw context.error(.descriptionMismatch(
                "codestream is \(info.width)×\(info.height) with \(info.component_count) components, "
                    + "description \(d.columns)×\(d.rows) with \(d.samplesPerPixel)"))
        }
        let precision = Int(info.bits_per_sample)
        guard (2...16).contains(precision) else {
            throw context.error(.unsupportedFeature("JPEG-LS precision \(precision) bits"))
        }
        var interleave = CHARLS_INTERLEAVE_MODE_NONE
        try check(charls_jpegls_decoder_get_interleave_mode(decoder, &interleave), "interleave mode")
        var size: Int = 0
        try check(charls_jpegls_decoder_get_destination_size(decoder, 0, &size), "destination size")
        let width = precision <= 8 ? 1 : 2
        let count = d.rows * d.columns * d.samplesPerPixel
        guard Int(size) == count * width else {
            throw context.error(.descriptionMismatch("CharLS output is \(size) bytes, expected \(count * width)"))
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBytes { o -> charls_jpegls_errc in
            guard let p = o.baseAddress else { return charls_jpegls_errc(rawValue: 1) }
            return charls_jpegls_decoder_decode_to_buffer(decoder, p, o.count, 0)
        }
        try check(status, "decode")

        // pydicom (GDCM plugin) returns 8-bit containers for precision ≤ 8, else 16-bit.
        let type = DecodedFrame.SampleType.forContainer(bytes: width, signed: context.signed)
        // Fast path: unsigned, colour-by-pixel, no colour conversion: CharLS's little-endian
        // output already is the frame (its values are < 2^precision).
        if !context.signed && !context.convertsYBRToRGB
            && (d.samplesPerPixel == 1 || interleave != CHARLS_INTERLEAVE_MODE_NONE)
        {
            return DecodedFrame(
                rows: d.rows, columns: d.columns, samplesPerPixel: d.samplesPerPixel, sampleType: type,
                photometricInterpretation: context.outputPhotometric, bytes: out)
        }
        let normalize = SampleNormalizer(bitsStored: precision, highBit: precision - 1, signed: context.signed)
        var values = [Int32](repeating: 0, count: count)
        out.withUnsafeBufferPointer { p in
            if width == 1 {
                for i in 0..<count { values[i] = normalize(UInt32(p[i])) }
            } else {
                for i in 0..<count { values[i] = normalize(UInt32(p[2 * i]) | UInt32(p[2 * i + 1]) << 8) }
            }
        }
        if d.samplesPerPixel > 1 && interleave == CHARLS_INTERLEAVE_MODE_NONE {
            values = NativeDecoder.interleave(values, pixels: d.rows * d.columns, samples: d.samplesPerPixel)
        }
        return context.frame(values: values, sampleType: type)
    }
}
