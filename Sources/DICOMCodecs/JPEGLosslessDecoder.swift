/// JPEG lossless, non-hierarchical, process 14 (ISO/IEC 10918-1 Annex H; PS3.5 A.4.1), in Swift.
///
/// Supports 2–16 bit precision, predictors (selection values) 1–7 (H.1.2.1, Table H.1), point
/// transform (H.1.2.3), restart intervals, several components in one interleaved scan or in
/// separate scans, all with sampling factors 1×1. DNL (height given after the scan) is refused.
enum JPEGLosslessDecoder {
    static func decode(_ data: UnsafeRawBufferPointer, context: DecodeContext) throws(CodecError) -> DecodedFrame {
        let d = context.description
        var decoder = LosslessJPEG(data: data, expectedWidth: d.columns, expectedHeight: d.rows,
                                   expectedComponents: d.samplesPerPixel)
        do {
            try decoder.run()
        } catch {
            switch error.kind {
            case .unsupported: throw context.error(.unsupportedFeature(error.message))
            case .mismatch: throw context.error(.descriptionMismatch(error.message))
            case .corrupt: throw context.error(.corruptCodestream(error.message))
            }
        }
        guard d.bitsAllocated == 8 || d.bitsAllocated == 16 else {
            throw context.error(.descriptionMismatch("JPEG lossless samples with Bits Allocated \(d.bitsAllocated)"))
        }
        // The decoded samples are unsigned P-bit values; pydicom keeps the low Bits Stored bits
        // and sign-extends them for Pixel Representation 1.
        let normalize = SampleNormalizer(bitsStored: d.bitsStored, highBit: d.bitsStored - 1, signed: context.signed)
        let pixels = d.rows * d.columns
        let spp = d.samplesPerPixel
        var values = [Int32](repeating: 0, count: pixels * spp)
        decoder.planes.withUnsafeBufferPointer { planes in
            for c in 0..<spp {
                for i in 0..<pixels { values[i * spp + c] = normalize(UInt32(truncatingIfNeeded: planes[c * pixels + i])) }
            }
        }
        let type = DecodedFrame.SampleType.forContainer(bytes: d.bitsAllocated / 8, signed: context.signed)
        return context.frame(values: values, sampleType: type)
    }
}

struct LosslessJPEGFailure: Error {
    enum Kind { case unsupported, mismatch, corrupt }
    let kind: Kind
    let message: String
}

/// A canonical Huffman table (ISO/IEC 10918-1 C.2, Annex C code generation), expanded into a
/// 2^16-entry lookup: entry = code length << 8 | symbol for every 16-bit window that starts
/// with the code; 0 marks windows that start with no valid code.
struct HuffmanTable {
    var lookup: [UInt32]

    init(counts: [Int], values: [UInt8]) {
        lookup = [UInt32](repeating: 0, count: 1 << 16)
        var code = 0
        var k = 0
        for l in 1...16 {
            for _ in 0..<counts[l - 1] {
                guard k < values.count, code < (1 << l) else { return }
                let first = code << (16 - l)
                let last = (code + 1) << (16 - l)
                let entry = UInt32(l) << 8 | UInt32(values[k])
                for w in first..<last { lookup[w] = entry }
                code += 1
                k += 1
            }
            code <<= 1
        }
    }
}

struct LosslessJPEG: JPEGEntropyReading {
    typealias Failure = LosslessJPEGFailure

    let data: UnsafeRawBufferPointer
    let expectedWidth: Int
    let expectedHeight: Int
    let expectedComponents: Int

    var pos = 0
    var tables = [HuffmanTable?](repeating: nil, count: 4)
    var restartInterval = 0
    var precision = 0
    var width = 0
    var height = 0
    var componentIDs: [Int] = []
    /// Component planes, one after the other (width × height each).
    var planes: [Int32] = []
    var sawFrame = false
    var decodedScans = 0

