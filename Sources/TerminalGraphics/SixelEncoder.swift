import Imaging

/// Sixray's own sixel encoder (DEC STD 070 "Sixel Graphics"; VT330/VT340 Programmer Reference
/// Manual ch. 14).
///
/// Grey frames are encoded through `GreyPalette` (nearest of up to 101 percent levels, no
/// dithering); RGB frames through `RGBCubePalette` (ordered dithering) or, when asked, libsixel's
/// adaptive quantiser. The sequence is
///
///     ESC P 0;1;0 q  "1;1;W;H  #k;2;r;g;b …  <bands>  ESC \
///
/// P2 = 1 ("pixels not set keep their current colour") because every pixel is painted anyway:
/// with P2 = 0 some terminals first fill the raster with register 0, which is wasted work and can
/// flash. Raster attributes `"1;1` fix the pixel aspect at 1:1 and announce the size so terminals
/// can reserve the area. Only registers that occur in the frame are defined, each once.
///
/// Each 6-row band is packed in one column-by-column pass: each pixel's row bit is or-ed into its
/// register's sixel row, and the register's segments (runs of columns without a zero gap of
/// `segmentGap` or more) are cut on the fly; the segments are then laid out greedily in passes
/// with `!n` repeat compression, `$` between passes and `-` between bands. Output goes straight into the caller's buffer through
/// an unsafe pointer; the only allocations are per frame (index plane and band scratch).
public struct SixelEncoder: Sendable {
    public enum RGBMode: Sendable, Equatable {
        /// Fixed RGB cube with Bayer 8×8 ordered dithering (fast, position-stable).
        case orderedCube
        /// libsixel's median-cut quantiser with `colors` registers, no diffusion.
        case libsixelAdaptive(colors: Int)
    }

    public struct Options: Sendable, Equatable {
        /// The terminal's colour register count (XTSMGRAPHICS); bounds palette sizes.
        public var colorRegisters: Int
        public var rgbMode: RGBMode
        public init(colorRegisters: Int = 256, rgbMode: RGBMode = .orderedCube) {
            self.colorRegisters = colorRegisters
            self.rgbMode = rgbMode
        }
    }

    public let options: Options
    let grey: GreyPalette
    let cube: RGBCubePalette

    public init(options: Options = Options()) {
        self.options = options
        grey = GreyPalette(levels: min(101, options.colorRegisters))
        cube = RGBCubePalette(colorRegisters: options.colorRegisters)
    }

    /// Encodes `image` as one complete DCS sixel sequence, replacing the contents of `out`
    /// (its capacity is kept, so a buffer reused across frames stops allocating).
    public func encode(_ image: DisplayImage, into out: inout [UInt8]) throws(GraphicsError) {
        out.removeAll(keepingCapacity: true)
        guard image.width > 0, image.height > 0 else {
            throw GraphicsError(.invalidImage, "sixel: empty image \(image.width)×\(image.height)")
        }
        if image.channels == 3, case .libsixelAdaptive(let colors) = options.rgbMode {
            out = try LibSixel.encode(image, palette: .adaptive(colors: min(colors, options.colorRegisters)))
            return
        }
        let count = image.width * image.height
        var indices = [UInt8](repeating: 0, count: count)
        let palette: SixelPalette
        if image.channels == 1 {
            palette = grey.palette
            image.pixels.withUnsafeBufferPointer { src in
                grey.registerFor.withUnsafeBufferPointer { lut in
                    indices.withUnsafeMutableBufferPointer { dst in
                        for i in 0..<count { dst[i] = lut[Int(src[i])] }
                    }
                }
            }
        } else {
            palette = cube.palette
            indices.withUnsafeMutableBufferPointer { dst in
                guard let d = dst.baseAddress else { return }
                cube.indices(of: image, into: d)
            }
        }
        Self.encodeIndexed(indices, width: image.width, height: image.height, palette: palette, into: &out)
    }

    /// Convenience returning a fresh buffer.
    public func encode(_ image: DisplayImage) throws(GraphicsError) -> [UInt8] {
        var out = [UInt8]()
        try encode(image, into: &out)
        return out
    }

    /// Zero gaps shorter than this stay inside one segment (cheaper as a `!n?` run than a new
    /// `#c` selection and a later pass); longer gaps split a register's row into segments that
    /// other registers can fill on the same pass (the same rule as libsixel's encoder).
    static let segmentGap = 10

