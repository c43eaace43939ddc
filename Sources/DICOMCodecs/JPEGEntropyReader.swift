/// Reading an entropy-coded segment (ITU-T T.81 F.2.2.5), shared by the Swift JPEG decoders
/// (lossless process 14, 12-bit DCT): byte stuffing (FF00 is a literal FF), a marker ends the
/// segment (the decoder then reads zero bits, as T.81 F.2.2.5 allows for padding), Huffman
/// symbols through a 16-bit lookup table.
protocol JPEGEntropyReading {
    var data: UnsafeRawBufferPointer { get }
    var pos: Int { get set }
    var bitBuffer: UInt64 { get set }
    var bitCount: Int { get set }
    var hitMarker: Bool { get set }
    /// Zero bytes read past a marker or the end: the caller judges truncation by it.
    var paddedBytes: Int { get set }
    var sawFrame: Bool { get }
    var decodedScans: Int { get set }
    /// One marker segment other than SOS: `start..<end` is its payload (after the length).
    mutating func handleSegment(_ marker: UInt8, start: Int, end: Int) throws(LosslessJPEGFailure)
    /// The entropy-coded scan that follows an SOS segment whose payload is `start..<end`.
    mutating func readScan(_ start: Int, _ end: Int) throws(LosslessJPEGFailure)
}

extension JPEGEntropyReading {
    /// Walk the codestream's markers (T.81 B.1.1): SOI, marker segments, scans, EOI. Fill
    /// bytes, RSTn and TEM are skipped; a missing EOI after a decoded scan is accepted, as
    /// libjpeg does.
    mutating func walkMarkers() throws(LosslessJPEGFailure) {
        guard data.count >= 4, data[0] == 0xFF, data[1] == 0xD8 else {
            throw LosslessJPEGFailure(kind: .corrupt, message: "no JPEG SOI marker (FFD8) at the start of the frame")
        }
        pos = 2
        while true {
            guard pos + 2 <= data.count else {
                if decodedScans > 0 && sawFrame { return }
                throw LosslessJPEGFailure(kind: .corrupt, message: "codestream truncated after \(data.count) bytes (no scan)")
            }
            guard data[pos] == 0xFF else {
                throw LosslessJPEGFailure(kind: .corrupt,
                                          message: "expected a marker at byte \(pos), found 0x\(String(data[pos], radix: 16))")
            }
            let m = data[pos + 1]
            if m == 0xFF { pos += 1; continue }
            if m == 0xD9 { break }
            if m == 0xD8 || (0xD0...0xD7).contains(m) || m == 0x01 { pos += 2; continue }
            guard pos + 4 <= data.count else {
                throw LosslessJPEGFailure(kind: .corrupt, message: "codestream truncated after \(data.count) bytes in a marker segment")
            }
            let length = Int(data[pos + 2]) << 8 | Int(data[pos + 3])
            let start = pos + 4
            let end = pos + 2 + length
            guard length >= 2, end <= data.count else {
                throw LosslessJPEGFailure(kind: .corrupt, message: "marker FF\(String(m, radix: 16, uppercase: true)) segment at byte \(pos) runs past the end (\(data.count) bytes)")
            }
            if m == 0xDA {
                pos = end
                try readScan(start, end)
                decodedScans += 1
                skipToMarker()
                continue
            }
            try handleSegment(m, start: start, end: end)
            pos = end
        }
        guard sawFrame, decodedScans > 0 else {
            throw LosslessJPEGFailure(kind: .corrupt, message: "no frame or scan in the codestream")
        }
    }

    @inline(__always)
    mutating func fill() {
        while bitCount <= 56 {
            var byte: UInt8 = 0
            if !hitMarker && pos < data.count {
                let b = data[pos]
                if b == 0xFF {
                    let next: UInt8 = pos + 1 < data.count ? data[pos + 1] : 0xD9
                    if next == 0x00 {
                        byte = 0xFF
                        pos += 2
                    } else {
                        hitMarker = true
                        paddedBytes += 1
                    }
                } else {
                    byte = b
                    pos += 1
                }
            } else {
                hitMarker = true
                paddedBytes += 1
            }
            bitBuffer |= UInt64(byte) << UInt64(56 - bitCount)
            bitCount += 8
        }
    }

    /// The next `n` bits (0...16) as an unsigned value.
    @inline(__always)
    mutating func bits(_ n: Int) -> Int32 {
        if n == 0 { return 0 }
        if bitCount < n { fill() }
        let v = Int32(truncatingIfNeeded: bitBuffer >> UInt64(64 - n))
        bitBuffer <<= UInt64(n)
        bitCount -= n
        return v
    }

    /// One Huffman symbol; `lookup` maps the next 16 bits to (code length << 8 | symbol), 0 for
    /// no code.
    @inline(__always)
    mutating func decodeSymbol(_ lookup: UnsafePointer<UInt32>) throws(LosslessJPEGFailure) -> Int {
        if bitCount < 16 { fill() }
        let entry = lookup[Int(truncatingIfNeeded: bitBuffer >> 48)]
        guard entry != 0 else { throw LosslessJPEGFailure(kind: .corrupt, message: "invalid Huffman code at byte \(pos)") }
        let length = Int(entry >> 8)
        bitBuffer <<= UInt64(length)
        bitCount -= length
        return Int(entry & 0xFF)
    }

    mutating func resetBits() {
        bitBuffer = 0
        bitCount = 0
        hitMarker = false
    }

    /// After a restart interval: drop the remaining bits and consume the RSTn marker (T.81 F.2.2.5).
    mutating func consumeRestartMarker() {
        resetBits()
        paddedBytes = 0
        while pos + 1 < data.count && data[pos] == 0xFF && data[pos + 1] == 0xFF { pos += 1 }
        if pos + 1 < data.count && data[pos] == 0xFF && (0xD0...0xD7).contains(data[pos + 1]) {
            pos += 2
        }
    }

    /// After a scan, move to the next marker, skipping any unread entropy-coded bytes.
    mutating func skipToMarker() {
        resetBits()
        while pos + 1 < data.count {
            if data[pos] == 0xFF && data[pos + 1] != 0x00 && !(0xD0...0xD7).contains(data[pos + 1]) { return }
            pos += 1
        }
        pos = data.count
    }
}
