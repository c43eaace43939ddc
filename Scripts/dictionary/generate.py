#!/usr/bin/env python3
"""Generate Sixray's DICOM data dictionary, private dictionary and UID registry.

Inputs (committed, copied verbatim from pydicom 3.0.2, MIT licence, see NOTICE):
    input/_dicom_dict.py    DicomDictionary + RepeatersDictionary
    input/_private_dict.py  private_dictionaries (from GDCM's private dictionary)
    input/_uid_dict.py      UID_dictionary

Outputs (committed):
    Sources/DICOMCore/Generated/DataDictionaryTables.swift
    Sources/DICOMCore/Generated/PrivateDictionaryTables.swift
    Sources/DICOMCore/Generated/UIDRegistryTables.swift

Usage (from the repository root or anywhere):
    python3 Scripts/dictionary/generate.py

Plain python3, no third-party imports: the input files are parsed with `ast` and their dict
literals evaluated with `ast.literal_eval`, so pydicom itself is not needed.

Representation (chosen so that the Swift compiler is fast and start-up costs nothing):
every table is a handful of `[UInt32]`/`[UInt64]` literals of plain integers plus one
`StaticString` per text column, with entry i's text at bytes offsets[i]..<offsets[i+1].
"""

import ast
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
INPUT = os.path.join(HERE, "input")
OUTPUT = os.path.join(ROOT, "Sources", "DICOMCore", "Generated")

# VR names known to DICOMCore.VR (Sources/DICOMCore/VR.swift).
SWIFT_VRS = set(
    "AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW "
    "PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV".split()
)


