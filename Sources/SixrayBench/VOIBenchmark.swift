import CReference
import Imaging

/// One measured kernel on one frame.
public struct VOIBenchmarkResult: Sendable, Equatable {
    /// e.g. "Swift fixed-point", "C LUT 64K".
    public var kernel: String
    /// e.g. "CT 512×512 c=40 w=80".
    public var frame: String
    public var pixels: Int
    /// Median and best time of one frame, microseconds.
    public var medianMicroseconds: Double
    public var minMicroseconds: Double
    /// Output equals the literal PS3.3 C.11.2.1.2.1 formula on this frame.
    public var exactOnFrame: Bool
    /// Output equals the literal formula for every one of the 65536 possible stored values.
    public var exactOnAllInputs: Bool
    /// Whether this row is a C reference (ratios are against the fastest exact C row).
    public var isCReference: Bool
}

/// The VOI benchmark: the Swift display pipeline against plain C references compiled `-O3` for
/// the same CPU target (per-pixel float, 64 K lookup table, Int32 fixed point), plus a memory
/// floor. Every kernel's output is checked against the literal formula (PS3.3 C.11.2.1.2.1,
/// round half up), on the frame and on all 65536 inputs.
public enum VOIBenchmark {
    /// 16-bit stored samples of one frame.
    public enum Samples: Sendable {
        case signed([Int16])
        case unsigned([UInt16])

        var count: Int {
            switch self {
            case let .signed(v): v.count
            case let .unsigned(v): v.count
            }
        }
    }

    /// A frame plus the rescale and the LINEAR window to apply.
    public struct Frame: Sendable {
        public var name: String
        public var width: Int
        public var height: Int
        public var samples: Samples
        public var slope: Double
        public var intercept: Double
        public var windowCenter: Double
        public var windowWidth: Double

        public init(name: String, width: Int, height: Int, samples: Samples,
                    slope: Double = 1, intercept: Double = 0, windowCenter: Double, windowWidth: Double) {
            self.name = name
            self.width = width
            self.height = height
            self.samples = samples
            self.slope = slope
            self.intercept = intercept
            self.windowCenter = windowCenter
            self.windowWidth = windowWidth
        }

        /// The same pixels under another window.
        public func windowed(center: Double, width: Double, name: String? = nil) -> Frame {
            var f = self
            f.windowCenter = center
            f.windowWidth = width
            if let name { f.name = name }
            return f
        }

        var label: String { "\(name) \(width)×\(height) c=\(fmt(windowCenter)) w=\(fmt(windowWidth))" }
    }

