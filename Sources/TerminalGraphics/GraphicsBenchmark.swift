#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Imaging

/// In-process timing of Sixray's encoders against libsixel (house style rule 7).
///
/// libsixel is given the fairest setup for a grey frame: a fixed palette of the 101 greys a
/// register can express, nearest-colour mapping, no diffusion, RGB888 input, output collected
/// through its writer callback into memory. `sixray bench sixel` prints `run(…).text`.
public enum GraphicsBenchmark {
    public struct Row: Sendable {
        public let name: String
        /// Median wall time per frame in microseconds.
        public let microseconds: Double
        /// Fastest frame: the least disturbed by other load on a shared machine.
        public let minimumMicroseconds: Double
        public let bytes: Int
    }

    public struct Report: Sendable, CustomStringConvertible {
        public let width: Int, height: Int, channels: Int, iterations: Int
        public let rows: [Row]
        public var description: String { text }
        public var text: String {
            var s = "image \(width)×\(height)×\(channels), \(iterations) iterations; µs/frame median (min)\n"
            let ref = rows.first { $0.name.hasPrefix("libsixel") }
            for r in rows {
                var line = r.name.padding(30) + fmt(r.microseconds).leftPad(10) + " µs ("
                    + fmt(r.minimumMicroseconds).leftPad(9) + ") " + String(r.bytes).leftPad(9) + " bytes"
                if let ref, r.name.hasPrefix("sixray sixel") {
                    line += "   vs libsixel: ×" + fmt(ref.microseconds / max(r.microseconds, 0.001))
                        + " faster, size ×" + fmt(Double(r.bytes) / Double(max(ref.bytes, 1)))
                    if let pack = rows.first(where: { $0.name.hasPrefix("libsixel packing") }) {
                        line += "; vs its packing alone: ×" + fmt(pack.microseconds / max(r.microseconds, 0.001))
                    }
                }
                s += line + "\n"
            }
            return s
        }
    }

    /// Times each encoder `iterations` times (after one warm-up) and reports medians.
    public static func run(image: DisplayImage, iterations: Int = 20) -> Report {
        let n = max(1, iterations)
        var rows: [Row] = []
        let sixel = SixelEncoder()
        var buffer = [UInt8]()
        rows.append(measure("sixray sixel", n) { (try? sixel.encode(image, into: &buffer)).map { buffer.count } ?? -1 })
        let palette: LibSixel.Palette = image.channels == 1 ? .greys101 : .adaptive(colors: 256)
        rows.append(measure(image.channels == 1 ? "libsixel sixel (101 greys)" : "libsixel sixel (adaptive 256)", n) {
            (try? LibSixel.encode(image, palette: palette))?.count ?? -1
        })
        if image.channels == 1 {
            // libsixel given register indices directly: its packing alone, no colour lookup.
            let grey = GreyPalette(levels: 101)
            let indices = DisplayImage(width: image.width, height: image.height, channels: 1,
                                       pixels: image.pixels.map { grey.registerFor[Int($0)] })
            let registers = grey.palette.percents.map { p in
                (SixelPalette.displayed(percent: Int(p.0)), SixelPalette.displayed(percent: Int(p.1)),
                 SixelPalette.displayed(percent: Int(p.2)))
            }
            rows.append(measure("libsixel packing only (PAL8)", n) {
                (try? LibSixel.encode(indices, palette: .indexed(registers)))?.count ?? -1
            })
        }
        let kitty = KittyEncoder()
        rows.append(measure("sixray kitty (raw RGB)", n) { kitty.encode(image, into: &buffer); return buffer.count })
        let kittyPNG = KittyEncoder(options: .init(format: .png))
        rows.append(measure("sixray kitty (PNG)", n) { kittyPNG.encode(image, into: &buffer); return buffer.count })
        let blocks = HalfBlockEncoder(options: .init(colorMode: .trueColor))
        let cells = fitted(image, toPixels: (80, 48), filter: .bilinear)
        rows.append(measure("sixray half-blocks 80×24", n) { blocks.encode(cells, into: &buffer); return buffer.count })
        return Report(width: image.width, height: image.height, channels: image.channels, iterations: n, rows: rows)
    }

    static func measure(_ name: String, _ n: Int, _ body: () -> Int) -> Row {
        _ = body()
        var times: [Double] = []
        var bytes = 0
        for _ in 0..<n {
            let t0 = monotonicMicroseconds()
            bytes = body()
            times.append(monotonicMicroseconds() - t0)
        }
        times.sort()
        return Row(name: name, microseconds: times[times.count / 2], minimumMicroseconds: times[0], bytes: bytes)
    }

    static func monotonicMicroseconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
    }
}

private func fmt(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    return "\(r)"
}

extension String {
    fileprivate func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
