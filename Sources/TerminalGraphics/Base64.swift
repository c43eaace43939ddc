/// RFC 4648 §4 base64 with padding, appended straight into a byte buffer (no Foundation, no
/// intermediate String), used by the kitty and iTerm2 encoders.
enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encodedCount(_ n: Int) -> Int { (n + 2) / 3 * 4 }

    static func append<C: Collection>(_ input: C, to out: inout [UInt8]) where C.Element == UInt8, C.Index == Int {
        let n = input.count
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: encodedCount(n)))
        alphabet.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { o in
                var j = start
                var i = input.startIndex
                let end = input.startIndex + n
                while i + 3 <= end {
                    let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    o[j] = a[Int(v >> 18)]; o[j + 1] = a[Int((v >> 12) & 63)]
                    o[j + 2] = a[Int((v >> 6) & 63)]; o[j + 3] = a[Int(v & 63)]
                    i += 3; j += 4
                }
                let rest = end - i
                if rest > 0 {
                    let v = UInt32(input[i]) << 16 | (rest == 2 ? UInt32(input[i + 1]) << 8 : 0)
                    o[j] = a[Int(v >> 18)]; o[j + 1] = a[Int((v >> 12) & 63)]
                    o[j + 2] = rest == 2 ? a[Int((v >> 6) & 63)] : 0x3D
                    o[j + 3] = 0x3D
                }
            }
        }
    }

    /// Decodes padded base64; nil on any invalid character or length (tests, reply parsing).
    static func decode<C: Collection>(_ input: C) -> [UInt8]? where C.Element == UInt8 {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int16(i) }
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0, pad = 0
        for c in input {
            if c == 0x3D { pad += 1; continue }
            guard pad == 0 else { return nil }
            let v = table[Int(c)]
            guard v >= 0 else { return nil }
            acc = acc << 6 | UInt32(v); bits += 6
            if bits >= 8 { bits -= 8; out.append(UInt8((acc >> UInt32(bits)) & 0xFF)) }
        }
        return pad <= 2 ? out : nil
    }
}