    /// Runs every kernel on `frame`, each for at least `minimumIterations` and about
    /// `targetSeconds` of wall time, after one warm-up run.
    public static func run(frame: Frame, minimumIterations: Int = 5, targetSeconds: Double = 0.5) -> [VOIBenchmarkResult] {
        let signed: Bool
        switch frame.samples {
        case .signed: signed = true
        case .unsigned: signed = false
        }
        guard let pipeline = try? DisplayPipeline(
            bitsStored: 16, isSigned: signed, modality: .rescale(slope: frame.slope, intercept: frame.intercept),
            voi: .window(center: frame.windowCenter, width: frame.windowWidth))
        else { return [] }
        let params = sixray_voi_params(slope: frame.slope, intercept: frame.intercept,
                                       center: frame.windowCenter, width: Swift.max(frame.windowWidth, 1))
        var lut = [UInt8](repeating: 0, count: 65536)
        sixray_voi_build_lut(&lut, signed ? -32768 : 0, params)

        // Oracle outputs: the literal formula per stored value (scalar reference).
        let ramp = Samples.rampOfAllValues(signed: signed)
        let rampExpected = applyReference(pipeline, ramp)
        let frameExpected = applyReference(pipeline, frame.samples)

        typealias Kernel = (Samples, UnsafeMutableBufferPointer<UInt8>) -> Void
        var kernels: [(String, Bool, Kernel)] = []
        let names: [DisplayPipeline.Kernel: String] = [.fixedPoint: "fixed-point", .floatingPoint: "float", .lookupTable: "table"]
        for kind in [DisplayPipeline.Kernel.fixedPoint, .floatingPoint, .lookupTable] {
            if let p = pipeline.using(kind) {
                let fine = kind == .fixedPoint && !p.fixedPointIsSingleTerm ? " (2-term)" : ""
                kernels.append(("Swift \(names[kind] ?? kind.rawValue)\(fine)", false, { s, out in
                    switch s {
                    case let .signed(v): v.withUnsafeBufferPointer { p.apply($0, into: out) }
                    case let .unsigned(v): v.withUnsafeBufferPointer { p.apply($0, into: out) }
                    }
                }))
            }
        }
        kernels.append(("C float", true, { s, out in
            switch s {
            case let .signed(v): sixray_voi_float_i16(v, out.baseAddress, v.count, params)
            case let .unsigned(v): sixray_voi_float_u16(v, out.baseAddress, v.count, params)
            }
        }))
        kernels.append(("C LUT 64K", true, { s, out in
            lut.withUnsafeBufferPointer { t in
                switch s {
                case let .signed(v): sixray_voi_lut_i16(v, out.baseAddress, v.count, t.baseAddress)
                case let .unsigned(v): sixray_voi_lut_u16(v, out.baseAddress, v.count, t.baseAddress)
                }
            }
        }))
        kernels.append(("C fixed-point", true, { s, out in
            switch s {
            case let .signed(v): sixray_voi_fixed_i16(v, out.baseAddress, v.count, params)
            case let .unsigned(v): sixray_voi_fixed_u16(v, out.baseAddress, v.count, params)
            }
        }))

        var results: [VOIBenchmarkResult] = []
        let n = frame.samples.count
        var out = [UInt8](repeating: 0, count: n)
        var rampOut = [UInt8](repeating: 0, count: 65536)
        for (name, isC, kernel) in kernels {
            rampOut.withUnsafeMutableBufferPointer { kernel(ramp, $0) }
            out.withUnsafeMutableBufferPointer { kernel(frame.samples, $0) }
            let exactFrame = out == frameExpected
            let exactAll = rampOut == rampExpected
            let times = measure(minimumIterations: minimumIterations, targetSeconds: targetSeconds) {
                out.withUnsafeMutableBufferPointer { kernel(frame.samples, $0) }
            }
            results.append(VOIBenchmarkResult(
                kernel: name, frame: frame.label, pixels: n,
                medianMicroseconds: median(times), minMicroseconds: times.min() ?? 0,
                exactOnFrame: exactFrame, exactOnAllInputs: exactAll, isCReference: isC))
        }
        // One-time cost of compiling a pipeline (table over 65536 stored values + fixed-point
        // derivation and its exhaustive check): paid on every window change.
        let setupTimes = measure(minimumIterations: 3, targetSeconds: targetSeconds / 5) {
            _ = try? DisplayPipeline(
                bitsStored: 16, isSigned: signed, modality: .rescale(slope: frame.slope, intercept: frame.intercept),
                voi: .window(center: frame.windowCenter, width: frame.windowWidth))
        }
        results.append(VOIBenchmarkResult(
            kernel: "Swift setup", frame: frame.label, pixels: n,
            medianMicroseconds: median(setupTimes), minMicroseconds: setupTimes.min() ?? 0,
            exactOnFrame: false, exactOnAllInputs: false, isCReference: false))
        // Memory floor (reads the samples as 16-bit words, writes bytes).
        let floorTimes: [Double]
        switch frame.samples {
        case let .signed(v):
            let u = v.map { UInt16(bitPattern: $0) }
            floorTimes = measure(minimumIterations: minimumIterations, targetSeconds: targetSeconds) {
                out.withUnsafeMutableBufferPointer { sixray_floor_u16(u, $0.baseAddress, u.count) }
            }
        case let .unsigned(u):
            floorTimes = measure(minimumIterations: minimumIterations, targetSeconds: targetSeconds) {
                out.withUnsafeMutableBufferPointer { sixray_floor_u16(u, $0.baseAddress, u.count) }
            }
        }
        results.append(VOIBenchmarkResult(
            kernel: "C memory floor", frame: frame.label, pixels: n,
            medianMicroseconds: median(floorTimes), minMicroseconds: floorTimes.min() ?? 0,
            exactOnFrame: false, exactOnAllInputs: false, isCReference: false))
        return results
    }

