import CZlib

/// How to read: strictness, limits and what stays in the source.
public struct ReadOptions: Sendable {
    /// Stop at the first defect instead of recording a warning (odd lengths, explicit VR
    /// mismatches, missing meta header, out-of-order tags, trailing padding).
    public var strict: Bool = false
    /// Deepest sequence nesting accepted; deeper is an error (protects the stack).
    public var maxSequenceDepth: Int = 128
    /// Binary values (OB, OD, OF, OL, OV, OW, UN) longer than this stay in the source and are
    /// read on demand. Pixel data always does.
    public var bulkDataThreshold: Int = 1024
    /// Upper bound for an inflated deflate stream (a guard against decompression bombs).
    public var maxInflatedSize: Int = 4 << 30
    /// Replace an explicit "UN" with the VR the dictionary gives (PS3.5 §6.2.2 note; pydicom's
    /// `replace_un_with_known_vr`).
    public var replaceUNWithKnownVR: Bool = true

    public init(strict: Bool = false) { self.strict = strict }
}

/// A parsed Part 10 file (PS3.10 §7): preamble, File Meta Information and data set.
public struct DICOMFile: Sendable {
    /// Where the bytes came from; bulk values point into it.
    public let source: ByteSource
    public var hasPreamble: Bool
    /// Group 0002 (PS3.10 §7.1); empty for a raw data set without meta header.
    public var fileMetaInformation: DataSet
    public var dataSet: DataSet
    public var transferSyntax: TransferSyntax
    /// Defects the lenient reader accepted.
    public var warnings: [ParseWarning]

    public var path: String { source.name }
}

/// Reads DICOM Part 10 files and raw data sets (PS3.10 §7, PS3.5 §7).
///
/// The reader maps the file and walks it once. It copies small values and leaves bulk data
/// (pixel data, large binary values) in the mapping as `(offset, length)` references.
public enum Part10Reader {
    /// Read a file; throws on the first error.
    public static func read(path: String, options: ReadOptions = ReadOptions()) throws(DICOMError) -> DICOMFile {
        let source = try ByteSource(contentsOfFile: path)
        let (file, error) = read(source: source, options: options)
        if let error { throw error }
        guard let file else { throw DICOMError(.notDICOM("nothing could be read"), file: path) }
        return file
    }

    /// Read as much as possible: on error, the part read before it and the error.
    public static func readPartial(path: String, options: ReadOptions = ReadOptions()) -> (DICOMFile?, DICOMError?) {
        let source: ByteSource
        do { source = try ByteSource(contentsOfFile: path) } catch { return (nil, error) }
        return read(source: source, options: options)
    }

    public static func read(source: ByteSource, options: ReadOptions = ReadOptions()) -> (DICOMFile?, DICOMError?) {
        source.withUnsafeBytes { buf in
            readFile(source: source, buf: buf, options: options)
        }
    }

