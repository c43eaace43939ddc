/// One data dictionary entry: the VR, VM, name, keyword and retired flag of an attribute
/// (PS3.6 §6, Table 6-1; private entries from pydicom's GDCM-derived private dictionary).
public struct DictionaryEntry: Sendable, Hashable {
    /// The tag that was looked up. For a repeating-group entry such as (60xx,3000) this is the
    /// concrete tag, e.g. (6002,3000), not the mask.
    public let tag: Tag
    /// The first listed VR; nil for "NONE" (Item and the delimitation items, PS3.5 §7.5).
    public let vr: VR?
    /// All listed alternatives in the dictionary's order, e.g. `[.US, .SS]` for "US or SS";
    /// empty for "NONE".
    public let vrs: [VR]
    /// The VR column exactly as pydicom spells it: "US", "OB or OW", "US or SS or OW", "NONE",
    /// and in the private dictionary also "OB_OW". The reader uses it to imitate pydicom.
    public let vrText: String
    /// Value multiplicity: "1", "1-n", "2-2n", ...
    public let vm: String
    /// "Patient's Name".
    public let name: String
    /// "PatientName"; empty for the few public entries without one and for all private entries.
    public let keyword: String
    public let isRetired: Bool

    /// True when the dictionary lists more than one VR ("US or SS", "OB or OW", ...), i.e. the
    /// VR of an implicit-VR element has to be resolved from context (PS3.5 Annex A).
    public var isAmbiguous: Bool { vrs.count > 1 }
}

/// The DICOM data dictionary, generated from pydicom 3.0.2's tables by
/// `Scripts/dictionary/generate.py` (see `Scripts/dictionary/README.md`).
///
/// All lookups are binary searches over sorted integer tables or sorted byte strings held in
/// constant data; nothing is parsed at start-up.
public enum DataDictionary {
    private typealias T = PublicDictionaryTables

