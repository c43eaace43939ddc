// swift-tools-version:6.1
//
// Sixray: a diagnostic reading workstation in the terminal.
// Module layers are described in README.md ("Architecture") and ../shared/STYLE.md.

import PackageDescription

// CPU target for the hot loops (VOI, reslice, sixel packing).
// `Scripts/build` sets SIXRAY_TARGET_CPU=native when it builds from source on the machine that
// will run Sixray; without it the build is portable (baseline x86-64 / aarch64).
// Measured on the dev machine: the VOI loop goes from ~150 µs to ~30 µs per 512×512 frame with
// a native target, because LLVM can then use AVX2 for the auto-vectorized loop.
let targetCPU = Context.environment["SIXRAY_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 }
// SIXRAY_TUNED_CPU tells Imaging the build may use the CPU's vector multiply/min/max (AVX2 on
// x86-64); it then prefers its fixed-point VOI kernel over the table (see DisplayPipeline.Kernel).
let cpuSwiftSettings: [SwiftSetting] = targetCPU.map { [.unsafeFlags(["-target-cpu", $0]), .define("SIXRAY_TUNED_CPU")] } ?? []
let cpuCSettings: [CSetting] = targetCPU.map { [.unsafeFlags(["-march=\($0)"])] } ?? []

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

func systemLibrary(_ name: String, pkgConfig: String, apt: [String]) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkgConfig, providers: [.apt(apt)])
}