    private static func readFile(source: ByteSource, buf: UnsafeRawBufferPointer, options: ReadOptions) -> (DICOMFile?, DICOMError?) {
        if buf.count == 0 { return (nil, DICOMError(.emptyFile, file: source.name)) }
        var parser = Parser(source: source, buf: buf, options: options)
        var meta = DataSet()
        var hasPreamble = false

        func partial(_ ts: TransferSyntax, _ data: DataSet) -> DICOMFile {
            DICOMFile(source: source, hasPreamble: hasPreamble, fileMetaInformation: meta, dataSet: data,
                      transferSyntax: ts, warnings: parser.warnings)
        }

        // Preamble and prefix (PS3.10 §7.1).
        let dicm: [UInt8] = [0x44, 0x49, 0x43, 0x4D]
        if buf.count >= 132 && Array(buf[128..<132]) == dicm {
            hasPreamble = true
            parser.pos = 132
        } else if buf.count >= 4 && Array(buf[0..<4]) == dicm {
            parser.pos = 4
            do { try parser.warn("no 128-byte preamble before 'DICM'") } catch { return (nil, error) }
        } else {
            // A raw data set as old modalities write them, or not DICOM at all.
            guard let guess = parser.guessEncoding(at: 0) else {
                let why = buf.count < 132
                    ? "\(buf.count) bytes, too short for a preamble, and no data element at offset 0"
                    : "no 'DICM' prefix at offset 128 and no data element at offset 0"
                return (nil, DICOMError(.notDICOM(why), file: source.name))
            }
            do {
                try parser.warn("no preamble and no File Meta Information: read as a raw data set in \(guess.name)")
            } catch { return (nil, error) }
            parser.explicit = guess.isExplicitVR
            parser.bigEndian = guess.isBigEndian
            // A raw data set may still start with a group 0002 (some writers do that).
            var data = DataSet(isBigEndian: guess.isBigEndian)
            do {
                try parser.parseElements(into: &data, end: buf.count, mode: .dataSet, ancestorsPixelRep: nil)
            } catch {
                return (partial(guess, data), error)
            }
            return finishRaw(data: data, guess: guess, partial: partial)
        }

        // File Meta Information: always explicit VR little endian (PS3.10 §7.1).
        let metaStart = parser.pos
        parser.explicit = true
        parser.bigEndian = false
        if let g = parser.guessEncoding(at: metaStart), !g.isExplicitVR {
            // Seen in the field: a meta header written in implicit VR.
            parser.explicit = false
            do { try parser.warn("File Meta Information is in implicit VR; PS3.10 §7.1 requires explicit VR little endian") } catch {
                return (nil, error)
            }
        }
        do {
            try parser.parseElements(into: &meta, end: buf.count, mode: .meta, ancestorsPixelRep: nil)
        } catch {
            return (partial(.explicitVRLittleEndian, DataSet()), error)
        }
        if meta.isEmpty {
            do { try parser.warn("'DICM' prefix is not followed by File Meta Information") } catch {
                return (nil, error)
            }
        }
        if let gl = meta.int(.fileMetaInformationGroupLength) {
            let actual = parser.pos - metaStart - 12
            if gl != actual {
                do {
                    try parser.warn("File Meta Information Group Length is \(gl) but the group is \(actual) bytes")
                } catch { return (partial(.explicitVRLittleEndian, DataSet()), error) }
            }
        }

        // Transfer syntax of the data set.
        var ts: TransferSyntax
        let tsUID = meta.string(.transferSyntaxUID).map { trimBoth($0) } ?? ""
        if tsUID.isEmpty {
            guard let guess = parser.guessEncoding(at: parser.pos) ?? (parser.pos >= buf.count ? .explicitVRLittleEndian : nil) else {
                return (partial(.explicitVRLittleEndian, DataSet()),
                        parser.error(.missing("Transfer Syntax UID (0002,0010), and the data set encoding cannot be recognised"), at: parser.pos))
            }
            ts = guess
            do { try parser.warn("no Transfer Syntax UID (0002,0010); data set read as \(guess.name)") } catch {
                return (partial(guess, DataSet()), error)
            }
        } else {
            ts = TransferSyntax.lookup(tsUID)
            if !ts.isKnown {
                parser.warnings.append(ParseWarning(
                    "unknown transfer syntax \(tsUID): data set read as explicit VR little endian",
                    offset: nil, tagPath: TagPath()))
            }
        }

        // Deflate (PS3.5 §A.5): the rest of the file is a raw deflate stream.
        if ts.isDeflated {
            let inflated: [UInt8]
            do {
                inflated = try inflate(buf[parser.pos...], limit: options.maxInflatedSize)
            } catch {
                return (partial(ts, DataSet()), DICOMError(.deflate(error.message), file: source.name, offset: parser.pos))
            }
            let inner = ByteSource(bytes: inflated, name: source.name + " (inflated)")
            let (data, innerWarnings, error) = inner.withUnsafeBytes { ibuf -> (DataSet, [ParseWarning], DICOMError?) in
                var p = Parser(source: inner, buf: ibuf, options: options)
                p.fileName = source.name
                p.explicit = true
                var data = DataSet()
                do throws(DICOMError) {
                    try p.parseElements(into: &data, end: ibuf.count, mode: .dataSet, ancestorsPixelRep: nil)
                } catch {
                    return (data, p.warnings, error)
                }
                return (data, p.warnings, nil)
            }
            parser.warnings += innerWarnings
            return (DICOMFile(source: inner, hasPreamble: hasPreamble, fileMetaInformation: meta, dataSet: data,
                              transferSyntax: ts, warnings: parser.warnings), error)
        }

        parser.explicit = ts.isExplicitVR
        parser.bigEndian = ts.isBigEndian
        // Some writers lie about the VR mode; pydicom checks the first element too.
        if let actual = parser.guessEncoding(at: parser.pos), actual.isExplicitVR != ts.isExplicitVR {
            do {
                try parser.warn("transfer syntax \(ts.uid) says \(ts.isExplicitVR ? "explicit" : "implicit") VR but the data set is \(actual.isExplicitVR ? "explicit" : "implicit") VR")
            } catch { return (partial(ts, DataSet()), error) }
            parser.explicit = actual.isExplicitVR
        }
        var data = DataSet(isBigEndian: ts.isBigEndian)
        do {
            try parser.parseElements(into: &data, end: buf.count, mode: .dataSet, ancestorsPixelRep: nil)
        } catch {
            return (partial(ts, data), error)
        }
        return (partial(ts, data), nil)
    }

