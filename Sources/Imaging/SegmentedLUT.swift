/// Expansion of Segmented Palette Color Lookup Table Data (0028,1221/1222/1223), PS3.3 C.7.9.2.
///
/// The data is a sequence of segments, each starting with an opcode word and a length word:
/// - discrete (C.7.9.2.1): `0, n, v1 … vn` — the n values as they are;
/// - linear (C.7.9.2.2): `1, n, y1` — n values interpolated from the last value so far (y0,
///   exclusive) to y1 (inclusive): `y0 + (y1 − y0)·i/n`, i = 1…n, rounded to nearest (ties to
///   even, as pydicom does);
/// - indirect (C.7.9.2.3): `2, n, offset_lo, offset_hi` — copy n segments starting at the
///   32-bit offset (least significant word first). The offset counts 16-bit words from the start
///   of the segmented data, as GDCM and pydicom read it.
///
/// A linear segment needs a previous value, so it cannot come first; indirect segments may not
/// recurse endlessly (depth is bounded).
public enum SegmentedLUT {
    /// Expands `data` (one segment word per element) into a plain LUT's entries.
    /// - Parameter maxEntries: Stop with an error rather than grow beyond this (descriptor's count).
    /// - Throws: `ImagingError` naming the word offset of a malformed segment.
    public static func expand(_ data: [UInt16], maxEntries: Int = 65536) throws(ImagingError) -> [UInt16] {
        var out: [UInt16] = []
        try expand(data, from: 0, segments: nil, into: &out, depth: 0, maxEntries: maxEntries)
        return out
    }

    static func expand(_ data: [UInt16], from start: Int, segments: Int?, into out: inout [UInt16],
                       depth: Int, maxEntries: Int) throws(ImagingError) {
        guard depth < 8 else { throw ImagingError(.segmentedLUT(offset: start, reason: "indirect segments nested too deeply")) }
        var offset = start
        var read = 0
        // `offset + 1 < count`: tolerate one trailing pad word.
        while offset + 1 < data.count {
            if let segments, read == segments { return }
            let opcode = data[offset], length = Int(data[offset + 1])
            let at = offset
            offset += 2
            switch opcode {
            case 0:
                guard offset + length <= data.count else {
                    throw ImagingError(.segmentedLUT(offset: at, reason: "discrete segment of \(length) values overruns the data"))
                }
                out.append(contentsOf: data[offset ..< offset + length])
                offset += length
            case 1:
                guard let y0 = out.last else {
                    throw ImagingError(.segmentedLUT(offset: at, reason: "linear segment without a previous value"))
                }
                guard offset < data.count else {
                    throw ImagingError(.segmentedLUT(offset: at, reason: "linear segment without its end value"))
                }
                let y1 = data[offset]
                offset += 1
                let a = Double(y0), b = Double(y1), n = Double(length)
                if length > 0 {
                    for i in 1...length {
                        let v = (a + (b - a) * Double(i) / n).rounded(.toNearestOrEven)
                        out.append(UInt16(Swift.min(Swift.max(v, 0), 65535)))
                    }
                }
            case 2:
                guard offset + 1 < data.count else {
                    throw ImagingError(.segmentedLUT(offset: at, reason: "indirect segment without its offset"))
                }
                guard !out.isEmpty else {
                    throw ImagingError(.segmentedLUT(offset: at, reason: "indirect segment first"))
                }
                let target = Int(data[offset]) | Int(data[offset + 1]) << 16
                offset += 2
                guard target < data.count, target != at else {
                    throw ImagingError(.segmentedLUT(offset: at, reason: "indirect offset \(target) outside the data"))
                }
                try expand(data, from: target, segments: length, into: &out, depth: depth + 1, maxEntries: maxEntries)
            default:
                throw ImagingError(.segmentedLUT(offset: at, reason: "unknown segment type \(opcode)"))
            }
            guard out.count <= maxEntries else {
                throw ImagingError(.segmentedLUT(offset: at, reason: "expands beyond \(maxEntries) entries"))
            }
            read += 1
        }
    }
}
