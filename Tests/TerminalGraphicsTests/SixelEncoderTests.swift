import Imaging
import Testing
@testable import TerminalGraphics

@Suite("Sixel encoder")
struct SixelEncoderTests {
    @Test("Every grey value is shown within 1 of 255 by both libsixel's and xterm's percent conversion")
    func greyPaletteErrorBound() {
        let palette = GreyPalette(levels: 101)
        var worstRound = 0, worstXterm = 0
        for g in 0..<256 {
            let p = Int(palette.palette.r[Int(palette.registerFor[g])])
            let shown = Int(SixelPalette.displayed(percent: p))
            #expect(shown == Int(palette.displayedFor[g]))
            worstRound = max(worstRound, abs(shown - g))
            worstXterm = max(worstXterm, abs(Int(SixelPalette.xtermDisplayed(percent: p)) - g))
        }
        #expect(worstRound == 1)
        #expect(worstXterm == 1)
        #expect(palette.palette.count == 101)
        // The measured xterm values behind `xtermDisplayed` (Scripts/e2e-xterm-sixel.sh): 25 % → 63.
        #expect(SixelPalette.xtermDisplayed(percent: 25) == 63 && SixelPalette.displayed(percent: 25) == 64)
        // Mapping to the nearest level of the rounding convention alone would be 2 off in xterm.
        var naiveXtermWorst = 0
        for g in 0..<256 {
            let p = (0...100).min { abs(Int(SixelPalette.displayed(percent: $0)) - g) < abs(Int(SixelPalette.displayed(percent: $1)) - g) } ?? 0
            naiveXtermWorst = max(naiveXtermWorst, abs(Int(SixelPalette.xtermDisplayed(percent: p)) - g))
        }
        #expect(naiveXtermWorst == 2)
    }

    @Test("Every grey value survives a round trip through libsixel's decoder within 1 level",
          arguments: [(256, 13), (256, 6), (256, 1), (1, 7), (255, 19)])
    func greyRoundTrip(width: Int, height: Int) throws {
        let base = TestImages.allGreys(rows: height)
        var px = [UInt8]()
        for y in 0..<height { for x in 0..<width { px.append(base.pixels[y * 256 + x]) } }
        let image = DisplayImage(width: width, height: height, channels: 1, pixels: px)
        let six = try SixelEncoder().encode(image)
        let decoded = try LibSixel.decode(six)
        #expect(decoded.width == width)
        #expect(decoded.height == height)
        var worst = 0
        for i in 0..<(width * height) {
            let d = decoded.pixels[3 * i]
            #expect(decoded.pixels[3 * i + 1] == d && decoded.pixels[3 * i + 2] == d)
            worst = max(worst, abs(Int(d) - Int(px[i])))
        }
        #expect(worst <= 1)
    }

    @Test("A CT-like 512×512 slice and odd crops decode within 1 level")
    func ctLikeRoundTrip() throws {
        for (w, h) in [(512, 512), (301, 197), (7, 1)] {
            let full = TestImages.ctLike(width: w, height: h)
            let six = try SixelEncoder().encode(full)
            let decoded = try LibSixel.decode(six)
            #expect(decoded.width == w && decoded.height == h)
            var worst = 0
            for i in 0..<(w * h) { worst = max(worst, abs(Int(decoded.pixels[3 * i]) - Int(full.pixels[i]))) }
            #expect(worst <= 1, "\(w)×\(h)")
        }
    }

    @Test("Fewer colour registers than 101 degrade gracefully (16 → step ≤ 17/2)")
    func fewRegisters() throws {
        let image = TestImages.allGreys(rows: 6)
        let six = try SixelEncoder(options: .init(colorRegisters: 16)).encode(image)
        let decoded = try LibSixel.decode(six)
        var worst = 0
        for i in 0..<(image.width * image.height) {
            worst = max(worst, abs(Int(decoded.pixels[3 * i]) - Int(image.pixels[i])))
        }
        #expect(worst <= 9)
        #expect(!six.contains(Array("#16;".utf8)))
    }

