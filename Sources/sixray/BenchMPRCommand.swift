import SixrayCLI
import ArgumentParser
import Imaging
import SixrayBench
import TerminalGraphics

/// `sixray bench mpr`: reformat kernels against C references, and one orthogonal frame from
/// volume to sixel bytes.
struct BenchMPR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpr",
        abstract: "MPR kernels (coronal, sagittal, oblique trilinear, MIP slab) against plain C references (-O3), and reformat + VOI + sixel of one frame.",
        discussion: "Runs on a synthetic 512×512×300 Int16 volume (0.7 mm pixels, 1 mm slices; about 157 MB). Prints median µs per plane, the ratio to C (target <= 1.0), and the time for one coronal and one sagittal frame from the volume to sixel bytes (target <= 16 ms).")

    @Option(help: "Volume size COLUMNSxROWSxSLICES.") var size = "512x512x300"

    func run() throws {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 >= 2 && $0 <= 4096 }), parts[2] >= 40 else {
            throw ValidationError("--size takes COLUMNSxROWSxSLICES, each 2...4096, at least 40 slices")
        }
        let volume = MPRBenchmark.syntheticVolume(columns: parts[0], rows: parts[1], slices: parts[2])
        print("volume \(parts[0])×\(parts[1])×\(parts[2]) Int16, \(volume.byteCount / 1_000_000) MB")
        print(MPRBenchmark.report(MPRBenchmark.run(volume: volume)))

        // Reformat + VOI (rescale −1024, window 40/400) + sixel, into buffers kept across frames.
        let pipeline = try DisplayPipeline(bitsStored: 16, isSigned: true, modality: .rescale(slope: 1, intercept: -1024),
                                           voi: .window(center: 40, width: 400))
        let encoder = SixelEncoder()
        print("reformat + VOI + sixel, one frame (median of 30; target <= 16 ms):")
        for orientation in [PlaneOrientation.coronal, .sagittal, .axial] {
            let request = PlaneRequest(orientation: orientation, index: parts[1] / 2, resample: false)
            let g = try volume.planeGeometry(request)
            var stored = [Int16](repeating: 0, count: g.width * g.height)
            var display = [UInt8](repeating: 0, count: g.width * g.height)
            var sixel: [UInt8] = []
            var times: [Double] = []
            var bytes = 0
            let clock = ContinuousClock()
            for _ in 0..<31 {
                let d = try clock.measure {
                    _ = try stored.withUnsafeMutableBufferPointer { try volume.rawGridPlane(request, into: $0) }
                    stored.withUnsafeBufferPointer { src in display.withUnsafeMutableBufferPointer { pipeline.apply(src, into: $0) } }
                    try encoder.encode(DisplayImage(width: g.width, height: g.height, channels: 1, pixels: display), into: &sixel)
                }
                times.append(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1e3)
                bytes = sixel.count
            }
            times.removeFirst()
            times.sort()
            let median = times[times.count / 2]
            print("  \(orientation.rawValue) \(g.width)×\(g.height): \(fmt(median)) ms (\(bytes / 1000) kB of sixel)")
        }
    }

    private func fmt(_ v: Double) -> String { String((v * 100).rounded() / 100) }
}
