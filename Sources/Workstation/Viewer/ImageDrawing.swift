import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// Lines and marks drawn into an 8-bit viewport image (measurements, reference lines, scale
/// bar, cursor). Drawn after resampling, so they stay one pixel wide at every zoom.
extension DisplayImage {
    mutating func plot(_ x: Int, _ y: Int, _ v: UInt8) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * channels
        for c in 0..<channels { pixels[i + c] = v }
    }

    /// A line from (x0, y0) to (x1, y1) in viewport pixels; `dash` > 0 draws dashes of that length.
    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, value: UInt8, dash: Int = 0, outline: Bool = true) {
        guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return }
        let dx = x1 - x0, dy = y1 - y0
        let steps = Int(max(abs(dx), abs(dy)).rounded(.up))
        guard steps > 0, steps < 100_000 else { plot(Int(x0), Int(y0), value); return }
        let horizontal = abs(dx) >= abs(dy)
        for k in 0...steps {
            if dash > 0, (k / dash) % 2 == 1 { continue }
            let t = Double(k) / Double(steps)
            let x = Int((x0 + dx * t).rounded(.down)), y = Int((y0 + dy * t).rounded(.down))
            if outline {
                // A dark edge on both sides keeps a white line visible on bright tissue.
                if horizontal { plot(x, y - 1, 0); plot(x, y + 1, 0) } else { plot(x - 1, y, 0); plot(x + 1, y, 0) }
            }
            plot(x, y, value)
        }
    }

    mutating func crosshair(_ x: Double, _ y: Double, size: Double, value: UInt8) {
        line(x - size, y, x - 3, y, value: value)
        line(x + 3, y, x + size, y, value: value)
        line(x, y - size, x, y - 3, value: value)
        line(x, y + 3, x, y + size, value: value)
    }
}

/// What a measurement reads, from the plane's values and spacing.
public enum MeasurementReadout {
    public static func text(_ m: Measurement, plane p: PlaneImage) -> String {
        let cs = p.columnSpacing, rs = p.rowSpacing
        func mm(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
            let dx = (b.x - a.x) * cs, dy = (b.y - a.y) * rs
            return (dx * dx + dy * dy).squareRoot()
        }
        switch m.kind {
        case .distance:
            return "\(fmt1(mm(m.points[0], m.points[1]))) mm"
        case .angle:
            let a = m.points[0], v = m.points[1], b = m.points[2]
            let ux = (a.x - v.x) * cs, uy = (a.y - v.y) * rs, wx = (b.x - v.x) * cs, wy = (b.y - v.y) * rs
            let nu = (ux * ux + uy * uy).squareRoot(), nw = (wx * wx + wy * wy).squareRoot()
            guard nu > 0, nw > 0 else { return "angle: points coincide" }
            let c = max(-1, min(1, (ux * wx + uy * wy) / (nu * nw)))
            return "\(fmt1(acosDegrees(c)))°"
        case .ellipse, .rectangle:
            guard let s = roiStatistics(m, plane: p) else { return "ROI outside the image" }
            let unit = p.modality == "CT" ? " HU" : ""
            return "mean \(fmt1(s.mean))\(unit) SD \(fmt1(s.sd)) min \(fmt1(s.min)) max \(fmt1(s.max)) area \(fmt1(s.area)) mm² (\(s.count) px)"
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var mean, sd, min, max, area: Double
        public var count: Int
    }

    /// Mean, SD, min and max of the pixels whose centres lie inside the ROI; the area is the
    /// geometric area of the shape in mm².
    public static func roiStatistics(_ m: Measurement, plane p: PlaneImage) -> Statistics? {
        guard m.points.count >= 2, p.values.count == p.width * p.height else { return nil }
        let a = m.points[0], b = m.points[1]
        let x0 = min(a.x, b.x), x1 = max(a.x, b.x), y0 = min(a.y, b.y), y1 = max(a.y, b.y)
        let cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, rx = (x1 - x0) / 2, ry = (y1 - y0) / 2
        var n = 0, sum = 0.0, sum2 = 0.0, lo = Double.infinity, hi = -Double.infinity
        let ix0 = Swift.max(0, Int(x0.rounded(.down))), ix1 = Swift.min(p.width - 1, Int(x1.rounded(.up)))
        let iy0 = Swift.max(0, Int(y0.rounded(.down))), iy1 = Swift.min(p.height - 1, Int(y1.rounded(.up)))
        guard ix0 <= ix1, iy0 <= iy1 else { return nil }
        for y in iy0...iy1 {
            for x in ix0...ix1 {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                if m.kind == .ellipse {
                    guard rx > 0, ry > 0 else { continue }
                    let u = (px - cx) / rx, v = (py - cy) / ry
                    if u * u + v * v > 1 { continue }
                } else if px < x0 || px > x1 || py < y0 || py > y1 {
                    continue
                }
                let val = Double(p.values[y * p.width + x])
                n += 1
                sum += val
                sum2 += val * val
                lo = Swift.min(lo, val)
                hi = Swift.max(hi, val)
            }
        }
        guard n > 0 else { return nil }
        let mean = sum / Double(n)
        let variance = n > 1 ? Swift.max(0, (sum2 - sum * mean) / Double(n - 1)) : 0
        let w = (x1 - x0) * p.columnSpacing, h = (y1 - y0) * p.rowSpacing
        let area = m.kind == .ellipse ? Double.pi * w * h / 4 : w * h
        return Statistics(mean: mean, sd: variance.squareRoot(), min: lo, max: hi, area: area, count: n)
    }
}

/// arccos in degrees.
func acosDegrees(_ c: Double) -> Double { acos(c) * 180 / Double.pi }
