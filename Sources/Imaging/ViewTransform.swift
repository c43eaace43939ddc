/// Where a 2-D image lands in a viewport: fit to the viewport with the pixel spacing's aspect
/// ratio, then zoom, pan, quarter-turn rotation and flips, as a reading workstation applies
/// them (PS3.3 C.10.4 Displayed Area describes the same chain for presentation states).
///
/// Coordinates are continuous pixel coordinates: the centre of source pixel (i, j) is at
/// (i + 0.5, j + 0.5), and likewise for viewport pixels. `toSource` and `toViewport` are exact
/// inverses; `resample` fills a viewport image by mapping each output pixel centre back.
public struct ViewTransform: Sendable, Equatable {
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// Millimetres between columns (x) and between rows (y); 1 when unknown.
    public var columnSpacing: Double
    public var rowSpacing: Double
    public var viewportWidth: Int
    public var viewportHeight: Int
    /// 1 = the whole image fits the viewport.
    public var zoom: Double
    /// Offset of the image centre from the viewport centre, in viewport pixels.
    public var panX: Double
    public var panY: Double
    /// Clockwise quarter turns (0…3).
    public var quarterTurns: Int
    public var flipHorizontal: Bool
    public var flipVertical: Bool
    /// Tests: skip the separable fast path.
    var forceGeneral = false

    public init(sourceWidth: Int, sourceHeight: Int, columnSpacing: Double = 1, rowSpacing: Double = 1,
                viewportWidth: Int, viewportHeight: Int, zoom: Double = 1, panX: Double = 0, panY: Double = 0,
                quarterTurns: Int = 0, flipHorizontal: Bool = false, flipVertical: Bool = false) {
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.columnSpacing = columnSpacing > 0 && columnSpacing.isFinite ? columnSpacing : 1
        self.rowSpacing = rowSpacing > 0 && rowSpacing.isFinite ? rowSpacing : 1
        self.viewportWidth = viewportWidth
        self.viewportHeight = viewportHeight
        self.zoom = zoom > 0 && zoom.isFinite ? zoom : 1
        self.panX = panX
        self.panY = panY
        self.quarterTurns = ((quarterTurns % 4) + 4) % 4
        self.flipHorizontal = flipHorizontal
        self.flipVertical = flipVertical
    }

    /// Viewport pixels per millimetre.
    public var scale: Double {
        var w = Double(sourceWidth) * columnSpacing, h = Double(sourceHeight) * rowSpacing
        if quarterTurns % 2 == 1 { swap(&w, &h) }
        guard w > 0, h > 0 else { return 1 }
        return min(Double(viewportWidth) / w, Double(viewportHeight) / h) * zoom
    }

    /// Viewport pixel coordinates → source pixel coordinates.
    public func toSource(x u: Double, y v: Double) -> (x: Double, y: Double) {
        let s = scale
        var mx = (u - Double(viewportWidth) / 2 - panX) / s
        var my = (v - Double(viewportHeight) / 2 - panY) / s
        if flipHorizontal { mx = -mx }
        if flipVertical { my = -my }
        for _ in 0..<quarterTurns { (mx, my) = (my, -mx) } // undo one clockwise turn
        return (mx / columnSpacing + Double(sourceWidth) / 2, my / rowSpacing + Double(sourceHeight) / 2)
    }

    /// Source pixel coordinates → viewport pixel coordinates.
    public func toViewport(x: Double, y: Double) -> (x: Double, y: Double) {
        let s = scale
        var mx = (x - Double(sourceWidth) / 2) * columnSpacing
        var my = (y - Double(sourceHeight) / 2) * rowSpacing
        for _ in 0..<quarterTurns { (mx, my) = (-my, mx) } // one clockwise turn (y down)
        if flipHorizontal { mx = -mx }
        if flipVertical { my = -my }
        return (mx * s + Double(viewportWidth) / 2 + panX, my * s + Double(viewportHeight) / 2 + panY)
    }