def load_dicts(path):
    """Return {name: value} for every top-level `name = {...}` / `name: T = {...}`."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    out = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = ast.literal_eval(node.value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


def split_vr(text):
    """pydicom's VR text -> list of VR names. 'NONE' -> []; 'US or SS' -> ['US','SS'];
    the private dictionary also has one 'OB_OW'."""
    if text == "NONE":
        return []
    parts = [p.strip() for p in text.replace("_", " or ").split(" or ")]
    for p in parts:
        if p not in SWIFT_VRS:
            sys.exit(f"unknown VR {p!r} in {text!r}")
    return parts


class Interner:
    """Small lookup tables (VR texts, VMs, UID types) referenced by index."""

    def __init__(self):
        self.items = []
        self.index = {}

    def __call__(self, value):
        if value not in self.index:
            self.index[value] = len(self.items)
            self.items.append(value)
        return self.index[value]


class Blob:
    """One text column: concatenated UTF-8 plus count+1 byte offsets."""

    def __init__(self):
        self.parts = []
        self.offsets = [0]

    def add(self, text):
        b = text.encode("utf-8")
        self.parts.append(text)
        self.offsets.append(self.offsets[-1] + len(b))

    def literal(self):
        # StaticString.utf8Start needs a pointer representation, which a literal of at least
        # two scalars always has (a one-scalar literal may be stored as the scalar).
        text = "".join(self.parts)
        assert len(text) >= 2
        return swift_string(text)


def swift_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%X}" % o)
    out.append('"')
    return "".join(out)


def int_array(name, type_, values, per_line=8, fmt="0x%08X"):
    lines = [f"    static let {name}: [{type_}] = ["]
    for i in range(0, len(values), per_line):
        chunk = values[i : i + per_line]
        lines.append("        " + ", ".join(fmt % v for v in chunk) + ",")
    lines.append("    ]")
    return "\n".join(lines)


HEADER = """\
// GENERATED FILE: do not edit. Regenerate with `python3 Scripts/dictionary/generate.py`.
// Source: pydicom 3.0.2 ({src}), MIT licence; see Scripts/dictionary/NOTICE.
"""


def mask_values(mask_x):
    """pydicom datadict.masks: (value with x->0, care-bits with x->0 and others F)."""
    m1 = int(mask_x.replace("x", "0"), 16)
    m2 = int("".join("F0"[c == "x"] for c in mask_x), 16)
    return m1, m2


def attrs(vr_index, vm_index, retired):
    return vr_index | (vm_index << 8) | ((1 if retired else 0) << 16)


def is_retired(text):
    # pydicom: `"retired" in entry[3].lower()`
    return "retired" in text.lower()


def generate_public(vr_texts, vms):
    d = load_dicts(os.path.join(INPUT, "_dicom_dict.py"))
    main = d["DicomDictionary"]
    repeaters = d["RepeatersDictionary"]

    tags = sorted(main)
    entries = [(tag, main[tag]) for tag in tags]
    # Repeaters keep pydicom's dict order: `mask_match` returns the first mask that matches.
    rep = list(repeaters.items())

    names, keywords = Blob(), Blob()
    attributes = []
    for _, (vr, vm, name, retired, keyword) in entries + [(None, v) for _, v in rep]:
        split_vr(vr)
        attributes.append(attrs(vr_texts(vr), vms(vm), is_retired(retired)))
        names.add(name)
        keywords.add(keyword)

    m1s, m2s = zip(*(mask_values(m) for m, _ in rep))
    # A concrete tag for each repeater that `entry(for:)` maps back to it, for keyword -> tag:
    # the mask with its x digits counting up from 0, skipping exact entries (e.g. (0028,0400)
    # is Transform Label, so "RowsForNthOrderCoefficients" (002804x0) gives (0028,0410)).
    def first_match(tag):
        for r in range(len(rep)):
            if (tag ^ m1s[r]) & m2s[r] == 0:
                return r
        return None

    representatives = []
    for r, (mask, _) in enumerate(rep):
        xs = [i for i, c in enumerate(mask) if c == "x"]
        for n in range(16 ** len(xs)):
            digits = list(mask)
            for k, pos in enumerate(reversed(xs)):
                digits[pos] = "%X" % ((n >> (4 * k)) & 0xF)
            tag = int("".join(digits), 16)
            if tag not in main and (tag >> 16) % 2 == 0 and first_match(tag) == r:
                representatives.append(tag)
                break
        else:
            sys.exit(f"no representative tag for {mask}")
    for a in range(len(rep)):
        for b in range(a + 1, len(rep)):
            if (m1s[a] ^ m1s[b]) & m2s[a] & m2s[b] == 0:
                print(f"note: repeater masks {rep[a][0]} and {rep[b][0]} overlap; first wins", file=sys.stderr)

    all_keywords = [v[4] for _, v in entries] + [v[4] for _, v in rep]
    keyed = [i for i, k in enumerate(all_keywords) if k]
    if len({all_keywords[i] for i in keyed}) != len(keyed):
        sys.exit("duplicate keywords")
    keyword_order = sorted(keyed, key=lambda i: all_keywords[i].encode("utf-8"))

    out = [HEADER.format(src="pydicom/_dicom_dict.py"), ""]
    out.append("/// Public data dictionary (PS3.6 Table 6-1, 7-1, 8-1 as pydicom publishes them).")
    out.append("/// Entries 0..<tagCount are exact tags sorted ascending (`tags`); entries")
    out.append("/// tagCount..<entryCount are repeating-group masks in pydicom's order.")
    out.append("enum PublicDictionaryTables {")
    out.append(f"    static let tagCount = {len(entries)}")
    out.append(f"    static let repeaterCount = {len(rep)}")
    out.append(f"    static let entryCount = {len(entries) + len(rep)}")
    out.append("    /// Number of entries with a non-empty keyword (`keywordOrder.count`).")
    out.append(f"    static let keywordCount = {len(keyword_order)}")
    out.append(int_array("tags", "UInt32", [t for t, _ in entries]))
    out.append("    /// Repeater masks as `(tag ^ repeaterValues[i]) & repeaterCareBits[i] == 0` (pydicom `mask_match`).")
    out.append("    /// The source text of each mask, e.g. `60xx3000`, is `repeaterMaskTexts`.")
    out.append(int_array("repeaterValues", "UInt32", list(m1s)))
    out.append(int_array("repeaterCareBits", "UInt32", list(m2s)))
    out.append("    /// For each repeater, the first concrete tag (x digits counting up from 0) that is not an")
    out.append("    /// exact entry: what `tag(forKeyword:)` returns for repeater keywords.")
    out.append(int_array("repeaterRepresentatives", "UInt32", representatives))
    rep_text = Blob()
    for m, _ in rep:
        rep_text.add(m)
    out.append(f"    static let repeaterMaskTexts: StaticString = {rep_text.literal()}")
    out.append("    /// vrIndex | vmIndex << 8 | retired << 16")
    out.append(int_array("attributes", "UInt32", attributes, per_line=12, fmt="0x%05X"))
    out.append(int_array("nameOffsets", "UInt32", names.offsets, per_line=12, fmt="%d"))
    out.append(int_array("keywordOffsets", "UInt32", keywords.offsets, per_line=12, fmt="%d"))
    out.append("    /// Entry indices of non-empty keywords, sorted by keyword's UTF-8 bytes.")
    out.append(int_array("keywordOrder", "UInt16", keyword_order, per_line=16, fmt="%d"))
    out.append(f"    static let names: StaticString = {names.literal()}")
    out.append(f"    static let keywords: StaticString = {keywords.literal()}")
    out.append("}")
    write("DataDictionaryTables.swift", "\n".join(out) + "\n")
    return len(entries), len(rep), len(keyword_order)


def generate_private(vr_texts, vms):
    d = load_dicts(os.path.join(INPUT, "_private_dict.py"))
    private = d["private_dictionaries"]
    creators = sorted(private, key=lambda c: c.encode("utf-8"))
    creator_blob = Blob()
    rows = []
    skipped = 0
    for ci, creator in enumerate(creators):
        creator_blob.add(creator)
        for key, (vr, vm, name, retired) in private[creator].items():
            # pydicom get_private_entry tries, in order: "GGGGEEEE", "GGGGxxEE", "GGxxxxEE".
            # Keys of any other shape (e.g. "GGGGEExx") can never be found by it.
            if "x" not in key:
                kind, value = 0, int(key, 16)
            elif key[4:6] == "xx" and "x" not in key[:4] + key[6:]:
                kind, value = 1, int(key[:4], 16) << 16 | int(key[6:], 16)
            elif key[2:6] == "xxxx" and "x" not in key[:2] + key[6:]:
                kind, value = 2, int(key[:2], 16) << 24 | int(key[6:], 16)
            else:
                skipped += 1
                continue
            split_vr(vr)
            rows.append((ci << 34 | kind << 32 | value, vr, vm, name, retired))
    rows.sort(key=lambda r: r[0])
    if len({r[0] for r in rows}) != len(rows):
        sys.exit("duplicate private keys")
    names = Blob()
    for r in rows:
        names.add(r[3])

    out = [HEADER.format(src="pydicom/_private_dict.py, from GDCM"), ""]
    out.append("/// Private dictionary keyed by private creator (pydicom `private_dictionaries`).")
    out.append("/// `keys` is sorted; key = creatorIndex << 34 | kind << 32 | value where kind 0 is an")
    out.append("/// exact tag `GGGGEEEE`, kind 1 is `GGGGxxEE` (value GGGG << 16 | EE), kind 2 is")
    out.append("/// `GGxxxxEE` (value GG << 24 | EE).")
    out.append("enum PrivateDictionaryTables {")
    out.append(f"    static let creatorCount = {len(creators)}")
    out.append(f"    static let entryCount = {len(rows)}")
    out.append(f"    /// Entries of the input that pydicom's lookup can never reach (key shape `GGGGEExx`), left out.")
    out.append(f"    static let unreachableInputEntryCount = {skipped}")
    out.append(int_array("creatorOffsets", "UInt32", creator_blob.offsets, per_line=12, fmt="%d"))
    out.append(f"    static let creators: StaticString = {creator_blob.literal()}")
    out.append(int_array("keys", "UInt64", [r[0] for r in rows], per_line=6, fmt="0x%011X"))
    out.append("    /// vrIndex | vmIndex << 8 | retired << 16")
    out.append(int_array("attributes", "UInt32", [attrs(vr_texts(r[1]), vms(r[2]), is_retired(r[4])) for r in rows], per_line=12, fmt="0x%05X"))
    out.append(int_array("nameOffsets", "UInt32", names.offsets, per_line=12, fmt="%d"))
    out.append(f"    static let names: StaticString = {names.literal()}")
    out.append("}")
    write("PrivateDictionaryTables.swift", "\n".join(out) + "\n")
    return len(creators), len(rows), skipped


def generate_uids():
    d = load_dicts(os.path.join(INPUT, "_uid_dict.py"))
    uids = d["UID_dictionary"]
    order = sorted(uids, key=lambda u: u.encode("ascii"))
    types = Interner()
    uid_blob, names, keywords = Blob(), Blob(), Blob()
    attributes = []
    for u in order:
        name, type_, _info, retired, keyword = uids[u]
        uid_blob.add(u)
        names.add(name)
        keywords.add(keyword)
        attributes.append(types(type_) | ((1 if is_retired(retired) else 0) << 16))
    kws = [uids[u][4] for u in order]
    keyed = [i for i, k in enumerate(kws) if k]
    if len({kws[i] for i in keyed}) != len(keyed):
        sys.exit("duplicate UID keywords")
    keyword_order = sorted(keyed, key=lambda i: kws[i].encode("utf-8"))

    out = [HEADER.format(src="pydicom/_uid_dict.py"), ""]
    out.append("/// UID registry (PS3.6 Table A-1 etc.), entries sorted by UID's bytes.")
    out.append("enum UIDRegistryTables {")
    out.append(f"    static let entryCount = {len(order)}")
    out.append(f"    static let keywordCount = {len(keyword_order)}")
    out.append("    static let types: [String] = [")
    for t in types.items:
        out.append(f"        {swift_string(t)},")
    out.append("    ]")
    out.append("    /// typeIndex | retired << 16")
    out.append(int_array("attributes", "UInt32", attributes, per_line=12, fmt="0x%05X"))
    out.append(int_array("uidOffsets", "UInt32", uid_blob.offsets, per_line=12, fmt="%d"))
    out.append(int_array("nameOffsets", "UInt32", names.offsets, per_line=12, fmt="%d"))
    out.append(int_array("keywordOffsets", "UInt32", keywords.offsets, per_line=12, fmt="%d"))
    out.append(int_array("keywordOrder", "UInt16", keyword_order, per_line=16, fmt="%d"))
    out.append(f"    static let uids: StaticString = {uid_blob.literal()}")
    out.append(f"    static let names: StaticString = {names.literal()}")
    out.append(f"    static let keywords: StaticString = {keywords.literal()}")
    out.append("}")
    write("UIDRegistryTables.swift", "\n".join(out) + "\n")
    return len(order)


def generate_shared(vr_texts, vms):
    out = [HEADER.format(src="VR and VM columns of all dictionaries"), ""]
    out.append("/// Small tables shared by the public and private dictionary.")
    out.append("enum DictionarySharedTables {")
    out.append("    /// pydicom's VR text, e.g. \"US or SS\", \"NONE\".")
    out.append("    static let vrTexts: [String] = [")
    for t in vr_texts.items:
        out.append(f"        {swift_string(t)},")
    out.append("    ]")
    out.append("    /// The alternatives of `vrTexts[i]`, first listed first; empty for \"NONE\".")
    out.append("    static let vrAlternatives: [[VR]] = [")
    for t in vr_texts.items:
        out.append("        [" + ", ".join("." + v for v in split_vr(t)) + "],")
    out.append("    ]")
    out.append("    /// Attributes word of the implied Group Length (gggg,0000): UL, VM 1, not retired.")
    out.append(f"    static let groupLengthAttributes: UInt32 = 0x{attrs(vr_texts('UL'), vms('1'), False):05X}")
    out.append("    static let vms: [String] = [")
    for t in vms.items:
        out.append(f"        {swift_string(t)},")
    out.append("    ]")
    out.append("}")
    write("DictionarySharedTables.swift", "\n".join(out) + "\n")


def write(name, text):
    os.makedirs(OUTPUT, exist_ok=True)
    path = os.path.join(OUTPUT, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(text.encode('utf-8'))} bytes)")


def main():
    vr_texts, vms = Interner(), Interner()
    n_tags, n_rep, n_kw = generate_public(vr_texts, vms)
    n_creators, n_private, skipped = generate_private(vr_texts, vms)
    n_uids = generate_uids()
    generate_shared(vr_texts, vms)
    print(
        f"public: {n_tags} tags + {n_rep} repeaters ({n_kw} keywords); "
        f"private: {n_private} entries for {n_creators} creators ({skipped} unreachable skipped); "
        f"UIDs: {n_uids}"
    )


if __name__ == "__main__":
    main()
