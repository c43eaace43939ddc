/// RLE Lossless, PS3.5 Annex G.
///
/// A frame is a 64-byte header (segment count and up to 15 segment offsets, little-endian
/// UInt32) followed by PackBits segments (G.3.1). Each segment holds one byte of one sample for
/// every pixel; segments run sample by sample, most significant byte first (G.2).
/// Like pydicom and pylibjpeg-rle, a segment that decodes to more than Rows × Columns bytes is
/// truncated; one that decodes to fewer is an error.
enum RLEDecoder {
    static func decode(_ data: UnsafeRawBufferPointer, context: DecodeContext) throws(CodecError) -> DecodedFrame {
        let d = context.description
        guard d.bitsAllocated != 1 else {
            throw context.error(.unsupportedFeature("RLE with Bits Allocated 1"))
        }
        let width = d.bitsAllocated / 8
        let pixels = d.rows * d.columns
        guard data.count >= 64 else {
            throw context.error(.corruptCodestream("RLE header truncated: \(data.count) of 64 bytes"))
        }
        func u32(_ o: Int) -> Int {
            Int(UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3]) << 24)
        }
        let segmentCount = u32(0)
        let expected = d.samplesPerPixel * width
        guard segmentCount == expected else {
            throw context.error(.descriptionMismatch(
                "RLE header has \(segmentCount) segments, expected \(expected) (\(d.samplesPerPixel) samples × \(width) bytes)"))
        }
        var offsets = (0..<segmentCount).map { u32(4 + 4 * $0) }
        for (i, o) in offsets.enumerated() where o < 64 || o > data.count || (i > 0 && o < offsets[i - 1]) {
            throw context.error(.corruptCodestream("RLE segment \(i + 1) offset \(o) is invalid (frame has \(data.count) bytes)"))
        }
        offsets.append(data.count)

        var values = [Int32](repeating: 0, count: pixels * d.samplesPerPixel)
        var segment = [UInt8](repeating: 0, count: pixels)
        let normalize = SampleNormalizer(d)
        for s in 0..<d.samplesPerPixel {
            var raw = [UInt32](repeating: 0, count: pixels)
            for b in 0..<width {
                let index = s * width + b
                let produced = unpackBits(data, from: offsets[index], to: offsets[index + 1], into: &segment)
                guard produced >= pixels else {
                    throw context.error(.corruptCodestream(
                        "RLE segment \(index + 1) decodes to \(produced) bytes, expected \(pixels)"))
                }
                let shift = UInt32(8 * (width - 1 - b))
                for i in 0..<pixels { raw[i] |= UInt32(segment[i]) << shift }
            }
            for i in 0..<pixels { values[i * d.samplesPerPixel + s] = normalize(raw[i]) }
        }
        let type = DecodedFrame.SampleType.forContainer(bytes: width, signed: context.signed)
        return context.frame(values: values, sampleType: type)
    }

    /// PackBits (PS3.5 G.3.1): n in 0...127 copies n+1 literal bytes, n in −127...−1 repeats the
    /// next byte 1−n times, −128 is a no-op. Returns the number of bytes written (capped at
    /// `out.count`; extra output is dropped).
    static func unpackBits(_ data: UnsafeRawBufferPointer, from start: Int, to end: Int, into out: inout [UInt8]) -> Int {
        var i = start
        var o = 0
        let capacity = out.count
        while i < end && o < capacity {
            let n = Int(Int8(bitPattern: data[i]))
            i += 1
            if n >= 0 {
                let count = min(n + 1, end - i, capacity - o)
                for k in 0..<count { out[o + k] = data[i + k] }
                o += count
                i += n + 1
            } else if n != -128 {
                guard i < end else { break }
                let count = min(1 - n, capacity - o)
                let byte = data[i]
                for k in 0..<count { out[o + k] = byte }
                o += count
                i += 1
            }
        }
        return o
    }
}
