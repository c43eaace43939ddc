import Imaging

/// kitty graphics protocol (https://sw.kovidgoyal.net/kitty/graphics-protocol/).
///
/// Each frame is sent as `a=T` (transmit and display) with direct transmission (`t=d`) in chunks of
/// at most 4096 base64 bytes (`m=1` on all but the last), `q=2` so the terminal sends no reply that
/// could land in our input stream, and `C=1` so the cursor does not move. Every frame of a viewport
/// uses the same image id `i` and placement id `p`: kitty replaces an image re-transmitted under an
/// existing id and a placement re-put under an existing (i, p), so the new slice takes the old
/// one's place in one step, without a blank in between. `delete(imageID:)` frees it on exit.
public struct KittyEncoder: Sendable {
    public enum Format: Sendable, Equatable {
        /// `f=24` raw RGB (grey is expanded to RGB: the protocol has no grey raw format).
        case raw
        /// `f=100` PNG (grey stays one channel inside the PNG: a third of the raw size or less).
        case png
    }

    public struct Options: Sendable, Equatable {
        public var format: Format
        public var imageID: UInt32
        public var placementID: UInt32
        /// Display size in cells (`c=`, `r=`); nil shows the image at its pixel size.
        public var columns: Int?
        public var rows: Int?
        public var chunkSize: Int
        /// `z=`: negative values draw the image under text, so a viewer's overlay text stays
        /// readable on top of it. nil: the terminal's default (above text).
        public var zIndex: Int?
        public init(format: Format = .raw, imageID: UInt32 = 1, placementID: UInt32 = 1,
                    columns: Int? = nil, rows: Int? = nil, chunkSize: Int = 4096, zIndex: Int? = nil) {
            self.format = format; self.imageID = imageID; self.placementID = placementID
            self.columns = columns; self.rows = rows; self.chunkSize = chunkSize; self.zIndex = zIndex
        }
    }

    public let options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Encodes one frame, replacing the contents of `out`. PNG failures (only possible for
    /// absurd sizes) fall back to raw RGB.
    public func encode(_ image: DisplayImage, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var payload: [UInt8]
        var control = "a=T,"
        if options.format == .png, let png = try? PNGCodec.encode(image) {
            payload = png
            control += "f=100"
        } else {
            payload = image.channels == 3 ? image.pixels : LibSixel.expandToRGB(image.pixels)
            control += "f=24"
        }
        control += ",s=\(image.width),v=\(image.height),i=\(options.imageID),p=\(options.placementID),q=2,C=1"
        if let c = options.columns { control += ",c=\(c)" }
        if let r = options.rows { control += ",r=\(r)" }
        if let z = options.zIndex { control += ",z=\(z)" }
        var b64: [UInt8] = []
        b64.reserveCapacity(Base64.encodedCount(payload.count))
        Base64.append(payload, to: &b64)
        payload = []
        let chunk = max(4, options.chunkSize / 4 * 4)
        out.reserveCapacity(b64.count + (b64.count / chunk + 1) * 12 + control.utf8.count + 8)
        var start = 0
        repeat {
            let end = min(b64.count, start + chunk)
            let more = end < b64.count
            out.append(contentsOf: [0x1B, 0x5F, 0x47])  // ESC _ G
            if start == 0 {
                out.append(contentsOf: control.utf8)
                if more { out.append(contentsOf: ",m=1".utf8) }
            } else {
                out.append(contentsOf: (more ? "m=1" : "m=0").utf8)
            }
            out.append(0x3B)  // ;
            out.append(contentsOf: b64[start..<end])
            out.append(contentsOf: [0x1B, 0x5C])
            start = end
        } while start < b64.count
    }

    /// Deletes the image and all its placements, freeing terminal memory (`a=d,d=I`).
    public static func delete(imageID: UInt32) -> [UInt8] {
        Array("\u{1B}_Ga=d,d=I,i=\(imageID),q=2\u{1B}\\".utf8)
    }

    /// The capability probe: a 1×1 RGB image queried with `a=q` (not stored, only validated);
    /// a kitty-capable terminal answers `ESC _ G i=<id>;OK ESC \`.
    public static func query(imageID: UInt32 = 31) -> [UInt8] {
        Array("\u{1B}_Gi=\(imageID),s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\".utf8)
    }
}

/// iTerm2 inline images (https://iterm2.com/documentation-images.html):
/// `OSC 1337 ; File=inline=1;size=N;width=Wpx;height=Hpx;preserveAspectRatio=0 : <base64 PNG> BEL`.
/// Also understood by WezTerm, mintty and Konsole.
public struct ITerm2Encoder: Sendable {
    public init() {}

    public func encode(_ image: DisplayImage, into out: inout [UInt8]) throws(GraphicsError) {
        out.removeAll(keepingCapacity: true)
        let png = try PNGCodec.encode(image)
        out.append(contentsOf: "\u{1B}]1337;File=inline=1;size=\(png.count);width=\(image.width)px;height=\(image.height)px;preserveAspectRatio=0:".utf8)
        Base64.append(png, to: &out)
        out.append(0x07)
    }
}
