import Benchmark
import Imaging
import SixrayBench

// package-benchmark suite for the MPR kernels on a 512×512×300 Int16 volume. The ratios against
// the C references live in `sixray bench mpr`; this suite tracks the Swift kernels over time.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2))
    let volume = MPRBenchmark.syntheticVolume()
    for (name, request) in [
        ("coronal raw grid", PlaneRequest(orientation: .coronal, index: 256, resample: false)),
        ("sagittal raw grid", PlaneRequest(orientation: .sagittal, index: 256, resample: false)),
        ("axial MIP 20 mm", PlaneRequest(orientation: .axial, index: 150, slabThickness: 20, resample: false)),
    ] {
        Benchmark("MPR \(name)") { benchmark in
            var out = [Int16](repeating: 0, count: 512 * 512)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                _ = out.withUnsafeMutableBufferPointer { try? volume.rawGridPlane(request, into: $0) }
                blackHole(out)
            }
        }
    }
    Benchmark("MPR oblique 512×512 trilinear") { benchmark in
        let n = Vector3(0.3, -0.5, 0.81) / (0.09 + 0.25 + 0.6561).squareRoot()
        guard let g = try? volume.planeGeometry(PlaneRequest(orientation: .oblique, normal: n)) else { return }
        var out = [Float](repeating: 0, count: g.width * g.height)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.withUnsafeMutableBufferPointer { volume.resliceTrilinear(g, into: $0, outside: 0) }
            blackHole(out)
        }
    }
}
