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

/// Exact code points: Swift's `String ==` is canonical equivalence, pydicom's is code point equality.
private func scalars(_ strings: [String]) -> [[UInt32]] { strings.map { $0.unicodeScalars.map(\.value) } }
private func scalars(_ string: String) -> [UInt32] { string.unicodeScalars.map(\.value) }

@Suite("Specific Character Set (PS3.5 §6.1, PS3.3 C.12.1.1.2) decodes as pydicom 3.0.2")
struct SpecificCharacterSetTests {
    @Test("every text and PN element of pydicom's charset files", arguments: SpecificCharacterSetFixtures.files)
    func charsetFiles(_ f: CharsetFileFixture) {
        let cs = SpecificCharacterSet(valueField: Array(f.specificCharacterSet.utf8))
        #expect(scalars(cs.decodeValues(bytes(f.hex), vr: f.vr)) == scalars(f.values))
    }

    @Test("random values: valid text, escape sequences, delimiters and invalid bytes")
    func randomValues() {
        var failures = 0
        for f in SpecificCharacterSetFixtures.decoded {
            let got = SpecificCharacterSet(terms: f.terms).decode(bytes(f.hex), vr: .LO)
            let expected = String(decoding: bytes(f.expectedUTF8Hex), as: UTF8.self)
            if scalars(got) != scalars(expected) {
                failures += 1
                if failures <= 15 {
                    Issue.record("\(f.terms) \(f.hex): got \(got.debugDescription), pydicom \(expected.debugDescription)")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(SpecificCharacterSetFixtures.decoded.count) differ from pydicom")
    }

    /// pydicom's reader: decode the whole value, then split and trim the text (values.py).
    private func pydicomValues(_ cs: SpecificCharacterSet, _ raw: [UInt8], _ vr: VR) -> [String] {
        var raw = raw
        if vr == .PN { while let b = raw.last, b == 0x20 || b == 0 { raw.removeLast() } }
        if raw.isEmpty { return [] }
        func trim(_ s: Substring) -> String {
            var s = String(s).unicodeScalars
            while let c = s.last, c == " " || c == "\0" { s.removeLast() }
            return String(s)
        }
        let values = cs.decode(raw, vr: vr).unicodeScalars.split(separator: "\\", omittingEmptySubsequences: false)
            .map { Substring(String(String.UnicodeScalarView($0))) }
        switch vr {
        case .PN:
            return values.map { v in
                var groups = v.unicodeScalars.split(separator: "=", omittingEmptySubsequences: false)
                while let g = groups.last, g.isEmpty { groups.removeLast() }
                return groups.map { String(String.UnicodeScalarView($0)) }.joined(separator: "=")
            }
        case .LT: return [trim(Substring(cs.decode(raw, vr: vr)))]
        default: return values.map(trim)
        }
    }

    @Test("decodeValues (byte-level fast path for ISO 8859 / UTF-8) equals decode-then-split")
    func valuesFastPath() {
        for f in SpecificCharacterSetFixtures.decoded {
            let cs = SpecificCharacterSet(terms: f.terms)
            for vr in [VR.LO, .PN, .LT] {
                let raw = bytes(f.hex)
                #expect(scalars(cs.decodeValues(raw, vr: vr)) == scalars(pydicomValues(cs, raw, vr)), "\(f.terms) \(vr) \(f.hex)")
            }
        }
    }

    @Test("terms: corrections, Python codec names, unknown terms, stand-alone sets", arguments: SpecificCharacterSetFixtures.terms)
    func terms(_ f: TermFixture) {
        let cs = SpecificCharacterSet(terms: f.terms)
        #expect(cs.encodings.map(\.name) == f.encodings)
        #expect(cs.warnings == f.warnings)
    }
}

@Suite("Specific Character Set: standard examples and edge cases")
struct SpecificCharacterSetExampleTests {
    private func decoded(_ terms: [String], _ hex: String, vr: VR = .LO) -> String {
        SpecificCharacterSet(terms: terms).decode(bytes(hex), vr: vr)
    }

    @Test("PS3.5 H.3.1: PN with three groups, JIS X 0208 in groups 2 and 3 (ISO 2022 IR 87)")
    func annexH31() {
        let hex = "59616d6164615e5461726f753d1b24423b3345441b28425e1b244242404f3a1b28423d1b24422464245e24401b28425e1b2442243f246d24261b2842"
        #expect(SpecificCharacterSet(["", "ISO 2022 IR 87"]).decodeValues(bytes(hex), vr: .PN) == ["Yamada^Tarou=山田^太郎=やまだ^たろう"])
    }

    @Test("PS3.5 H.3.2: JIS X 0201 katakana as value 1 (ISO 2022 IR 13), JIS X 0208 groups")
    func annexH32() {
        let hex = "d4cfc0de5ec0dbb33d1b24423b3345441b284a5e1b244242404f3a1b284a3d1b24422464245e24401b284a5e1b2442243f246d24261b284a"
        #expect(SpecificCharacterSet(["ISO 2022 IR 13", "ISO 2022 IR 87"]).decodeValues(bytes(hex), vr: .PN)
            == ["ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"])
    }

    @Test("PS3.5 I.2: KS X 1001 re-designated after every delimiter (ISO 2022 IR 149)")
    func annexI2() {
        let hex = "486f6e675e47696c646f6e673d1b242943fbf35e1b242943d1ced4d73d1b242943c8ab5e1b242943b1e6b5bf"
        #expect(SpecificCharacterSet(["", "ISO 2022 IR 149"]).decodeValues(bytes(hex), vr: .PN) == ["Hong^Gildong=洪^吉洞=홍^길동"])
    }

    @Test("PS3.5 J.1 / K.1: GB18030 and UTF-8 person names; empty trailing group dropped as pydicom does")
    func annexJAndK() {
        #expect(SpecificCharacterSet(["GB18030"]).decodeValues(bytes("57616e675e5869616f446f6e673dcdf55ed0a1b6ab3d"), vr: .PN)
            == ["Wang^XiaoDong=王^小东"])
        #expect(SpecificCharacterSet(["ISO_IR 192"]).decodeValues(bytes("57616e675e5869616f446f6e673de78e8b5ee5b08fe69db13d"), vr: .PN)
            == ["Wang^XiaoDong=王^小東"])
    }

