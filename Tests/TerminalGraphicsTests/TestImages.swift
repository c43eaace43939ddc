import Imaging

/// Synthetic images for the encoder tests.
enum TestImages {
    /// A CT-like slice: dark air outside, a soft-tissue ellipse with a smooth gradient, bright
    /// "bone" ring and deterministic speckle noise, so most registers occur in most bands.
    static func ctLike(width: Int = 512, height: Int = 512) -> DisplayImage {
        var px = [UInt8](repeating: 0, count: width * height)
        var seed: UInt32 = 12345
        for y in 0..<height {
            for x in 0..<width {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                let noise = Int(seed >> 28) - 8
                let dx = (Double(x) - Double(width) / 2) / (Double(width) * 0.42)
                let dy = (Double(y) - Double(height) / 2) / (Double(height) * 0.36)
                let r = (dx * dx + dy * dy).squareRoot()
                var v: Int
                if r > 1 { v = 0 }
                else if r > 0.92 { v = 235 + noise }
                else { v = 70 + Int(110 * Double(x) / Double(width)) + Int(40 * Double(y) / Double(height)) + noise }
                px[y * width + x] = UInt8(max(0, min(255, v)))
            }
        }
        return DisplayImage(width: width, height: height, channels: 1, pixels: px)
    }

    /// Every grey value 0…255 once per row, `rows` rows.
    static func allGreys(rows: Int = 13) -> DisplayImage {
        var px = [UInt8]()
        for y in 0..<rows { for x in 0..<256 { px.append(UInt8((x + y * 7) & 255)) } }
        return DisplayImage(width: 256, height: rows, channels: 1, pixels: px)
    }

    /// A smooth RGB gradient.
    static func rgbGradient(width: Int = 128, height: Int = 96) -> DisplayImage {
        var px = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                px.append(UInt8(x * 255 / max(1, width - 1)))
                px.append(UInt8(y * 255 / max(1, height - 1)))
                px.append(UInt8((x + y) * 255 / max(1, width + height - 2)))
            }
        }
        return DisplayImage(width: width, height: height, channels: 3, pixels: px)
    }

    static func toRGB(_ image: DisplayImage) -> DisplayImage {
        guard image.channels == 1 else { return image }
        return DisplayImage(width: image.width, height: image.height, channels: 3,
                            pixels: image.pixels.flatMap { [$0, $0, $0] })
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var se = 0.0
        for i in 0..<a.count { let d = Double(a[i]) - Double(b[i]); se += d * d }
        let mse = se / Double(a.count)
        return mse == 0 ? .infinity : 10 * _log10(255 * 255 / mse)
    }

    static func boxBlur(_ image: DisplayImage, radius: Int) -> [UInt8] {
        let w = image.width, h = image.height, ch = image.channels
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        for y in 0..<h { for x in 0..<w { for c in 0..<ch {
            var s = 0, n = 0
            for yy in max(0, y - radius)...min(h - 1, y + radius) {
                for xx in max(0, x - radius)...min(w - 1, x + radius) {
                    s += Int(image.pixels[(yy * w + xx) * ch + c]); n += 1
                }
            }
            out[(y * w + x) * ch + c] = UInt8((s + n / 2) / n)
        } } }
        return out
    }
}

private func _log10(_ x: Double) -> Double {
    // Avoid Foundation: log10 via natural log series is overkill; use the stdlib's log10 on Double.
    var v = x, e = 0.0
    while v >= 10 { v /= 10; e += 1 }
    while v < 1 { v *= 10; e -= 1 }
    // ln via atanh series, accurate to ~1e-12 for v in [1, 10).
    let z = (v - 1) / (v + 1)
    var term = z, sum = 0.0, k = 1.0
    for _ in 0..<60 { sum += term / k; term *= z * z; k += 2 }
    return e + 2 * sum / 2.302585092994046
}
