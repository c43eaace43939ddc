/// A single-precision form of an affine display chain (rescale + LINEAR/LINEAR_EXACT window,
/// PS3.3 C.11.1.1.2 and C.11.2.1.2.1):
///
///     out = roundToNearestEven(clamp(Float(s) · a + b, 0, 255)) XOR mask
///
/// (rounding by adding 2^23, no round instruction). This rounds ties to even where the
/// standard's output rounds half up; it differs only where `y` is exactly k + ½ in Float, and
/// any such difference fails the exhaustive check below. Float has 24 bits of mantissa against the Int32 kernel's ~15–22 bits of slope, so it is exact
/// for some wide windows where the single-term fixed point is not; like `FixedPointAffine` it is
/// accepted only after it reproduces the literal table for every stored value.
struct FloatAffine: Sendable, Equatable {
    var a: Float
    var b: Float
    var mask: UInt8

    @inline(__always)
    func value(_ stored: Int32) -> UInt8 {
        var t = Float(stored) * a + b
        t = t < 0 ? 0 : t
        t = t > 255 ? 255 : t
        // Adding 2^23 rounds t to an integer (to nearest, ties to even) in the low mantissa bits.
        return UInt8(truncatingIfNeeded: (t + 8_388_608).bitPattern) ^ mask
    }

    static func derive(a: Double, b: Double, presentation: PresentationLUTShape,
                       storedRange: ClosedRange<Int>, table: [UInt8]) -> FloatAffine? {
        let fa = Float(a), fb = Float(b)
        guard fa.isFinite, fb.isFinite else { return nil }
        let candidate = FloatAffine(a: fa, b: fb, mask: presentation == .inverse ? 255 : 0)
        var mismatch: UInt8 = 0
        table.withUnsafeBufferPointer { t in
            for i in 0..<t.count {
                mismatch |= candidate.value(Int32(truncatingIfNeeded: storedRange.lowerBound + i)) ^ t[i]
            }
        }
        return mismatch == 0 ? candidate : nil
    }
}
