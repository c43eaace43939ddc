/// NumPy `.npy` (format version 1.0) and binary PGM (P5) encoders for exported frames.
public enum ArrayFiles {
    /// An `.npy` file: magic, header dict padded to a multiple of 64 bytes, then the data
    /// (C order). `descr` is a NumPy dtype string such as "<i2", "|u1", "<f8".
    public static func npy(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = header.utf8.count
        out += [UInt8(n & 0xFF), UInt8(n >> 8)]
        out += Array(header.utf8)
        out += data
        return out
    }

    /// Little-endian bytes of doubles.
    public static func float64LE(_ values: [Double]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 8)
        for v in values {
            let b = v.bitPattern
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))) }
        }
        return out
    }

    /// Binary PGM: 8-bit samples, or 16-bit samples big-endian as Netpbm requires.
    public static func pgm(width: Int, height: Int, maxValue: Int, samples: [UInt8]) -> [UInt8] {
        Array("P5\n\(width) \(height)\n\(maxValue)\n".utf8) + samples
    }
}
