#!/usr/bin/env python3
"""Generate Tests/DICOMCoreTests/SpecificCharacterSetFixtures.swift: what pydicom decodes.

Needs pydicom 3.0.2 (the reference): /tmp/pv/bin/python Scripts/charsets/generate_fixtures.py

1. Every SH/LO/ST/LT/UC/UT/PN element of pydicom's charset test files (recursively, with
   the Specific Character Set in force for its item): raw value bytes and pydicom's values.
2. Random values per (0008,0005) (seeded, so the file is stable): valid text in the sets, escape
   sequences, delimiters and invalid bytes, with pydicom's `decode_bytes` result.
3. Specific Character Set terms (misspelled, unknown, Python names) → pydicom's encodings.
"""
import os
import random
import warnings

import pydicom
from pydicom import charset
from pydicom.data import get_charset_files
from pydicom.valuerep import TEXT_VR_DELIMS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "DICOMCoreTests", "SpecificCharacterSetFixtures.swift")
TEXT_VRS = {"SH", "LO", "ST", "LT", "UC", "UT", "PN"}
warnings.simplefilter("ignore")


def swift_string(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif o < 0x20 or o == 0x7F or 0xD800 <= o <= 0xDFFF or o in (0x2028, 0x2029, 0xFEFF) or 0x80 <= o < 0xA0:
            out.append("\\u{%X}" % o)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def swift_strings(values):
    return "[" + ", ".join(swift_string(v) for v in values) + "]"


def file_fixtures():
    rows = []
    for path in sorted(get_charset_files("*.dcm")):
        name = os.path.basename(path)
        ds = pydicom.dcmread(path)

        def walk(dataset, where, inherited):
            cs_raw = inherited  # (0008,0005) in force: this item's or the nearest parent's
            if 0x00080005 in dataset._dict:
                elem = dataset._dict[0x00080005]
                cs_raw = elem.value if isinstance(elem.value, bytes) else None
                if cs_raw is None:
                    v = dataset.SpecificCharacterSet
                    cs_raw = ("\\".join(v) if not isinstance(v, str) else v).encode()
            for tag in list(dataset._dict.keys()):
                raw = dataset._dict[tag]
                vr = raw.VR
                if vr == "SQ":
                    for i, item in enumerate(dataset[tag].value):
                        walk(item, "%s(%04X,%04X)[%d]" % (where, tag >> 16, tag & 0xFFFF, i), cs_raw)
                    continue
                if vr not in TEXT_VRS or not hasattr(raw, "value") or not isinstance(raw.value, bytes):
                    continue
                value = dataset[tag].value
                if value is None or value == "":
                    values = []
                elif isinstance(value, (str, pydicom.valuerep.PersonName)):
                    values = [str(value)]
                else:
                    values = [str(v) for v in value]
                rows.append((name, "%s(%04X,%04X)" % (where, tag >> 16, tag & 0xFFFF),
                             cs_raw or b"", vr, raw.value, values))

        walk(ds, "", b"")
    return rows


CHARSETS = [
    [""], ["ISO_IR 100"], ["ISO_IR 101"], ["ISO_IR 109"], ["ISO_IR 110"], ["ISO_IR 144"],
    ["ISO_IR 127"], ["ISO_IR 126"], ["ISO_IR 138"], ["ISO_IR 148"], ["ISO_IR 166"], ["ISO_IR 13"],
    ["ISO_IR 192"], ["GB18030"], ["GBK"],
    ["", "ISO 2022 IR 87"], ["ISO 2022 IR 13", "ISO 2022 IR 87"], ["", "ISO 2022 IR 87", "ISO 2022 IR 159"],
    ["", "ISO 2022 IR 149"], ["ISO 2022 IR 6", "ISO 2022 IR 149"], ["ISO 2022 IR 6", "ISO 2022 IR 58"],
    ["ISO 2022 IR 6", "ISO 2022 IR 100"], ["ISO 2022 IR 100", "ISO 2022 IR 144", "ISO 2022 IR 126"],
    ["ISO 2022 IR 166", "ISO 2022 IR 127"], ["ISO_IR 192", "ISO 2022 IR 87"], ["ISO 2022 IR 138", "GB18030"],
    ["ISO 2022 IR 87"], ["ISO 2022 IR 149"], ["ISO 2022 IR 58"], ["ISO 2022 IR 159"],
    ["ISO 2022 GBK"], ["ISO 2022 58"], ["cp1252"], ["ISO_IR 100 "], ["ISO_IR 999"], ["ISO IR 192"],
    ["ISO_IR 100", "ISO 2022 IR 87"], ["", "ISO 2022 IR 13"], ["ISO 2022 IR 149", "ISO 2022 IR 87"],
]
ESCAPES = [b"\x1b(B", b"\x1b-A", b"\x1b)I", b"\x1b(J", b"\x1b$B", b"\x1b-B", b"\x1b-C", b"\x1b-D",
           b"\x1b-F", b"\x1b-G", b"\x1b-H", b"\x1b-L", b"\x1b-M", b"\x1b-T", b"\x1b$)C", b"\x1b$(D",
           b"\x1b$)A", b"\x1b$@", b"\x1b$A", b"\x1b", b"\x1b$", b"\x1b$(", b"\x1bN"]
SAMPLES = ("Yamada^Tarou=山田^太郎=やまだ^たろう ﾔﾏﾀﾞ^ﾀﾛｳ 洪^吉洞=홍^길동 Wang^XiaoDong=王^小東 "
           "Διονυσιος Люкceмбypг قباني שרון ÄÖÜß éèàç ŁŻŚ ĦĠ ĀĒ ğışİ ภาษาไทย 𠀋𡈽 €‾¥ 丂乗丞")


def random_value(rng, encodings):
    parts = []
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.45:
            text = "".join(rng.choice(SAMPLES) for _ in range(rng.randint(1, 6)))
            enc = rng.choice(encodings)
            try:
                parts.append(charset.encode_string(text, [enc]))
            except Exception:
                parts.append(text.encode(enc, errors="ignore") if enc else b"")
        elif r < 0.65:
            parts.append(rng.choice(ESCAPES))
        elif r < 0.8:
            parts.append(bytes(rng.choice(b"^=\\\r\n\t\x0c \x00") for _ in range(rng.randint(1, 2))))
        elif r < 0.9:
            parts.append(bytes(rng.randrange(256) for _ in range(rng.randint(1, 5))))
        else:  # lead/trail-byte soup: truncated and invalid multi-byte sequences
            parts.append(bytes(rng.choice((rng.randrange(0x80, 0x100), rng.randrange(0x21, 0x7F),
                                           rng.randrange(0x30, 0x3A))) for _ in range(rng.randint(1, 6))))
    return b"".join(parts)


def random_fixtures():
    rng = random.Random(20260)
    rows = []
    for terms in CHARSETS:
        encodings = charset.convert_encodings(terms if len(terms) > 1 else terms[0])
        for _ in range(60):
            value = random_value(rng, encodings)
            rows.append((terms, value, charset.decode_bytes(value, encodings, TEXT_VR_DELIMS)))
    return rows


TERMS = [
    ["ISO_IR 100 "], ["ISO-IR 100"], ["ISO IR 192"], ["ISO_IR 999"], ["ISO 2022 IR 999"], ["ISO-2022-IR 87"],
    ["ISO_2022_IR 149"], ["latin1"], ["utf8"], ["ISO_IR 192 "], ["Iso_Ir 144"], ["iso_ir_6"], ["cp1252"],
    ["ISO_IR 100 ", "ISO 2022 IR 87"], ["ISO_IR 192", "GB18030"], ["", "ISO_IR 192", "ISO 2022 IR 87"],
    ["GBK", "ISO 2022 IR 58"], ["ISO 2022 GBK"], ["ISO 2022 58"], ["euc-kr"], ["ISO IR 13"], ["", ""],
]


def term_fixtures():
    rows = []
    for terms in TERMS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            encodings = charset.convert_encodings(terms if len(terms) > 1 else terms[0])
        rows.append((terms, encodings, [str(w.message) for w in caught]))
    return rows


ENCODE_CHARSETS = [c for c in CHARSETS if "ISO 2022 IR 58" not in c and "ISO 2022 58" not in c
                   and len(c) > 1 or c in (["ISO_IR 100"], ["ISO_IR 192"], ["GB18030"], ["ISO_IR 144"], ["ISO_IR 13"], [""])]


def encode_fixtures():
    """(terms, vr, text, pydicom bytes or None when pydicom would have to replace characters)."""
    from pydicom.valuerep import _encode_personname
    rng = random.Random(7)
    rows = []
    words = SAMPLES.split(" ")
    def encodable(word, encodings):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charset.encode_string(word.replace("^", "").replace("=", ""), encodings)
        return not caught

    all_words = words
    for terms in ENCODE_CHARSETS:
        encodings = charset.convert_encodings(terms if len(terms) > 1 else terms[0])
        words = [w for w in all_words if encodable(w, encodings)] + all_words[:1]
        for n in range(12):
            if n == 11:
                words = all_words  # likely not representable
            vr = rng.choice(["LO", "PN", "LT"])
            if vr == "PN":
                text = "=".join("^".join(rng.choice(words).split("^")[:2]) for _ in range(rng.randint(1, 3)))
            else:
                text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    if vr == "PN":
                        out = _encode_personname(text.split("="), encodings)
                    else:
                        out = charset.encode_string(text, encodings)
                except Exception:
                    out = None
            if caught:
                out = None
            rows.append((terms, vr, text, out))
    return rows


def main():
    w = ["// GENERATED by Scripts/charsets/generate_fixtures.py from pydicom %s — do not edit." % pydicom.__version__,
         "// Regenerate: /tmp/pv/bin/python Scripts/charsets/generate_fixtures.py", "",
         "import Testing", "@testable import DICOMCore", "",
         "/// Element values of pydicom's charset test files and what pydicom 3.0.2 reads from them.",
         "struct CharsetFileFixture: Sendable, CustomTestStringConvertible {",
         "    let file: String, tag: String, specificCharacterSet: String, vr: VR, hex: String, values: [String]",
         "    var testDescription: String { \"\\(file) \\(tag)\" }",
         "}", "",
         "/// A value and pydicom's `decode_bytes(value, convert_encodings(terms), TEXT_VR_DELIMS)`.",
         "struct DecodeFixture: Sendable {",
         "    let terms: [String], hex: String, expectedUTF8Hex: String",
         "}", "",
         "/// Terms and pydicom's `convert_encodings` result and warnings.",
         "struct TermFixture: Sendable, CustomTestStringConvertible {",
         "    let terms: [String], encodings: [String], warnings: [String]",
         "    var testDescription: String { terms.description }",
         "}", "",
         "enum SpecificCharacterSetFixtures {",
         "    static let files: [CharsetFileFixture] = ["]
    for name, tag, cs, vr, raw, values in file_fixtures():
        w.append("        CharsetFileFixture(file: %s, tag: %s, specificCharacterSet: %s, vr: .%s, hex: \"%s\", values: %s),"
                 % (swift_string(name), swift_string(tag), swift_string(cs.decode("latin-1")), vr, raw.hex(),
                    swift_strings(values)))
    w.append("    ]")
    w.append("")
    w.append("    /// One line per value: terms joined by backslash, TAB, value hex, TAB, UTF-8 hex of pydicom's")
    w.append("    /// result (one string literal: thousands of struct literals are slow to type-check).")
    w.append("    static let decoded: [DecodeFixture] = decodedTable.split(separator: \"\\n\").map { line in")
    w.append("        let f = line.split(separator: \"\\t\", omittingEmptySubsequences: false).map(String.init)")
    w.append("        return DecodeFixture(terms: f[0].split(separator: \"\\\\\", omittingEmptySubsequences: false).map(String.init),")
    w.append("                             hex: f[1], expectedUTF8Hex: f[2])")
    w.append("    }")
    w.append("    private static let decodedTable = \"\"\"")
    for terms, value, expected in random_fixtures():
        w.append("%s\t%s\t%s" % (swift_string("\\".join(terms))[1:-1], value.hex(),
                                 expected.encode("utf-8", "surrogatepass").hex()))
    w.append("\"\"\"")
    w.append("")
    w.append("    /// (terms, VR, text, pydicom's encoded bytes in hex or nil if pydicom must lose characters).")
    w.append("    static let encoded: [(terms: [String], vr: VR, text: String, hex: String?)] = [")
    for terms, vr, text, out in encode_fixtures():
        w.append("        (%s, .%s, %s, %s)," % (swift_strings(terms), vr, swift_string(text),
                                                 "nil" if out is None else '"%s"' % out.hex()))
    w.append("    ]")
    w.append("")
    w.append("    static let terms: [TermFixture] = [")
    for terms, encodings, warns in term_fixtures():
        w.append("        TermFixture(terms: %s, encodings: %s, warnings: %s),"
                 % (swift_strings(terms), swift_strings(encodings), swift_strings(warns)))
    w.append("    ]")
    w.append("}")
    with open(OUT, "w") as f:
        f.write("\n".join(w) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