    /// The public (PS3.6) entry for `tag`, resolved as pydicom's `get_entry` does:
    /// 1. the exact tag;
    /// 2. for even groups only, the first matching repeating-group mask, e.g. (50xx,0005),
    ///    (60xx,3000), (7Fxx,0010), (0020,31xx), (1000,xxx0), (1010,xxxx);
    /// 3. for an even group's (gggg,0000) otherwise unknown: the implied Group Length, UL, VM 1
    ///    (PS3.5 §7.2; pydicom's reader assigns UL, and its `DataElement.name` is "Group Length").
    /// Odd groups (private, and the reserved 0001/0003/0005/0007/FFFF) give nil: see
    /// `privateEntry(creator:tag:)`.
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        let raw = tag.rawValue
        if let i = GeneratedTable.search(raw, in: T.tags) {
            return makeEntry(index: i, tag: tag)
        }
        guard tag.group & 1 == 0 else { return nil }
        for r in 0..<T.repeaterCount where (raw ^ T.repeaterValues[r]) & T.repeaterCareBits[r] == 0 {
            return makeEntry(index: T.tagCount + r, tag: tag)
        }
        if tag.element == 0 {
            return DictionaryEntry(
                tag: tag, vr: .UL, vrs: [.UL], vrText: "UL", vm: "1",
                name: "Group Length", keyword: "GroupLength", isRetired: false)
        }
        return nil
    }

    /// The tag whose keyword is `keyword`. A repeating-group keyword gives the first concrete
    /// tag of its mask (x digits counting up from 0) that `entry(for:)` maps back to it, e.g.
    /// "OverlayData" → (6000,3000), "RowsForNthOrderCoefficients" → (0028,0410) because
    /// (0028,0400) is Transform Label. (pydicom's `tag_for_keyword` returns None for these.)
    public static func tag(forKeyword keyword: String) -> Tag? {
        guard let i = keywordIndex(keyword) else { return nil }
        if i < T.tagCount { return Tag(rawValue: T.tags[i]) }
        return Tag(rawValue: T.repeaterRepresentatives[i - T.tagCount])
    }

    /// The private dictionary entry for element `tag` (gggg,xxee) of private creator `creator`,
    /// resolved as pydicom's `get_private_entry`: keys are tried in the order "GGGGEEEE"
    /// (exact), "GGGGxxEE" (any block), "GGxxxxEE"; the first present wins.
    ///
    /// `creator` must be the creator element's value as pydicom sees it, i.e. the decoded LO
    /// value with trailing spaces removed; it is compared byte for byte (case-sensitive).
    /// The returned entry has an empty keyword.
    public static func privateEntry(creator: String, tag: Tag) -> DictionaryEntry? {
        privateIndex(creator: creator, tag: tag).map { PrivateLookup.makeEntry(index: $0, tag: tag) }
    }

    // MARK: Allocation-free VR lookups for the reader's hot path

    /// The VR alternatives `entry(for: tag)?.vrs` would give ([] for "NONE"), without building
    /// the entry's strings. nil when `entry(for:)` is nil.
    public static func vrs(for tag: Tag) -> [VR]? {
        guard let a = attributes(for: tag) else { return nil }
        return DictionarySharedTables.vrAlternatives[Int(a & 0xFF)]
    }

    /// The VR alternatives `privateEntry(creator:tag:)?.vrs` would give, without building strings.
    public static func privateVRs(creator: String, tag: Tag) -> [VR]? {
        guard let i = privateIndex(creator: creator, tag: tag) else { return nil }
        return DictionarySharedTables.vrAlternatives[Int(PrivateDictionaryTables.attributes[i] & 0xFF)]
    }

    private static func attributes(for tag: Tag) -> UInt32? {
        let raw = tag.rawValue
        if let i = GeneratedTable.search(raw, in: T.tags) { return T.attributes[i] }
        guard tag.group & 1 == 0 else { return nil }
        for r in 0..<T.repeaterCount where (raw ^ T.repeaterValues[r]) & T.repeaterCareBits[r] == 0 {
            return T.attributes[T.tagCount + r]
        }
        return tag.element == 0 ? DictionarySharedTables.groupLengthAttributes : nil
    }

    private static func privateIndex(creator: String, tag: Tag) -> Int? {
        guard let c = PrivateLookup.creatorIndex(creator) else { return nil }
        let base = UInt64(c) << 34
        let group = UInt64(tag.group), low = UInt64(tag.element & 0xFF)
        let keys = PrivateDictionaryTables.keys
        // pydicom get_private_entry's order: "GGGGEEEE", "GGGGxxEE", "GGxxxxEE".
        if let i = GeneratedTable.search(base | UInt64(tag.rawValue), in: keys) { return i }
        if let i = GeneratedTable.search(base | 1 << 32 | group << 16 | low, in: keys) { return i }
        return GeneratedTable.search(base | 2 << 32 | (group >> 8) << 24 | low, in: keys)
    }

    /// Whether `creator` is a private creator pydicom's private dictionary knows.
    public static func knowsPrivateCreator(_ creator: String) -> Bool {
        PrivateLookup.creatorIndex(creator) != nil
    }

    /// Every public entry, repeaters last with the tag `tag(forKeyword:)` gives for them
    /// (for tests and tools; allocates).
    public static var allEntries: [DictionaryEntry] {
        (0..<T.entryCount).map { i in
            let tag = i < T.tagCount ? T.tags[i] : T.repeaterRepresentatives[i - T.tagCount]
            return makeEntry(index: i, tag: Tag(rawValue: tag))
        }
    }

    /// The repeating-group mask text, e.g. "60xx3000", of the repeater `tag` falls under, if any.
    public static func repeatingGroupMask(for tag: Tag) -> String? {
        guard tag.group & 1 == 0, GeneratedTable.search(tag.rawValue, in: T.tags) == nil else { return nil }
        for r in 0..<T.repeaterCount
        where (tag.rawValue ^ T.repeaterValues[r]) & T.repeaterCareBits[r] == 0 {
            return GeneratedTable.text(T.repeaterMaskTexts, r * 8, r * 8 + 8)
        }
        return nil
    }

    // MARK: - Private helpers

    private static func makeEntry(index i: Int, tag: Tag) -> DictionaryEntry {
        let a = T.attributes[i]
        return DictionaryEntry(
            tag: tag,
            attributes: a,
            name: GeneratedTable.text(T.names, T.nameOffsets[i], T.nameOffsets[i + 1]),
            keyword: GeneratedTable.text(T.keywords, T.keywordOffsets[i], T.keywordOffsets[i + 1]))
    }

    private static func keywordIndex(_ keyword: String) -> Int? {
        GeneratedTable.search(
            keyword, count: T.keywordCount, text: T.keywords, offsets: T.keywordOffsets,
            order: { Int(T.keywordOrder[$0]) })
    }
}

