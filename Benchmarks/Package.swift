// swift-tools-version:6.1
//
// Benchmarks for Sixray's hot loops, kept out of the main package so that `swift build` and
// `swift test` never compile package-benchmark.
//
//   swift run -c release --package-path Benchmarks voi-bench            # ratios vs plain C
//   swift package --package-path Benchmarks benchmark --target VOI       # package-benchmark
//
// Set SIXRAY_TARGET_CPU=native (as Scripts/build does) so the Swift kernels and the C
// references are compiled for the same CPU.

import PackageDescription

let package = Package(
    name: "SixrayBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Sixray", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Plain runner: prints each kernel's time, exactness and ratio to the fastest exact C.
        .executableTarget(
            name: "voi-bench",
            dependencies: [.product(name: "SixrayBench", package: "Sixray"), .product(name: "Imaging", package: "Sixray")],
            path: "Sources/voi-bench"),
        // package-benchmark suite (same kernels, with its statistics and baselines).
        .executableTarget(
            name: "VOI",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SixrayBench", package: "Sixray"),
                .product(name: "Imaging", package: "Sixray"),
            ],
            path: "Benchmarks/VOI",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Header parsing (elements + bulk-data locations); `sixray bench parse` compares with pydicom/dcmdump.
        .executableTarget(
            name: "Parse",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DICOMCore", package: "Sixray"),
                .product(name: "Workstation", package: "Sixray"),
            ],
            path: "Benchmarks/Parse",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Terminal encoders; `sixray bench sixel` compares with libsixel.
        .executableTarget(
            name: "Sixel",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Imaging", package: "Sixray"),
                .product(name: "TerminalGraphics", package: "Sixray"),
            ],
            path: "Benchmarks/Sixel",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Reformat kernels; `sixray bench mpr` compares with C references.
        .executableTarget(
            name: "MPR",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Imaging", package: "Sixray"),
                .product(name: "SixrayBench", package: "Sixray"),
            ],
            path: "Benchmarks/MPR",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)
