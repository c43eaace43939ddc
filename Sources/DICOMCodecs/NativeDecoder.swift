/// Native (uncompressed) Pixel Data, PS3.5 8.1 and 8.2 (little and big endian).
enum NativeDecoder {
    /// Bytes (or, for Bits Allocated 1, bits) one native frame occupies.
    static func frameLength(_ d: PixelDescription) -> (bits: Int, bytes: Int) {
        if d.bitsAllocated == 1 {
            let bits = d.rows * d.columns * d.samplesPerPixel
            return (bits, (bits + 7) / 8)
        }
        var samples = d.rows * d.columns * d.samplesPerPixel
        // PS3.3 C.7.6.3.1.2: YBR_FULL_422 stores two luminance samples per Cb/Cr pair.
        if d.photometric == "YBR_FULL_422" && d.samplesPerPixel == 3 {
            samples = d.rows * d.columns * 2
        }
        let bytes = samples * (d.bitsAllocated / 8)
        return (bytes * 8, bytes)
    }

    static func decode(_ data: UnsafeRawBufferPointer, bigEndian: Bool, swapOW8: Bool, context: DecodeContext) throws(CodecError)
        -> DecodedFrame
    {
        let d = context.description
        guard context.frameIndex >= 0 && context.frameIndex < d.numberOfFrames else {
            throw context.error(.frameIndexOutOfRange(frames: d.numberOfFrames))
        }
        let length = frameLength(d)
        let pixels = d.rows * d.columns
        let spp = d.samplesPerPixel

        if d.bitsAllocated == 1 {
            // PS3.5 8.1.1: 1-bit pixels are packed, the first pixel in the least significant bit.
            let startBit = context.frameIndex * length.bits
            let endBit = startBit + length.bits
            let needed = (endBit + 7) / 8
            guard data.count >= needed else {
                throw context.error(.frameTooShort(expected: needed - startBit / 8, actual: max(0, data.count - startBit / 8)))
            }
            var values = [Int32](repeating: 0, count: length.bits)
            for i in 0..<length.bits {
                let bit = startBit + i
                let byteIndex = bit >> 3
                guard byteIndex < data.count else { break }
                values[i] = Int32((data[byteIndex] >> UInt8(bit & 7)) & 1)
            }
            return context.frame(values: deplanarize(values, d), sampleType: .uint8)
        }

        let start = context.frameIndex * length.bytes
        guard data.count >= start + length.bytes else {
            throw context.error(.frameTooShort(expected: length.bytes, actual: max(0, data.count - start)))
        }
        let width = d.bitsAllocated / 8
        let count = length.bytes / width
        let normalize = SampleNormalizer(d)
        let base = data.baseAddress.map { UnsafeRawPointer($0) + start }
        guard let base else { throw context.error(.frameTooShort(expected: length.bytes, actual: 0)) }
        if spp == 1 && !bigEndian && !swapOW8 && (width == 1 || width == 2) {
            // Grey, little endian, 8 or 16 bits (most CT, MR, CR): normalise straight into the
            // output bytes, without the Int32 intermediate the general path uses.
            let type = DecodedFrame.SampleType.forContainer(bytes: width, signed: context.signed)
            let bytes = [UInt8](unsafeUninitializedCapacity: count * width) { out, initialized in
                let dst = UnsafeMutableRawPointer(out.baseAddress!)
                if width == 2 {
                    for i in 0..<count {
                        let v = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        dst.storeBytes(of: UInt16(truncatingIfNeeded: normalize(UInt32(v))).littleEndian,
                                       toByteOffset: 2 * i, as: UInt16.self)
                    }
                } else {
                    let p = base.assumingMemoryBound(to: UInt8.self)
                    for i in 0..<count { out[i] = UInt8(truncatingIfNeeded: normalize(UInt32(p[i]))) }
                }
                initialized = count * width
            }
            return DecodedFrame(rows: d.rows, columns: d.columns, samplesPerPixel: 1, sampleType: type,
                                photometricInterpretation: context.outputPhotometric, bytes: bytes)
        }
        var values = [Int32](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { out in
            let p = base.assumingMemoryBound(to: UInt8.self)
            switch (width, bigEndian) {
            case (1, _) where swapOW8:
                // Byte k of the logical stream is stored at k ^ 1 (16-bit words swapped);
                // an odd-length value's padding byte makes the last word complete.
                let available = data.count - start
                for i in 0..<count {
                    let j = ((start + i) ^ 1) - start
                    out[i] = j < available ? normalize(UInt32(p[j])) : 0
                }
            case (1, _):
                for i in 0..<count { out[i] = normalize(UInt32(p[i])) }
            case (2, false):
                for i in 0..<count { out[i] = normalize(UInt32(p[2 * i]) | UInt32(p[2 * i + 1]) << 8) }
            case (2, true):
                for i in 0..<count { out[i] = normalize(UInt32(p[2 * i]) << 8 | UInt32(p[2 * i + 1])) }
            case (_, false):
                for i in 0..<count {
                    out[i] = normalize(
                        UInt32(p[4 * i]) | UInt32(p[4 * i + 1]) << 8 | UInt32(p[4 * i + 2]) << 16
                            | UInt32(p[4 * i + 3]) << 24)
                }
            case (_, true):
                for i in 0..<count {
                    out[i] = normalize(
                        UInt32(p[4 * i]) << 24 | UInt32(p[4 * i + 1]) << 16 | UInt32(p[4 * i + 2]) << 8
                            | UInt32(p[4 * i + 3]))
                }
            }
        }
        if d.photometric == "YBR_FULL_422" && spp == 3 {
            values = expandYBR422(values, pixels: pixels)
        } else {
            values = deplanarize(values, d)
        }
        let type = DecodedFrame.SampleType.forContainer(bytes: width, signed: context.signed)
        return context.frame(values: values, sampleType: type)
    }

    /// Colour-by-plane (Planar Configuration 1) → colour-by-pixel.
    static func deplanarize(_ values: [Int32], _ d: PixelDescription) -> [Int32] {
        guard d.samplesPerPixel > 1 && d.planarConfiguration == 1 else { return values }
        return interleave(values, pixels: d.rows * d.columns, samples: d.samplesPerPixel)
    }

    static func interleave(_ planes: [Int32], pixels: Int, samples: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: pixels * samples)
        for s in 0..<samples {
            for i in 0..<pixels { out[i * samples + s] = planes[s * pixels + i] }
        }
        return out
    }

    /// PS3.3 C.7.6.3.1.2: Y1 Y2 Cb Cr → Y1 Cb Cr Y2 Cb Cr (as pydicom's native decoder does).
    static func expandYBR422(_ values: [Int32], pixels: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: pixels * 3)
        for pair in 0..<(pixels / 2) {
            let y1 = values[4 * pair], y2 = values[4 * pair + 1]
            let cb = values[4 * pair + 2], cr = values[4 * pair + 3]
            out[6 * pair] = y1
            out[6 * pair + 1] = cb
            out[6 * pair + 2] = cr
            out[6 * pair + 3] = y2
            out[6 * pair + 4] = cb
            out[6 * pair + 5] = cr
        }
        return out
    }
}
