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
}

extension JPEGEntropyReading {
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
