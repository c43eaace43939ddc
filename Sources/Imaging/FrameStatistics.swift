/// Numeric summaries of one frame of stored values, for default windows and "auto" presets.
/// `@inlinable` so that callers in other modules get code specialised for their sample type.
public enum FrameStatistics {
    /// Smallest and largest value of `values`, or nil when empty. A plain loop over the buffer
    /// that LLVM vectorizes (min/max reductions).
    @inlinable
    public static func minMax<T: StoredSample>(_ values: UnsafeBufferPointer<T>) -> (min: T, max: T)? {
        guard let base = values.baseAddress, !values.isEmpty else { return nil }
        var lo = base[0], hi = base[0]
        for i in 0..<values.count {
            let v = base[i]
            lo = v < lo ? v : lo
            hi = v > hi ? v : hi
        }
        return (lo, hi)
    }

    /// `minMax` over an array.
    @inlinable
    public static func minMax<T: StoredSample>(_ values: [T]) -> (min: T, max: T)? {
        values.withUnsafeBufferPointer { minMax($0) }
    }

    /// Histogram of values over `range` (values outside are clamped into it). The range must not
    /// exceed 2^20 bins. Returns nil for an empty or too large range.
    @inlinable
    public static func histogram<T: StoredSample>(_ values: [T], range: ClosedRange<Int>) -> [Int]? {
        guard range.count <= 1 << 20 else { return nil }
        var bins = [Int](repeating: 0, count: range.count)
        let lo = range.lowerBound, hi = range.upperBound
        for v in values {
            let s = Swift.min(Swift.max(Int(v), lo), hi)
            bins[s - lo] += 1
        }
        return bins
    }

    /// The stored values at the `low` and `high` fractions (0...1) of the cumulative histogram:
    /// the smallest value with at least `fraction · count` samples at or below it.
    @inlinable
    public static func percentiles<T: StoredSample>(_ values: [T], low: Double, high: Double) -> (low: Int, high: Int)? {
        guard let (mn, mx) = minMax(values) else { return nil }
        let range = Int(mn)...Int(mx)
        guard let bins = histogram(values, range: range) else { return (Int(mn), Int(mx)) }
        func at(_ fraction: Double) -> Int {
            let target = Swift.max(1, Int((Swift.min(Swift.max(fraction, 0), 1) * Double(values.count)).rounded(.up)))
            var cumulative = 0
            for (i, c) in bins.enumerated() {
                cumulative += c
                if cumulative >= target { return range.lowerBound + i }
            }
            return range.upperBound
        }
        return (at(low), at(high))
    }
}