    /// Fills a `viewportWidth` × `viewportHeight` image from `source` (grey or RGB, 8 bit):
    /// bilinear when magnifying, nearest when shrinking by 2 or more (where bilinear would
    /// only blur); black outside the image.
    public func resample(_ source: DisplayImage) -> DisplayImage {
        var out = DisplayImage(width: viewportWidth, height: viewportHeight, channels: source.channels)
        guard source.width > 0, source.height > 0, viewportWidth > 0, viewportHeight > 0 else { return out }
        // The mapping is affine: x = x0 + u·dxu + v·dxv, likewise y.
        let o = toSource(x: 0.5, y: 0.5)
        let pu = toSource(x: 1.5, y: 0.5), pv = toSource(x: 0.5, y: 1.5)
        let dxu = pu.x - o.x, dyu = pu.y - o.y, dxv = pv.x - o.x, dyv = pv.y - o.y
        let minifying = (dxu * dxu + dyu * dyu).squareRoot() >= 2
        let sw = source.width, sh = source.height, ch = source.channels
        // No rotation or quarter turns only: the source column depends on one output axis and
        // the row on the other, so weights are computed once per column and row (the case of
        // every frame while scrolling).
        if !forceGeneral, !minifying, ch == 1, dxv == 0, dyu == 0 {
            resampleSeparable(source, into: &out, x0: o.x, dx: dxu, y0: o.y, dy: dyv, swapped: false)
            return out
        }
        if !forceGeneral, !minifying, ch == 1, dxu == 0, dyv == 0 {
            resampleSeparable(source, into: &out, x0: o.x, dx: dxv, y0: o.y, dy: dyu, swapped: true)
            return out
        }
        source.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for v in 0..<viewportHeight {
                    var x = o.x + Double(v) * dxv - 0.5
                    var y = o.y + Double(v) * dyv - 0.5
                    var d = v * viewportWidth * ch
                    for _ in 0..<viewportWidth {
                        defer { x += dxu; y += dyu; d += ch }
                        if minifying {
                            let xi = Int((x + 0.5).rounded(.down)), yi = Int((y + 0.5).rounded(.down))
                            guard xi >= 0, yi >= 0, xi < sw, yi < sh else { continue }
                            let s = (yi * sw + xi) * ch
                            for c in 0..<ch { dst[d + c] = src[s + c] }
                            continue
                        }
                        guard x > -1, y > -1, x < Double(sw), y < Double(sh) else { continue }
                        let fx = x.rounded(.down), fy = y.rounded(.down)
                        let x0 = Int(fx), y0 = Int(fy)
                        let ax = x - fx, ay = y - fy
                        let xa = max(0, x0), xb = min(sw - 1, x0 + 1)
                        let ya = max(0, y0), yb = min(sh - 1, y0 + 1)
                        for c in 0..<ch {
                            let p00 = Double(src[(ya * sw + xa) * ch + c]), p10 = Double(src[(ya * sw + xb) * ch + c])
                            let p01 = Double(src[(yb * sw + xa) * ch + c]), p11 = Double(src[(yb * sw + xb) * ch + c])
                            let top = p00 + (p10 - p00) * ax, bottom = p01 + (p11 - p01) * ax
                            dst[d + c] = UInt8(top + (bottom - top) * ay + 0.5)
                        }
                    }
                }
            }
        }
        return out
    }
}