private enum PrivateLookup {
    static func creatorIndex(_ creator: String) -> Int? {
        let t = PrivateDictionaryTables.self
        return GeneratedTable.search(
            creator, count: t.creatorCount, text: t.creators, offsets: t.creatorOffsets, order: { $0 })
    }

    static func makeEntry(index i: Int, tag: Tag) -> DictionaryEntry {
        let t = PrivateDictionaryTables.self
        return DictionaryEntry(
            tag: tag,
            attributes: t.attributes[i],
            name: GeneratedTable.text(t.names, t.nameOffsets[i], t.nameOffsets[i + 1]),
            keyword: "")
    }
}

extension DictionaryEntry {
    /// Decode a generated `attributes` word: vrIndex | vmIndex << 8 | retired << 16.
    fileprivate init(tag: Tag, attributes a: UInt32, name: String, keyword: String) {
        let vrIndex = Int(a & 0xFF), vmIndex = Int(a >> 8 & 0xFF)
        let vrs = DictionarySharedTables.vrAlternatives[vrIndex]
        self.init(
            tag: tag, vr: vrs.first, vrs: vrs, vrText: DictionarySharedTables.vrTexts[vrIndex],
            vm: DictionarySharedTables.vms[vmIndex], name: name, keyword: keyword,
            isRetired: a >> 16 & 1 == 1)
    }
}

// MARK: - Table access shared with UIDRegistry

/// Reading the generated tables: text columns are `StaticString`s (constant data, no start-up
/// cost) sliced by byte offsets; integer columns are sorted arrays searched by bisection.
enum GeneratedTable {
    /// The UTF-8 text at bytes `start..<end` of a generated text column.
    static func text(_ s: StaticString, _ start: UInt32, _ end: UInt32) -> String {
        text(s, Int(start), Int(end))
    }

    static func text(_ s: StaticString, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: s.utf8Start + start, count: end - start), as: UTF8.self)
    }

    /// Three-way byte comparison of the text at `start..<end` of `s` with `key`: <0, 0, >0.
    static func compare(_ s: StaticString, _ start: UInt32, _ end: UInt32, _ key: UnsafeBufferPointer<UInt8>) -> Int {
        let base = s.utf8Start + Int(start)
        let n = Int(end - start)
        for k in 0..<min(n, key.count) {
            let a = base[k], b = key[k]
            if a != b { return a < b ? -1 : 1 }
        }
        return n == key.count ? 0 : (n < key.count ? -1 : 1)
    }

    /// Index of the row whose text column equals `key`, given the rows' order by that text
    /// (`order(i)` is the row at sorted position i) and the text's offsets.
    static func search(
        _ key: String, count: Int, text s: StaticString, offsets: [UInt32], order: (Int) -> Int
    ) -> Int? {
        var key = key
        return key.withUTF8 { q -> Int? in
            var lo = 0, hi = count
            while lo < hi {
                let mid = (lo + hi) / 2
                let i = order(mid)
                let c = compare(s, offsets[i], offsets[i + 1], q)
                if c == 0 { return i }
                if c < 0 { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
    }

    /// Index of `value` in the ascending array `a`, or nil.
    static func search<V: Comparable>(_ value: V, in a: [V]) -> Int? {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let v = a[mid]
            if v == value { return mid }
            if v < value { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }
}
