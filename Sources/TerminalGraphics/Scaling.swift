import Imaging

/// How a frame is resampled to the viewport's pixel size.
public enum ScaleFilter: Sendable, Equatable {
    /// Pixel replication: crisp voxels at magnification, as a reader expects when zooming in.
    case nearest
    /// Bilinear interpolation when enlarging; area averaging when reducing (so that a 4× reduction
    /// does not alias noise into the thumbnail).
    case bilinear
    /// `nearest` when enlarging (zoom ≥ 1), `bilinear` when reducing.
    case automatic

    func resolved(scale: Double) -> ScaleFilter {
        guard self == .automatic else { return self }
        return scale >= 1 ? .nearest : .bilinear
    }
}

/// Scales `image` to exactly `width`×`height`.
public func resized(_ image: DisplayImage, width: Int, height: Int, filter: ScaleFilter = .automatic) -> DisplayImage {
    let w = max(1, width), h = max(1, height)
    if w == image.width && h == image.height { return image }
    guard image.width > 0, image.height > 0 else { return DisplayImage(width: w, height: h, channels: image.channels) }
    let scale = min(Double(w) / Double(image.width), Double(h) / Double(image.height))
    let ch = image.channels
    var out = [UInt8](repeating: 0, count: w * h * ch)
    let sw = image.width, sh = image.height
    switch filter.resolved(scale: scale) {
    case .nearest, .automatic:
        let xs = (0..<w).map { min(sw - 1, ((2 * $0 + 1) * sw) / (2 * w)) * ch }  // sample at centres
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let sy = min(sh - 1, ((2 * y + 1) * sh) / (2 * h))
                    let srow = sy * sw * ch
                    var o = y * w * ch
                    for x in 0..<w {
                        for c in 0..<ch { dst[o + c] = src[srow + xs[x] + c] }
                        o += ch
                    }
                }
            }
        }
    case .bilinear:
        if Double(w) < Double(sw) / 1.5 || Double(h) < Double(sh) / 1.5 {
            areaAverage(image, w, h, &out)
        } else {
            bilinear(image, w, h, &out)
        }
    }
    return DisplayImage(width: w, height: h, channels: ch, pixels: out)
}

/// Scales `image` to fit inside `toPixels`, keeping its aspect ratio (square pixels assumed;
/// callers correct anisotropic pixel spacing before).
public func fitted(_ image: DisplayImage, toPixels box: (width: Int, height: Int), filter: ScaleFilter = .automatic) -> DisplayImage {
    guard image.width > 0, image.height > 0 else { return image }
    let s = min(Double(box.width) / Double(image.width), Double(box.height) / Double(image.height))
    let w = max(1, min(box.width, Int((Double(image.width) * s).rounded())))
    let h = max(1, min(box.height, Int((Double(image.height) * s).rounded())))
    return resized(image, width: w, height: h, filter: filter)
}

private func bilinear(_ image: DisplayImage, _ w: Int, _ h: Int, _ out: inout [UInt8]) {
    let ch = image.channels, sw = image.width, sh = image.height
    // Pixel centres aligned: source coordinate of destination x is (x + ½)·sw/w − ½.
    func axis(_ n: Int, _ sn: Int) -> [(Int, Int, Int)] {
        (0..<n).map { i in
            let f = max(0, (Double(i) + 0.5) * Double(sn) / Double(n) - 0.5)
            let i0 = min(sn - 1, Int(f))
            let i1 = min(sn - 1, i0 + 1)
            return (i0, i1, Int(((f - Double(i0)) * 256).rounded()))
        }
    }
    let xa = axis(w, sw), ya = axis(h, sh)
    image.pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<h {
                let (y0, y1, fy) = ya[y]
                for x in 0..<w {
                    let (x0, x1, fx) = xa[x]
                    for c in 0..<ch {
                        let a = Int(src[(y0 * sw + x0) * ch + c]), b = Int(src[(y0 * sw + x1) * ch + c])
                        let cc = Int(src[(y1 * sw + x0) * ch + c]), d = Int(src[(y1 * sw + x1) * ch + c])
                        let top = a * (256 - fx) + b * fx, bottom = cc * (256 - fx) + d * fx
                        dst[(y * w + x) * ch + c] = UInt8((top * (256 - fy) + bottom * fy + 32768) >> 16)
                    }
                }
            }
        }
    }
}

private func areaAverage(_ image: DisplayImage, _ w: Int, _ h: Int, _ out: inout [UInt8]) {
    let ch = image.channels, sw = image.width, sh = image.height
    image.pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<h {
                let ya = y * sh / h, yb = max(ya + 1, (y + 1) * sh / h)
                for x in 0..<w {
                    let xa = x * sw / w, xb = max(xa + 1, (x + 1) * sw / w)
                    let n = (yb - ya) * (xb - xa)
                    for c in 0..<ch {
                        var s = 0
                        for yy in ya..<yb { for xx in xa..<xb { s += Int(src[(yy * sw + xx) * ch + c]) } }
                        dst[(y * w + x) * ch + c] = UInt8((s + n / 2) / n)
                    }
                }
            }
        }
    }
}

/// Lays out `images` as thumbnails in a grid (row-major) on a black canvas, for `view --montage`.
///
/// - Parameters:
///   - columns: grid columns; nil chooses ⌈√n⌉.
///   - cell: thumbnail box in pixels; each image is fitted (aspect kept) and centred in it.
///   - gap: pixels between cells.
/// The canvas is RGB if any input is RGB, grey otherwise.
public func montage(_ images: [DisplayImage], columns: Int? = nil, cell: (width: Int, height: Int),
                    gap: Int = 2) -> DisplayImage {
    let n = max(1, images.count)
    var cols = columns ?? 1
    if columns == nil { while cols * cols < n { cols += 1 } }
    cols = max(1, min(cols, n))
    let rows = (n + cols - 1) / cols
    let ch = images.contains { $0.channels == 3 } ? 3 : 1
    let cw = max(1, cell.width), chh = max(1, cell.height), g = max(0, gap)
    let W = cols * cw + (cols - 1) * g, H = rows * chh + (rows - 1) * g
    var canvas = [UInt8](repeating: 0, count: W * H * ch)
    for (i, image) in images.enumerated() {
        var thumb = fitted(image, toPixels: (cw, chh), filter: .bilinear)
        if thumb.channels != ch {
            thumb = DisplayImage(width: thumb.width, height: thumb.height, channels: 3,
                                 pixels: thumb.pixels.flatMap { [$0, $0, $0] })
        }
        let ox = (i % cols) * (cw + g) + (cw - thumb.width) / 2
        let oy = (i / cols) * (chh + g) + (chh - thumb.height) / 2
        for y in 0..<thumb.height {
            let d = ((oy + y) * W + ox) * ch
            let s = y * thumb.width * ch
            canvas.replaceSubrange(d..<(d + thumb.width * ch), with: thumb.pixels[s..<(s + thumb.width * ch)])
        }
    }
    return DisplayImage(width: W, height: H, channels: ch, pixels: canvas)
}
