import DICOMCore

/// Builds DICOM byte streams by hand for tests: any VR, defined or undefined lengths, nested
/// sequences, encapsulated pixel data, in explicit/implicit VR and either byte order, with or
/// without preamble and meta header. Deliberately independent of `Part10Writer`, so reader
/// tests do not trust the writer.
public struct DICOMBuilder {
    public var explicit: Bool
    public var bigEndian: Bool
    public private(set) var bytes: [UInt8] = []

    public init(explicit: Bool = true, bigEndian: Bool = false) {
        self.explicit = explicit
        self.bigEndian = bigEndian
    }

    public mutating func u16(_ v: UInt16) {
        if bigEndian { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] } else { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    }

    public mutating func u32(_ v: UInt32) {
        if bigEndian {
            bytes += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        } else {
            bytes += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        }
    }

    public mutating func tag(_ t: Tag) { u16(t.group); u16(t.element) }

    /// Element header; `length` nil writes undefined length.
    public mutating func header(_ t: Tag, _ vr: VR, length: UInt32?) {
        tag(t)
        let len = length ?? 0xFFFF_FFFF
        if explicit {
            bytes += Array(vr.rawValue.utf8)
            if vr.hasLongExplicitLength {
                bytes += [0, 0]
                u32(len)
            } else {
                u16(UInt16(truncatingIfNeeded: len))
            }
        } else {
            u32(len)
        }
    }

    /// An element with raw value bytes (not padded: tests control padding).
    public mutating func element(_ t: Tag, _ vr: VR, _ value: [UInt8]) {
        header(t, vr, length: UInt32(value.count))
        bytes += value
    }

    /// A text element, padded to even length with the VR's padding.
    public mutating func text(_ t: Tag, _ vr: VR, _ s: String) {
        var v = Array(s.utf8)
        if v.count & 1 == 1 { v.append(vr == .UI ? 0 : 0x20) }
        element(t, vr, v)
    }

    public mutating func us(_ t: Tag, _ values: UInt16...) {
        header(t, .US, length: UInt32(values.count * 2))
        for v in values { u16(v) }
    }

    /// A sequence; each item is built by a closure. Lengths defined or undefined.
    public mutating func sequence(_ t: Tag, definedLength: Bool = false, itemsDefinedLength: Bool = false,
                                  items: [(inout DICOMBuilder) -> Void]) {
        var inner = DICOMBuilder(explicit: explicit, bigEndian: bigEndian)
        for build in items {
            var item = DICOMBuilder(explicit: explicit, bigEndian: bigEndian)
            build(&item)
            inner.tag(.item)
            if itemsDefinedLength {
                inner.u32(UInt32(item.bytes.count))
                inner.bytes += item.bytes
            } else {
                inner.u32(0xFFFF_FFFF)
                inner.bytes += item.bytes
                inner.tag(.itemDelimitationItem); inner.u32(0)
            }
        }
        if definedLength {
            header(t, .SQ, length: UInt32(inner.bytes.count))
            bytes += inner.bytes
        } else {
            header(t, .SQ, length: nil)
            bytes += inner.bytes
            tag(.sequenceDelimitationItem); u32(0)
        }
    }

    /// Encapsulated pixel data (PS3.5 §A.4): offset table then fragments.
    public mutating func encapsulatedPixelData(offsetTable: [UInt32], fragments: [[UInt8]]) {
        header(.pixelData, .OB, length: nil)
        let savedBE = bigEndian
        bigEndian = false
        tag(.item); u32(UInt32(offsetTable.count * 4))
        for o in offsetTable { u32(o) }
        for f in fragments {
            tag(.item); u32(UInt32(f.count)); bytes += f
        }
        tag(.sequenceDelimitationItem); u32(0)
        bigEndian = savedBE
    }

    public mutating func append(_ raw: [UInt8]) { bytes += raw }

    /// Wrap a data set in preamble, "DICM" and a minimal explicit VR LE meta header.
    public static func part10(transferSyntax: String, dataSet: [UInt8],
                              sopClass: String = "1.2.840.10008.5.1.4.1.1.7",
                              sopInstance: String = "1.2.3.4") -> [UInt8] {
        var meta = DICOMBuilder(explicit: true, bigEndian: false)
        meta.element(Tag(0x0002, 0x0001), .OB, [0, 1])
        meta.text(Tag(0x0002, 0x0002), .UI, sopClass)
        meta.text(Tag(0x0002, 0x0003), .UI, sopInstance)
        meta.text(Tag(0x0002, 0x0010), .UI, transferSyntax)
        var out = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        var gl = DICOMBuilder(explicit: true, bigEndian: false)
        gl.header(Tag(0x0002, 0x0000), .UL, length: 4)
        gl.u32(UInt32(meta.bytes.count))
        out += gl.bytes + meta.bytes + dataSet
        return out
    }
}

/// Read bytes with the Part 10 reader.
public func readBytes(_ bytes: [UInt8], options: ReadOptions = ReadOptions()) -> (DICOMFile?, DICOMError?) {
    Part10Reader.read(source: ByteSource(bytes: bytes, name: "test.dcm"), options: options)
}

/// Directories of real DICOM files for conformance-style tests: `SIXRAY_TEST_DATA` (a
/// colon-separated list) set by `Scripts/test`, or nothing.
public func realTestDataDirectories() -> [String] {
    guard let v = getenvString("SIXRAY_TEST_DATA") else { return [] }
    return v.split(separator: ":").map(String.init)
}

#if canImport(Glibc)
import Glibc
#endif

func getenvString(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}

/// Regular files under `directory`, recursively, sorted.
public func filesUnder(_ directory: String) -> [String] {
    var result: [String] = []
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name == "." || name == ".." { continue }
        let path = directory + "/" + name
        var st = stat()
        guard stat(path, &st) == 0 else { continue }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            result += filesUnder(path)
        } else if (st.st_mode & S_IFMT) == S_IFREG {
            result.append(path)
        }
    }
    return result.sorted()
}