extension ViewTransform {
    /// Bilinear resampling of a grey image when source x is a function of one output axis and
    /// source y of the other (`swapped`: x follows the output row, y the output column).
    /// Weights in 8-bit fixed point; the result equals the floating-point bilinear value
    /// within one grey level.
    func resampleSeparable(_ source: DisplayImage, into out: inout DisplayImage, x0: Double, dx: Double,
                           y0: Double, dy: Double, swapped: Bool) {
        let sw = source.width, sh = source.height
        let W = viewportWidth, H = viewportHeight
        // Per output index along the axis that drives source x: left column, right column, weight;
        // a negative column marks "outside".
        func table(count: Int, start: Double, step: Double, limit: Int) -> (a: [Int32], b: [Int32], w: [Int32]) {
            var a = [Int32](repeating: -1, count: count), b = [Int32](repeating: 0, count: count), w = [Int32](repeating: 0, count: count)
            for k in 0..<count {
                let p = start + Double(k) * step - 0.5
                guard p > -1, p < Double(limit) else { continue }
                let f = p.rounded(.down)
                let i = Int(f)
                a[k] = Int32(max(0, i))
                b[k] = Int32(min(limit - 1, i + 1))
                w[k] = Int32(((p - f) * 256).rounded())
            }
            return (a, b, w)
        }
        let xs = table(count: swapped ? H : W, start: x0, step: dx, limit: sw)
        let ys = table(count: swapped ? W : H, start: y0, step: dy, limit: sh)
        source.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                if !swapped {
                    for v in 0..<H {
                        let ya = ys.a[v]
                        guard ya >= 0 else { continue }
                        let rowA = Int(ya) * sw, rowB = Int(ys.b[v]) * sw
                        let wy = ys.w[v], wy1 = 256 - wy
                        let d = v * W
                        for u in 0..<W {
                            let xa = xs.a[u]
                            guard xa >= 0 else { continue }
                            let xb = Int(xs.b[u]), wx = xs.w[u], wx1 = 256 - wx
                            let top = Int32(src[rowA + Int(xa)]) * wx1 + Int32(src[rowA + xb]) * wx
                            let bottom = Int32(src[rowB + Int(xa)]) * wx1 + Int32(src[rowB + xb]) * wx
                            dst[d + u] = UInt8(truncatingIfNeeded: (top * wy1 + bottom * wy + 32768) >> 16)
                        }
                    }
                } else {
                    for v in 0..<H {
                        let xa = xs.a[v]
                        guard xa >= 0 else { continue }
                        let xb = Int(xs.b[v]), wx = xs.w[v], wx1 = 256 - wx
                        let d = v * W
                        for u in 0..<W {
                            let ya = ys.a[u]
                            guard ya >= 0 else { continue }
                            let rowA = Int(ya) * sw, rowB = Int(ys.b[u]) * sw
                            let wy = ys.w[u], wy1 = 256 - wy
                            let top = Int32(src[rowA + Int(xa)]) * wx1 + Int32(src[rowA + xb]) * wx
                            let bottom = Int32(src[rowB + Int(xa)]) * wx1 + Int32(src[rowB + xb]) * wx
                            dst[d + u] = UInt8(truncatingIfNeeded: (top * wy1 + bottom * wy + 32768) >> 16)
                        }
                    }
                }
            }
        }
    }

    /// The floating-point path for every case (the reference the fast paths are tested against).
    public func resampleReference(_ source: DisplayImage) -> DisplayImage {
        var t = self
        t.forceGeneral = true
        return t.resample(source)
    }
}

/// Linear windowing of real-valued (modality) samples to 8 bits, PS3.3 C.11.2.1.2.1, for
/// planes computed in floating point (reformats, slabs), optionally inverted.
public func windowed(_ values: [Float], width: Int, height: Int, center: Double, windowWidth: Double,
                     invert: Bool = false) -> DisplayImage {
    var out = DisplayImage(width: width, height: height, channels: 1)
    let w = max(1, windowWidth)
    // y = ((x − (c − 0.5)) / (w − 1) + 0.5) · 255, clamped.
    let a = Float(255 / max(1e-9, w - 1)), b = Float(-(center - 0.5) * 255 / max(1e-9, w - 1) + 127.5)
    let n = min(values.count, width * height)
    values.withUnsafeBufferPointer { src in
        out.pixels.withUnsafeMutableBufferPointer { dst in
            for i in 0..<n {
                var y = src[i] * a + b
                y = y >= 0 ? (y > 255 ? 255 : y) : 0 // NaN → 0
                if invert { y = 255 - y }
                dst[i] = UInt8(y + 0.5 > 255 ? 255 : y + 0.5)
            }
        }
    }
    return out
}
