import Testing
@testable import Imaging

@Suite struct ViewTransformTests {
    func ramp(_ w: Int, _ h: Int) -> DisplayImage {
        var img = DisplayImage(width: w, height: h, channels: 1)
        for y in 0..<h { for x in 0..<w { img.pixels[y * w + x] = UInt8((x * 7 + y * 13) % 256) } }
        return img
    }

    @Test(arguments: [0, 1, 2, 3])
    func viewportAndSourceAreInverses(turns: Int) {
        for (fh, fv) in [(false, false), (true, false), (false, true), (true, true)] {
            let t = ViewTransform(sourceWidth: 512, sourceHeight: 400, columnSpacing: 0.7, rowSpacing: 0.9,
                                  viewportWidth: 1000, viewportHeight: 800, zoom: 1.7, panX: 33, panY: -12,
                                  quarterTurns: turns, flipHorizontal: fh, flipVertical: fv)
            for (x, y) in [(0.0, 0.0), (511.5, 12.25), (256, 200), (100, 399)] {
                let v = t.toViewport(x: x, y: y)
                let s = t.toSource(x: v.x, y: v.y)
                #expect(abs(s.x - x) < 1e-9 && abs(s.y - y) < 1e-9)
            }
        }
    }

    @Test func fitKeepsTheAspectRatioOfThePixelSpacing() {
        // 512 columns of 0.5 mm (256 mm) by 256 rows of 1 mm (256 mm): square on screen.
        let t = ViewTransform(sourceWidth: 512, sourceHeight: 256, columnSpacing: 0.5, rowSpacing: 1,
                              viewportWidth: 1000, viewportHeight: 600)
        let a = t.toViewport(x: 0, y: 0), b = t.toViewport(x: 512, y: 256)
        #expect(abs((b.x - a.x) - 600) < 1e-9 && abs((b.y - a.y) - 600) < 1e-9)
        #expect(abs(a.x - 200) < 1e-9 && abs(a.y) < 1e-9) // centred
    }

    @Test func clockwiseTurnPutsTheTopOnTheRight() {
        let t = ViewTransform(sourceWidth: 100, sourceHeight: 100, viewportWidth: 100, viewportHeight: 100, quarterTurns: 1)
        let top = t.toViewport(x: 50, y: 0)
        #expect(abs(top.x - 100) < 1e-9 && abs(top.y - 50) < 1e-9)
    }

    @Test(arguments: [0, 1, 2, 3])
    func separableFastPathMatchesTheReference(turns: Int) {
        let src = ramp(97, 61)
        for zoom in [1.0, 2.5] {
            let t = ViewTransform(sourceWidth: 97, sourceHeight: 61, columnSpacing: 0.8, rowSpacing: 1.1,
                                  viewportWidth: 300, viewportHeight: 211, zoom: zoom, panX: 7, panY: -3,
                                  quarterTurns: turns, flipHorizontal: turns == 2)
            let fast = t.resample(src), ref = t.resampleReference(src)
            let maxDiff = zip(fast.pixels, ref.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(maxDiff <= 1, "turns \(turns) zoom \(zoom): max difference \(maxDiff)")
        }
    }

    @Test func windowingFollowsTheLinearFunctionAndSurvivesNaN() {
        let img = windowed([-1000, 39.5, 40, 1000, .nan, .infinity], width: 6, height: 1, center: 40, windowWidth: 400)
        #expect(img.pixels[0] == 0 && img.pixels[3] == 255 && img.pixels[4] == 0 && img.pixels[5] == 255)
        #expect(abs(Int(img.pixels[2]) - 128) <= 1)
        let inv = windowed([-1000], width: 1, height: 1, center: 40, windowWidth: 400, invert: true)
        #expect(inv.pixels[0] == 255)
    }
}
