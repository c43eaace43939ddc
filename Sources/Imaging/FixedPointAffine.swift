/// An Int32 fixed-point form of an affine display chain:
///
///     out = clamp(((clamp(s, low, high) − center) · multiplier + offset) >> shift, 0, 255) XOR mask
///
/// It is derived from the real-valued composition of rescale (PS3.3 C.11.1.1.2) and a LINEAR or
/// LINEAR_EXACT window (PS3.3 C.11.2.1.2.1, C.11.2.1.3.2), i.e. `y = a·s + b`, output
/// `floor(y + 0.5)` clamped; MONOCHROME1 inversion (`255 − v`) is the XOR with 255.
/// Rounding of `a` and `b` to fixed point and the Double rounding inside the literal formula may
/// disagree at (near-)ties, so a candidate is **only accepted after it reproduces the literal
/// table for every stored value**; otherwise the pipeline uses the table.
///
/// Precision: the input is first clamped to the smallest stored interval outside which the
/// output is constant (found from the table), so `s − center` is small and `shift` can be large
/// (typically 20+ bits of fraction for clinical windows) while `(s − center) · multiplier`
/// still fits in Int32.
///
/// Wide windows (e.g. a min–max window over 15-bit CR data) have near-ties closer than one
/// multiplier's rounding error over thousands of stored values; for them a second, finer term
/// `((s − center) · fine) >> 15` carries 15 more bits of the slope (`fine == 0` otherwise).
struct FixedPointAffine: Sendable, Equatable {
    var low: Int32
    var high: Int32
    var center: Int32
    var multiplier: Int32
    var fine: Int32
    var offset: Int32
    var shift: Int32
    var mask: UInt8

    static let fineShift: Int32 = 15

    @inline(__always)
    func value(_ stored: Int32) -> UInt8 {
        var v = stored
        v = v < low ? low : v
        v = v > high ? high : v
        let d = v &- center
        var t = (d &* multiplier &+ ((d &* fine) &>> Self.fineShift) &+ offset) &>> shift
        t = t < 0 ? 0 : t
        t = t > 255 ? 255 : t
        return UInt8(truncatingIfNeeded: t) ^ mask
    }

    /// `(a, b)` of `y = a·s + b` (before rounding) when the chain is affine, else nil.
    static func coefficients(
        modality: ModalityLUT, voi: VOITransform, identityRange: (low: Double, high: Double)
    ) -> (a: Double, b: Double)? {
        guard let (m, k) = modality.affine else { return nil }
        // y = a·s + b (before rounding), from the formulas with ymin = 0, ymax = 255.
        let a: Double, b: Double
        switch voi {
        case let .window(window):
            switch window.function {
            case .linear:
                let w = window.effectiveWidth
                guard w > 1 else { return nil }  // a pure threshold: the table is as fast and exact
                a = 255 * m / (w - 1)
                b = 255 * (k - window.center + 0.5) / (w - 1) + 127.5
            case .linearExact:
                let w = window.effectiveWidth
                a = 255 * m / w
                b = 255 * (k - window.center) / w + 127.5
            case .sigmoid:
                return nil
            }
        case .identity:
            let span = identityRange.high - identityRange.low
            guard span > 0 else { return nil }
            a = 255 * m / span
            b = 255 * (k - identityRange.low) / span
        case .table:
            return nil
        }
        guard a.isFinite, b.isFinite, a != 0 else { return nil }
        return (a, b)
    }

    /// Derives a kernel and checks it against `table` for every stored value; nil when no
    /// candidate is exact. `allowFine` enables the slower two-term form.
    static func derive(
        a: Double, b: Double, presentation: PresentationLUTShape, storedRange: ClosedRange<Int>,
        table: [UInt8], allowFine: Bool
    ) -> FixedPointAffine? {

        // The interval of stored values where the output still changes (table is monotone for an
        // affine chain; the final check below catches any surprise).
        let lo = storedRange.lowerBound
        let first = table[0], last = table[table.count - 1]
        var iLow = 0
        while iLow + 1 < table.count, table[iLow + 1] == first { iLow += 1 }
        var iHigh = table.count - 1
        while iHigh > 0, table[iHigh - 1] == last { iHigh -= 1 }
        if iHigh < iLow { iHigh = iLow }
        let sLow = lo + iLow, sHigh = lo + iHigh

        let sc = sLow + (sHigh - sLow) / 2
        let bc = a * Double(sc) + b + 0.5  // y + 0.5 at the centre
        let d = Double(Swift.max(sc - sLow, sHigh - sc, 1))
        let mask: UInt8 = presentation == .inverse ? 255 : 0

        // Largest shift with |terms| below `limit`.
        func shift(limit: Double) -> Int? {
            let budget = limit / (abs(a) * d + abs(bc) + 2)
            guard budget >= 1 else { return nil }
            var shift = 0
            while shift < 30, Double(1 << (shift + 1)) <= budget { shift += 1 }
            return shift
        }
        func candidates(shift: Int, fine useFine: Bool) -> FixedPointAffine? {
            let scale = Double(1 << shift)
            let multiplier = (a * scale).rounded(.toNearestOrAwayFromZero)
            let residual = a * scale - multiplier
            let fine = useFine ? (residual * Double(1 << Int(fineShift))).rounded(.toNearestOrAwayFromZero) : 0
            let offset = (bc * scale).rounded(.down)
            guard abs(multiplier) < 1_073_741_824, abs(offset) < 1_073_741_824, abs(fine) <= 16384 else { return nil }
            // Nudge the offset a few units if a near-tie disagrees; accept only an exact match.
            for nudge in [0, 1, -1, 2, -2, 4, -4] as [Int32] {
                let candidate = FixedPointAffine(
                    low: Int32(sLow), high: Int32(sHigh), center: Int32(sc), multiplier: Int32(multiplier),
                    fine: Int32(fine), offset: Int32(offset) &+ nudge, shift: Int32(shift), mask: mask)
                if candidate.reproduces(table, from: lo) { return candidate }
            }
            return nil
        }
        // |d·multiplier| + |offset| < 2^30 for the single term; the fine term adds < 2^15 and
        // |d·fine| <= 2^16 · 2^14, so it needs one bit of headroom less.
        if let s1 = shift(limit: 1073741824), let exact = candidates(shift: s1, fine: false) { return exact }
        if allowFine, sHigh - sLow <= 65536, let s2 = shift(limit: 536870912), let exact = candidates(shift: s2, fine: true) {
            return exact
        }
        return nil
    }

    /// True when the kernel equals `table` for every stored value `from ..< from + table.count`.
    func reproduces(_ table: [UInt8], from lo: Int) -> Bool {
        var mismatch: UInt8 = 0
        table.withUnsafeBufferPointer { t in
            for i in 0..<t.count {
                mismatch |= value(Int32(truncatingIfNeeded: lo + i)) ^ t[i]
            }
        }
        return mismatch == 0
    }
}