    // Bit reader state (MSB-aligned).
    var bitBuffer: UInt64 = 0
    var bitCount = 0
    var hitMarker = false
    var paddedBytes = 0

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

    mutating func handleSegment(_ m: UInt8, start: Int, end: Int) throws(Failure) {
        switch m {
        case 0xC3:
            try readFrame(start, end)
        case 0xC0, 0xC1, 0xC2, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
            throw Failure(kind: .unsupported, message: "JPEG frame type \(String(format0x: m)) in a lossless (process 14) syntax")
        case 0xC4:
            try readHuffman(start, end)
        case 0xDD:
            guard end - start >= 2 else { throw Failure(kind: .corrupt, message: "DRI segment too short") }
            restartInterval = u16(start)
        case 0xDC:
            throw Failure(kind: .unsupported, message: "DNL marker (image height defined after the scan)")
        default:
            break  // APPn, COM, DQT, ...: not needed
        }
    }

    mutating func readFrame(_ s: Int, _ e: Int) throws(Failure) {
        guard e - s >= 6 else { throw Failure(kind: .corrupt, message: "SOF3 segment too short") }
        precision = Int(data[s])
        height = u16(s + 1)
        width = u16(s + 3)
        let n = Int(data[s + 5])
        guard precision >= 2 && precision <= 16 else {
            throw Failure(kind: .unsupported, message: "lossless precision \(precision) bits")
        }
        guard height > 0 else { throw Failure(kind: .unsupported, message: "DNL (height 0 in SOF3)") }
        guard width == expectedWidth, height == expectedHeight, n == expectedComponents else {
            throw Failure(kind: .mismatch, message: "codestream is \(width)×\(height) with \(n) components, description \(expectedWidth)×\(expectedHeight) with \(expectedComponents)")
        }
        guard e - s >= 6 + 3 * n else { throw Failure(kind: .corrupt, message: "SOF3 segment too short for \(n) components") }
        componentIDs = []
        for c in 0..<n {
            componentIDs.append(Int(data[s + 6 + 3 * c]))
            let sampling = data[s + 7 + 3 * c]
            guard sampling == 0x11 else {
                throw Failure(kind: .unsupported, message: "component sampling factors \(sampling >> 4)×\(sampling & 15)")
            }
        }
        planes = [Int32](repeating: 0, count: width * height * n)
        sawFrame = true
    }

    mutating func readHuffman(_ s: Int, _ e: Int) throws(Failure) {
        var i = s
        while i < e {
            guard i + 17 <= e else { throw Failure(kind: .corrupt, message: "DHT segment truncated") }
            let tc = data[i] >> 4
            let th = Int(data[i] & 15)
            guard th < 4 else { throw Failure(kind: .corrupt, message: "Huffman table id \(th)") }
            var counts = [Int]()
            var total = 0
            for l in 0..<16 { let n = Int(data[i + 1 + l]); counts.append(n); total += n }
            guard i + 17 + total <= e, total <= 256 else { throw Failure(kind: .corrupt, message: "DHT segment truncated") }
            let values = (0..<total).map { data[i + 17 + $0] }
            if tc == 0 { tables[th] = HuffmanTable(counts: counts, values: values) }
            i += 17 + total
        }
    }

    // MARK: Bit reading: fill, bits, decodeSymbol, restart and marker skipping in JPEGEntropyReader.swift

    @inline(__always)
    mutating func decodeDifference(_ t: UnsafePointer<UInt32>) throws(Failure) -> Int32 {
        let s = try decodeSymbol(t)
        if s == 0 { return 0 }
        if s == 16 { return 32768 }
        guard s < 16 else { throw Failure(kind: .corrupt, message: "difference category \(s)") }
        let v = bits(s)
        return v < (Int32(1) << Int32(s - 1)) ? v - (Int32(1) << Int32(s)) + 1 : v
    }

    /// After a restart interval: drop the remaining bits and consume the RSTn marker.
    mutating func processRestart() {
        consumeRestartMarker()
    }

