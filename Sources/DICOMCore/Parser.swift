/// The data set walker behind `Part10Reader` (PS3.5 §7).
///
/// It reads from a buffer that stays valid for the whole parse (the mapped file). Every length
/// is checked against the bytes that remain before anything is allocated or sliced.
struct Parser {
    let source: ByteSource
    let buf: UnsafeRawBufferPointer
    let options: ReadOptions
    var fileName: String
    var pos = 0
    var explicit = true
    var bigEndian = false
    var warnings: [ParseWarning] = []
    var path: [TagPath.Step] = []
    var depth = 0

    init(source: ByteSource, buf: UnsafeRawBufferPointer, options: ReadOptions) {
        self.source = source
        self.buf = buf
        self.options = options
        self.fileName = source.name
    }

    enum Mode {
        /// A file's data set: runs to the end of its range.
        case dataSet
        /// Group 0002: stops before the first element of another group.
        case meta
        /// An item of undefined length: stops after its Item Delimitation Item.
        case undefinedLengthItem
        /// An item of defined length.
        case definedLengthItem
    }

    static let undefinedLength: UInt32 = 0xFFFF_FFFF

    // MARK: - Errors and warnings

    func error(_ kind: DICOMError.Kind, at offset: Int) -> DICOMError {
        DICOMError(kind, file: fileName, offset: offset, tagPath: TagPath(path))
    }

    /// Record a defect; in strict mode it is an error.
    mutating func warn(_ message: String, at offset: Int? = nil) throws(DICOMError) {
        if options.strict {
            throw error(.invalidValue(message + " (strict mode)"), at: offset ?? pos)
        }
        warnings.append(ParseWarning(message, offset: offset, tagPath: TagPath(path)))
    }

    // MARK: - Primitive reads (callers check bounds)

