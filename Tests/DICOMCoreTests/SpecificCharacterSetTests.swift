import Testing
@testable import DICOMCore

/// Bytes from a hex string such as "1b2442".
private func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = hex.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
    while let hi = it.next(), let lo = it.next() { out.append(nibble(hi) << 4 | nibble(lo)) }
    return out
}

@Suite("Specific Character Set (PS3.5 §6.1, PS3.3 C.12.1.1.2) decodes as pydicom 3.0.2")
struct SpecificCharacterSetTests {
    @Test("every text and PN element of pydicom's charset files", arguments: SpecificCharacterSetFixtures.files)
    func charsetFiles(_ f: CharsetFileFixture) {
        let cs = SpecificCharacterSet(valueField: Array(f.specificCharacterSet.utf8))
        #expect(cs.decodeValues(bytes(f.hex), vr: f.vr) == f.values)
    }

    @Test("random values: valid text, escape sequences, delimiters and invalid bytes")
    func randomValues() {
        var failures = 0
        for f in SpecificCharacterSetFixtures.decoded {
            let got = SpecificCharacterSet(terms: f.terms).decode(bytes(f.hex), vr: .LO)
            let expected = String(decoding: bytes(f.expectedUTF8Hex), as: UTF8.self)
            if got != expected {
                failures += 1
                if failures <= 15 {
                    Issue.record("\(f.terms) \(f.hex): got \(got.debugDescription), pydicom \(expected.debugDescription)")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(SpecificCharacterSetFixtures.decoded.count) differ from pydicom")
    }

    @Test("terms: corrections, Python codec names, unknown terms, stand-alone sets", arguments: SpecificCharacterSetFixtures.terms)
    func terms(_ f: TermFixture) {
        let cs = SpecificCharacterSet(terms: f.terms)
        #expect(cs.encodings.map(\.name) == f.encodings)
        #expect(cs.warnings == f.warnings)
    }
}
