import Imaging
import TerminalGraphics

/// An image placed at a cell rectangle: the already encoded bytes (sixel, kitty, iTerm2) and a
/// generation number that changes when the picture changes.
public struct ImagePlacement: Sendable, Equatable {
    public var id: UInt32
    public var rect: Rect
    public var generation: UInt64
    public var protocolName: GraphicsProtocol
    public var bytes: [UInt8]

    public init(id: UInt32, rect: Rect, generation: UInt64, protocol p: GraphicsProtocol, bytes: [UInt8]) {
        self.id = id
        self.rect = rect
        self.generation = generation
        self.protocolName = p
        self.bytes = bytes
    }

    public static func == (a: ImagePlacement, b: ImagePlacement) -> Bool {
        a.id == b.id && a.rect == b.rect && a.generation == b.generation && a.protocolName == b.protocolName
    }
}

/// Decides which images to (re)write after the text layer was flushed, and produces the
/// bytes: a cursor move and the image for each changed placement, the overlay text cells
/// that lie on top of it (sixel paints over text, so the text is written again after it),
/// and kitty deletions for placements that went away. Pure: the backend writes the result.
///
/// The cells under an image are filled with `ImageLayer.placeholder` (U+2800, a blank braille
/// pattern) in the cell buffer: a character the text backend must draw but that shows
/// nothing, so the backend never uses clear-to-end-of-line across an image.
public struct ImageLayer: Sendable {
    public static let placeholder: Character = "\u{2800}"
    public private(set) var placed: [UInt32: ImagePlacement] = [:]
    public var trueColor: Bool

    public init(trueColor: Bool = true) { self.trueColor = trueColor }

    /// Fills the image rectangles of `placements` with placeholders where the buffer holds
    /// blanks (overlay text drawn before or after stays).
    public static func reserve(_ rect: Rect, in buf: inout CellBuffer) {
        let r = rect.intersection(buf.bounds)
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX where buf[x, y].character == " " && !buf[x, y].isContinuation {
                buf[x, y] = Cell(placeholder, style: .plain)
            }
        }
    }

    /// The bytes to write after the text layer: images whose generation or rectangle changed,
    /// or whose cells the text layer just rewrote (`textChanges`), then their overlay text.
    /// - Parameter force: after a full redraw (resize, Ctrl-L), every image is written.
    public mutating func update(_ placements: [ImagePlacement], buffer: CellBuffer,
                                textChanges: [(y: Int, x: Int, count: Int)], force: Bool) -> [UInt8] {
        var out: [UInt8] = []
        let newIDs = Set(placements.map(\.id))
        for (id, old) in placed.sorted(by: { $0.key < $1.key }) where !newIDs.contains(id) {
            if old.protocolName == .kitty { out += Array("\u{1B}_Ga=d,d=i,i=\(id),q=2\u{1B}\\".utf8) }
        }
        for p in placements {
            let touched = textChanges.contains { ch in
                ch.y >= p.rect.y && ch.y < p.rect.maxY && ch.x < p.rect.maxX && ch.x + ch.count > p.rect.x
            }
            let needs = force || placed[p.id] != p || (touched && p.protocolName != .kitty)
            placed[p.id] = p
            guard needs else { continue }
            out += Array("\u{1B}[\(p.rect.y + 1);\(p.rect.x + 1)H".utf8)
            out += p.bytes
            if p.protocolName != .kitty { out += overlayText(in: p.rect, buffer: buffer) }
        }
        guard !out.isEmpty else { return [] }
        // Save and restore the cursor and attributes around our writes, so the text backend's
        // idea of where the cursor is stays true.
        return Array("\u{1B}7".utf8) + out + Array("\u{1B}[0m\u{1B}8".utf8)
    }

    /// Every cell of `rect` that holds text (not a placeholder), as cursor moves, SGR and text.
    func overlayText(in rect: Rect, buffer: CellBuffer) -> [UInt8] {
        var out: [UInt8] = []
        let r = rect.intersection(buffer.bounds)
        for y in r.y..<r.maxY {
            var x = r.x
            while x < r.maxX {
                let c = buffer[x, y]
                if c.character == ImageLayer.placeholder || c.isContinuation { x += 1; continue }
                out += Array("\u{1B}[\(y + 1);\(x + 1)H".utf8)
                var style = c.style
                var k = x
                out += sgr(style)
                while k < r.maxX, buffer[k, y].character != ImageLayer.placeholder {
                    let cell = buffer[k, y]
                    if cell.style != style { style = cell.style; out += sgr(style) }
                    if !cell.isContinuation { out += Array(String(cell.character).utf8) }
                    k += 1
                }
                x = k
            }
        }
        return out
    }

    func sgr(_ s: Style) -> [UInt8] {
        var codes = ["0"]
        if s.attributes.contains(.bold) { codes.append("1") }
        if s.attributes.contains(.dim) { codes.append("2") }
        if s.attributes.contains(.italic) { codes.append("3") }
        if s.attributes.contains(.underline) { codes.append("4") }
        if s.attributes.contains(.reverse) { codes.append("7") }
        func color(_ c: Color, _ base: Int) -> String? {
            switch c {
            case .default: return nil
            case let .indexed(i): return "\(base);5;\(i)"
            case let .rgb(r, g, b): return trueColor ? "\(base);2;\(r);\(g);\(b)" : "\(base);5;\(c.nearestIndexed)"
            }
        }
        if let f = color(s.foreground, 38) { codes.append(f) }
        if let b = color(s.background, 48) { codes.append(b) }
        return Array("\u{1B}[\(codes.joined(separator: ";"))m".utf8)
    }

    /// Kitty deletions for every image placed, for shutdown.
    public func teardown() -> [UInt8] {
        var out: [UInt8] = []
        for (id, p) in placed.sorted(by: { $0.key < $1.key }) where p.protocolName == .kitty {
            out += Array("\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\".utf8)
        }
        return out
    }

    public mutating func forgetAll() { placed = [:] }
}