    private static func finishRaw(data: DataSet, guess: TransferSyntax,
                                  partial: (TransferSyntax, DataSet) -> DICOMFile) -> (DICOMFile?, DICOMError?) {
        // A raw data set that starts with group 0002 carries its meta in line; split it out.
        var data = data
        var meta = DataSet()
        for e in data.elements where e.tag.group == 0x0002 {
            meta.set(e)
            data.remove(e.tag)
        }
        var file = partial(guess, data)
        file.fileMetaInformation = meta
        return (file, nil)
    }
}

struct InflateError: Error { let message: String }

/// Inflate a raw deflate stream (RFC 1951, no zlib header) as PS3.5 §A.5 specifies.
func inflate(_ input: Slice<UnsafeRawBufferPointer>, limit: Int) throws(InflateError) -> [UInt8] {
    var stream = z_stream()
    guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw InflateError(message: "zlib initialisation failed")
    }
    defer { inflateEnd(&stream) }
    let rebased = UnsafeRawBufferPointer(rebasing: input)
    var out = [UInt8]()
    out.reserveCapacity(min(limit, max(4096, rebased.count * 4)))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    stream.next_in = UnsafeMutablePointer(mutating: rebased.baseAddress?.assumingMemoryBound(to: Bytef.self))
    stream.avail_in = uInt(rebased.count)
    var status: Int32 = Z_OK
    repeat {
        let produced: Int = chunk.withUnsafeMutableBytes { c in
            stream.next_out = c.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(c.count)
            status = CZlib.inflate(&stream, Z_NO_FLUSH)
            return c.count - Int(stream.avail_out)
        }
        if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
            let msg = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw InflateError(message: "\(msg) after \(out.count) bytes of output")
        }
        out.append(contentsOf: chunk[0..<produced])
        if out.count > limit { throw InflateError(message: "inflated data exceeds the limit of \(limit) bytes") }
        if status == Z_BUF_ERROR && produced == 0 {
            // No progress: the input ended before the stream did. Accept what we have if it is
            // non-empty (some writers omit the final block); the parser reports truncation.
            if stream.avail_in == 0 { break }
            throw InflateError(message: "stream is corrupt after \(out.count) bytes of output")
        }
    } while status != Z_STREAM_END
    return out
}