    // MARK: Scan (H.2)

    mutating func readScan(_ s: Int, _ e: Int) throws(Failure) {
        guard sawFrame else { throw Failure(kind: .corrupt, message: "scan before the frame header") }
        let ns = Int(data[s])
        guard ns >= 1, e - s >= 1 + 2 * ns + 3 else { throw Failure(kind: .corrupt, message: "SOS segment too short") }
        var comps: [Int] = []
        var huff: [UInt32] = []  // the scan components' lookup tables, one after the other
        for k in 0..<ns {
            let id = Int(data[s + 1 + 2 * k])
            guard let c = componentIDs.firstIndex(of: id) else {
                throw Failure(kind: .corrupt, message: "scan component id \(id) not in the frame")
            }
            let td = Int(data[s + 2 + 2 * k] >> 4)
            guard td < 4, let table = tables[td] else {
                throw Failure(kind: .corrupt, message: "scan uses undefined Huffman table \(td)")
            }
            comps.append(c)
            huff.append(contentsOf: table.lookup)
        }
        let predictor = Int(data[s + 1 + 2 * ns])
        let pt = Int(data[s + 3 + 2 * ns] & 15)
        guard (1...7).contains(predictor) else {
            throw Failure(kind: .unsupported, message: "lossless predictor (selection value) \(predictor)")
        }
        guard pt < precision else { throw Failure(kind: .corrupt, message: "point transform \(pt) ≥ precision") }
        let initial = Int32(1) << Int32(precision - pt - 1)
        let mask: Int32 = 0xFFFF
        let w = width
        resetBits()
        paddedBytes = 0

        var samples = planes
        planes = []
        defer { planes = samples }
        let plane = w * height
        let offsets = comps.map { $0 * plane }
        let huffmanTables = huff
        try samples.withUnsafeMutableBufferPointer { (p) throws(Failure) in
          try huffmanTables.withUnsafeBufferPointer { (lookups) throws(Failure) in
            guard let lookupBase = lookups.baseAddress else { return }
            var mcusLeft = restartInterval
            var firstLine = true
            var resetPending = true
            for y in 0..<height {
                for x in 0..<w {
                    if restartInterval > 0 {
                        if mcusLeft == 0 {
                            processRestart()
                            mcusLeft = restartInterval
                            firstLine = true
                            resetPending = true
                        }
                        mcusLeft -= 1
                    }
                    for k in 0..<ns {
                        let diff = try decodeDifference(lookupBase + (k << 16))
                        let i = offsets[k] + y * w + x
                        let prediction: Int32
                        if resetPending {
                            prediction = initial
                        } else if firstLine {
                            prediction = p[i - 1]
                        } else if x == 0 {
                            prediction = p[i - w]
                        } else {
                            let ra = p[i - 1], rb = p[i - w], rc = p[i - w - 1]
                            switch predictor {
                            case 1: prediction = ra
                            case 2: prediction = rb
                            case 3: prediction = rc
                            case 4: prediction = ra + rb - rc
                            case 5: prediction = ra + ((rb - rc) >> 1)
                            case 6: prediction = rb + ((ra - rc) >> 1)
                            default: prediction = (ra + rb) >> 1
                            }
                        }
                        p[i] = (prediction + diff) & mask
                    }
                    resetPending = false
                }
                firstLine = false
                // Consuming more than two bytes of zero padding at a marker or at the end of the
                // data means the entropy-coded segment was cut short.
                if paddedBytes > 2 && bitCount < 8 * (paddedBytes - 2) {
                    throw Failure(kind: .corrupt, message: "codestream truncated after \(data.count) bytes (row \(y + 1) of \(height))")
                }
            }
            if pt > 0 {
                for o in offsets { for i in o..<(o + plane) { p[i] = (p[i] << Int32(pt)) & mask } }
            }
          }
        }
    }
}