extension CellBuffer {
    /// Draws a grey or RGB image as half blocks (▀: top pixel in the foreground colour, bottom
    /// pixel in the background) into `rect`, scaled to fit with its aspect ratio (cells are
    /// taken as twice as tall as wide). For terminals without graphics; returns the cell
    /// rectangle actually covered.
    @discardableResult
    public mutating func drawHalfBlocks(_ image: DisplayImage, in rect: Rect, ascii: Bool = false) -> Rect {
        guard image.width > 0, image.height > 0, !rect.isEmpty else { return .zero }
        // Each cell is 1 pixel wide and 2 pixels tall in half-block space.
        let scale = min(Double(rect.width) / Double(image.width), Double(rect.height * 2) / Double(image.height))
        let w = max(1, min(rect.width, Int(Double(image.width) * scale)))
        let hPix = max(1, min(rect.height * 2, Int(Double(image.height) * scale)))
        let hCells = (hPix + 1) / 2
        let ox = rect.x + (rect.width - w) / 2, oy = rect.y + (rect.height - hCells) / 2
        func px(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
            let sx = min(image.width - 1, x * image.width / w), sy = min(image.height - 1, y * image.height / hPix)
            let i = (sy * image.width + sx) * image.channels
            if image.channels >= 3 { return (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) }
            return (image.pixels[i], image.pixels[i], image.pixels[i])
        }
        let ramp = Array(" .:-=+*#%@")
        for cy in 0..<hCells {
            for cx in 0..<w {
                let top = px(cx, cy * 2)
                let bottom = cy * 2 + 1 < hPix ? px(cx, cy * 2 + 1) : top
                if ascii {
                    let l = (Int(top.0) + Int(bottom.0)) / 2
                    self[ox + cx, oy + cy] = Cell(ramp[min(9, l * 10 / 256)], style: .plain)
                } else {
                    self[ox + cx, oy + cy] = Cell("▀", style: Style(foreground: .rgb(top.0, top.1, top.2),
                                                                      background: .rgb(bottom.0, bottom.1, bottom.2)))
                }
            }
        }
        return Rect(x: ox, y: oy, width: w, height: hCells)
    }
}