    /// What `sixray bench voi` runs: a 512×512 CT frame (the given real one, else the synthetic
    /// phantom) under a brain (40/80) and a lung (−600/1500) window, then a 4096×3328 16-bit
    /// frame (the given one, else synthetic). Returns the results; print them with `report`.
    public static func runStandardSuite(ct: Frame? = nil, large: Frame? = nil) -> [VOIBenchmarkResult] {
        let ctFrame = ct ?? syntheticCT()
        let frames = [
            ctFrame.windowed(center: 40, width: 80),
            ctFrame.windowed(center: -600, width: 1500),
            large ?? syntheticLargeFrame(),
        ]
        return frames.flatMap { run(frame: $0) }
    }

    /// A text table of `results`, grouped by frame, with each row's median time relative to the
    /// fastest **exact** C reference on the same frame (the number the target "≤ 1.2×" is about).
    public static func report(_ results: [VOIBenchmarkResult]) -> String {
        var lines: [String] = []
        var frames: [String] = []
        for r in results where !frames.contains(r.frame) { frames.append(r.frame) }
        for frame in frames {
            let rows = results.filter { $0.frame == frame }
            let bestExactC = rows.filter { $0.isCReference && $0.exactOnAllInputs }.map(\.medianMicroseconds).min()
            lines.append("\(frame)  (\(rows.first?.pixels ?? 0) pixels)")
            lines.append("  " + pad("kernel", 26) + pad("median µs", 12) + pad("min µs", 12)
                         + pad("exact(frame)", 14) + pad("exact(all 64K)", 16) + "vs fastest exact C")
            for r in rows {
                let ratio = bestExactC.map { fmt(r.medianMicroseconds / $0, digits: 2) + "×" } ?? "n/a"
                let isFloor = r.kernel.contains("floor") || r.kernel.contains("setup")
                lines.append("  " + pad(r.kernel, 26) + pad(fmt(r.medianMicroseconds, digits: 1), 12)
                             + pad(fmt(r.minMicroseconds, digits: 1), 12)
                             + pad(isFloor ? "-" : (r.exactOnFrame ? "yes" : "NO"), 14)
                             + pad(isFloor ? "-" : (r.exactOnAllInputs ? "yes" : "NO"), 16) + ratio)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A realistic synthetic CT slice, stored = HU + 1024 (Rescale Intercept −1024): air around a
    /// body of soft tissue with fat, two lungs, vertebra and ribs of bone up to ~+2000 HU, dense
    /// contrast, with Gaussian-ish noise (σ ≈ 12 HU). Deterministic.
    public static func syntheticCT(width: Int = 512, height: Int = 512, seed: UInt64 = 1) -> Frame {
        var rng = SplitMix(state: seed)
        var values = [Int16](repeating: 0, count: width * height)
        let cx = Double(width) / 2, cy = Double(height) / 2
        let rx = Double(width) * 0.42, ry = Double(height) * 0.34
        for y in 0..<height {
            for x in 0..<width {
                let dx = (Double(x) - cx) / rx, dy = (Double(y) - cy) / ry
                let r2 = dx * dx + dy * dy
                var hu: Double
                if r2 > 1 { hu = -1000 }
                else if r2 > 0.85 { hu = -100 }  // subcutaneous fat
                else { hu = 40 }  // soft tissue
                let lx = abs(dx) - 0.45, ly = dy + 0.05
                if r2 <= 0.85, lx * lx / 0.09 + ly * ly / 0.35 < 1 { hu = -850 }  // lungs
                let vx = dx, vy = dy - 0.6
                if vx * vx + vy * vy < 0.02 { hu = 700 + 1300 * (1 - (vx * vx + vy * vy) / 0.02) }  // vertebra
                if r2 > 0.78, r2 < 0.82, Int(atan2Approx(dy, dx) * 8) % 2 == 0 { hu = 1200 }  // ribs
                if (dx + 0.1) * (dx + 0.1) + (dy + 0.2) * (dy + 0.2) < 0.004 { hu = 300 }  // aorta, contrast
                hu += rng.gaussian() * 12
                values[y * width + x] = Int16(Swift.max(-1024, Swift.min(3071, hu.rounded())) + 1024)
            }
        }
        return Frame(name: "synthetic CT", width: width, height: height, samples: .unsigned(values.map { UInt16($0) }),
                     slope: 1, intercept: -1024, windowCenter: 40, windowWidth: 80)
    }

    /// A synthetic 16-bit mammography-sized frame (default 4096×3328), unsigned 14-bit content.
    public static func syntheticLargeFrame(width: Int = 4096, height: Int = 3328, seed: UInt64 = 2) -> Frame {
        var rng = SplitMix(state: seed)
        var values = [UInt16](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x) / Double(width), dy = (Double(y) / Double(height) - 0.5) * 2
                let inside = dx * dx + dy * dy * 0.5 < 0.5
                let base = inside ? 9000 + 4000 * (1 - dx) : 300
                values[y * width + x] = UInt16(Swift.max(0, Swift.min(16383, base + rng.gaussian() * 150)))
            }
        }
        return Frame(name: "synthetic 16-bit", width: width, height: height, samples: .unsigned(values),
                     windowCenter: 10000, windowWidth: 6000)
    }

    // MARK: helpers

    static func applyReference(_ p: DisplayPipeline, _ s: Samples) -> [UInt8] {
        switch s {
        case let .signed(v): p.applyReference(v)
        case let .unsigned(v): p.applyReference(v)
        }
    }

    static func measure(minimumIterations: Int, targetSeconds: Double, _ body: () -> Void) -> [Double] {
        let clock = ContinuousClock()
        body()  // warm-up
        var times: [Double] = []
        var total = 0.0
        while times.count < minimumIterations || (total < targetSeconds && times.count < 100_000) {
            let d = clock.measure(body)
            let us = Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
            times.append(us)
            total += us / 1e6
        }
        return times
    }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return 0 }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

extension VOIBenchmark.Samples {
    static func rampOfAllValues(signed: Bool) -> Self {
        signed ? .signed((0..<65536).map { Int16(truncatingIfNeeded: $0 - 32768) })
               : .unsigned((0..<65536).map { UInt16($0) })
    }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

func fmt(_ v: Double, digits: Int = 2) -> String {
    if v == v.rounded(), abs(v) < 1e9, digits == 2 { return String(Int(v)) }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (v * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    }
    return s
}

/// Coarse angle in turns (0..<1) for the rib pattern; no Foundation needed.
func atan2Approx(_ y: Double, _ x: Double) -> Double {
    let a = abs(x) > abs(y) ? y / x : x / y
    var t = a / (1 + 0.28 * a * a)
    if abs(x) > abs(y) { if x < 0 { t += .pi } } else { t = (y > 0 ? .pi / 2 : -.pi / 2) - t }
    var turns = t / (2 * .pi)
    turns -= turns.rounded(.down)
    return turns
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Sum of 4 uniforms, centred and scaled to σ ≈ 1 (Irwin–Hall).
    mutating func gaussian() -> Double {
        var s = 0.0
        for _ in 0..<4 { s += Double(next() >> 11) / Double(1 << 53) }
        return (s - 2) * 1.7320508
    }
}
