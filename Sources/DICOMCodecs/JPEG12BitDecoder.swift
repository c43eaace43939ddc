/// 12-bit JPEG DCT, sequential Huffman (ISO/IEC 10918-1 processes 2/4, PS3.5 A.4.1 JPEG
/// Extended), in Swift, because Debian's libjpeg-turbo 2.1 is built for 8-bit samples only.
///
/// Scope: Huffman sequential (SOF0/SOF1), all components with sampling 1×1 (12-bit DICOM images
/// are monochrome in practice), restart intervals. The inverse DCT is IJG's `jpeg_idct_islow`
/// (jidctint.c, CONST_BITS 13, PASS1_BITS 1 for 12-bit), so the output equals DCMTK's
/// `dcmdjpeg` (IJG 6b, 12-bit build) bit for bit. pydicom decodes these frames with
/// pylibjpeg-libjpeg, whose IDCT rounds differently (see the tests for the measured difference).
struct JPEG12BitDecoder: JPEGEntropyReading {
    typealias Failure = LosslessJPEGFailure

    struct Component {
        var id: Int
        var quantTable: Int
        var dcTable = 0
        var acTable = 0
        var prediction: Int32 = 0
    }

    let data: UnsafeRawBufferPointer
    let expectedWidth: Int
    let expectedHeight: Int
    let expectedComponents: Int

    var pos = 0
    var dcTables = [HuffmanTable?](repeating: nil, count: 4)
    var acTables = [HuffmanTable?](repeating: nil, count: 4)
    var quant = [[Int32]](repeating: [Int32](repeating: 1, count: 64), count: 4)
    var restartInterval = 0
    var width = 0
    var height = 0
    var components: [Component] = []
    var sawFrame = false
    var decodedScans = 0
    /// Component planes (width × height each), 12-bit samples.
    var planes: [Int32] = []

    var bitBuffer: UInt64 = 0
    var bitCount = 0
    var hitMarker = false
    var paddedBytes = 0

