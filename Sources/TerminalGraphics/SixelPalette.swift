import Imaging

/// Colour registers of a sixel image and the mapping of 8-bit pixels onto them.
///
/// Sixel colour introducers set a register in percent (`#n;2;r;g;b`, r/g/b in 0…100, DEC STD 070
/// "Sixel Graphics", colour introducer), so a register can express only 101 grey levels, spaced
/// 2.55 apart. Terminals do not agree on turning a percentage back into 8 bits: libsixel's decoder
/// rounds, `(p·255 + 50) / 100`; xterm goes through a 16-bit X colour, `(p·65535 / 100) >> 8`
/// (measured here: 25 % shows as 63, not 64). The two differ by 1 for 26 of the 101 levels.
/// `GreyPalette` picks, for each grey, the level whose worst error under *both* conventions is
/// smallest; that keeps every grey within 1 of 255 in both (with only the rounding convention in
/// mind, xterm would show some greys 2 off). Tests check all 256 values under both.
public struct SixelPalette: Sendable, Equatable {
    /// Register contents in percent, (r, g, b) per register.
    public var percents: [(UInt8, UInt8, UInt8)] {
        (0..<count).map { (r[$0], g[$0], b[$0]) }
    }
    public let count: Int
    let r: [UInt8], g: [UInt8], b: [UInt8]

    init(r: [UInt8], g: [UInt8], b: [UInt8]) {
        self.r = r; self.g = g; self.b = b
        count = r.count
    }

    public static func == (lhs: SixelPalette, rhs: SixelPalette) -> Bool {
        lhs.r == rhs.r && lhs.g == rhs.g && lhs.b == rhs.b
    }

    /// The 8-bit value libsixel (and most terminals) display for a register set to `percent`.
    @inline(__always)
    public static func displayed(percent: Int) -> UInt8 { UInt8((percent * 255 + 50) / 100) }

    /// The 8-bit value xterm displays for `percent` (via a 16-bit X colour, truncated).
    @inline(__always)
    public static func xtermDisplayed(percent: Int) -> UInt8 { UInt8((percent * 65535 / 100) >> 8) }
}

/// `levels` evenly spaced greys (at most 101, the number a percent register can express) and the
/// lookup table from each 8-bit grey to the register whose *displayed* value is nearest.
public struct GreyPalette: Sendable, Equatable {
    public let palette: SixelPalette
    /// `registerFor[g]` is the register that displays closest to grey `g` (ties go to the darker).
    public let registerFor: [UInt8]
    /// `displayedFor[g]` is the 8-bit value libsixel's convention shows for grey `g`.
    public let displayedFor: [UInt8]

    /// - Parameter levels: number of grey registers to use, clamped to 2…101. Use the terminal's
    ///   colour register count (XTSMGRAPHICS) when it is below 101.
    public init(levels requested: Int = 101) {
        let levels = max(2, min(101, requested))
        var percents = [UInt8]()
        for k in 0..<levels {
            let p = UInt8((k * 100 + (levels - 1) / 2) / (levels - 1))
            if percents.last != p { percents.append(p) }
        }
        palette = SixelPalette(r: percents, g: percents, b: percents)
        var lut = [UInt8](repeating: 0, count: 256)
        var disp = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 {
            // Minimise the worst error over both conventions; then the summed error; then darker.
            var best = 0
            var bestKey = (Int.max, Int.max)
            for (k, p) in percents.enumerated() {
                let a = abs(Int(SixelPalette.displayed(percent: Int(p))) - v)
                let b = abs(Int(SixelPalette.xtermDisplayed(percent: Int(p))) - v)
                let key = (max(a, b), a + b)
                if key < bestKey { bestKey = key; best = k }
            }
            lut[v] = UInt8(best)
            disp[v] = SixelPalette.displayed(percent: Int(percents[best]))
        }
        registerFor = lut
        displayedFor = disp
    }
}

/// An RGB cube of `levelsPerChannel`³ registers with ordered (Bayer 8×8) dithering.
///
/// Ordered dithering is chosen over error diffusion because it is position-stable: a still image
/// does not shimmer when only the window level changes, and each pixel is computed independently.
public struct RGBCubePalette: Sendable {
    public let palette: SixelPalette
    public let levelsPerChannel: Int
    /// `levelTable[t * 256 + v]`: channel level for value v under Bayer threshold index t (0…63).
    let levelTable: [UInt8]

    static let bayer8: [Int] = {
        var m = [Int](repeating: 0, count: 64)
        for y in 0..<8 {
            for x in 0..<8 {
                // Bit-reversed interleave of x ^ y and y gives the classic recursive Bayer matrix.
                var v = 0
                let xy = x ^ y
                for bit in 0..<3 {
                    v |= ((xy >> bit) & 1) << (5 - 2 * bit)
                    v |= ((y >> bit) & 1) << (4 - 2 * bit)
                }
                m[y * 8 + x] = v
            }
        }
        return m
    }()

    /// - Parameter colorRegisters: the terminal's register count; the cube uses the largest n with
    ///   n³ ≤ registers, 2…6 levels per channel.
    public init(colorRegisters: Int = 256) {
        var n = 2
        while n < 6 && (n + 1) * (n + 1) * (n + 1) <= colorRegisters { n += 1 }
        levelsPerChannel = n
        let pct = (0..<n).map { UInt8(($0 * 100 + (n - 1) / 2) / (n - 1)) }
        var r = [UInt8](), g = [UInt8](), b = [UInt8]()
        for ri in 0..<n { for gi in 0..<n { for bi in 0..<n {
            r.append(pct[ri]); g.append(pct[gi]); b.append(pct[bi])
        } } }
        palette = SixelPalette(r: r, g: g, b: b)
        // level = floor(v·(n−1)/255 + (t + ½)/64), clamped: the expected level equals v·(n−1)/255.
        var table = [UInt8](repeating: 0, count: 64 * 256)
        for t in 0..<64 {
            for v in 0..<256 {
                let num = v * (n - 1) * 128 + (2 * t + 1) * 255
                table[t * 256 + v] = UInt8(min(n - 1, num / (255 * 128)))
            }
        }
        levelTable = table
    }

    /// Maps an RGB image to register indices (row-major, one byte per pixel).
    func indices(of image: DisplayImage, into out: UnsafeMutablePointer<UInt8>) {
        let n = levelsPerChannel
        image.pixels.withUnsafeBufferPointer { src in
            levelTable.withUnsafeBufferPointer { lt in
                Self.bayer8.withUnsafeBufferPointer { bayer in
                    guard let s = src.baseAddress, let l = lt.baseAddress, let bm = bayer.baseAddress else { return }
                    for y in 0..<image.height {
                        let row = s + y * image.width * 3
                        let o = out + y * image.width
                        let by = (y & 7) * 8
                        for x in 0..<image.width {
                            let t = l + bm[by + (x & 7)] * 256
                            let ri = Int(t[Int(row[3 * x])])
                            let gi = Int(t[Int(row[3 * x + 1])])
                            let bi = Int(t[Int(row[3 * x + 2])])
                            o[x] = UInt8((ri * n + gi) * n + bi)
                        }
                    }
                }
            }
        }
    }
}