    @Test("Ordered-dithered RGB: PSNR ≥ 20 dB per pixel and ≥ 40 dB after a 7×7 box blur")
    func rgbDither() throws {
        let image = TestImages.rgbGradient()
        let decoded = try LibSixel.decode(try SixelEncoder().encode(image))
        #expect(decoded.width == image.width && decoded.height == image.height)
        let raw = TestImages.psnr(decoded.pixels, image.pixels)
        let blurred = TestImages.psnr(TestImages.boxBlur(decoded, radius: 3), TestImages.boxBlur(image, radius: 3))
        #expect(raw >= 20, "raw PSNR \(raw)")
        #expect(blurred >= 40, "blurred PSNR \(blurred)")
    }

    @Test("RGB through libsixel's adaptive quantiser: ≤ 64 registers, PSNR ≥ 28 dB on a gradient")
    func rgbLibsixelAdaptive() throws {
        let image = TestImages.rgbGradient()
        let six = try SixelEncoder(options: .init(rgbMode: .libsixelAdaptive(colors: 64))).encode(image)
        let decoded = try LibSixel.decode(six)
        #expect(decoded.width == image.width && decoded.height == image.height)
        var colours = Set<Int>()
        for i in stride(from: 0, to: decoded.pixels.count, by: 3) {
            let r = Int(decoded.pixels[i]), g = Int(decoded.pixels[i + 1]), b = Int(decoded.pixels[i + 2])
            colours.insert(r << 16 | g << 8 | b)
        }
        #expect(colours.count <= 64)
        let psnr = TestImages.psnr(decoded.pixels, image.pixels)
        #expect(psnr >= 28, "PSNR \(psnr)")
    }

    @Test("Golden sequence for a 2×2 grey frame")
    func golden2x2() throws {
        let image = DisplayImage(width: 2, height: 2, channels: 1, pixels: [0, 255, 255, 0])
        let six = try SixelEncoder().encode(image)
        // register 0 (0 %) covers (0,0),(1,1): bits 0b01 at x=0 → '@', 0b10 at x=1 → 'A'.
        #expect(String(decoding: six, as: UTF8.self)
                == "\u{1B}P0;1;0q\"1;1;2;2#0;2;0;0;0#100;2;100;100;100#0@A$#100A@\u{1B}\\")
    }

    @Test("Golden sequence for a 1×7 frame: two bands, '-' between them")
    func golden1x7() throws {
        let image = DisplayImage(width: 1, height: 7, channels: 1, pixels: [255, 255, 255, 255, 255, 255, 255])
        let six = try SixelEncoder().encode(image)
        #expect(String(decoding: six, as: UTF8.self)
                == "\u{1B}P0;1;0q\"1;1;1;7#100;2;100;100;100#100~-#100@\u{1B}\\")
    }

    @Test("Run-length compression: a flat 100-wide frame is one repeat per band")
    func runLength() throws {
        let image = DisplayImage(width: 100, height: 6, channels: 1,
                                 pixels: [UInt8](repeating: 128, count: 600))
        let s = String(decoding: try SixelEncoder().encode(image), as: UTF8.self)
        #expect(s.hasSuffix("#50!100~\u{1B}\\"))
    }

    @Test("The reusable buffer is fully replaced on each call")
    func reusableBuffer() throws {
        var buf = [UInt8](repeating: 7, count: 10_000)
        let enc = SixelEncoder()
        try enc.encode(TestImages.ctLike(width: 64, height: 64), into: &buf)
        let first = buf
        try enc.encode(TestImages.ctLike(width: 64, height: 64), into: &buf)
        #expect(buf == first)
        #expect(buf.first == 0x1B && buf.last == 0x5C)
    }

    @Test("Output is no larger than libsixel's with the same 101-grey palette")
    func notLargerThanLibsixel() throws {
        let image = TestImages.ctLike()
        let ours = try SixelEncoder().encode(image)
        let theirs = try LibSixel.encode(image, palette: .greys101)
        #expect(ours.count <= theirs.count, "ours \(ours.count) libsixel \(theirs.count)")
    }
}

