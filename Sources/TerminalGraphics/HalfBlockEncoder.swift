import Imaging

/// Text fallbacks for terminals without graphics.
///
/// Half-blocks: each cell shows two vertically stacked pixels as U+2580 UPPER HALF BLOCK with the
/// foreground set to the top pixel and the background to the bottom pixel (SGR 38/48, ECMA-48
/// 8.3.117 with the ITU T.416 `2;r;g;b` and `5;n` forms). The input is expected to be already
/// scaled to `columns × 2·rows` pixels (`GraphicsEncoder` does this).
public struct HalfBlockEncoder: Sendable {
    public enum ColorMode: Sendable, Equatable {
        case trueColor
        /// xterm 256-colour palette: 6×6×6 cube (16…231) or grey ramp (232…255), whichever is nearer.
        case palette256
    }

    public struct Options: Sendable, Equatable {
        public var colorMode: ColorMode
        /// 1-based screen position of the top-left cell; when set, each line starts with CUP
        /// (`CSI row;col H`); when nil, lines are separated by CR LF.
        public var origin: (row: Int, column: Int)?
        public init(colorMode: ColorMode = .trueColor, origin: (row: Int, column: Int)? = nil) {
            self.colorMode = colorMode; self.origin = origin
        }
        public static func == (a: Options, b: Options) -> Bool {
            a.colorMode == b.colorMode && a.origin?.row == b.origin?.row && a.origin?.column == b.origin?.column
        }
    }

    /// One terminal cell: the colours of its top and bottom pixel.
    public struct Cell: Sendable, Equatable {
        public var top: (UInt8, UInt8, UInt8)
        public var bottom: (UInt8, UInt8, UInt8)
        public static func == (a: Cell, b: Cell) -> Bool {
            a.top == b.top && a.bottom == b.bottom
        }
    }

    public let options: Options
    public init(options: Options = Options()) { self.options = options }

    /// The cells (row-major, `width` × ⌈height/2⌉) for drawing into a cell buffer. An odd last
    /// pixel row gets a black bottom half.
    public static func cells(_ image: DisplayImage) -> [Cell] {
        let rows = (image.height + 1) / 2
        var cells: [Cell] = []
        cells.reserveCapacity(rows * image.width)
        for r in 0..<rows {
            for x in 0..<image.width {
                let top = rgb(image, x, 2 * r)
                let bottom = 2 * r + 1 < image.height ? rgb(image, x, 2 * r + 1) : (0, 0, 0)
                cells.append(Cell(top: top, bottom: bottom))
            }
        }
        return cells
    }

    @inline(__always)
    static func rgb(_ image: DisplayImage, _ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * image.width + x) * image.channels
        if image.channels == 1 { let v = image.pixels[i]; return (v, v, v) }
        return (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
    }

    /// Writes the escape sequences, replacing `out`. Colours are only re-sent when they change.
    public func encode(_ image: DisplayImage, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        let rows = (image.height + 1) / 2
        out.reserveCapacity(rows * image.width * 12)
        for r in 0..<rows {
            if let o = options.origin {
                out.append(contentsOf: "\u{1B}[\(o.row + r);\(o.column)H".utf8)
            } else if r > 0 {
                out.append(contentsOf: [0x0D, 0x0A])
            }
            var lastFG: (UInt8, UInt8, UInt8)? = nil, lastBG: (UInt8, UInt8, UInt8)? = nil
            var last256FG = -1, last256BG = -1
            for x in 0..<image.width {
                let top = Self.rgb(image, x, 2 * r)
                let bottom = 2 * r + 1 < image.height ? Self.rgb(image, x, 2 * r + 1) : (0, 0, 0)
                switch options.colorMode {
                case .trueColor:
                    if lastFG.map({ $0 != top }) ?? true { appendSGR(38, top, &out); lastFG = top }
                    if lastBG.map({ $0 != bottom }) ?? true { appendSGR(48, bottom, &out); lastBG = bottom }
                case .palette256:
                    let f = Self.xterm256(top), b = Self.xterm256(bottom)
                    if f != last256FG { out.append(contentsOf: "\u{1B}[38;5;\(f)m".utf8); last256FG = f }
                    if b != last256BG { out.append(contentsOf: "\u{1B}[48;5;\(b)m".utf8); last256BG = b }
                }
                out.append(contentsOf: [0xE2, 0x96, 0x80])  // U+2580 ▀
            }
            out.append(contentsOf: "\u{1B}[0m".utf8)
        }
    }

    private func appendSGR(_ code: Int, _ c: (UInt8, UInt8, UInt8), _ out: inout [UInt8]) {
        out.append(contentsOf: "\u{1B}[\(code);2;\(c.0);\(c.1);\(c.2)m".utf8)
    }

    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// Nearest xterm-256 index (16…255) to an RGB colour, by squared distance.
    public static func xterm256(_ c: (UInt8, UInt8, UInt8)) -> Int {
        func nearestLevel(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<6 where abs(cubeLevels[i] - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let ri = nearestLevel(c.0), gi = nearestLevel(c.1), bi = nearestLevel(c.2)
        func d2(_ r: Int, _ g: Int, _ b: Int) -> Int {
            let dr = r - Int(c.0), dg = g - Int(c.1), db = b - Int(c.2)
            return dr * dr + dg * dg + db * db
        }
        let cubeD = d2(cubeLevels[ri], cubeLevels[gi], cubeLevels[bi])
        let mean = (Int(c.0) + Int(c.1) + Int(c.2)) / 3
        let gIdx = max(0, min(23, (mean - 8 + 5) / 10))
        let gv = 8 + 10 * gIdx
        return d2(gv, gv, gv) < cubeD ? 232 + gIdx : 16 + 36 * ri + 6 * gi + bi
    }
}

/// Plain ASCII for dumb terminals: one character per pixel from a 10-step luminance ramp.
/// Input should be scaled to `columns × rows` (cells are about twice as tall as wide).
public struct ASCIIEncoder: Sendable {
    public static let ramp: [UInt8] = Array(" .:-=+*#%@".utf8)
    public init() {}

    public func encode(_ image: DisplayImage, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity((image.width + 1) * image.height)
        for y in 0..<image.height {
            if y > 0 { out.append(0x0A) }
            for x in 0..<image.width {
                let i = (y * image.width + x) * image.channels
                // ITU-R BT.601 luma weights.
                let l = image.channels == 1 ? Int(image.pixels[i])
                    : (299 * Int(image.pixels[i]) + 587 * Int(image.pixels[i + 1]) + 114 * Int(image.pixels[i + 2]) + 500) / 1000
                out.append(Self.ramp[l * Self.ramp.count / 256])
            }
        }
    }
}
