import CSixel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Imaging

/// Thin wrapper over libsixel (1.10) used as the reference encoder in benchmarks, as the optional
/// adaptive quantiser for RGB frames, and as an independent decoder in tests.
public enum LibSixel {
    public enum Palette: Sendable {
        /// Exactly these registers (8-bit RGB); pixels map to the nearest, no diffusion.
        case custom([(UInt8, UInt8, UInt8)])
        /// libsixel's median-cut palette of at most `colors` registers, no diffusion.
        case adaptive(colors: Int)
        /// The input is already register indices (one byte per pixel, `DisplayImage` with one
        /// channel) into these registers: libsixel only packs (SIXEL_PIXELFORMAT_PAL8), which
        /// isolates its encoder from its colour lookup in benchmarks.
        case indexed([(UInt8, UInt8, UInt8)])
        /// The 101 greys a percent register can express: the fair reference for grey frames.
        public static var greys101: Palette {
            .custom((0...100).map { p in
                let v = SixelPalette.displayed(percent: p)
                return (v, v, v)
            })
        }
    }

    /// Collects libsixel's output through its writer callback (no file, no stdout).
    private final class Sink {
        var bytes: [UInt8] = []
    }

    /// Encodes with `sixel_encode`, output collected in memory via the writer callback.
    public static func encode(_ image: DisplayImage, palette: Palette) throws(GraphicsError) -> [UInt8] {
        var indexedInput = false
        if case .indexed = palette { indexedInput = true }
        var rgb = image.channels == 3 || indexedInput ? image.pixels : expandToRGB(image.pixels)
        let sink = Sink()
        sink.bytes.reserveCapacity(image.width * image.height)
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        let write: sixel_write_function = { data, size, priv in
            guard let data, let priv, size > 0 else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(priv).takeUnretainedValue()
            data.withMemoryRebound(to: UInt8.self, capacity: Int(size)) { p in
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: Int(size)))
            }
            return size
        }
        var output: OpaquePointer?
        guard sixel_output_new(&output, write, unmanaged.toOpaque(), nil) == SIXEL_OK, let output else {
            throw GraphicsError(.libsixelFailed, "sixel_output_new failed")
        }
        defer { sixel_output_unref(output) }
        var dither: OpaquePointer?
        let status: SIXELSTATUS = rgb.withUnsafeMutableBufferPointer { px -> SIXELSTATUS in
            switch palette {
            case .custom(let colours), .indexed(let colours):
                guard sixel_dither_new(&dither, Int32(colours.count), nil) == SIXEL_OK, let dither else {
                    return SIXEL_FALSE
                }
                var flat = colours.flatMap { [$0.0, $0.1, $0.2] }
                flat.withUnsafeMutableBufferPointer { sixel_dither_set_palette(dither, $0.baseAddress) }
            case .adaptive(let colors):
                guard sixel_dither_new(&dither, Int32(max(2, min(256, colors))), nil) == SIXEL_OK,
                      let dither else { return SIXEL_FALSE }
                let s = sixel_dither_initialize(
                    dither, px.baseAddress, Int32(image.width), Int32(image.height),
                    SIXEL_PIXELFORMAT_RGB888, SIXEL_LARGE_AUTO, SIXEL_REP_AUTO, SIXEL_QUALITY_AUTO)
                if s != SIXEL_OK { return s }
            }
            guard let dither else { return SIXEL_FALSE }
            sixel_dither_set_diffusion_type(dither, SIXEL_DIFFUSE_NONE)
            sixel_dither_set_pixelformat(dither, indexedInput ? SIXEL_PIXELFORMAT_PAL8 : SIXEL_PIXELFORMAT_RGB888)
            defer { sixel_dither_unref(dither) }
            return sixel_encode(px.baseAddress, Int32(image.width), Int32(image.height), 8, dither, output)
        }
        guard status == SIXEL_OK else {
            throw GraphicsError(.libsixelFailed, "sixel_encode returned 0x\(String(status, radix: 16))")
        }
        return sink.bytes
    }

    /// Decodes a sixel sequence with `sixel_decode_raw` into an RGB image (test oracle).
    public static func decode(_ sixel: [UInt8]) throws(GraphicsError) -> DisplayImage {
        var bytes = sixel
        var pixels: UnsafeMutablePointer<UInt8>?
        var palette: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0, ncolors: Int32 = 0
        let status = bytes.withUnsafeMutableBufferPointer {
            sixel_decode_raw($0.baseAddress, Int32($0.count), &pixels, &w, &h, &palette, &ncolors, nil)
        }
        defer { free(pixels); free(palette) }
        guard status == SIXEL_OK, let pixels, let palette, w > 0, h > 0 else {
            throw GraphicsError(.libsixelFailed, "sixel_decode_raw returned 0x\(String(status, radix: 16))")
        }
        let count = Int(w) * Int(h)
        var out = [UInt8](repeating: 0, count: count * 3)
        for i in 0..<count {
            let c = Int(pixels[i])
            out[3 * i] = palette[3 * c]
            out[3 * i + 1] = palette[3 * c + 1]
            out[3 * i + 2] = palette[3 * c + 2]
        }
        return DisplayImage(width: Int(w), height: Int(h), channels: 3, pixels: out)
    }

    static func expandToRGB(_ grey: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: grey.count * 3)
        for i in 0..<grey.count {
            out[3 * i] = grey[i]; out[3 * i + 1] = grey[i]; out[3 * i + 2] = grey[i]
        }
        return out
    }
}
