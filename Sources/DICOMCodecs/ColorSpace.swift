/// Colour space conversions applied after decoding, matching pydicom 3.0.2.
enum ColorSpace {
    /// YBR_FULL → RGB (PS3.3 C.7.6.3.1.2; ISO/IEC 10918-5 §7), computed exactly as pydicom's
    /// `pydicom.pixels.processing._convert_YBR_FULL_to_RGB`: in Float32, subtract 128 from
    /// Cb and Cr, multiply by the matrix, round by floor(x + 0.5), clip to 0...255.
    ///
    /// The matrix products are summed in the order numpy's float32 matmul uses for a 3×3
    /// right-hand matrix (Y term, then Cb, then Cr); tests assert bit equality with pydicom.
    static func convertYBRFullToRGB(_ values: inout [Int32], sampleType: DecodedFrame.SampleType) {
        let crToR: Float = 1.402
        let cbToG: Float = -0.114 * 1.772 / 0.587
        let crToG: Float = -0.299 * 1.402 / 0.587
        let cbToB: Float = 1.772
        let count = values.count / 3
        values.withUnsafeMutableBufferPointer { v in
            for p in 0..<count {
                let y = Float(v[3 * p])
                let cb = Float(v[3 * p + 1]) - 128
                let cr = Float(v[3 * p + 2]) - 128
                let r = y + Float(0) * cb + crToR * cr
                let g = y + cbToG * cb + crToG * cr
                let b = y + cbToB * cb + Float(0) * cr
                v[3 * p] = clip(r)
                v[3 * p + 1] = clip(g)
                v[3 * p + 2] = clip(b)
            }
        }
        _ = sampleType
    }

    @inline(__always)
    private static func clip(_ x: Float) -> Int32 {
        let f = (x + 0.5).rounded(.down)
        return Int32(min(max(f, 0), 255))
    }
}
