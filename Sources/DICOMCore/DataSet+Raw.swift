/// Data sets without a Part 10 wrapper, as DIMSE carries them in P-DATA (PS3.7 §6.3.1, PS3.8
/// §9.3.5): the transfer syntax is the presentation context's, not a file meta header's.
extension DataSet {
    /// Parse a raw data set encoded in `transferSyntax`. `name` appears in errors.
    public static func decode(raw bytes: [UInt8], transferSyntax ts: TransferSyntax,
                              name: String = "<data set>", options: ReadOptions = ReadOptions()) throws(DICOMError) -> DataSet {
        var input = bytes
        if ts.isDeflated {
            let result: Result<[UInt8], InflateError> = bytes.withUnsafeBytes { b in
                do throws(InflateError) { return .success(try inflate(b[...], limit: options.maxInflatedSize)) } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let inflated): input = inflated
            case .failure(let e): throw DICOMError(.deflate(e.message), file: name, offset: 0)
            }
        }
        let source = ByteSource(bytes: input, name: name)
        return try source.withUnsafeBytes { (buf) throws(DICOMError) -> DataSet in
            var p = Parser(source: source, buf: buf, options: options)
            p.explicit = ts.isExplicitVR
            p.bigEndian = ts.isBigEndian
            var ds = DataSet(isBigEndian: ts.isBigEndian)
            try p.parseElements(into: &ds, end: buf.count, mode: .dataSet, ancestorsPixelRep: nil)
            return ds
        }
    }

    /// Encode as a raw data set in `transferSyntax` (little endian only, as Part10Writer).
    public func encodedRaw(transferSyntax ts: TransferSyntax) throws(DICOMError) -> [UInt8] {
        guard !ts.isBigEndian else {
            throw DICOMError(.write("explicit VR big endian output is not supported (retired in PS3.5)"))
        }
        var out = [UInt8]()
        var encoder = Encoder(explicit: ts.isExplicitVR, sourceBigEndian: isBigEndian)
        try encoder.write(self, into: &out)
        return ts.isDeflated ? try deflateRaw(out) : out
    }
}

extension Part10Writer {
    /// Preamble, "DICM" and File Meta Information (PS3.10 §7.1) for a data set whose encoded
    /// bytes follow unchanged: a received C-STORE data set is streamed to disk after this
    /// header, never held whole in memory.
    public func header(sopClassUID: String, sopInstanceUID: String) throws(DICOMError) -> [UInt8] {
        var meta = DataSet()
        meta.set(DataElement(tag: .mediaStorageSOPClassUID, vr: .UI, bytes: padded(Array(sopClassUID.utf8), .UI)))
        meta.set(DataElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, bytes: padded(Array(sopInstanceUID.utf8), .UI)))
        var plain = self
        plain.transferSyntax = TransferSyntax(uid: transferSyntax.uid, name: transferSyntax.name,
                                              isExplicitVR: true, isBigEndian: false, isEncapsulated: false)
        // An empty data set encodes to nothing after the meta group; the meta group names
        // the real transfer syntax, whatever its encoding.
        return try plain.encode(DataSet(), fileMetaInformation: meta)
    }

    /// Byte offset of the data set in a Part 10 file read by `Part10Reader` (after the meta
    /// group), or nil when the file has no File Meta Information group length.
    public static func dataSetOffset(of file: DICOMFile) -> Int? {
        if file.transferSyntax.isDeflated { return nil }
        if let gl = file.fileMetaInformation.int(.fileMetaInformationGroupLength) {
            return (file.hasPreamble ? 132 : 4) + 12 + gl
        }
        return file.dataSet.elements.map { $0.offset ?? Int.max }.min()
    }
}
