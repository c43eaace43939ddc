import Benchmark
import Imaging
import TerminalGraphics

// package-benchmark suite for the terminal encoders on a 512×512 grey frame. The comparison
// with libsixel in the same run is `sixray bench sixel` (GraphicsBenchmark).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2))
    var pixels = [UInt8](repeating: 0, count: 512 * 512)
    for y in 0..<512 { for x in 0..<512 {
        let dx = Double(x - 256), dy = Double(y - 256)
        pixels[y * 512 + x] = (dx * dx / 48000 + dy * dy / 30000) < 1 ? UInt8(60 + (x * 7 + y * 13) % 90) : 0
    } }
    let image = DisplayImage(width: 512, height: 512, channels: 1, pixels: pixels)
    for proto in [GraphicsProtocol.sixel, .kitty, .blocks] {
        let encoder = GraphicsEncoder(protocol: proto, options: .init(viewportCells: PixelSize(width: 120, height: 40)))
        Benchmark("encode \(proto) 512×512 grey") { benchmark in
            var out: [UInt8] = []
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                _ = try? encoder.encode(image, into: &out)
                blackHole(out)
            }
        }
    }
}
