import Benchmark
import DICOMCore
import Workstation

// package-benchmark suite for header parsing (elements and bulk-data locations, no pixel
// decoding): the demo CT slices, or the files of $SIXRAY_BENCH_DIR. The comparison with pydicom
// and dcmdump in the same run is `sixray bench parse DIR`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(2))
    let dir = ProcessInfoShim.environment("SIXRAY_BENCH_DIR") ?? "/tmp/sixray-bench-demo"
    if ProcessInfoShim.environment("SIXRAY_BENCH_DIR") == nil {
        _ = try? DemoStudies().write(to: dir)
    }
    let files = ProcessInfoShim.files(in: dir + (ProcessInfoShim.environment("SIXRAY_BENCH_DIR") == nil ? "/current" : ""))
    Benchmark("parse \(files.count) files") { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for f in files { blackHole(try? Part10Reader.read(path: f)) }
        }
    }
}
