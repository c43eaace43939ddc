import CPNG
import Imaging

/// PNG through libpng's simplified API (`png_image_*`, libpng ≥ 1.6), which reports errors in
/// `png_image.message` instead of `longjmp`, so no setjmp shim is needed.
public enum PNGCodec {
    /// 8-bit grey (channels 1) or RGB (channels 3) PNG bytes.
    public static func encode(_ image: DisplayImage) throws(GraphicsError) -> [UInt8] {
        var pixels = image.pixels
        return try pixels.withUnsafeMutableBytes { buf in
            Result { () throws(GraphicsError) -> [UInt8] in
                try encode(raw: buf.baseAddress, width: image.width, height: image.height,
                           format: image.channels == 1 ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB),
                           what: "\(image.width)×\(image.height)×\(image.channels)")
            }
        }.get()
    }

    /// 16-bit grey PNG (samples stored big-endian in the file as PNG requires; input native).
    /// libpng's simplified API tags 16-bit data as linear (gAMA 1.0); viewers may brighten it, but
    /// the sample values round-trip exactly, which is what exports of raw data need.
    public static func encodeGrey16(width: Int, height: Int, samples: [UInt16]) throws(GraphicsError) -> [UInt8] {
        guard samples.count == width * height else {
            throw GraphicsError(.invalidImage, "PNG: \(samples.count) samples for \(width)×\(height)")
        }
        var s = samples
        return try s.withUnsafeMutableBytes { buf in
            Result { () throws(GraphicsError) -> [UInt8] in
                try encode(raw: buf.baseAddress, width: width, height: height,
                           format: UInt32(PNG_FORMAT_LINEAR_Y), what: "\(width)×\(height) grey16")
            }
        }.get()
    }

    private static func encode(raw: UnsafeMutableRawPointer?, width: Int, height: Int, format: UInt32,
                               what: String) throws(GraphicsError) -> [UInt8] {
        guard width > 0, height > 0, width < 1 << 24, height < 1 << 24, let raw else {
            throw GraphicsError(.invalidImage, "PNG: cannot encode \(what)")
        }
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(width)
        img.height = UInt32(height)
        img.format = format
        var size: Int = 0
        guard png_image_write_to_memory(&img, nil, &size, 0, raw, 0, nil) != 0, size > 0 else {
            throw GraphicsError(.pngFailed, "PNG size query for \(what): \(message(img))")
        }
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&img, $0.baseAddress, &size, 0, raw, 0, nil) }
        png_image_free(&img)
        guard ok != 0 else { throw GraphicsError(.pngFailed, "PNG write of \(what): \(message(img))") }
        out.removeSubrange(size...)
        return out
    }

    /// Writes a PNG file.
    public static func write(_ image: DisplayImage, toFile path: String) throws(GraphicsError) {
        let bytes = try encode(image)
        try FileOutput.write(bytes, toPath: path)
    }

    /// Decodes an 8-bit grey or RGB PNG (other formats are converted by libpng to RGB).
    public static func decode(_ data: [UInt8]) throws(GraphicsError) -> DisplayImage {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        var bytes = data
        let begun = bytes.withUnsafeMutableBytes { png_image_begin_read_from_memory(&img, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw GraphicsError(.pngFailed, "PNG header: \(message(img))") }
        let grey = (img.format & UInt32(PNG_FORMAT_FLAG_COLOR)) == 0
        img.format = grey ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB)
        let channels = grey ? 1 : 3
        let w = Int(img.width), h = Int(img.height)
        var pixels = [UInt8](repeating: 0, count: w * h * channels)
        let ok = bytes.withUnsafeMutableBytes { _ in
            pixels.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, 0, nil) }
        }
        png_image_free(&img)
        guard ok != 0 else { throw GraphicsError(.pngFailed, "PNG decode \(w)×\(h): \(message(img))") }
        return DisplayImage(width: w, height: h, channels: channels, pixels: pixels)
    }

    private static func message(_ img: png_image) -> String {
        var m = img.message
        return withUnsafeBytes(of: &m) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
