import COpenJPEG

/// JPEG 2000 Part 1 (PS3.5 A.4.4) and HTJ2K (ISO/IEC 15444-15, PS3.5 A.4.11) through OpenJPEG.
///
/// Accepts a raw J2K codestream (SOC FF4F) or a JP2 file (signature box). OpenJPEG undoes the
/// reversible / irreversible component transform (YBR_RCT / YBR_ICT → RGB, PS3.3 C.7.6.3.1.2).
/// The output container follows the codestream precision (≤ 8 → 1 byte, ≤ 16 → 2, else 4),
/// as pydicom's plugins do; when the codestream signedness disagrees with Pixel Representation
/// the values are reinterpreted with the codestream precision (pydicom `_apply_sign_correction`).
enum JPEG2000Decoder {
    static func decode(_ data: UnsafeRawBufferPointer, context: DecodeContext) throws(CodecError) -> DecodedFrame {
        let d = context.description
        guard let base = data.baseAddress, data.count >= 12 else {
            throw context.error(.corruptCodestream("JPEG 2000 codestream is empty (\(data.count) bytes)"))
        }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let isJP2 = data.count >= 12 && bytes[3] == 0x0C && bytes[4] == 0x6A && bytes[5] == 0x50
        let isJ2K = bytes[0] == 0xFF && bytes[1] == 0x4F
        guard isJP2 || isJ2K else {
            throw context.error(.corruptCodestream("neither a J2K codestream (FF4F) nor a JP2 file"))
        }
        var message = [CChar](repeating: 0, count: 320)
        let decoded = sixray_opj_decode(
            bytes, data.count, isJP2 ? 1 : 0, UInt32(d.columns), UInt32(d.rows), UInt32(d.samplesPerPixel),
            &message, message.count)
        guard let image = decoded else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("codestream is") { throw context.error(.descriptionMismatch(text)) }
            if text.contains("subsampled") { throw context.error(.unsupportedFeature(text)) }
            throw context.error(.corruptCodestream("OpenJPEG: \(text) (codestream \(data.count) bytes)"))
        }
        defer { opj_image_destroy(image) }
        let n = Int(image.pointee.numcomps)
        let pixels = d.rows * d.columns
        guard let comps = image.pointee.comps else {
            throw context.error(.corruptCodestream("OpenJPEG returned no components"))
        }
        let precision = Int(comps[0].prec)
        let j2kSigned = comps[0].sgnd != 0
        let width = precision <= 8 ? 1 : (precision <= 16 ? 2 : 4)
        let type = DecodedFrame.SampleType.forContainer(bytes: width, signed: context.signed)
        let bitsInContainer = Int32(8 * width)
        let correction = j2kSigned != context.signed ? bitsInContainer - Int32(precision) : 0
        var values = [Int32](repeating: 0, count: pixels * n)
        for c in 0..<n {
            guard let plane = comps[c].data else { continue }
            for i in 0..<pixels {
                values[i * n + c] = reinterpret(plane[i], bits: bitsInContainer, shift: correction, signed: context.signed)
            }
        }
        return context.frame(values: values, sampleType: type)
    }

    /// Truncates to the output container (numpy `astype`), then, when signedness differs,
    /// shifts left and back right (arithmetic for signed containers) to re-read the
    /// precision-bit value.
    @inline(__always)
    static func reinterpret(_ v: Int32, bits: Int32, shift: Int32, signed: Bool) -> Int32 {
        switch (bits, signed) {
        case (8, false): return Int32((UInt8(truncatingIfNeeded: v) << UInt8(shift)) >> UInt8(shift))
        case (8, true): return Int32((Int8(truncatingIfNeeded: v) << Int8(shift)) >> Int8(shift))
        case (16, false): return Int32((UInt16(truncatingIfNeeded: v) << UInt16(shift)) >> UInt16(shift))
        case (16, true): return Int32((Int16(truncatingIfNeeded: v) << Int16(shift)) >> Int16(shift))
        case (_, false): return Int32(bitPattern: (UInt32(bitPattern: v) << UInt32(shift)) >> UInt32(shift))
        default: return (v << shift) >> shift
        }
    }
}
