#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Writes DICOM Part 10 files (PS3.10 §7): 128-byte preamble, "DICM", File Meta Information
/// regenerated with its group length, then the data set in the chosen transfer syntax.
///
/// Data sets are written in explicit or implicit VR little endian, deflated or not; an
/// encapsulated transfer syntax keeps its pixel data as is (PS3.5 §A.4), so a compressed file
/// can be stored again without transcoding. Big endian output is not offered (retired).
/// Sequences and items are written with undefined length (PS3.5 §7.5.1), which needs no
/// length bookkeeping and is valid in every transfer syntax.
public struct Part10Writer: Sendable {
    /// PS3.7 Annex D.3.3.2 implementation identification of this writer.
    public static let implementationClassUID = "1.2.826.0.1.3680043.10.1417.1"
    public static let implementationVersionName = "SIXRAY_010"

    public var transferSyntax: TransferSyntax
    public var sourceApplicationEntityTitle: String?

    public init(transferSyntax: TransferSyntax = .explicitVRLittleEndian, sourceApplicationEntityTitle: String? = nil) {
        self.transferSyntax = transferSyntax
        self.sourceApplicationEntityTitle = sourceApplicationEntityTitle
    }

    /// The bytes of a Part 10 file for `dataSet`.
    public func encode(_ dataSet: DataSet, fileMetaInformation oldMeta: DataSet? = nil) throws(DICOMError) -> [UInt8] {
        guard !transferSyntax.isBigEndian else {
            throw DICOMError(.write("explicit VR big endian output is not supported (retired in PS3.5)"))
        }
        let hasEncapsulated = dataSet[.pixelData].map { if case .encapsulated = $0.value { return true } else { return false } } ?? false
        if hasEncapsulated && !transferSyntax.isEncapsulated {
            throw DICOMError(.write("pixel data is encapsulated; writing it as \(transferSyntax.name) needs decoding first"))
        }
        if !hasEncapsulated && transferSyntax.isEncapsulated && dataSet.contains(.pixelData) {
            throw DICOMError(.write("pixel data is native; \(transferSyntax.name) needs it encoded first"))
        }

        var out = [UInt8](repeating: 0, count: 128)
        out += Array("DICM".utf8)

        // File Meta Information (PS3.10 §7.1), always explicit VR little endian.
        var meta = DataSet()
        let sopClass = dataSet.string(.sopClassUID) ?? oldMeta?.string(.mediaStorageSOPClassUID) ?? ""
        let sopInstance = dataSet.string(.sopInstanceUID) ?? oldMeta?.string(.mediaStorageSOPInstanceUID) ?? ""
        meta.set(DataElement(tag: .fileMetaInformationVersion, vr: .OB, bytes: [0x00, 0x01]))
        meta.set(DataElement(tag: .mediaStorageSOPClassUID, vr: .UI, bytes: padded(Array(sopClass.utf8), .UI)))
        meta.set(DataElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, bytes: padded(Array(sopInstance.utf8), .UI)))
        meta.set(DataElement(tag: .transferSyntaxUID, vr: .UI, bytes: padded(Array(transferSyntax.uid.utf8), .UI)))
        meta.set(DataElement(tag: .implementationClassUID, vr: .UI, bytes: padded(Array(Self.implementationClassUID.utf8), .UI)))
        meta.set(DataElement(tag: .implementationVersionName, vr: .SH, bytes: padded(Array(Self.implementationVersionName.utf8), .SH)))
        if let ae = sourceApplicationEntityTitle {
            meta.set(DataElement(tag: Tag(0x0002, 0x0016), vr: .AE, bytes: padded(Array(ae.utf8), .AE)))
        }
        var metaBody = [UInt8]()
        var metaEncoder = Encoder(explicit: true, sourceBigEndian: false)
        try metaEncoder.write(meta, into: &metaBody)
        out += [0x02, 0x00, 0x00, 0x00, 0x55, 0x4C, 0x04, 0x00]
        appendLE(UInt32(metaBody.count), to: &out)
        out += metaBody

        // Data set: group 0002 never appears in it (PS3.10 §7.1).
        var body = DataSet(isBigEndian: dataSet.isBigEndian, characterSet: dataSet.characterSet)
        for e in dataSet.elements where e.tag.group != 0x0002 { body.set(e) }
        var bodyBytes = [UInt8]()
        var encoder = Encoder(explicit: transferSyntax.isExplicitVR, sourceBigEndian: dataSet.isBigEndian)
        try encoder.write(body, into: &bodyBytes)
        if transferSyntax.isDeflated {
            out += try deflateRaw(bodyBytes)
        } else {
            out += bodyBytes
        }
        return out
    }

    /// Write a file readable and writable by its owner only (0600): it holds patient data.
    /// The file is written beside the target and renamed, so a full disk or a crash never
    /// leaves a half-written file under the final name.
    public func write(_ dataSet: DataSet, to path: String, fileMetaInformation: DataSet? = nil) throws(DICOMError) {
        let bytes = try encode(dataSet, fileMetaInformation: fileMetaInformation)
        try writeFileAtomically(bytes, to: path)
    }
}

