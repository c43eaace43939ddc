#!/usr/bin/env python3
"""Generate Sources/DICOMCore/CharacterSets/CharacterSetTables.swift from CPython's codecs.

Sixray must decode text exactly as pydicom does (pydicom delegates to CPython's codecs),
so the tables are taken from the codecs themselves, not from the standards' documents.

Usage (from the package root):  python3 Scripts/charsets/generate_tables.py
Any CPython >= 3.8 works; the tables were generated with CPython 3.11.
"""
import base64
import codecs
import encodings.aliases
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Sources", "DICOMCore", "CharacterSets", "CharacterSetTables.swift")
NONE = 0xFFFF  # marks an unmapped code (U+FFFF is a noncharacter, never produced by these codecs)


def dec(b, enc):
    try:
        return b.decode(enc)
    except UnicodeDecodeError:
        return None


def single_byte(enc):
    for b in range(0x80):
        assert dec(bytes([b]), enc) == chr(b), (enc, b)
    out = []
    for b in range(0x80, 0x100):
        s = dec(bytes([b]), enc)
        assert s is None or (len(s) == 1 and ord(s) < 0xFFFF)
        out.append(NONE if s is None else ord(s))
    return out


def ninety_four(prefix, enc, high):
    """94x94 table; row/cell 0x21...0x7E; `high` sets the MSB (EUC form)."""
    out = []
    for r in range(0x21, 0x7F):
        for c in range(0x21, 0x7F):
            pair = bytes([r | 0x80, c | 0x80]) if high else bytes([r, c])
            s = dec(prefix + pair, enc)
            assert s is None or (len(s) == 1 and ord(s) < 0xFFFF), (enc, r, c, s)
            out.append(NONE if s is None else ord(s))
    return out


def gb_two_byte(enc):
    """Lead 0x81...0xFE x trail 0x40...0xFE (0x7F included, always unmapped)."""
    out = []
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            s = dec(bytes([lead, trail]), enc)
            assert s is None or (len(s) == 1 and ord(s) < 0xFFFF)
            out.append(NONE if s is None else ord(s))
    return out


def gb18030_ranges():
    """Four-byte GB18030 codes for the BMP (linear index 0..<39420) as runs of consecutive
    code points: (first linear index, first code point, count)."""
    runs = []
    for lseq in range(39420):
        c4 = lseq % 10; t = lseq // 10
        c3 = t % 126; t //= 126
        c2 = t % 10; c1 = t // 10
        s = dec(bytes([c1 + 0x81, c2 + 0x30, c3 + 0x81, c4 + 0x30]), "gb18030")
        if s is None:
            continue
        cp = ord(s)
        if runs and runs[-1][0] + runs[-1][2] == lseq and runs[-1][1] + runs[-1][2] == cp:
            runs[-1][2] += 1
        else:
            runs.append([lseq, cp, 1])
    # supplementary planes are linear from 0x90308130 (checked, the decoder relies on it)
    assert dec(b"\x90\x30\x81\x30", "gb18030") == "\U00010000"
    assert dec(b"\xe3\x32\x9a\x35", "gb18030") == "\U0010FFFF"
    assert dec(b"\xe3\x32\x9a\x36", "gb18030") is None
    return runs


def check_shift_jis(jis0208):
    """shift_jis is JIS X 0201 + JIS X 0208 reached by the Shift_JIS arithmetic; verify."""
    for b in range(0x80):
        assert dec(bytes([b]), "shift_jis") == chr(b)
    for b in range(0xA1, 0xE0):
        assert dec(bytes([b]), "shift_jis") == chr(0xFEC0 + b)
    for lead in range(0x81, 0xF0):
        for trail in range(0x40, 0xFD):
            s = dec(bytes([lead, trail]), "shift_jis")
            if not ((0x81 <= lead <= 0x9F or 0xE0 <= lead <= 0xEA) and trail != 0x7F):
                assert s is None or len(s) != 1 or lead < 0x81, (lead, trail)
                continue
            c1 = lead - 0x81 if lead < 0xE0 else lead - 0xC1
            c2 = trail - 0x40 if trail < 0x80 else trail - 0x41
            row = 2 * c1 + (0 if c2 < 0x5E else 1)
            cell = c2 if c2 < 0x5E else c2 - 0x5E
            v = jis0208[row * 94 + cell]
            assert (None if v == NONE else chr(v)) == s, (hex(lead), hex(trail), s, v)