    @Test("PS3.5 J.3 ISO 2022 IR 58: pydicom keeps ESC $ ) A in the text (its codec ignores it); so do we")
    func annexJ3() {
        #expect(decoded(["", "ISO 2022 IR 58"], "5a68616e675e5869616f446f6e673d1b242941d5c55e1b242941d0a1b6ab3d", vr: .PN)
            == "Zhang^XiaoDong=\u{1B}$)A张^\u{1B}$)A小东=")
    }

    @Test("CR/LF/TAB/FF reset a single-byte code extension to value 1; `\\` and `^` do not (pydicom)")
    func delimiterReset() {
        let cs = SpecificCharacterSet(["", "ISO 2022 IR 144"])
        #expect(cs.decodeValues(bytes("1b2d4cbb5cbb0dbb"), vr: .LO) == ["Л", "Л\r»"])
        #expect(cs.decodeValues(bytes("1b2d4cbb5ebb3dbb09bb"), vr: .PN) == ["Л^Л=Л\t»"])
    }

    @Test("multi-valued: backslash splits values, JIS X 0201 value 1 keeps 0x5C as backslash")
    func multiValued() {
        #expect(SpecificCharacterSet(["ISO 2022 IR 13", "ISO 2022 IR 87"]).decodeValues(bytes("d4cfc0de5c1b24423b3345441b284a5c5c"), vr: .LO)
            == ["ﾔﾏﾀﾞ", "山田", "", ""])
        #expect(decoded(["", "ISO 2022 IR 87", "ISO 2022 IR 159"], "1b24284430211b2842") == "丂")
    }

    @Test("delimiters are split by code point: a combining mark after `\\`, `^` or `=` does not hide them")
    func combiningMarks() {
        let utf8 = SpecificCharacterSet(["ISO_IR 192"])
        #expect(scalars(utf8.decodeValues(bytes("415ccc81"), vr: .LO)) == scalars(["A", "\u{301}"]))
        // ESC ( B (ISO 646) is always allowed and stripped, even with a stand-alone set
        #expect(scalars(utf8.decodeValues(bytes("415ccc811b2842"), vr: .LO)) == scalars(["A", "\u{301}"]))
        // pydicom encodes each group and component alone: JIS X 0201 katakana needs no escape
        #expect(SpecificCharacterSet(["ISO 2022 IR 13", "ISO 2022 IR 87"]).encode("ﾞ=ﾞ^ﾞ", vr: .PN) == bytes("de3dde5ede"))
    }

    @Test("unknown and misspelled terms fall back like pydicom, with a warning")
    func unknownTerms() {
        let unknown = SpecificCharacterSet(["ISO_IR 999"])
        #expect(unknown.decode(bytes("436166e9"), vr: .LO) == "Café")
        #expect(unknown.warnings == ["Unknown encoding 'ISO_IR 999' - using default encoding instead"])
        #expect(unknown.isDefault)
        let misspelled = SpecificCharacterSet(["ISO IR 144"])
        #expect(misspelled.decode(bytes("bb"), vr: .LO) == "Л")
        #expect(misspelled.warnings == ["Incorrect value for Specific Character Set 'ISO IR 144' - assuming 'ISO_IR 144'"])
        // read from the file, the last value loses its padding: "ISO_IR 100 " → ISO_IR 100
        #expect(SpecificCharacterSet(valueField: Array("ISO_IR 100 ".utf8)).terms == ["ISO_IR 100"])
        #expect(SpecificCharacterSet(valueField: Array("\\ISO 2022 IR 87".utf8)).terms == ["", "ISO 2022 IR 87"])
        #expect(SpecificCharacterSet.default.isDefault && SpecificCharacterSet.default.warnings.isEmpty)
    }

    @Test("invalid bytes: U+FFFD exactly where CPython's codecs put them")
    func invalidBytes() {
        #expect(decoded(["ISO_IR 192"], "61fffe62e282") == "a\u{FFFD}\u{FFFD}b\u{FFFD}")
        #expect(decoded(["ISO_IR 127"], "a1c7") == "\u{FFFD}ا")
        #expect(decoded(["GB18030"], "81308130953282368130") == "\u{80}𠀀\u{FFFD}")
        // an odd number of JIS X 0208 bytes: the fragment falls back to value 1, ESC included
        #expect(decoded(["", "ISO 2022 IR 87"], "411b24423b33451b2842") == "A\u{1B}$B;3E")
        // a code element that (0008,0005) does not list is not switched to
        #expect(decoded(["ISO_IR 6"], "1b2d41e9") == "\u{1B}-Aé")
        // non-text VRs are ISO 8859-1 whatever the character set
        #expect(SpecificCharacterSet(["ISO_IR 192"]).decode(bytes("e9"), vr: .CS) == "é")
    }

    @Test("encoding matches pydicom's encode_string / PN encoding", arguments: 0..<SpecificCharacterSetFixtures.encoded.count)
    func encodeLikePydicom(_ index: Int) {
        let f = SpecificCharacterSetFixtures.encoded[index]
        let cs = SpecificCharacterSet(terms: f.terms)
        let encoded = cs.encode(f.text, vr: f.vr)
        #expect(encoded == f.hex.map(bytes), "\(f.terms) \(f.vr) \(f.text)")
        if let encoded {
            let expected = f.vr == .PN ? SpecificCharacterSet(terms: f.terms).decodeValues(Array(f.text.utf8).isEmpty ? [] : encoded, vr: .PN) : [f.text]
            #expect(scalars(cs.decodeValues(encoded, vr: f.vr)) == scalars(expected))
            #expect(scalars(cs.decode(encoded, vr: f.vr)) == scalars(f.text) || f.vr == .PN)
        }
    }

    @Test("encoding PS3.5 examples: escape sequences around each JIS X 0208 / KS X 1001 / GB 2312 run")
    func encodeExamples() {
        #expect(SpecificCharacterSet(["", "ISO 2022 IR 87"]).encode("Yamada^Tarou=山田^太郎=やまだ^たろう", vr: .PN)
            == bytes("59616d6164615e5461726f753d1b24423b3345441b28425e1b244242404f3a1b28423d1b24422464245e24401b28425e1b2442243f246d24261b2842"))
        #expect(SpecificCharacterSet(["ISO 2022 IR 13", "ISO 2022 IR 87"]).encode("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎", vr: .PN)
            == bytes("d4cfc0de5ec0dbb33d1b24423b3345441b284a5e1b244242404f3a1b284a"))
        #expect(SpecificCharacterSet(["", "ISO 2022 IR 58"]).encode("Zhang^XiaoDong=张^小东", vr: .PN)
            == bytes("5a68616e675e5869616f446f6e673d1b242941d5c55e1b242941d0a1b6ab"))
        #expect(SpecificCharacterSet(["ISO_IR 100"]).encode("Л", vr: .LO) == nil)
        #expect(SpecificCharacterSet(["GB18030"]).encode("\u{80}𠀀", vr: .LO) == bytes("8130813095328236"))
        #expect(SpecificCharacterSet(["ISO_IR 192"]).encode("王", vr: .LO) == [0xE7, 0x8E, 0x8B])
    }
}
