/// Human-readable listing of a file in the spirit of DCMTK's `dcmdump`:
/// `(gggg,eeee) VR value   # length, VM Keyword`, sequences and items indented.
public struct DumpFormatter: Sendable {
    /// Longest value shown before it is cut with "...".
    public var maxValueLength: Int
    /// Hide binary bulk values (show only their length and location).
    public var hideBulk: Bool

    public init(maxValueLength: Int = 64, hideBulk: Bool = false) {
        self.maxValueLength = maxValueLength
        self.hideBulk = hideBulk
    }

    public func format(_ file: DICOMFile) -> String {
        var out = "# Dicom-File-Format\n\n"
        if !file.fileMetaInformation.isEmpty {
            out += "# Dicom-Meta-Information-Header\n# Used TransferSyntax: Little Endian Explicit\n"
            format(file.fileMetaInformation, level: 0, to: &out)
            out += "\n"
        }
        out += "# Dicom-Data-Set\n# Used TransferSyntax: \(file.transferSyntax.name)\n"
        format(file.dataSet, level: 0, to: &out)
        return out
    }

    public func format(_ ds: DataSet, level: Int, to out: inout String) {
        let pad = String(repeating: "  ", count: level)
        for e in ds.elements {
            let name = keyword(for: e.tag, in: ds)
            switch e.value {
            case .sequence(let items):
                let how = e.hasUndefinedLength ? "undefined" : "explicit"
                line(&out, pad, e.tag, "SQ", "(Sequence with \(how) length #=\(items.count))",
                     length: e.hasUndefinedLength ? "u/l" : "-", vm: "1", name: name)
                for (i, item) in items.enumerated() {
                    out += pad + "  (FFFE,E000) na (Item #\(i + 1) with \(item.count) elements)\n"
                    format(item, level: level + 2, to: &out)
                    out += pad + "  (FFFE,E00D) na (ItemDelimitationItem)\n"
                }
                out += pad + "(FFFE,E0DD) na (SequenceDelimitationItem)\n"
            case .encapsulated(let enc):
                line(&out, pad, e.tag, e.vr.rawValue,
                     "(PixelSequence #=\(enc.fragments.count + 1): offset table \(enc.basicOffsetTable.count) entries, \(enc.fragments.count) fragments)",
                     length: "u/l", vm: "1", name: name)
                out += pad + "  (FFFE,E000) pi (Basic Offset Table, \(enc.basicOffsetTable.count * 4) bytes)\n"
                if !hideBulk {
                    for (i, f) in enc.fragments.enumerated() {
                        out += pad + "  (FFFE,E000) pi (fragment \(i + 1): \(f.count) bytes at offset 0x\(String(f.lowerBound, radix: 16, uppercase: true)))\n"
                    }
                }
                out += pad + "(FFFE,E0DD) na (SequenceDelimitationItem)\n"
            case .bulk(let ref):
                line(&out, pad, e.tag, e.vr.rawValue,
                     "(bulk data: \(ref.length) bytes at offset 0x\(String(ref.offset, radix: 16, uppercase: true)))",
                     length: String(ref.length), vm: "1", name: name)
            case .bytes, .inSource:
                let raw = e.valueBytes() ?? []
                let (text, vm) = render(raw, e, in: ds)
                line(&out, pad, e.tag, e.vr.rawValue, text, length: String(raw.count), vm: String(vm), name: name)
            }
        }
    }

    func keyword(for tag: Tag, in ds: DataSet) -> String {
        if tag.isGroupLength { return DataDictionary.entry(for: tag)?.keyword ?? "GroupLength" }
        if tag.isPrivateCreator { return "PrivateCreator" }
        if tag.isPrivate {
            guard let creator = ds.privateCreator(of: tag) else { return "PrivateTagWithoutCreator" }
            let name = DataDictionary.privateEntry(creator: creator, tag: tag)?.name ?? "Unknown"
            return "[\(creator)] \(name)"
        }
        return DataDictionary.entry(for: tag)?.keyword ?? "Unknown Tag & Data"
    }

    private func line(_ out: inout String, _ pad: String, _ tag: Tag, _ vr: String, _ value: String,
                      length: String, vm: String, name: String) {
        var s = pad + tag.description + " " + vr + " " + value
        let column = 52
        if s.count < column { s += String(repeating: " ", count: column - s.count) }
        s += " # " + (length.count < 4 ? String(repeating: " ", count: 4 - length.count) + length : length)
        s += ", " + vm + " " + name + "\n"
        out += s
    }

    /// Value text and VM.
    private func render(_ raw: [UInt8], _ e: DataElement, in ds: DataSet) -> (String, Int) {
        if raw.isEmpty { return ("(no value available)", 0) }
        let value = JSONValue.of(e, in: ds)
        switch value.payload {
        case .empty:
            return ("(no value available)", 0)
        case .values(let items):
            let parts = items.map { item -> String in
                switch item {
                case .null: return ""
                case .string(let s): return s
                case .number(let n): return n
                case .personName(let g): return g.joined(separator: "=")
                }
            }
            let joined = parts.joined(separator: "\\")
            let isText = e.vr.isString || e.vr == .AT
            return (isText ? "[" + cut(joined) + "]" : cut(joined), parts.count)
        case .binary(_, _, let bytes):
            if hideBulk && raw.count > 64 { return ("(\(raw.count) bytes not shown)", 1) }
            let b = bytes()
            let shown = b.prefix(max(1, maxValueLength / 3)).map(hexByte).joined(separator: "\\")
            return (b.count * 3 > maxValueLength ? shown + "..." : shown, 1)
        case .items:
            return ("", 0)
        }
    }

    private func cut(_ s: String) -> String {
        guard s.count > maxValueLength else { return s }
        return String(s.prefix(maxValueLength)) + "..."
    }
}
