/// What a terminal said in answer to Sixray's capability queries. Produced by `ReplyParser`
/// from raw bytes; no I/O here (house style rule 1).
public struct TerminalReplies: Sendable, Equatable {
    /// Primary Device Attributes (`CSI ? Pc ; Ps… c`), nil when no DA1 reply was seen.
    /// The first value is the device class (62 = VT220 … 65 = VT525); attribute 4 means sixel.
    public var deviceAttributes: [Int]?
    /// kitty graphics query answered `OK`.
    public var kittyGraphics = false
    /// kitty graphics query answered with an error (e.g. "ENOTSUPPORTED:…").
    public var kittyError: String?
    /// XTSMGRAPHICS colour registers (`CSI ? 1 ; 0 ; Pv S`).
    public var colorRegisters: Int?
    /// XTSMGRAPHICS maximum sixel geometry (`CSI ? 2 ; 0 ; w ; h S`).
    public var sixelMaxPixels: PixelSize?
    /// XTWINOPS 14: text area size in pixels (`CSI 4 ; h ; w t`).
    public var textAreaPixels: PixelSize?
    /// XTWINOPS 16: character cell size in pixels (`CSI 6 ; h ; w t`).
    public var cellPixels: PixelSize?
    /// XTWINOPS 18: text area size in cells (`CSI 8 ; rows ; cols t`), as width=cols, height=rows.
    public var textAreaCells: PixelSize?
    /// XTVERSION (`DCS > | text ST`), e.g. "XTerm(379)", "kitty(0.35.2)", "foot(1.16.2)".
    public var version: String?

    public init() {}

    /// True once the DA1 reply has arrived: terminals answer in order, so DA1, sent last, is
    /// the sentinel that all other answers (if any) are in.
    public var isComplete: Bool { deviceAttributes != nil }

    public var sixel: Bool { deviceAttributes.map { $0.dropFirst().contains(4) } ?? false }
}

public struct PixelSize: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
    public var description: String { "\(width)×\(height)" }
}

/// Tokenises a terminal's reply stream (ECMA-48 5.4 control sequences, 5.6 control strings) and
/// extracts the answers Sixray asked for. Unknown sequences and stray bytes are skipped; a
/// sequence cut off at the end of the buffer is ignored (the caller may read more and re-parse).
public enum ReplyParser {
    public static func parse(_ bytes: [UInt8]) -> TerminalReplies {
        var r = TerminalReplies()
        var i = 0
        let n = bytes.count
        while i < n {
            guard bytes[i] == 0x1B, i + 1 < n else { i += 1; continue }
            switch bytes[i + 1] {
            case 0x5B:  // CSI
                var j = i + 2
                var priv: UInt8 = 0
                if j < n, (0x3C...0x3F).contains(bytes[j]) { priv = bytes[j]; j += 1 }
                let pStart = j
                while j < n, (0x30...0x3F).contains(bytes[j]) { j += 1 }
                let pEnd = j
                while j < n, (0x20...0x2F).contains(bytes[j]) { j += 1 }
                guard j < n else { return r }  // partial
                let final = bytes[j]
                guard (0x40...0x7E).contains(final) else { i = j; continue }
                let params = parseParams(bytes[pStart..<pEnd])
                handleCSI(priv: priv, params: params, final: final, into: &r)
                i = j + 1
            case 0x5F, 0x50, 0x5D:  // APC, DCS, OSC: string up to ST (ESC \) or BEL
                let kind = bytes[i + 1]
                var j = i + 2
                var end = -1, next = -1
                while j < n {
                    if bytes[j] == 0x07 { end = j; next = j + 1; break }
                    if bytes[j] == 0x1B, j + 1 < n, bytes[j + 1] == 0x5C { end = j; next = j + 2; break }
                    if bytes[j] == 0x1B, j + 1 < n { break }  // a new sequence: this one was cut
                    j += 1
                }
                guard end >= 0 else {
                    if j >= n { return r }
                    i = j; continue
                }
                let body = Array(bytes[(i + 2)..<end])
                if kind == 0x5F { handleAPC(body, into: &r) }
                if kind == 0x50 { handleDCS(body, into: &r) }
                i = next
            default:
                i += 1
            }
        }
        return r
    }

    static func parseParams(_ s: ArraySlice<UInt8>) -> [Int] {
        var out: [Int] = []
        var cur = 0, any = false
        for b in s {
            if b >= 0x30 && b <= 0x39 {
                cur = min(cur * 10 + Int(b - 0x30), 1 << 30); any = true
            } else if b == 0x3B {
                out.append(any ? cur : 0); cur = 0; any = false
            } else if b == 0x3A {
                continue
            }
        }
        if any || !s.isEmpty { out.append(any ? cur : 0) }
        return out
    }

    static func handleCSI(priv: UInt8, params: [Int], final: UInt8, into r: inout TerminalReplies) {
        switch (priv, final) {
        case (0x3F, 0x63):  // ? … c
            r.deviceAttributes = params
        case (0x3F, 0x53):  // ? Pi ; Ps ; Pv S
            guard params.count >= 3, params[1] == 0 else { return }
            if params[0] == 1 { r.colorRegisters = params[2] }
            if params[0] == 2, params.count >= 4 { r.sixelMaxPixels = PixelSize(width: params[2], height: params[3]) }
        case (0, 0x74):  // t
            guard params.count >= 3 else { return }
            let size = PixelSize(width: params[2], height: params[1])
            switch params[0] {
            case 4: r.textAreaPixels = size
            case 6: r.cellPixels = size
            case 8: r.textAreaCells = size
            default: break
            }
        default:
            break
        }
    }

    static func handleAPC(_ body: [UInt8], into r: inout TerminalReplies) {
        guard body.first == 0x47, let semi = body.firstIndex(of: 0x3B) else { return }  // 'G' … ';'
        let message = String(decoding: body[(semi + 1)...], as: UTF8.self)
        if message == "OK" { r.kittyGraphics = true } else { r.kittyError = message }
    }

    static func handleDCS(_ body: [UInt8], into r: inout TerminalReplies) {
        if body.starts(with: [0x3E, 0x7C]) {  // ">|"
            r.version = String(decoding: body.dropFirst(2), as: UTF8.self)
        }
    }
}