@Suite("e2e fixture")
struct E2EFixture {
    /// Fixtures for `Scripts/e2e-xterm-sixel.sh`, written when SIXRAY_E2E_DIR names a directory:
    /// `halves.six` (240×120, left grey 200, right grey 64) and `greys.six` + `greys.png`
    /// (every grey 0…255 as a 256×24 ramp, one column per value). Always checks that the sixel
    /// bytes decode within 1 level.
    @Test("e2e fixtures: two grey halves and the full grey ramp")
    func fixture() throws {
        var halves = [UInt8]()
        for _ in 0..<120 { for x in 0..<240 { halves.append(x < 120 ? 200 : 64) } }
        var ramp = [UInt8]()
        for _ in 0..<24 { for x in 0..<256 { ramp.append(UInt8(x)) } }
        let images = [("halves", DisplayImage(width: 240, height: 120, channels: 1, pixels: halves)),
                      ("greys", DisplayImage(width: 256, height: 24, channels: 1, pixels: ramp))]
        for (name, image) in images {
            let six = try SixelEncoder().encode(image)
            let decoded = try LibSixel.decode(six)
            for i in 0..<image.pixels.count {
                #expect(abs(Int(decoded.pixels[3 * i]) - Int(image.pixels[i])) <= 1)
            }
            if let dir = ProcessInfoLite.env("SIXRAY_E2E_DIR") {
                try FileOutput.write(six, toPath: "\(dir)/\(name).six")
                try PNGCodec.write(image, toFile: "\(dir)/\(name).png")
                // libsixel with the 101-grey palette, for comparison on the same screen.
                try FileOutput.write(try LibSixel.encode(image, palette: .greys101), toPath: "\(dir)/\(name)-libsixel.six")
                var wrapped: [UInt8] = []
                try GraphicsEncoder(protocol: .sixel, options: .init(multiplexer: .tmux)).encode(image, into: &wrapped)
                try FileOutput.write(wrapped, toPath: "\(dir)/\(name)-tmux.six")
            }
        }
    }
}

@Suite("Sixel fast path vs reference")
struct SixelReferenceTests {
    @Test("The pointer-based band packer emits exactly the reference encoder's bytes",
          arguments: [(1, 1), (2, 2), (1, 7), (37, 13), (64, 64), (257, 31), (120, 6)])
    func agreesWithReference(width: Int, height: Int) throws {
        var seed: UInt32 = UInt32(width * 7919 + height)
        // Random, CT-like and banded inputs: long gaps, short gaps, single pixels.
        let ct = TestImages.ctLike(width: width, height: height)
        var random = [UInt8](), sparse = [UInt8]()
        for i in 0..<(width * height) {
            seed = seed &* 1_103_515_245 &+ 12345
            random.append(UInt8(truncatingIfNeeded: seed >> 16))
            sparse.append(i % 23 == 0 ? 255 : (i % 97 < 40 ? 128 : 0))
        }
        let grey = GreyPalette(levels: 101)
        let cube = RGBCubePalette(colorRegisters: 256)
        for px in [ct.pixels, random, sparse] {
            let idx = px.map { grey.registerFor[Int($0)] }
            var fast: [UInt8] = []
            SixelEncoder.encodeIndexed(idx, width: width, height: height, palette: grey.palette, into: &fast)
            #expect(fast == SixelEncoder.referenceEncodeIndexed(idx, width: width, height: height, palette: grey.palette))
        }
        let rgb = TestImages.rgbGradient(width: width, height: height)
        var idx = [UInt8](repeating: 0, count: width * height)
        idx.withUnsafeMutableBufferPointer { cube.indices(of: rgb, into: $0.baseAddress!) }
        var fast: [UInt8] = []
        SixelEncoder.encodeIndexed(idx, width: width, height: height, palette: cube.palette, into: &fast)
        #expect(fast == SixelEncoder.referenceEncodeIndexed(idx, width: width, height: height, palette: cube.palette))
    }
}
