import Foundation
@main struct EncFuzz {
    static func bytes(_ hex: Substring) -> [UInt8] {
        var out: [UInt8] = []; var it = hex.utf8.makeIterator()
        func n(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
        while let h = it.next(), let l = it.next() { out.append(n(h) << 4 | n(l)) }
        return out
    }
    static func main() throws {
        let text = try String(contentsOfFile: "enc.tsv", encoding: .utf8)
        var bad = 0, total = 0, roundTripBad = 0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            let terms = f[0].split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
            let vr: VR = f[1] == "PN" ? .PN : .LO
            let s = String(decoding: bytes(f[2]), as: UTF8.self)
            let cs = SpecificCharacterSet(terms: terms)
            let got = cs.encode(s, vr: vr)
            let want: [UInt8]? = f[3] == "nil" ? nil : bytes(f[3])
            total += 1
            if got != want { bad += 1; if bad <= 10 { print(terms, vr, s, got.map { $0.map { String(format: "%02x", $0) }.joined() } ?? "nil", f[3]) } }
            if let got, vr == .LO, !(terms.contains { $0.hasSuffix("IR 13") } && s.unicodeScalars.contains { $0 == "¥" || $0 == "‾" }), Array(cs.decode(got, vr: vr).unicodeScalars) != Array(s.unicodeScalars) { roundTripBad += 1; if roundTripBad < 6 { print("rt", terms, s.debugDescription, cs.decode(got, vr: vr).debugDescription) } }
        }
        print("encode: \(bad) of \(total) differ from pydicom; \(roundTripBad) LO round trips differ (JIS X 0201 ¥ ‾ excluded: read back as \\ ~, as in pydicom)")
    }
}
