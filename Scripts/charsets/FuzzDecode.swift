import Foundation
@main struct Fuzz {
    static func bytes(_ hex: Substring) -> [UInt8] {
        var out: [UInt8] = []; var it = hex.utf8.makeIterator()
        func n(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
        while let h = it.next(), let l = it.next() { out.append(n(h) << 4 | n(l)) }
        return out
    }
    static func main() throws {
        let text = try String(contentsOfFile: "fuzz.tsv", encoding: .utf8)
        var bad = 0, total = 0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            let terms = f[0].split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
            let got = SpecificCharacterSet(terms: terms).decode(bytes(f[1]), vr: .LO)
            let want = String(decoding: bytes(f[2]), as: UTF8.self)
            total += 1
            if Array(got.unicodeScalars) != Array(want.unicodeScalars) { bad += 1; if bad <= 10 { print(terms, f[1], got.debugDescription, want.debugDescription) } }
        }
        print("decode: \(bad) of \(total) differ from pydicom")
    }
}
