/// An 8-bit image ready for the glass: the output of the display pipeline
/// (PS3.4 N.2, after the presentation LUT) and the input of every terminal encoder.
///
/// Pixels are row-major, interleaved when `channels == 3` (RGB).
public struct DisplayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 (grey) or 3 (RGB, interleaved).
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "DisplayImage has 1 or 3 channels")
        precondition(pixels.count == width * height * channels, "pixel count does not match size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: 0, count: width * height * channels))
    }
}