    /// Natural-order index of the k-th zig-zag coefficient (ISO/IEC 10918-1 Figure A.6).
    static let zigzag: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
        21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53,
        60, 61, 54, 47, 55, 62, 63,
    ]

    init(data: UnsafeRawBufferPointer, expectedWidth: Int, expectedHeight: Int, expectedComponents: Int) {
        self.data = data
        self.expectedWidth = expectedWidth
        self.expectedHeight = expectedHeight
        self.expectedComponents = expectedComponents
    }

    func u16(_ i: Int) -> Int { Int(data[i]) << 8 | Int(data[i + 1]) }

    mutating func run() throws(Failure) {
        try walkMarkers()
    }

    mutating func handleSegment(_ m: UInt8, start s: Int, end e: Int) throws(Failure) {
        switch m {
        case 0xC0, 0xC1: try readFrame(s, e)
        case 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
            throw Failure(kind: .unsupported, message: "12-bit JPEG frame type \(String(format0x: m)) (only Huffman sequential is decoded)")
        case 0xC4: try readHuffman(s, e)
        case 0xDB: try readQuant(s, e)
        case 0xDD:
            guard e - s >= 2 else { throw Failure(kind: .corrupt, message: "DRI segment too short") }
            restartInterval = u16(s)
        default: break
        }
    }

    mutating func readFrame(_ s: Int, _ e: Int) throws(Failure) {
        guard e - s >= 6 else { throw Failure(kind: .corrupt, message: "SOF segment too short") }
        let precision = Int(data[s])
        height = u16(s + 1)
        width = u16(s + 3)
        let n = Int(data[s + 5])
        guard precision == 12 else { throw Failure(kind: .unsupported, message: "\(precision)-bit DCT samples") }
        guard height > 0 else { throw Failure(kind: .unsupported, message: "DNL (height 0 in SOF)") }
        guard width == expectedWidth, height == expectedHeight, n == expectedComponents else {
            throw Failure(kind: .mismatch, message: "codestream is \(width)×\(height) with \(n) components, description \(expectedWidth)×\(expectedHeight) with \(expectedComponents)")
        }
        guard e - s >= 6 + 3 * n else { throw Failure(kind: .corrupt, message: "SOF segment too short") }
        components = []
        for c in 0..<n {
            let sampling = data[s + 7 + 3 * c]
            guard sampling == 0x11 else {
                throw Failure(kind: .unsupported, message: "12-bit JPEG with sampling factors \(sampling >> 4)×\(sampling & 15)")
            }
            components.append(Component(id: Int(data[s + 6 + 3 * c]), quantTable: Int(data[s + 8 + 3 * c] & 3)))
        }
        planes = [Int32](repeating: 0, count: width * height * n)
        sawFrame = true
    }

    mutating func readQuant(_ s: Int, _ e: Int) throws(Failure) {
        var i = s
        while i < e {
            let pq = Int(data[i] >> 4)
            let tq = Int(data[i] & 3)
            let size = pq == 0 ? 64 : 128
            guard i + 1 + size <= e else { throw Failure(kind: .corrupt, message: "DQT segment truncated") }
            var table = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                table[k] = pq == 0 ? Int32(data[i + 1 + k]) : Int32(u16(i + 1 + 2 * k))
            }
            quant[tq] = table  // zig-zag order, as coefficients are decoded
            i += 1 + size
        }
    }

    mutating func readHuffman(_ s: Int, _ e: Int) throws(Failure) {
        var i = s
        while i < e {
            guard i + 17 <= e else { throw Failure(kind: .corrupt, message: "DHT segment truncated") }
            let tc = data[i] >> 4
            let th = Int(data[i] & 3)
            var counts = [Int]()
            var total = 0
            for l in 0..<16 { let n = Int(data[i + 1 + l]); counts.append(n); total += n }
            guard i + 17 + total <= e, total <= 256 else { throw Failure(kind: .corrupt, message: "DHT segment truncated") }
            let values = (0..<total).map { data[i + 17 + $0] }
            if tc == 0 { dcTables[th] = HuffmanTable(counts: counts, values: values) }
            else { acTables[th] = HuffmanTable(counts: counts, values: values) }
            i += 17 + total
        }
    }

    // MARK: bits: fill, bits, decodeSymbol, skipToMarker in JPEGEntropyReader.swift

    /// EXTEND (F.2.2.1).
    @inline(__always)
    static func extend(_ v: Int32, _ s: Int) -> Int32 {
        s == 0 ? 0 : (v < (Int32(1) << Int32(s - 1)) ? v - (Int32(1) << Int32(s)) + 1 : v)
    }

    mutating func processRestart() {
        consumeRestartMarker()
        for c in components.indices { components[c].prediction = 0 }
    }

    // MARK: scan

    mutating func readScan(_ s: Int, _ e: Int) throws(Failure) {
        guard sawFrame else { throw Failure(kind: .corrupt, message: "scan before the frame header") }
        let ns = Int(data[s])
        guard ns >= 1, e - s >= 1 + 2 * ns + 3 else { throw Failure(kind: .corrupt, message: "SOS segment too short") }
        var scanComponents: [Int] = []
        var lookups: [UInt32] = []  // per scan component: DC table then AC table
        for k in 0..<ns {
            let id = Int(data[s + 1 + 2 * k])
            guard let c = components.firstIndex(where: { $0.id == id }) else {
                throw Failure(kind: .corrupt, message: "scan component id \(id) not in the frame")
            }
            let td = Int(data[s + 2 + 2 * k] >> 4) & 3
            let ta = Int(data[s + 2 + 2 * k] & 15) & 3
            guard let dc = dcTables[td], let ac = acTables[ta] else {
                throw Failure(kind: .corrupt, message: "scan uses an undefined Huffman table")
            }
            scanComponents.append(c)
            lookups.append(contentsOf: dc.lookup)
            lookups.append(contentsOf: ac.lookup)
            components[c].prediction = 0
        }
        bitBuffer = 0
        bitCount = 0
        hitMarker = false
        paddedBytes = 0
        let blocksX = (width + 7) / 8
        let blocksY = (height + 7) / 8
        let w = width, h = height
        let plane = w * h
        let quantTables = scanComponents.map { quant[components[$0].quantTable] }
        var samples = planes
        planes = []
        defer { planes = samples }
        var coefficients = [Int32](repeating: 0, count: 64)
        var block = [Int32](repeating: 0, count: 64)
        try lookups.withUnsafeBufferPointer { (tables) throws(Failure) in
            guard let base = tables.baseAddress else { return }
            var mcusLeft = restartInterval
            for by in 0..<blocksY {
                for bx in 0..<blocksX {
                    if restartInterval > 0 {
                        if mcusLeft == 0 { processRestart(); mcusLeft = restartInterval }
                        mcusLeft -= 1
                    }
                    for k in 0..<ns {
                        let c = scanComponents[k]
                        let q = quantTables[k]
                        let dc = base + ((2 * k) << 16)
                        let ac = base + ((2 * k + 1) << 16)
                        for i in 0..<64 { coefficients[i] = 0 }
                        let t = try decodeSymbol(dc)
                        guard t <= 15 else { throw Failure(kind: .corrupt, message: "DC category \(t)") }
                        components[c].prediction &+= Self.extend(bits(t), t)
                        coefficients[0] = components[c].prediction &* q[0]
                        var index = 1
                        while index < 64 {
                            let rs = try decodeSymbol(ac)
                            let r = rs >> 4, size = rs & 15
                            if size == 0 {
                                if r == 15 { index += 16; continue }
                                break
                            }
                            index += r
                            guard index < 64 else { throw Failure(kind: .corrupt, message: "AC coefficient index past 63") }
                            coefficients[Self.zigzag[index]] = Self.extend(bits(size), size) &* q[index]
                            index += 1
                        }
                        Self.inverseDCT(coefficients, into: &block)
                        let x0 = bx * 8, y0 = by * 8
                        for y in 0..<min(8, h - y0) {
                            for x in 0..<min(8, w - x0) {
                                samples[c * plane + (y0 + y) * w + x0 + x] = block[y * 8 + x]
                            }
                        }
                    }
                }
                if paddedBytes > 2 && bitCount < 8 * (paddedBytes - 2) {
                    throw Failure(kind: .corrupt, message: "codestream truncated after \(data.count) bytes (block row \(by + 1) of \(blocksY))")
                }
            }
        }
    }

    /// IJG `jpeg_idct_islow` (jidctint.c) for 12-bit samples: CONST_BITS 13, PASS1_BITS 1,
    /// output level-shifted by 2048 and range-limited to 0...4095 (ISO/IEC 10918-1 A.3.3).
    static func inverseDCT(_ input: [Int32], into out: inout [Int32]) {
        let constBits: Int64 = 13, pass1Bits: Int64 = 1
        @inline(__always) func descale(_ x: Int64, _ n: Int64) -> Int64 { (x + (1 << (n - 1))) >> n }
        let f0298: Int64 = 2446, f0390: Int64 = 3196, f0541: Int64 = 4433, f0765: Int64 = 6270
        let f0899: Int64 = 7373, f1175: Int64 = 9633, f1501: Int64 = 12299, f1847: Int64 = 15137
        let f1961: Int64 = 16069, f2053: Int64 = 16819, f2562: Int64 = 20995, f3072: Int64 = 25172
        var ws = [Int64](repeating: 0, count: 64)
        for col in 0..<8 {
            let c = { (row: Int) -> Int64 in Int64(input[row * 8 + col]) }
            if c(1) == 0 && c(2) == 0 && c(3) == 0 && c(4) == 0 && c(5) == 0 && c(6) == 0 && c(7) == 0 {
                let dc = c(0) << pass1Bits
                for row in 0..<8 { ws[row * 8 + col] = dc }
                continue
            }
            var z2 = c(2), z3 = c(6)
            var z1 = (z2 + z3) * f0541
            var tmp2 = z1 + z3 * -f1847
            var tmp3 = z1 + z2 * f0765
            z2 = c(0); z3 = c(4)
            var tmp0 = (z2 + z3) << constBits
            var tmp1 = (z2 - z3) << constBits
            let tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2
            tmp0 = c(7); tmp1 = c(5); tmp2 = c(3); tmp3 = c(1)
            z1 = tmp0 + tmp3; z2 = tmp1 + tmp2; z3 = tmp0 + tmp2
            var z4 = tmp1 + tmp3
            let z5 = (z3 + z4) * f1175
            tmp0 *= f0298; tmp1 *= f2053; tmp2 *= f3072; tmp3 *= f1501
            z1 *= -f0899; z2 *= -f2562; z3 *= -f1961; z4 *= -f0390
            z3 += z5; z4 += z5
            tmp0 += z1 + z3; tmp1 += z2 + z4; tmp2 += z2 + z3; tmp3 += z1 + z4
            let n = constBits - pass1Bits
            ws[0 * 8 + col] = descale(tmp10 + tmp3, n)
            ws[7 * 8 + col] = descale(tmp10 - tmp3, n)
            ws[1 * 8 + col] = descale(tmp11 + tmp2, n)
            ws[6 * 8 + col] = descale(tmp11 - tmp2, n)
            ws[2 * 8 + col] = descale(tmp12 + tmp1, n)
            ws[5 * 8 + col] = descale(tmp12 - tmp1, n)
            ws[3 * 8 + col] = descale(tmp13 + tmp0, n)
            ws[4 * 8 + col] = descale(tmp13 - tmp0, n)
        }
        @inline(__always) func limit(_ v: Int64) -> Int32 {
            // IJG's range-limit table: the value is taken modulo 2^14 as a signed number.
            var x = v & 0x3FFF
            if x >= 0x2000 { x -= 0x4000 }
            return Int32(min(max(x + 2048, 0), 4095))
        }
        for row in 0..<8 {
            let r = { (i: Int) -> Int64 in ws[row * 8 + i] }
            let shift = constBits + pass1Bits + 3
            var z2 = r(2), z3 = r(6)
            var z1 = (z2 + z3) * f0541
            var tmp2 = z1 + z3 * -f1847
            var tmp3 = z1 + z2 * f0765
            z2 = r(0); z3 = r(4)
            var tmp0 = (z2 + z3) << constBits
            var tmp1 = (z2 - z3) << constBits
            let tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2
            tmp0 = r(7); tmp1 = r(5); tmp2 = r(3); tmp3 = r(1)
            z1 = tmp0 + tmp3; z2 = tmp1 + tmp2; z3 = tmp0 + tmp2
            var z4 = tmp1 + tmp3
            let z5 = (z3 + z4) * f1175
            tmp0 *= f0298; tmp1 *= f2053; tmp2 *= f3072; tmp3 *= f1501
            z1 *= -f0899; z2 *= -f2562; z3 *= -f1961; z4 *= -f0390
            z3 += z5; z4 += z5
            tmp0 += z1 + z3; tmp1 += z2 + z4; tmp2 += z2 + z3; tmp3 += z1 + z4
            out[row * 8 + 0] = limit(descale(tmp10 + tmp3, shift))
            out[row * 8 + 7] = limit(descale(tmp10 - tmp3, shift))
            out[row * 8 + 1] = limit(descale(tmp11 + tmp2, shift))
            out[row * 8 + 6] = limit(descale(tmp11 - tmp2, shift))
            out[row * 8 + 2] = limit(descale(tmp12 + tmp1, shift))
            out[row * 8 + 5] = limit(descale(tmp12 - tmp1, shift))
            out[row * 8 + 3] = limit(descale(tmp13 + tmp0, shift))
            out[row * 8 + 4] = limit(descale(tmp13 - tmp0, shift))
        }
    }
}
