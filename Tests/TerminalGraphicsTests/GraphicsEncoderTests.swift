import Imaging
import Testing
@testable import TerminalGraphics

@Suite("Façade, scaling, budget, montage")
struct GraphicsEncoderTests {
    @Test("Nearest upscaling replicates pixels exactly (zoom 3×)")
    func nearestUpscale() {
        let image = DisplayImage(width: 2, height: 2, channels: 1, pixels: [0, 50, 100, 150])
        let big = resized(image, width: 6, height: 6, filter: .automatic)
        #expect(big.pixels[0..<6] == [0, 0, 0, 50, 50, 50])
        #expect(big.pixels[30..<36] == [100, 100, 100, 150, 150, 150])
    }

    @Test("Bilinear downscaling averages: a 2×2 checker becomes mid-grey")
    func areaDownscale() {
        var px = [UInt8]()
        for y in 0..<8 { for x in 0..<8 { px.append((x + y) % 2 == 0 ? 0 : 200) } }
        let small = resized(DisplayImage(width: 8, height: 8, channels: 1, pixels: px), width: 2, height: 2, filter: .bilinear)
        #expect(small.pixels == [100, 100, 100, 100])
    }

    @Test("Bilinear upscaling of a constant image is constant; of a ramp is monotone")
    func bilinearUpscale() {
        let ramp = DisplayImage(width: 4, height: 1, channels: 3, pixels: (0..<4).flatMap { [UInt8($0 * 80), 0, 9] })
        let up = resized(ramp, width: 13, height: 2, filter: .bilinear)
        let reds = (0..<13).map { up.pixels[$0 * 3] }
        #expect(reds == reds.sorted())
        #expect((0..<26).allSatisfy { up.pixels[$0 * 3 + 2] == 9 })
    }

    @Test("fitted keeps the aspect ratio inside the box")
    func fit() {
        let image = DisplayImage(width: 512, height: 256, channels: 1)
        let f = fitted(image, toPixels: (300, 300))
        #expect(f.width == 300 && f.height == 150)
    }

    @Test("Façade: sixel frame is scaled to the viewport and decodes at that size")
    func facadeSixel() throws {
        let enc = GraphicsEncoder(protocol: .sixel, options: .init(viewportPixels: PixelSize(width: 200, height: 120)))
        var out: [UInt8] = []
        let info = try enc.encode(TestImages.ctLike(width: 512, height: 512), into: &out)
        #expect(info.encodedPixels == PixelSize(width: 120, height: 120))
        let decoded = try LibSixel.decode(out)
        #expect(decoded.width == 120 && decoded.height == 120)
    }

    @Test("Byte budget: the frame is reduced until it fits, within the bounded attempts")
    func budget() throws {
        let image = TestImages.ctLike()
        var out: [UInt8] = []
        let unlimited = try GraphicsEncoder(protocol: .sixel).encode(image, into: &out)
        #expect(unlimited.reductions == 0)
        let budget = unlimited.bytes / 5
        let info = try GraphicsEncoder(protocol: .sixel, options: .init(maxFrameBytes: budget)).encode(image, into: &out)
        #expect(out.count <= budget && info.bytes == out.count)
        #expect(info.reductions >= 1 && info.reductions <= GraphicsEncoder.maxBudgetAttempts)
        #expect(info.encodedPixels.width < 512 && info.encodedPixels.width > 100)
        do {
            try GraphicsEncoder(protocol: .kitty, options: .init(maxFrameBytes: 10)).encode(image, into: &out)
            Issue.record("a 10-byte budget cannot be met")
        } catch {
            #expect(error.code == .budgetUnreachable)
        }
    }

    @Test("Façade under tmux wraps graphics but not text renderings")
    func facadeTmux() throws {
        let image = DisplayImage(width: 2, height: 2, channels: 1, pixels: [0, 1, 2, 3])
        var out: [UInt8] = []
        try GraphicsEncoder(protocol: .sixel, options: .init(multiplexer: .tmux)).encode(image, into: &out)
        #expect(out.starts(with: Array("\u{1B}Ptmux;\u{1B}\u{1B}P".utf8)))
        try GraphicsEncoder(protocol: .blocks, options: .init(multiplexer: .tmux)).encode(image, into: &out)
        #expect(out.starts(with: Array("\u{1B}[38;2".utf8)))
    }

    @Test("Façade blocks: a 512² frame in 40×20 cells becomes 40 columns × 20 rows of ▀")
    func facadeBlocks() throws {
        var out: [UInt8] = []
        try GraphicsEncoder(protocol: .blocks, options: .init(viewportCells: PixelSize(width: 40, height: 20)))
            .encode(TestImages.ctLike(), into: &out)
        let s = String(decoding: out, as: UTF8.self)
        #expect(s.filter { $0 == "▀" }.count == 40 * 20)
        #expect(s.filter { $0 == "\r\n" }.count == 19)
    }

    @Test("Text renderings keep the aspect ratio for the terminal's cell shape")
    func cellAspect() {
        let square = DisplayImage(width: 100, height: 100, channels: 1)
        // 10×20 cells: half-blocks are square, so a square image is 40×40 half-block pixels.
        let b = GraphicsEncoder(protocol: .blocks, options: .init(viewportCells: PixelSize(width: 40, height: 40),
                                                                  cellPixels: PixelSize(width: 10, height: 20)))
        #expect(b.fittedToViewport(square).width == 40 && b.fittedToViewport(square).height == 40)
        // 8×24 cells: a half-block pixel is 8×12, so 40 columns need 40·8/12 ≈ 27 pixel rows.
        let tall = GraphicsEncoder(protocol: .blocks, options: .init(viewportCells: PixelSize(width: 40, height: 40),
                                                                     cellPixels: PixelSize(width: 8, height: 24)))
        #expect(tall.fittedToViewport(square).width == 40 && tall.fittedToViewport(square).height == 27)
        // ASCII, default 1:2 cells: 40 columns × 20 rows.
        let a = GraphicsEncoder(protocol: .ascii, options: .init(viewportCells: PixelSize(width: 40, height: 40)))
        #expect(a.fittedToViewport(square).width == 40 && a.fittedToViewport(square).height == 20)
    }

    @Test("Montage: 5 thumbnails in a 3-column grid, each centred in its cell")
    func montageGrid() {
        let images = (0..<5).map { k in
            DisplayImage(width: 10, height: 20, channels: 1, pixels: [UInt8](repeating: UInt8(50 * k + 10), count: 200))
        }
        let m = montage(images, cell: (width: 20, height: 20), gap: 2)
        #expect(m.width == 3 * 20 + 2 * 2 && m.height == 2 * 20 + 2)
        // Image 4 is row 1, column 1; its thumbnail (10×20) is centred: x 22+5 … 22+14.
        #expect(m.pixels[(22 + 5) * m.width + 22 + 5] == 210)
        #expect(m.pixels[(22 + 5) * m.width + 22 + 4] == 0)
        #expect(m.pixels[5 * m.width + 5] == 10)
        let rgb = montage([images[0], TestImages.rgbGradient(width: 4, height: 4)], cell: (width: 4, height: 4))
        #expect(rgb.channels == 3)
    }
}