def korean_jamo():
    """KS X 1001:1998 Annex 3 make-up sequences accepted by CPython's euc_kr decoder."""
    cho, jong = [], []
    for c in range(0xA1, 0xBF):
        s = dec(bytes([0xA4, 0xD4, 0xA4, c, 0xA4, 0xBF, 0xA4, 0xD4]), "euc_kr")
        cho.append(NONE if s is None or len(s) != 1 else (ord(s) - 0xAC00) // 588)
        s = dec(bytes([0xA4, 0xD4, 0xA4, 0xA1, 0xA4, 0xBF, 0xA4, c]), "euc_kr")
        jong.append(NONE if s is None or len(s) != 1 else (ord(s) - 0xAC00) % 28)
    return cho, jong


SUPPORTED_MODULES = {
    # CPython codec module -> Swift `PythonCodec` case
    "latin_1": "latin1", "ascii": "ascii", "utf_8": "utf8",
    "iso8859_2": "iso8859_2", "iso8859_3": "iso8859_3", "iso8859_4": "iso8859_4",
    "iso8859_5": "iso8859_5", "iso8859_6": "iso8859_6", "iso8859_7": "iso8859_7",
    "iso8859_8": "iso8859_8", "iso8859_9": "iso8859_9", "tis_620": "tis620",
    "shift_jis": "shiftJIS", "iso2022_jp": "iso2022JP", "iso2022_jp_2": "iso2022JP2",
    "euc_kr": "eucKR", "gb2312": "gb2312", "gbk": "gbk", "gb18030": "gb18030",
}


def charmap_modules():
    """Every other CPython single-byte charmap codec (cp1252, koi8_r, iso8859_15, ...): pydicom
    accepts any Python codec name as a term, so these are decoded through generic tables."""
    import importlib
    import pkgutil
    names = sorted({m.name for m in pkgutil.iter_modules(encodings.__path__)})
    out = []
    for name in names:
        if name in SUPPORTED_MODULES:
            continue
        try:
            module = importlib.import_module("encodings." + name)
        except Exception:
            continue
        table = getattr(module, "decoding_table", None)
        if isinstance(table, str) and len(table) == 256:
            out.append((name, [NONE if ch == "\ufffe" else ord(ch) for ch in table]))
    return out


def aliases(charmaps):
    supported = dict(SUPPORTED_MODULES)
    for i, (name, _) in enumerate(charmaps):
        supported[name] = "charmap(%d)" % i
    out = {m: supported[m] for m in supported}
    for alias, module in encodings.aliases.aliases.items():
        if module in supported:
            out[alias] = supported[module]
    return dict(sorted(out.items()))


def encoder_overrides(name, table, key, encode):
    """Code points where CPython's encoder differs from "first code in the decoding table":
    (scalar, code) with code 0xFFFF for "not encodable". `key(index)` gives the code of table
    entry `index`; `encode(ch)` gives CPython's code or None."""
    first = {}
    for index, u in enumerate(table):
        if u != NONE and u not in first:
            first[u] = key(index)
    out = []
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        want = encode(chr(cp))
        have = first.get(cp)
        if want != have:
            out.append((cp, NONE if want is None else want))
    print("  %s: %d encoder overrides" % (name, len(out)))
    return out


def py_encode(codec, prefix=b"", width=2, strip=0):
    def encode(ch):
        try:
            e = codecs.getincrementalencoder(codec)().encode(ch)
        except UnicodeEncodeError:
            return None
        if not e.startswith(prefix) or len(e) != len(prefix) + width:
            return None
        body = e[len(prefix):]
        return int.from_bytes(body, "big") & ~strip
    return encode


def b64(values):
    return base64.b64encode(struct.pack("<%dH" % len(values), *values)).decode()


def swift_array(values, per_line=16):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("        " + ", ".join("0x%04X" % v for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)


def main():
    singles = [("iso8859_2", "iso8859_2"), ("iso8859_3", "iso8859_3"), ("iso8859_4", "iso8859_4"),
               ("iso8859_5", "iso8859_5"), ("iso8859_6", "iso8859_6"), ("iso8859_7", "iso8859_7"),
               ("iso8859_8", "iso8859_8"), ("iso8859_9", "iso8859_9"), ("tis620", "tis_620")]
    jis0208 = ninety_four(b"\x1b$B", "iso2022_jp", False)
    check_shift_jis(jis0208)
    jis0212 = ninety_four(b"\x1b$(D", "iso2022_jp_2", False)
    ksx1001 = ninety_four(b"", "euc_kr", True)
    gb2312 = ninety_four(b"", "gb2312", True)
    gb18030 = gb_two_byte("gb18030")
    gbk = gb_two_byte("gbk")
    gbk_diff = [(i, v) for i, (v, w) in enumerate(zip(gbk, gb18030)) if v != w]
    runs = gb18030_ranges()
    cho, jong = korean_jamo()
    charmaps = charmap_modules()
    overrides = []
    for name, enc in singles:
        overrides.append((name, encoder_overrides(name, single_byte(enc), lambda i: 0x80 + i, py_encode(enc, width=1))))
    row = lambda i: ((i // 94) + 0x21) << 8 | ((i % 94) + 0x21)
    overrides.append(("jisX0208", encoder_overrides("jisX0208", jis0208, row, py_encode("iso2022_jp", b"\x1b$B"))))
    overrides.append(("jisX0212", encoder_overrides("jisX0212", jis0212, row, py_encode("iso2022_jp_2", b"\x1b$(D"))))
    overrides.append(("ksX1001", encoder_overrides("ksX1001", ksx1001, row, py_encode("euc_kr", strip=0x8080))))
    overrides.append(("gb2312", encoder_overrides("gb2312", gb2312, row, py_encode("gb2312", strip=0x8080))))
    gbcode = lambda i: ((i // 191) + 0x81) << 8 | ((i % 191) + 0x40)
    overrides.append(("gb18030TwoByte", encoder_overrides("gb18030TwoByte", gb18030, gbcode, py_encode("gb18030"))))
    overrides.append(("gbkTwoByte", encoder_overrides("gbkTwoByte", gbk, gbcode, py_encode("gbk"))))

    w = []
    w.append("// GENERATED by Scripts/charsets/generate_tables.py from CPython %d.%d.%d codecs — do not edit."
             % sys.version_info[:3])
    w.append("// Regenerate: python3 Scripts/charsets/generate_tables.py")
    w.append("")
    w.append("import Foundation")
    w.append("")
    w.append("/// Code tables of the character sets of PS3.3 C.12.1.1.2 (Tables C.12-2 to C.12-5), taken")
    w.append("/// from CPython's codecs so that decoding matches pydicom byte for byte.")
    w.append("/// `0xFFFF` marks an unmapped code.")
    w.append("enum CharacterSetTables {")
    w.append("    static let unmapped: UInt16 = 0xFFFF")
    w.append("")
    w.append("    /// Upper halves (0x80...0xFF) of the single-byte sets; lower halves are ASCII.")
    for name, enc in singles:
        w.append("    static let %s: [UInt16] = [" % name)
        w.append(swift_array(single_byte(enc)))
        w.append("    ]")
    w.append("")
    w.append("    /// 94x94 sets, index (row - 0x21) * 94 + (cell - 0x21), little-endian UInt16, base64.")
    for name, table in [("jisX0208", jis0208), ("jisX0212", jis0212), ("ksX1001", ksx1001), ("gb2312", gb2312)]:
        w.append("    static let %s: [UInt16] = decode(\"%s\")" % (name, b64(table)))
    w.append("")
    w.append("    /// GB18030 two-byte codes, index (lead - 0x81) * 191 + (trail - 0x40).")
    w.append("    static let gb18030TwoByte: [UInt16] = decode(\"%s\")" % b64(gb18030))
    w.append("")
    w.append("    /// GBK two-byte codes: the GB18030 table with these (index, value) differences.")
    w.append("    static let gbkTwoByte: [UInt16] = {")
    w.append("        var table = gb18030TwoByte")
    w.append("        let differences = gbkDifferences")
    w.append("        for i in stride(from: 0, to: differences.count - 1, by: 2) {")
    w.append("            table[Int(differences[i])] = differences[i + 1]")
    w.append("        }")
    w.append("        return table")
    w.append("    }()")
    w.append("    /// Pairs (index, value), flattened.")
    w.append("    private static let gbkDifferences: [UInt16] = decode(\"%s\")" % b64([x for d in gbk_diff for x in d]))
    w.append("")
    w.append("    /// GB18030 four-byte codes of the BMP: runs (first linear index, first scalar, count).")
    w.append("    /// Flattened triples; sorted by index.")
    w.append("    static let gb18030FourByteRuns: [UInt32] = [")
    for i in range(0, len(runs), 4):
        w.append("        " + " ".join("%d, 0x%04X, %d," % tuple(r) for r in runs[i:i + 4]))
    w.append("    ]")
    w.append("")
    w.append("    /// KS X 1001:1998 Annex 3 jamo make-up: choseong / jongseong index per byte 0xA1...0xBE.")
    w.append("    static let koreanChoseong: [UInt16] = [%s]" % ", ".join("0x%04X" % v for v in cho))
    w.append("    static let koreanJongseong: [UInt16] = [%s]" % ", ".join("0x%04X" % v for v in jong))
    w.append("")
    w.append("    /// Other CPython single-byte charmap codecs, 256 entries each: %s."
             % ", ".join(name for name, _ in charmaps))
    w.append("    static let charmaps: [[UInt16]] = {")
    w.append("        let all = decode(\"%s\")" % b64([v for _, t in charmaps for v in t]))
    w.append("        return (0..<all.count / 256).map { Array(all[$0 * 256..<($0 + 1) * 256]) }")
    w.append("    }()")
    w.append("")
    w.append("    /// Encoder exceptions per table: flattened (scalar, code) pairs where CPython's encoder does")
    w.append("    /// not pick the first code of the decoding table (code 0xFFFF: CPython cannot encode it).")
    w.append("    /// Codes: single-byte 0x80...0xFF; 94x94 sets row << 8 | cell (GL); GB lead << 8 | trail.")
    w.append("    static let encoderOverrides: [String: [UInt32]] = [")
    for name, pairs in overrides:
        if pairs:
            w.append("        \"%s\": [%s]," % (name, ", ".join("0x%04X, 0x%04X" % p for p in pairs)))
    w.append("    ]")
    w.append("")
    w.append("    /// CPython `encodings.aliases` entries for the codecs Sixray implements (normalized names).")
    w.append("    static let pythonCodecAliases: [String: PythonCodec] = [")
    for k, v in aliases(charmaps).items():
        w.append("        \"%s\": .%s," % (k, v))
    w.append("    ]")
    w.append("")
    w.append("    private static func decode(_ base64: String) -> [UInt16] {")
    w.append("        guard let data = Data(base64Encoded: base64) else { return [] }")
    w.append("        return data.withUnsafeBytes { raw in")
    w.append("            (0..<raw.count / 2).map { UInt16(raw[2 * $0]) | UInt16(raw[2 * $0 + 1]) << 8 }")
    w.append("        }")
    w.append("    }")
    w.append("}")
    with open(OUT, "w") as f:
        f.write("\n".join(w) + "\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes;", len(runs), "GB18030 runs;", len(gbk_diff), "GBK differences")


if __name__ == "__main__":
    main()