/// Write `bytes` to `path` with mode 0600 via a temporary file and rename.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(DICOMError) {
    let temp = path + ".tmp-\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw DICOMError(.write(String(cString: strerror(errno))), file: path) }
    var done = 0
    let failure: String? = bytes.withUnsafeBytes { buf -> String? in
        while done < buf.count {
            let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno)) + " after \(done) of \(buf.count) bytes"
            }
            done += n
        }
        return nil
    }
    if let failure {
        close(fd)
        unlink(temp)
        throw DICOMError(.write(failure), file: path)
    }
    if fsync(fd) != 0 || close(fd) != 0 {
        let m = String(cString: strerror(errno))
        unlink(temp)
        throw DICOMError(.write(m), file: path)
    }
    if rename(temp, path) != 0 {
        let m = String(cString: strerror(errno))
        unlink(temp)
        throw DICOMError(.write(m), file: path)
    }
}

/// Pad a value to even length with the VR's padding byte (PS3.5 §7.1.1).
func padded(_ bytes: [UInt8], _ vr: VR) -> [UInt8] {
    bytes.count & 1 == 0 ? bytes : bytes + [vr.paddingByte]
}

@inline(__always) func appendLE(_ v: UInt16, to out: inout [UInt8]) {
    out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8))
}

@inline(__always) func appendLE(_ v: UInt32, to out: inout [UInt8]) {
    out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8 & 0xFF))
    out.append(UInt8(v >> 16 & 0xFF)); out.append(UInt8(v >> 24))
}

/// Element encoder for little-endian output (PS3.5 §7.1.2 explicit, §7.1.3 implicit).
struct Encoder {
    var explicit: Bool
    /// Values held in big-endian order (read from explicit VR big endian) are swapped.
    var sourceBigEndian: Bool

    mutating func write(_ ds: DataSet, into out: inout [UInt8]) throws(DICOMError) {
        let savedBigEndian = sourceBigEndian
        sourceBigEndian = ds.isBigEndian
        defer { sourceBigEndian = savedBigEndian }
        for e in ds.elements {
            try write(e, into: &out)
        }
    }

    mutating func write(_ e: DataElement, into out: inout [UInt8]) throws(DICOMError) {
        switch e.value {
        case .sequence(let items):
            header(e.tag, .SQ, length: 0xFFFF_FFFF, into: &out)
            for item in items {
                appendLE(UInt16(0xFFFE), to: &out); appendLE(UInt16(0xE000), to: &out); appendLE(0xFFFF_FFFF as UInt32, to: &out)
                try write(item, into: &out)
                appendLE(UInt16(0xFFFE), to: &out); appendLE(UInt16(0xE00D), to: &out); appendLE(0 as UInt32, to: &out)
            }
            appendLE(UInt16(0xFFFE), to: &out); appendLE(UInt16(0xE0DD), to: &out); appendLE(0 as UInt32, to: &out)
        case .encapsulated(let enc):
            // Basic Offset Table and fragments as read (PS3.5 §A.4).
            header(e.tag, e.vr, length: 0xFFFF_FFFF, into: &out)
            appendLE(UInt16(0xFFFE), to: &out); appendLE(UInt16(0xE000), to: &out)
            appendLE(UInt32(enc.basicOffsetTable.count * 4), to: &out)
            for o in enc.basicOffsetTable { appendLE(o, to: &out) }
            for f in enc.fragments {
                appendLE(UInt16(0xFFFE), to: &out); appendLE(UInt16(0xE000), to: &out)
                let data = enc.source.bytes(in: f)
                let even = data.count & 1 == 0 ? data : data + [0]
                appendLE(UInt32(even.count), to: &out)
                out += even
            }
            appendLE(UInt16(0xFFFE), to: &out); appendLE(UInt16(0xE0DD), to: &out); appendLE(0 as UInt32, to: &out)
        case .bytes, .bulk, .inSource:
            var value = e.valueBytes() ?? []
            if sourceBigEndian, let size = e.vr.numericSize, size > 1 {
                swapBytes(&value, size: size)
            }
            value = padded(value, e.vr)
            guard value.count < 0xFFFF_FFFF else {
                throw DICOMError(.write("value of \(e.tag) is too long for DICOM (\(value.count) bytes)"))
            }
            var vr = e.vr
            if explicit && !vr.hasLongExplicitLength && value.count > 0xFFFF {
                // Too long for a 16-bit length: UN carries it (PS3.5 §6.2.2).
                vr = .UN
            }
            header(e.tag, vr, length: UInt32(value.count), into: &out)
            out += value
        }
    }

    func header(_ tag: Tag, _ vr: VR, length: UInt32, into out: inout [UInt8]) {
        appendLE(tag.group, to: &out)
        appendLE(tag.element, to: &out)
        if explicit {
            out += Array(vr.rawValue.utf8)
            if vr.hasLongExplicitLength {
                out += [0, 0]
                appendLE(length, to: &out)
            } else {
                appendLE(UInt16(truncatingIfNeeded: length), to: &out)
            }
        } else {
            appendLE(length, to: &out)
        }
    }
}

/// Raw deflate (RFC 1951) for the Deflated Explicit VR Little Endian transfer syntax (PS3.5 §A.5).
func deflateRaw(_ input: [UInt8]) throws(DICOMError) -> [UInt8] {
    var stream = z_stream()
    guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw DICOMError(.write("zlib initialisation failed"))
    }
    defer { deflateEnd(&stream) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
    var input = input
    let produced: Int = input.withUnsafeMutableBytes { inBuf in
        out.withUnsafeMutableBytes { outBuf in
            stream.next_in = inBuf.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(inBuf.count)
            stream.next_out = outBuf.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(outBuf.count)
            let status = deflate(&stream, Z_FINISH)
            return status == Z_STREAM_END ? outBuf.count - Int(stream.avail_out) : -1
        }
    }
    guard produced >= 0 else { throw DICOMError(.write("deflate failed")) }
    out.removeSubrange(produced...)
    return out
}