    /// Packs an index plane (one register number per pixel, row-major) into a sixel sequence
    /// appended to `out`.
    ///
    /// Per band: (1) one column-major pass over the ≤ 6 rows or-s each pixel's bit into its
    /// register's sixel row and opens a new segment for the register when the gap since its last
    /// column is ≥ `segmentGap`, chaining it under its start column in register order;
    /// (2) segments are taken in (start column, register) order and laid out greedily: a pass
    /// takes, left to right, every segment starting at or after the cursor, selecting its register
    /// only when it changes, then `$` returns for the next pass. At most six registers are non-zero
    /// in any column, so a band needs few passes.
    static func encodeIndexed(
        _ indices: [UInt8], width: Int, height: Int, palette: SixelPalette, into out: inout [UInt8]
    ) {
        let colours = palette.count
        // Which registers occur at all: only those are defined.
        var used = [Bool](repeating: false, count: 256)
        indices.withUnsafeBufferPointer { idx in
            var hist = [Int](repeating: 0, count: 256)
            hist.withUnsafeMutableBufferPointer { h in
                for i in 0..<idx.count { h[Int(idx[i])] &+= 1 }
                for c in 0..<256 where h[c] > 0 { used[c] = true }
            }
        }
        var header: [UInt8] = [0x1B, 0x50]
        header += Array("0;1;0q\"1;1;\(width);\(height)".utf8)
        for c in 0..<colours where used[c] {
            header += Array("#\(c);2;\(palette.r[c]);\(palette.g[c]);\(palette.b[c])".utf8)
        }
        out.append(contentsOf: header)
        var pos = out.count

        // Band scratch: one sixel row per register; per register the last column seen and its
        // open segment; segments (start, end, register) chained per start column.
        var bits = [UInt8](repeating: 0, count: colours * width)
        var lastX = [Int32](repeating: -1, count: colours)
        var openSeg = [Int32](repeating: -1, count: colours)
        let usedList = (0..<colours).filter { used[$0] }
        let maxSegments = colours * (width / (segmentGap + 1) + 2)
        var segStart = [Int32](repeating: 0, count: maxSegments)
        var segEnd = [Int32](repeating: 0, count: maxSegments)
        var segColour = [Int32](repeating: 0, count: maxSegments)
        var segNext = [Int32](repeating: -1, count: maxSegments)
        var bucket = [Int32](repeating: -1, count: width)

        bits.withUnsafeMutableBufferPointer { bitsBuf in
        lastX.withUnsafeMutableBufferPointer { lastBuf in
        openSeg.withUnsafeMutableBufferPointer { openBuf in
        segStart.withUnsafeMutableBufferPointer { ssBuf in
        segEnd.withUnsafeMutableBufferPointer { seBuf in
        segColour.withUnsafeMutableBufferPointer { scBuf in
        segNext.withUnsafeMutableBufferPointer { snBuf in
        bucket.withUnsafeMutableBufferPointer { bkBuf in
        indices.withUnsafeBufferPointer { idxBuf in
            guard let bitsP = bitsBuf.baseAddress, let lastP = lastBuf.baseAddress,
                  let openP = openBuf.baseAddress, let idxP = idxBuf.baseAddress,
                  let sStart = ssBuf.baseAddress, let sEnd = seBuf.baseAddress,
                  let sColour = scBuf.baseAddress, let sNext = snBuf.baseAddress,
                  let bucketP = bkBuf.baseAddress else { return }
            let gap = Int32(segmentGap)
            var y0 = 0
            while y0 < height {
                let rows = min(6, height - y0)
                let band = idxP + y0 * width
                // Column by column, so each register's columns arrive in increasing order and its
                // segments can be cut on the fly: no second scan over the register rows.
                var nseg = 0
                for x in 0..<width {
                    let x32 = Int32(truncatingIfNeeded: x)
                    var p = band + x
                    for r in 0..<rows {
                        let c = Int(p.pointee)
                        p += width
                        bitsP[c * width + x] |= UInt8(1) << UInt8(r)
                        let last = lastP[c]
                        if last < 0 || x32 - last > gap {
                            if last >= 0 { sEnd[Int(openP[c])] = last }
                            let k = Int32(truncatingIfNeeded: nseg)
                            nseg += 1
                            sStart[Int(k)] = x32
                            sColour[Int(k)] = Int32(truncatingIfNeeded: c)
                            openP[c] = k
                            // Keep each start column's chain in ascending register order.
                            var prev: Int32 = -1
                            var q = bucketP[x]
                            while q >= 0 && Int(sColour[Int(q)]) < c { prev = q; q = sNext[Int(q)] }
                            sNext[Int(k)] = q
                            if prev >= 0 { sNext[Int(prev)] = k } else { bucketP[x] = k }
                        }
                        lastP[c] = x32
                    }
                }
                for c in usedList where lastP[c] >= 0 {
                    sEnd[Int(openP[c])] = lastP[c]
                    lastP[c] = -1
                }
                // Concatenate the chains into one list ordered by (start column, register).
                var head: Int32 = -1
                var tail: Int32 = -1
                var dataBytes = 0
                for x in 0..<width {
                    var k = bucketP[x]
                    guard k >= 0 else { continue }
                    bucketP[x] = -1
                    if tail >= 0 { sNext[Int(tail)] = k } else { head = k }
                    while true {
                        dataBytes += Int(sEnd[Int(k)] - sStart[Int(k)]) + 1
                        let n = sNext[Int(k)]
                        if n < 0 { break }
                        k = n
                    }
                    tail = k
                }
                // Worst case: per segment '$' + '#ddd' + '!dddd?' gap, plus its data bytes.
                let need = nseg * 16 + dataBytes + 2
                if out.count < pos + need {
                    out.append(contentsOf: repeatElement(0, count: max(need, out.count)))
                }
                out.withUnsafeMutableBufferPointer { ob in
                    guard let o = ob.baseAddress else { return }
                    var n = pos
                    var current = -1
                    var firstPass = true
                    while head >= 0 {
                        if !firstPass { o[n] = 0x24; n += 1 }  // '$' graphics carriage return
                        firstPass = false
                        var cursor = 0
                        var prev: Int32 = -1
                        var k = head
                        while k >= 0 {
                            let seg = Int(k)
                            let next = sNext[seg]
                            let lo = Int(sStart[seg])
                            if lo >= cursor {
                                // Unlink and emit.
                                if prev >= 0 { sNext[Int(prev)] = next } else { head = next }
                                let c = Int(sColour[seg])
                                if c != current {
                                    o[n] = 0x23; n += 1  // '#'
                                    n = writeDecimal(c, o, n)
                                    current = c
                                }
                                if lo > cursor { n = writeRun(0x3F, lo - cursor, o, n) }
                                let hi = Int(sEnd[seg])
                                let rowBits = bitsP + c * width
                                var run = 1
                                var last = rowBits[lo]
                                rowBits[lo] = 0
                                var x = lo + 1
                                while x <= hi {
                                    let v = rowBits[x]
                                    rowBits[x] = 0
                                    if v == last {
                                        run += 1
                                    } else {
                                        n = writeRun(last &+ 0x3F, run, o, n)
                                        last = v
                                        run = 1
                                    }
                                    x += 1
                                }
                                n = writeRun(last &+ 0x3F, run, o, n)
                                cursor = hi + 1
                            } else {
                                prev = k
                            }
                            k = next
                        }
                    }
                    if y0 + 6 < height { o[n] = 0x2D; n += 1 }  // '-' graphics new line
                    pos = n
                }
                y0 += 6
            }
        }}}}}}}}}
        out.removeSubrange(pos...)
        out.append(contentsOf: [0x1B, 0x5C])
    }
}

/// Writes `ch` `count` times, as `!count ch` when that is shorter (count ≥ 4).
@inline(__always)
func writeRun(_ ch: UInt8, _ count: Int, _ o: UnsafeMutablePointer<UInt8>, _ start: Int) -> Int {
    var n = start
    if count >= 4 {
        o[n] = 0x21; n += 1  // '!'
        n = writeDecimal(count, o, n)
        o[n] = ch; n += 1
    } else {
        for _ in 0..<count { o[n] = ch; n += 1 }
    }
    return n
}

@inline(__always)
func writeDecimal(_ value: Int, _ o: UnsafeMutablePointer<UInt8>, _ start: Int) -> Int {
    var n = start
    if value >= 1000 {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
        var v = value
        var k = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[k] = UInt8(v % 10) + 0x30; v /= 10; k += 1 } while v > 0 && k < 8
            while k > 0 { k -= 1; o[n] = d[k]; n += 1 }
        }
        return n
    }
    if value >= 100 { o[n] = UInt8(value / 100) + 0x30; n += 1 }
    if value >= 10 { o[n] = UInt8((value / 10) % 10) + 0x30; n += 1 }
    o[n] = UInt8(value % 10) + 0x30; n += 1
    return n
}
