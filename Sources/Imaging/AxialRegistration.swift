/// Automatic initial registration of two exams along the patient's long axis, for
/// synchronised scrolling across exams with different Frames of Reference (another day,
/// another table position, CT against MR).
///
/// Each series is summarised per slice by the body's cross-sectional area and its mean signal
/// inside the body. The profiles are resampled to a 1 mm grid, normalised (area by its
/// maximum; signal to zero mean and unit variance, used only when both exams are of the same
/// modality, since CT and MR signals are not comparable), and the shift that maximises their
/// normalised cross-correlation over the overlap is the offset. The area profile also carries
/// the body's extent (where it starts and ends), which is what aligns CT with MR.
public enum AxialRegistration {
    public struct Sample: Sendable, Equatable {
        /// Slice position along the axis, mm.
        public var position: Double
        /// Body area in mm² (pixels above the body threshold × pixel area).
        public var area: Double
        /// Mean signal inside the body.
        public var mean: Double

        public init(position: Double, area: Double, mean: Double) {
            self.position = position
            self.area = area
            self.mean = mean
        }
    }

    public struct Result: Sendable, Equatable {
        /// Position in B of the anatomy at position p in A is p + offset.
        public var offset: Double
        /// Normalised cross-correlation at the offset (−1…1); low values mean a weak match.
        public var score: Double
        /// Length of the overlap used, mm.
        public var overlap: Double
    }

    /// Summarises one slice: area of the samples above `threshold` and their mean.
    public static func sample(values: [Float], pixelArea: Double, threshold: Float, position: Double) -> Sample {
        var n = 0
        var sum = 0.0
        for v in values where v > threshold {
            n += 1
            sum += Double(v)
        }
        return Sample(position: position, area: Double(n) * pixelArea, mean: n > 0 ? sum / Double(n) : 0)
    }

    /// The body threshold of a slice set: −500 HU for CT; for other modalities 10 % of the
    /// 99th percentile of the signal (air and background are near zero in MR).
    public static func bodyThreshold(modality: String, values: [Float]) -> Float {
        if modality == "CT" { return -500 }
        var sorted = values.filter { $0.isFinite }
        guard !sorted.isEmpty else { return 0 }
        sorted.sort()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))] * 0.1
    }

    /// The offset B − A along the axis, or nil when the profiles overlap by less than
    /// `minimumOverlap` mm at every shift within ±`maxShift`.
    public static func register(_ a: [Sample], _ b: [Sample], sameModality: Bool,
                                maxShift: Double = 300, minimumOverlap: Double = 40) -> Result? {
        guard let ga = grid(a), let gb = grid(b) else { return nil }
        let useMean = sameModality
        var best: Result?
        // Coarse search in 1 mm steps, then refine around the best in 0.1 mm steps.
        // Compare at the slice positions of the more sparsely sampled series, interpolating
        // the denser one there: interpolating the sparse one would smear its steps (organ
        // boundaries) and bias the offset.
        let aIsSparse = ga.meanSpacing > gb.meanSpacing
        func score(_ d: Double, areaOnly: Bool = false) -> (Double, Double)? {
            // Overlap in A's coordinates: [max(a0, b0 − d), min(a1, b1 − d)].
            let lo = max(ga.start, gb.start - d), hi = min(ga.end, gb.end - d)
            guard hi - lo >= minimumOverlap else { return nil }
            var pa: [Double] = [], pb: [Double] = [], ma: [Double] = [], mb: [Double] = []
            let points = aIsSparse ? ga.positions.filter { $0 >= lo && $0 <= hi } : gb.positions.map { $0 - d }.filter { $0 >= lo && $0 <= hi }
            guard points.count >= 3 else { return nil }
            for z in points {
                pa.append(ga.area(z))
                pb.append(gb.area(z + d))
                if useMean {
                    ma.append(ga.mean(z))
                    mb.append(gb.mean(z + d))
                }
            }
            // The area profile is smooth and localises well; the signal profile has steps at organ
            // boundaries that a slice spacing can only place to within that spacing, so it
            // weighs less: it breaks ties and symmetries of the body outline.
            var s = ncc(pa, pb)
            if useMean, !areaOnly { s = 0.75 * s + 0.25 * ncc(ma, mb) }
            return (s, hi - lo)
        }
        var d = -maxShift
        while d <= maxShift {
            if let (s, o) = score(d), best == nil || s > best!.score { best = Result(offset: d, score: s, overlap: o) }
            d += 1
        }
        guard let coarse = best else { return nil }
        // Refine within one sparse spacing of the coarse optimum on the area profile alone:
        // the signal profile chose the basin (it breaks the body outline's symmetries), the
        // smooth outline places the optimum to a fraction of a millimetre.
        let spacing = max(ga.meanSpacing, gb.meanSpacing)
        var fine: Result?
        var e = coarse.offset - spacing
        while e <= coarse.offset + spacing {
            if let (s, o) = score(e, areaOnly: true), fine == nil || s > fine!.score { fine = Result(offset: e, score: s, overlap: o) }
            e += 0.05
        }
        guard var result = fine else { return coarse }
        result.score = score(result.offset)?.0 ?? result.score
        return result
    }

    /// Normalised cross-correlation (Pearson) of two equal-length sequences.
    static func ncc(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard n > 1 else { return -1 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let a = x[i] - mx, b = y[i] - my
            sxy += a * b
            sxx += a * a
            syy += b * b
        }
        guard sxx > 1e-12, syy > 1e-12 else { return sxx <= 1e-12 && syy <= 1e-12 ? 0 : -1 }
        return sxy / (sxx * syy).squareRoot()
    }

    /// A profile resampled on demand by linear interpolation; normalised area and z-scored mean.
    struct Grid {
        var positions: [Double]
        var areas: [Double]
        var means: [Double]
        var start: Double { positions.first! }
        var meanSpacing: Double { (end - start) / Double(max(1, positions.count - 1)) }
        var end: Double { positions.last! }

        func interpolate(_ v: [Double], _ z: Double) -> Double {
            if z <= positions[0] { return v[0] }
            if z >= positions[positions.count - 1] { return v[v.count - 1] }
            var lo = 0, hi = positions.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if positions[mid] <= z { lo = mid } else { hi = mid }
            }
            let t = (z - positions[lo]) / max(1e-9, positions[hi] - positions[lo])
            return v[lo] + (v[hi] - v[lo]) * t
        }

        func area(_ z: Double) -> Double { interpolate(areas, z) }
        func mean(_ z: Double) -> Double { interpolate(means, z) }
    }

    static func grid(_ samples: [Sample]) -> Grid? {
        let s = samples.filter { $0.position.isFinite }.sorted { $0.position < $1.position }
        guard s.count >= 3, s.last!.position - s.first!.position > 0 else { return nil }
        let maxArea = s.map(\.area).max() ?? 0
        guard maxArea > 0 else { return nil }
        let inside = s.filter { $0.area > 0 }
        let mMean = inside.isEmpty ? 0 : inside.map(\.mean).reduce(0, +) / Double(inside.count)
        let mVar = inside.isEmpty ? 1 : inside.map { ($0.mean - mMean) * ($0.mean - mMean) }.reduce(0, +) / Double(inside.count)
        let sd = mVar > 0 ? mVar.squareRoot() : 1
        return Grid(positions: s.map(\.position), areas: s.map { $0.area / maxArea },
                    means: s.map { $0.area > 0 ? ($0.mean - mMean) / sd : 0 })
    }
}
