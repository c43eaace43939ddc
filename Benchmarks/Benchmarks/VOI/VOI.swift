import Benchmark
import Imaging
import SixrayBench

// package-benchmark suite for the VOI stage on a synthetic 512×512 CT frame (stored = HU + 1024).
// The C-comparing ratios and exactness checks live in `voi-bench`; this suite tracks the Swift
// kernels over time with package-benchmark's baselines.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2))
    let frame = VOIBenchmark.syntheticCT()
    guard case let .unsigned(samples) = frame.samples else { return }
    for (name, center, width) in [("brain 40/80", 40.0, 80.0), ("lung -600/1500", -600.0, 1500.0)] {
        guard let pipeline = try? DisplayPipeline(
            bitsStored: 16, isSigned: false, modality: .rescale(slope: 1, intercept: -1024),
            voi: .window(center: center, width: width))
        else { continue }
        for kernel in [DisplayPipeline.Kernel.fixedPoint, .lookupTable] {
            guard let p = pipeline.using(kernel) else { continue }
            Benchmark("VOI \(kernel.rawValue) 512×512 \(name)") { benchmark in
                var out = [UInt8](repeating: 0, count: samples.count)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    samples.withUnsafeBufferPointer { s in
                        out.withUnsafeMutableBufferPointer { p.apply(s, into: $0) }
                    }
                    blackHole(out)
                }
            }
        }
    }
}