let package = Package(
    name: "Sixray",
    platforms: [.macOS(.v15)],
    products: [
        // `sixray` is a small launcher: the one-shot commands (view, dump) run in it, so
        // they start as fast as a C tool; everything else is handed (execv) to
        // `sixray-workstation` beside it, which links the whole workstation.
        .executable(name: "sixray", targets: ["SixrayLauncher"]),
        .executable(name: "sixray-workstation", targets: ["SixrayWorkstation"]),
        .library(name: "DICOMCore", targets: ["DICOMCore"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "DICOMCodecs", targets: ["DICOMCodecs"]),
        .library(name: "TerminalGraphics", targets: ["TerminalGraphics"]),
        .library(name: "Workstation", targets: ["Workstation"]),
        .library(name: "SixrayConfig", targets: ["SixrayConfig"]),
        .library(name: "AuditTrail", targets: ["AuditTrail"]),
        // Benchmark runners (Swift hot loops against plain C references); used by `sixray bench`
        // and by the separate Benchmarks/ package.
        .library(name: "SixrayBench", targets: ["SixrayBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // RealModule: libm's exp for the SIGMOID VOI function without importing Foundation in Imaging.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        // StudyStore's index (SQLite in WAL mode; needs libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // DICOM networking (DICOMNetwork): transport and TLS.
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.0.0"),
        // DICOMweb (QIDO-RS / WADO-RS / STOW-RS) over HTTP(S).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.0.0"),
    ],
    targets: [
        // Layer 0: system libraries (pkg-config + one shim header each).
        systemLibrary("CNcursesw", pkgConfig: "ncursesw", apt: ["libncurses-dev"]),
        systemLibrary("CSixel", pkgConfig: "libsixel", apt: ["libsixel-dev"]),
        systemLibrary("CJPEG", pkgConfig: "libjpeg", apt: ["libjpeg62-turbo-dev"]),
        systemLibrary("CPNG", pkgConfig: "libpng", apt: ["libpng-dev"]),
        systemLibrary("CCharLS", pkgConfig: "charls", apt: ["libcharls-dev"]),
        systemLibrary("COpenJPEG", pkgConfig: "libopenjp2", apt: ["libopenjp2-7-dev"]),
        systemLibrary("CZlib", pkgConfig: "zlib", apt: ["zlib1g-dev"]),

        // Layer 0: TOML and XDG paths for every configuration and data file (pure Swift, no deps).
        .target(name: "SixrayConfig", swiftSettings: swiftSettings),

        // Layer 1
        // The audit trail (JSON lines, RFC 5424 syslog) every layer that touches patient data writes to.
        .target(name: "AuditTrail", dependencies: ["SixrayConfig"], swiftSettings: swiftSettings),
        .target(name: "DICOMCore", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(
            name: "Imaging",
            dependencies: ["SixrayConfig", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: swiftSettings + cpuSwiftSettings),
        // Plain C references for the benchmarks only (never linked into the app's hot paths).
        .target(
            name: "CReference",
            cSettings: [.unsafeFlags(["-O3"])] + cpuCSettings),
        .target(
            name: "SixrayBench",
            dependencies: ["Imaging", "CReference"],
            swiftSettings: swiftSettings + cpuSwiftSettings),

        // Layer 2
        .target(
            name: "DICOMCodecs",
            dependencies: ["DICOMCore", "CJPEG", "CCharLS", "COpenJPEG", "CZlib"],
            swiftSettings: swiftSettings + cpuSwiftSettings),
        .target(
            name: "DICOMNetwork",
            dependencies: [
                "DICOMCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings),
        // The I/O-free half of DICOMweb (multipart parser, PS3.18 JSON reader, its error type):
        // no NIO, so the fuzz build stays light.
        // glibc's memmem for the multipart boundary search (not exported by Swift's Glibc module).
        .target(name: "CMemSearch"),
        .target(name: "DICOMwebCore", dependencies: ["DICOMCore", "CMemSearch"], swiftSettings: swiftSettings),
        .target(
            name: "DICOMweb",
            dependencies: [
                "DICOMCore", "DICOMwebCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings),

        // Layer 3
        .target(
            name: "StudyStore",
            dependencies: ["SixrayConfig", "AuditTrail", "DICOMCore", "DICOMCodecs", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        .target(
            name: "TerminalGraphics",
            dependencies: ["Imaging", "CSixel", "CPNG"],
            swiftSettings: swiftSettings + cpuSwiftSettings),

        // Frames to display images, series catalogues, stacks and volumes (no I/O but mapped
        // DICOM files; no networking, store or terminal).
        .target(
            name: "Rendering",
            dependencies: ["DICOMCore", "Imaging", "DICOMCodecs"],
            swiftSettings: swiftSettings),

        // Layer 4
        .target(name: "TerminalUI", dependencies: ["TerminalGraphics", "SixrayConfig", "CNcursesw"], swiftSettings: swiftSettings),

        // Layer 5
        .target(
            name: "Workstation",
            dependencies: [
                "DICOMCore", "Imaging", "DICOMCodecs", "DICOMNetwork", "DICOMweb", "Rendering",
                "StudyStore", "TerminalGraphics", "TerminalUI", "AuditTrail",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        // Layer 6: the one-shot commands shared by both executables.
        .target(
            name: "SixrayCLI",
            dependencies: [
                "DICOMCore", "Imaging", "DICOMCodecs", "Rendering", "TerminalGraphics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "SixrayLauncher",
            dependencies: ["SixrayCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings,
            // A position-dependent executable: no relative relocations to apply (and pages to
            // copy) at every start.
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(platforms: [.linux], configuration: .release))]),
        .executableTarget(
            name: "SixrayWorkstation",
            dependencies: [
                "SixrayCLI", "Rendering", "Workstation", "DICOMCore", "Imaging", "DICOMCodecs", "TerminalGraphics", "TerminalUI", "SixrayConfig", "SixrayBench",
                "StudyStore", "DICOMNetwork", "DICOMweb", "AuditTrail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/sixray",
            swiftSettings: swiftSettings),

        // Fuzz target for the PDU decoder (Scripts/fuzz-pdu); a replay tool in normal builds.
        .executableTarget(
            name: "PDUFuzz",
            dependencies: ["DICOMNetwork", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings),

        // libFuzzer targets for the Part 10 reader, the codecs and the TOML reader (Scripts/fuzz);
        // a replay tool in normal builds.
        .executableTarget(
            name: "SixrayFuzz",
            dependencies: ["DICOMCore", "DICOMCodecs", "SixrayConfig", "DICOMwebCore"],
            swiftSettings: swiftSettings),

        // Tests
        .target(
            name: "TestSupport",
            dependencies: ["DICOMCore", "Imaging"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings),
        .testTarget(name: "DICOMCoreTests", dependencies: ["DICOMCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TerminalUITests", dependencies: ["TerminalUI", "TerminalGraphics", "Imaging"],
            swiftSettings: swiftSettings),
        .testTarget(name: "SixrayConfigTests", dependencies: ["SixrayConfig"], swiftSettings: swiftSettings),
        .testTarget(name: "AuditTrailTests", dependencies: ["AuditTrail", "SixrayConfig"], swiftSettings: swiftSettings),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DICOMCodecsTests", dependencies: ["DICOMCodecs", "DICOMCore", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "WorkstationTests",
            dependencies: ["Workstation", "DICOMCore", "DICOMCodecs", "Imaging", "TerminalUI", "TerminalGraphics", "TestSupport",
                           "DICOMNetwork", "DICOMweb", .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StudyStoreTests", dependencies: ["StudyStore", "DICOMCore", "TestSupport", "AuditTrail"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DICOMNetworkTests",
            dependencies: [
                "DICOMNetwork", "DICOMCore", "Workstation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SixrayCLITests",
            dependencies: ["SixrayCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),
                .testTarget(name: "DICOMwebTests", dependencies: ["DICOMweb", "DICOMwebCore", "DICOMCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TerminalGraphicsTests", dependencies: ["TerminalGraphics", "Imaging", "TestSupport", "CSixel"],
            swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