    @inline(__always) func u16(_ at: Int) -> UInt16 {
        let v = buf.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    @inline(__always) func u32(_ at: Int) -> UInt32 {
        let v = buf.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    @inline(__always) func u16le(_ at: Int) -> UInt16 { UInt16(littleEndian: buf.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    @inline(__always) func u32le(_ at: Int) -> UInt32 { UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }

    @inline(__always) func tag(_ at: Int) -> Tag { Tag(u16(at), u16(at + 2)) }

    // MARK: - Encoding detection

    /// Recognise the encoding of a data set from its first element: a plausible tag and,
    /// for explicit VR, a valid VR whose length fits. Used for raw data sets, files whose meta
    /// header lacks a transfer syntax, and to catch a transfer syntax that lies.
    func guessEncoding(at offset: Int) -> TransferSyntax? {
        guard buf.count - offset >= 8 else { return nil }
        let leGroup = u16le(offset)
        let beGroup = UInt16(bigEndian: buf.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let vrOK = VR(buf[offset + 4], buf[offset + 5]) != nil
        // Plausible first groups of a data set: command/meta/identifying groups (0000–0010).
        // (A tag in group 0x0800 read little endian is group 0x0008 big endian.)
        func plausible(_ g: UInt16) -> Bool { g <= 0x0010 || g == 0x0018 || g == 0x0020 || g == 0x0028 }
        if plausible(leGroup) && leGroup != 0 || leGroup == 0 && u16le(offset + 2) == 0 {
            if vrOK { return .explicitVRLittleEndian }
            let len = u32le(offset + 4)
            if Int(len) <= buf.count - offset - 8 || len == Parser.undefinedLength { return .implicitVRLittleEndian }
            return nil
        }
        if plausible(beGroup) && vrOK { return .explicitVRBigEndian }
        return nil
    }

    // MARK: - Data sets

    /// Parse elements into `ds` until `end`, an item delimiter (undefined-length item), or a
    /// group other than 0002 (`.meta`). Elements already appended stay in `ds` if it throws,
    /// so callers can show what was read before an error.
    mutating func parseElements(into ds: inout DataSet, end: Int, mode: Mode, ancestorsPixelRep: Int?) throws(DICOMError) {
        var lastTag: Tag? = nil
        var outOfOrder = false
        defer {
            if outOfOrder { ds.sortElements() }
            if !explicit { resolveAmbiguousVRs(&ds, ancestorsPixelRep: ancestorsPixelRep) }
        }
        while pos < end {
            let start = pos
            let remaining = end - pos
            if remaining < 8 {
                if mode == .undefinedLengthItem {
                    throw error(.truncated(needed: 8, available: remaining), at: start)
                }
                if buf[pos..<end].allSatisfy({ $0 == 0 }) {
                    try warn("\(remaining) bytes of trailing padding", at: start)
                    pos = end
                    return
                }
                throw error(.truncated(needed: 8, available: remaining), at: start)
            }
            let t = tag(pos)
            if mode == .meta && t.group != 0x0002 { return }

            // Delimiters (PS3.5 §7.5).
            if t.group == 0xFFFE {
                if t == .itemDelimitationItem {
                    pos += 8
                    if mode == .undefinedLengthItem { return }
                    try warn("Item Delimitation Item outside an item", at: start)
                    continue
                }
                if t == .sequenceDelimitationItem && mode == .undefinedLengthItem {
                    // The item was not closed; leave the delimiter for the sequence.
                    try warn("item ended by a Sequence Delimitation Item without its Item Delimitation Item", at: start)
                    return
                }
                if t == .sequenceDelimitationItem && mode == .dataSet && path.isEmpty {
                    // Stray delimiter at the end of a file (seen after truncated writes).
                    pos += 8
                    try warn("Sequence Delimitation Item outside a sequence", at: start)
                    continue
                }
                throw error(.unexpectedTag(expected: "a data element", found: t), at: start)
            }

            if let last = lastTag, t <= last {
                try warn(t == last ? "duplicate tag \(t)" : "tag \(t) follows \(last): data elements out of order", at: start)
                outOfOrder = true
            }
            lastTag = t

            path.append(.tag(t))
            defer { path.removeLast() }
            try parseElement(tag: t, start: start, into: &ds, end: end, ancestorsPixelRep: ancestorsPixelRep)
        }
        if mode == .undefinedLengthItem {
            throw error(.truncated(needed: 8, available: 0), at: pos)
        }
    }

    /// One element: header, VR, length, value.
    private mutating func parseElement(tag t: Tag, start: Int, into ds: inout DataSet, end: Int,
                                       ancestorsPixelRep: Int?) throws(DICOMError) {
        var vr: VR
        var length: UInt32
        var headerLength: Int
        var explicitUN = false
        if explicit, let v = VR(buf[start + 4], buf[start + 5]) {
            vr = v
            if v.hasLongExplicitLength {
                guard end - start >= 12 else { throw error(.truncated(needed: 12, available: end - start), at: start) }
                length = u32(start + 8)
                headerLength = 12
            } else {
                length = UInt32(u16(start + 6))
                headerLength = 8
            }
            explicitUN = v == .UN
        } else {
            if explicit {
                // Explicit VR mismatch: read this element as implicit VR (lenient).
                try warn("invalid explicit VR bytes 0x\(hexByte(buf[start + 4]))\(hexByte(buf[start + 5])); element read as implicit VR", at: start)
            }
            length = u32(start + 4)
            headerLength = 8
            vr = implicitVR(for: t, in: ds)
        }
        pos = start + headerLength

        // Explicit UN for an element whose VR is known (PS3.5 §6.2.2 notes; pydicom's
        // replace_un_with_known_vr): the value is implicit VR little endian.
        var valueIsImplicitLE = false
        if explicitUN && options.replaceUNWithKnownVR {
            let known: VR?
            if t.group & 1 == 1 {
                let pvr = privateVR(for: t, in: ds)
                known = pvr == .UN ? nil : pvr
            } else if length == Parser.undefinedLength || length < 0xFFFF {
                known = DataDictionary.entry(for: t)?.vr
            } else {
                known = nil
            }
            if let known, known != .UN {
                vr = known
                valueIsImplicitLE = true
            }
        }

        if length == Parser.undefinedLength {
            if t == .pixelData || ((vr == .OB || vr == .OW) && !valueIsImplicitLE) {
                let e = try parseEncapsulated(tag: t, start: start, vr: vr == .OW ? .OW : .OB)
                ds.appendUnchecked(e)
                return
            }
            // Undefined length means a sequence (PS3.5 §7.5); an unknown or UN element with
            // undefined length is a sequence in implicit VR little endian (PS3.5 §6.2.2).
            let itemsImplicitLE = vr == .UN || valueIsImplicitLE
            if vr != .SQ && vr != .UN {
                try warn("undefined length on a \(vr.rawValue) element; read as a sequence", at: start)
            }
            var items: [DataSet] = []
            do throws(DICOMError) {
                try parseSequence(into: &items, length: nil, implicitLE: itemsImplicitLE, parent: ds,
                                  ancestorsPixelRep: pixelRep(ds) ?? ancestorsPixelRep)
            } catch {
                ds.appendUnchecked(DataElement(tag: t, vr: .SQ, value: .sequence(items), hasUndefinedLength: true, offset: start))
                throw error
            }
            ds.appendUnchecked(DataElement(tag: t, vr: .SQ, value: .sequence(items), hasUndefinedLength: true, offset: start))
            return
        }

        let remaining = end - pos
        if vr == .SQ && Int(length) > remaining {
            // A sequence whose length overstates what follows (seen in DICOMDIRs): its items
            // are still checked one by one, so read on to the end of the enclosing range.
            try warn("sequence length \(length) exceeds the remaining \(remaining) bytes; read to the end", at: start)
            length = UInt32(remaining)
        }
        guard Int(length) <= remaining else {
            throw error(.valueLengthExceedsRemaining(length: length, remaining: remaining), at: start)
        }
        if length & 1 == 1 {
            try warn("odd value length \(length) (PS3.5 §7.1.1 requires even lengths)", at: start)
        }
        let valueStart = pos
        let valueEnd = pos + Int(length)

        if vr == .SQ {
            var items: [DataSet] = []
            do throws(DICOMError) {
                try parseSequence(into: &items, length: Int(length), implicitLE: valueIsImplicitLE, parent: ds,
                                  ancestorsPixelRep: pixelRep(ds) ?? ancestorsPixelRep)
            } catch {
                ds.appendUnchecked(DataElement(tag: t, vr: .SQ, value: .sequence(items), offset: start))
                throw error
            }
            ds.appendUnchecked(DataElement(tag: t, vr: .SQ, value: .sequence(items), offset: start))
            pos = valueEnd
            return
        }

        let value: ElementValue
        if (vr.isBulk || t == .pixelData) && Int(length) > options.bulkDataThreshold {
            value = .bulk(BulkDataReference(source: source, offset: valueStart, length: Int(length)))
        } else if valueIsImplicitLE && bigEndian, let size = vr.numericSize, size > 1 {
            // The UN value was little endian inside a big-endian data set: swap a copy.
            var bytes = Array(buf[valueStart..<valueEnd])
            swapBytes(&bytes, size: size)
            value = .bytes(bytes)
        } else {
            value = .inSource(BulkDataReference(source: source, offset: valueStart, length: Int(length)))
        }
        pos = valueEnd
        let element = DataElement(tag: t, vr: vr, value: value, offset: start)
        ds.appendUnchecked(element)
        if t == .specificCharacterSet, let raw = element.valueBytes() {
            ds.characterSet = SpecificCharacterSet(valueField: raw)
        }
    }

    /// Items of a sequence (PS3.5 §7.5). `length` nil means undefined length.
    private mutating func parseSequence(into items: inout [DataSet], length: Int?, implicitLE: Bool, parent: DataSet,
                                        ancestorsPixelRep: Int?) throws(DICOMError) {
        depth += 1
        defer { depth -= 1 }
        if depth > options.maxSequenceDepth {
            throw error(.nestingTooDeep(limit: options.maxSequenceDepth), at: pos)
        }
        let savedExplicit = explicit, savedBigEndian = bigEndian
        if implicitLE { explicit = false; bigEndian = false }
        defer { explicit = savedExplicit; bigEndian = savedBigEndian }

        let end = length.map { pos + $0 } ?? buf.count
        while true {
            if length != nil && pos >= end { return }
            let start = pos
            guard end - pos >= 8 else {
                if length == nil && pos == buf.count {
                    try warn("sequence of undefined length not closed at end of file", at: start)
                    return
                }
                throw error(.truncated(needed: 8, available: end - pos), at: start)
            }
            let t = tag(pos)
            let itemLength = u32(pos + 4)
            if t == .sequenceDelimitationItem {
                pos += 8
                if length == nil { return }
                try warn("Sequence Delimitation Item in a sequence of defined length", at: start)
                continue
            }
            guard t == .item else {
                throw error(.unexpectedTag(expected: "Item (FFFE,E000)", found: t), at: start)
            }
            pos += 8
            path.append(.item(items.count))
            defer { path.removeLast() }
            var item = DataSet(isBigEndian: bigEndian, characterSet: parent.characterSet)
            do throws(DICOMError) {
                if itemLength == Parser.undefinedLength {
                    try parseElements(into: &item, end: end, mode: .undefinedLengthItem, ancestorsPixelRep: ancestorsPixelRep)
                } else {
                    let remaining = end - pos
                    var itemLength = Int(itemLength)
                    if itemLength > remaining {
                        // Its elements are still checked one by one; read to the end.
                        try warn("item length \(itemLength) exceeds the remaining \(remaining) bytes; read to the end", at: start)
                        itemLength = remaining
                    }
                    let itemEnd = pos + itemLength
                    try parseElements(into: &item, end: itemEnd, mode: .definedLengthItem, ancestorsPixelRep: ancestorsPixelRep)
                    pos = itemEnd
                }
            } catch {
                items.append(item)
                throw error
            }
            items.append(item)
        }
    }

    /// Encapsulated pixel data (PS3.5 §A.4): Basic Offset Table item, fragment items,
    /// Sequence Delimitation Item. Fragments stay in the source.
    private mutating func parseEncapsulated(tag t: Tag, start: Int, vr: VR) throws(DICOMError) -> DataElement {
        let valueStart = pos
        var offsetTable: [UInt32] = []
        var fragments: [Range<Int>] = []
        var itemOffsets: [Int] = []
        var firstFragmentItem: Int? = nil
        var sawTable = false
        var valueLength: Int? = nil
        let end = buf.count
        while true {
            let itemStart = pos
            guard end - pos >= 8 else {
                if end - pos == 0 {
                    try warn("encapsulated pixel data not closed by a Sequence Delimitation Item", at: itemStart)
                    valueLength = pos - valueStart
                    break
                }
                throw error(.truncated(needed: 8, available: end - pos), at: itemStart)
            }
            // Encapsulated data is always little endian (PS3.5 §A.4).
            let it = Tag(u16le(pos), u16le(pos + 2))
            let len = u32le(pos + 4)
            if it == .sequenceDelimitationItem {
                valueLength = pos - valueStart
                pos += 8
                break
            }
            guard it == .item else {
                throw error(.unexpectedTag(expected: "Item (FFFE,E000) in encapsulated pixel data", found: it), at: itemStart)
            }
            guard len != Parser.undefinedLength else {
                throw error(.undefinedLength, at: itemStart)
            }
            guard Int(len) <= end - pos - 8 else {
                throw error(.valueLengthExceedsRemaining(length: len, remaining: end - pos - 8), at: itemStart)
            }
            let dataStart = pos + 8
            if !sawTable {
                sawTable = true
                if len % 4 != 0 {
                    throw error(.invalidValue("Basic Offset Table length \(len) is not a multiple of 4"), at: itemStart)
                }
                offsetTable.reserveCapacity(Int(len) / 4)
                for i in stride(from: 0, to: Int(len), by: 4) { offsetTable.append(u32le(dataStart + i)) }
            } else {
                if firstFragmentItem == nil { firstFragmentItem = itemStart }
                fragments.append(dataStart..<dataStart + Int(len))
                itemOffsets.append(itemStart - (firstFragmentItem ?? itemStart))
            }
            pos = dataStart + Int(len)
        }
        let data = EncapsulatedPixelData(
            source: source, valueOffset: valueStart, valueLength: valueLength ?? (pos - valueStart),
            basicOffsetTable: offsetTable, fragments: fragments, fragmentItemOffsets: itemOffsets)
        return DataElement(tag: t, vr: vr, value: .encapsulated(data), hasUndefinedLength: true, offset: start)
    }

    // MARK: - VR for implicit VR data sets

    /// The VR of an element read in implicit VR (PS3.5 §7.1.3): the data dictionary, the
    /// private dictionary under the element's creator, LO for private creators, UL for group
    /// lengths, otherwise UN (pydicom's `raw_element_vr`).
    func implicitVR(for t: Tag, in ds: DataSet) -> VR {
        if let vrs = DataDictionary.vrs(for: t) {
            return vrs.first ?? .UN
        }
        // pydicom treats every odd group as private here, (0001-0007,xxxx) included.
        if t.group & 1 == 1 { return privateVR(for: t, in: ds) }
        if t.element == 0 { return .UL }
        return .UN
    }

    func privateVR(for t: Tag, in ds: DataSet) -> VR {
        if t.element >= 0x0010 && t.element <= 0x00FF { return .LO }
        guard t.element & 0xFF00 != 0, let creatorElement = ds[Tag(t.group, t.element >> 8)],
              let raw = creatorElement.valueBytes(), creatorElement.items == nil else { return .UN }
        let creator = trimTrailing(ds.decodeText(raw, vr: .LO), " \0")
        guard !creator.isEmpty, !creator.contains("\\"),
              let vr = DataDictionary.privateVRs(creator: creator, tag: t)?.first else { return .UN }
        return vr
    }

    func pixelRep(_ ds: DataSet) -> Int? {
        guard let b = ds[Tag(0x0028, 0x0103)]?.valueBytes(), b.count >= 2 else { return nil }
        return Int(bigEndian ? UInt16(b[0]) << 8 | UInt16(b[1]) : UInt16(b[1]) << 8 | UInt16(b[0]))
    }

    /// Settle dictionary VRs such as "US or SS" and "OB or OW" for implicit VR data the way
    /// PS3.5 §8 and pydicom's `correct_ambiguous_vr_element` do.
    func resolveAmbiguousVRs(_ ds: inout DataSet, ancestorsPixelRep: Int?) {
        var elements = ds.elements
        var changed = false
        for i in elements.indices {
            let t = elements[i].tag
            guard let vrs = DataDictionary.vrs(for: t), vrs.count > 1, elements[i].vr == vrs[0] else { continue }
            var newVR = elements[i].vr
            if t == .pixelData {
                newVR = elements[i].hasUndefinedLength ? .OB : .OW
            } else if vrs == [.US, .SS] || vrs == [.SS, .US] {
                let rep = pixelRep(ds) ?? ancestorsPixelRep
                    ?? ((!ds.contains(Tag(0x0028, 0x0103)) && !ds.contains(.pixelData)) ? 0 : 1)
                newVR = rep == 0 ? .US : .SS
            } else if t == Tag(0x0028, 0x3006) {
                let first = ds[Tag(0x0028, 0x3002)].flatMap { d -> Int? in
                    guard let b = d.valueBytes(), b.count >= 2 else { return nil }
                    return Int(bigEndian ? UInt16(b[0]) << 8 | UInt16(b[1]) : UInt16(b[1]) << 8 | UInt16(b[0]))
                }
                newVR = first == 1 ? .US : .OW
            } else if vrs.contains(.OW) {
                // Overlay data, waveform data and the like are OW in implicit VR (PS3.5 §8.1.2, §8.2).
                newVR = .OW
            }
            if newVR != elements[i].vr {
                elements[i].vr = newVR
                changed = true
            }
        }
        if changed {
            ds = DataSet(rebuilding: ds, elements: elements)
        }
    }
}

extension DataSet {
    /// Same encoding, new elements (already sorted).
    init(rebuilding ds: DataSet, elements: [DataElement]) {
        self.init(isBigEndian: ds.isBigEndian, characterSet: ds.characterSet)
        for e in elements { appendUnchecked(e) }
    }
}

func hexByte(_ b: UInt8) -> String {
    let s = String(b, radix: 16, uppercase: true)
    return s.count == 1 ? "0" + s : s
}

func swapBytes(_ bytes: inout [UInt8], size: Int) {
    guard size > 1 else { return }
    var i = 0
    while i + size <= bytes.count {
        bytes[i..<i + size].reverse()
        i += size
    }
}
