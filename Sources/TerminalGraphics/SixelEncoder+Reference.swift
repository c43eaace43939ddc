extension SixelEncoder {
    /// Plain, obviously-correct version of `encodeIndexed` (house style rule 7): no pointers, no
    /// buckets, no capacity arithmetic; strings built per segment. Tests assert that the fast
    /// encoder produces exactly these bytes.
    static func referenceEncodeIndexed(_ indices: [UInt8], width: Int, height: Int, palette: SixelPalette) -> [UInt8] {
        var out: [UInt8] = [0x1B, 0x50] + Array("0;1;0q\"1;1;\(width);\(height)".utf8)
        let used = Set(indices.map(Int.init))
        for c in 0..<palette.count where used.contains(c) {
            out += Array("#\(c);2;\(palette.r[c]);\(palette.g[c]);\(palette.b[c])".utf8)
        }
        func run(_ ch: UInt8, _ n: Int) -> [UInt8] {
            n >= 4 ? Array("!\(n)".utf8) + [ch] : [UInt8](repeating: ch, count: n)
        }
        struct Segment { var colour: Int; var start: Int; var end: Int }
        for y0 in stride(from: 0, to: height, by: 6) {
            var segments: [Segment] = []
            var rowsByColour: [Int: [UInt8]] = [:]
            for c in 0..<palette.count where used.contains(c) {
                var bits = [UInt8](repeating: 0, count: width)
                for r in 0..<min(6, height - y0) {
                    for x in 0..<width where Int(indices[(y0 + r) * width + x]) == c { bits[x] |= 1 << r }
                }
                let set = (0..<width).filter { bits[$0] != 0 }
                guard let first = set.first else { continue }
                rowsByColour[c] = bits
                var seg = Segment(colour: c, start: first, end: first)
                for x in set.dropFirst() {
                    if x - seg.end - 1 >= segmentGap { segments.append(seg); seg = Segment(colour: c, start: x, end: x) }
                    else { seg.end = x }
                }
                segments.append(seg)
            }
            // Stable order: by start column, then register.
            segments.sort { ($0.start, $0.colour) < ($1.start, $1.colour) }
            var current = -1
            var firstPass = true
            while !segments.isEmpty {
                if !firstPass { out.append(0x24) }
                firstPass = false
                var cursor = 0
                var remaining: [Segment] = []
                for s in segments {
                    guard s.start >= cursor else { remaining.append(s); continue }
                    if s.colour != current { out += Array("#\(s.colour)".utf8); current = s.colour }
                    if s.start > cursor { out += run(0x3F, s.start - cursor) }
                    let bits = rowsByColour[s.colour] ?? []
                    var x = s.start
                    while x <= s.end {
                        var n = 1
                        while x + n <= s.end && bits[x + n] == bits[x] { n += 1 }
                        out += run(bits[x] + 0x3F, n)
                        x += n
                    }
                    cursor = s.end + 1
                }
                segments = remaining
            }
            if y0 + 6 < height { out.append(0x2D) }
        }
        return out + [0x1B, 0x5C]
    }
}
