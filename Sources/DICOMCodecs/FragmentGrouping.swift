/// Groups the fragments of encapsulated Pixel Data into frames when neither a Basic nor an
/// Extended Offset Table says where frames start (PS3.5 A.4: a frame may span fragments, a
/// fragment never holds parts of two frames).
public enum FragmentGrouping {
    /// Fragment indices per frame.
    ///
    /// Rules, in pydicom's order (`pydicom.encaps.generate_fragmented_frames`):
    /// one fragment → one frame; as many fragments as frames → one each; one frame → all.
    /// Otherwise a new frame starts at each fragment that begins with a codestream start:
    /// JPEG and JPEG-LS SOI (FFD8), J2K SOC+SIZ (FF4F FF51), the JP2 signature box, or an RLE
    /// header (segment count 1...15, first offset 64). If that does not give `frameCount`
    /// frames, pydicom's rule is tried (a frame ends at a fragment with FFD9 in its last 10
    /// bytes) and used if it does; failing both, the start-marker grouping is returned.
    public static func groupFragments<Fragment: RandomAccessCollection>(
        _ fragments: [Fragment], frameCount: Int, transferSyntaxUID: String
    ) -> [[Int]] where Fragment.Element == UInt8, Fragment.Index == Int {
        let n = fragments.count
        if n == 0 { return [] }
        if n == 1 { return [[0]] }
        if n == frameCount { return (0..<n).map { [$0] } }
        if frameCount <= 1 { return [Array(0..<n)] }

        let isRLE = CodecRegistry.standard.codec(for: transferSyntaxUID)?.method == .rle
        var byStart: [[Int]] = []
        for (i, fragment) in fragments.enumerated() {
            if byStart.isEmpty || startsCodestream(fragment, rle: isRLE) {
                byStart.append([i])
            } else {
                byStart[byStart.count - 1].append(i)
            }
        }
        if byStart.count == frameCount { return byStart }

        var byEnd: [[Int]] = []
        var current: [Int] = []
        for (i, fragment) in fragments.enumerated() {
            current.append(i)
            if endsWithEOI(fragment) {
                byEnd.append(current)
                current = []
            }
        }
        if !current.isEmpty { byEnd.append(current) }
        if byEnd.count == frameCount { return byEnd }
        return byStart
    }

    static func startsCodestream<Fragment: RandomAccessCollection>(_ f: Fragment, rle: Bool) -> Bool
    where Fragment.Element == UInt8, Fragment.Index == Int {
        let s = f.startIndex
        guard f.count >= 4 else { return false }
        if rle {
            guard f.count >= 8 else { return false }
            let count = Int(f[s]) | Int(f[s + 1]) << 8 | Int(f[s + 2]) << 16 | Int(f[s + 3]) << 24
            let first = Int(f[s + 4]) | Int(f[s + 5]) << 8 | Int(f[s + 6]) << 16 | Int(f[s + 7]) << 24
            return (1...15).contains(count) && first == 64
        }
        if f[s] == 0xFF && f[s + 1] == 0xD8 { return true }  // JPEG / JPEG-LS SOI
        if f[s] == 0xFF && f[s + 1] == 0x4F && f[s + 2] == 0xFF && f[s + 3] == 0x51 { return true }  // J2K
        if f.count >= 12 {
            let signature: [UInt8] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]
            if (0..<12).allSatisfy({ f[s + $0] == signature[$0] }) { return true }
        }
        return false
    }

    static func endsWithEOI<Fragment: RandomAccessCollection>(_ f: Fragment) -> Bool
    where Fragment.Element == UInt8, Fragment.Index == Int {
        let start = max(f.startIndex, f.endIndex - 10)
        guard f.endIndex - start >= 2 else { return false }
        for i in start..<(f.endIndex - 1) where f[i] == 0xFF && f[i + 1] == 0xD9 { return true }
        return false
    }
}
