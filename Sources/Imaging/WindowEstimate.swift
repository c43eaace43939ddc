/// A window for frames that carry none (no Window Center/Width, no VOI LUT Sequence).
///
/// Sixray's default, like DCMTK's `--min-max-window` and most viewers, is the LINEAR window
/// that maps exactly the frame's modality-value range onto the display range: the smallest
/// value becomes black, the largest white, nothing is clipped. `fromPercentiles` (used by
/// the "MR auto" preset) ignores the extreme tails instead, which suits MR and PET, where a
/// few very bright voxels would otherwise darken everything.
public enum WindowEstimate {
    /// The LINEAR window whose ramp runs exactly from `low` to `high` (modality values):
    /// `w = high − low + 1`, `c = (low + high + 1) / 2`, so that by PS3.3 C.11.2.1.2.1
    /// `x <= low → 0` and `x = high → 255`.
    public static func fromRange(low: Double, high: Double) -> VOIWindow {
        let lo = Swift.min(low, high), hi = Swift.max(low, high)
        return VOIWindow(center: (lo + hi + 1) / 2, width: hi - lo + 1, function: .linear,
                         explanation: "MIN-MAX")
    }

    /// `fromRange` over the modality values of a frame's stored values.
    @inlinable
    public static func fromFrame<T: StoredSample>(_ values: [T], modality: ModalityLUT) -> VOIWindow? {
        guard let (mn, mx) = FrameStatistics.minMax(values) else { return nil }
        let (lo, hi) = modalityBounds(Int(mn), Int(mx), modality)
        return fromRange(low: lo, high: hi)
    }

    /// `fromRange` between two percentiles (fractions 0...1) of the frame's stored values.
    @inlinable
    public static func fromPercentiles<T: StoredSample>(
        _ values: [T], modality: ModalityLUT, low: Double = 0.005, high: Double = 0.995
    ) -> VOIWindow? {
        guard let (pl, ph) = FrameStatistics.percentiles(values, low: low, high: high) else { return nil }
        let (lo, hi) = modalityBounds(pl, ph, modality)
        var w = fromRange(low: lo, high: hi)
        w.explanation = "AUTO"
        return w
    }

    @usableFromInline
    static func modalityBounds(_ a: Int, _ b: Int, _ modality: ModalityLUT) -> (Double, Double) {
        switch modality {
        case .rescale:
            let x = modality.modalityValue(a), y = modality.modalityValue(b)
            return (Swift.min(x, y), Swift.max(x, y))
        case let .table(table):
            // The table need not be monotone: look at every entry the range can reach.
            let sLow = Swift.min(a, b), sHigh = Swift.max(a, b)
            var lo = Double(table.value(at: sLow)), hi = lo
            let v2 = Double(table.value(at: sHigh))
            lo = Swift.min(lo, v2)
            hi = Swift.max(hi, v2)
            let first = Swift.max(sLow - table.firstMapped, 0)
            let last = Swift.min(sHigh - table.firstMapped, table.data.count - 1)
            if first <= last {
                for i in first...last {
                    let v = Double(table.data[i])
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                }
            }
            return (lo, hi)
        }
    }
}
