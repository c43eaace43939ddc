/// Which decoder handles a transfer syntax (STYLE rule 5: transfer syntaxes are descriptors).
public struct TransferSyntaxCodec: Sendable, Equatable, Hashable {
    /// The decoding method for a syntax's Pixel Data.
    public enum Method: String, Sendable, Equatable, Hashable {
        /// Native (uncompressed) little-endian pixel data; deflate is undone by the reader.
        case nativeLittleEndian
        /// Native big-endian pixel data (Explicit VR Big Endian, retired).
        case nativeBigEndian
        /// RLE Lossless, PS3.5 Annex G (pure Swift).
        case rle
        /// JPEG DCT processes 1/2/4 through libjpeg-turbo (8-bit samples only).
        case jpegDCT
        /// JPEG lossless process 14 (ISO 10918-1 Annex H), pure Swift.
        case jpegLossless
        /// JPEG-LS (ISO 14495-1) through CharLS.
        case jpegLS
        /// JPEG 2000 Part 1 and HTJ2K (Part 15) through OpenJPEG.
        case jpeg2000
    }

    public let uid: String
    public let name: String
    public let method: Method
    /// Whether Pixel Data is encapsulated in fragments (PS3.5 A.4).
    public var isEncapsulated: Bool { method != .nativeLittleEndian && method != .nativeBigEndian }
    /// Whether the syntax may be lossy (decoded values then differ between decoders' IDCTs).
    public let isLossy: Bool

    public init(uid: String, name: String, method: Method, isLossy: Bool = false) {
        self.uid = uid
        self.name = name
        self.method = method
        self.isLossy = isLossy
    }

    /// Name of a pixel transfer syntax (known-but-unsupported ones included), or the UID itself.
    public static func name(of uid: String) -> String {
        CodecRegistry.standard.codec(for: uid)?.name ?? CodecRegistry.unsupportedNames[uid] ?? uid
    }
}

/// Transfer syntax UID → codec. `CodecRegistry.standard` holds every syntax this module decodes;
/// tests or callers may build a reduced registry to refuse some.
public struct CodecRegistry: Sendable {
    public let codecs: [String: TransferSyntaxCodec]

    public init(_ codecs: [TransferSyntaxCodec]) {
        var map: [String: TransferSyntaxCodec] = [:]
        for codec in codecs { map[codec.uid] = codec }
        self.codecs = map
    }

    /// The codec for `uid`, nil when unsupported. Trailing NUL/space padding is ignored.
    public func codec(for uid: String) -> TransferSyntaxCodec? {
        codecs[Self.trimmed(uid)]
    }

    /// The codec for `uid`, or a typed error naming the UID.
    public func require(_ uid: String, frameIndex: Int = 0) throws(CodecError) -> TransferSyntaxCodec {
        guard let codec = codec(for: uid) else {
            throw CodecError(.unsupportedTransferSyntax, transferSyntaxUID: Self.trimmed(uid), frameIndex: frameIndex)
        }
        return codec
    }

    static func trimmed(_ uid: String) -> String {
        var s = Substring(uid)
        while let last = s.last, last == " " || last == "\0" { s = s.dropLast() }
        return String(s)
    }

    /// Every transfer syntax `DICOMCodecs` decodes (PS3.6 Table A-1 names).
    public static let standard = CodecRegistry([
        .init(uid: "1.2.840.10008.1.2", name: "Implicit VR Little Endian", method: .nativeLittleEndian),
        .init(uid: "1.2.840.10008.1.2.1", name: "Explicit VR Little Endian", method: .nativeLittleEndian),
        .init(uid: "1.2.840.10008.1.2.1.99", name: "Deflated Explicit VR Little Endian", method: .nativeLittleEndian),
        .init(uid: "1.2.840.10008.1.2.2", name: "Explicit VR Big Endian", method: .nativeBigEndian),
        .init(uid: "1.2.840.10008.1.2.5", name: "RLE Lossless", method: .rle),
        .init(uid: "1.2.840.10008.1.2.4.50", name: "JPEG Baseline (Process 1)", method: .jpegDCT, isLossy: true),
        .init(uid: "1.2.840.10008.1.2.4.51", name: "JPEG Extended (Process 2 & 4)", method: .jpegDCT, isLossy: true),
        .init(uid: "1.2.840.10008.1.2.4.57", name: "JPEG Lossless (Process 14)", method: .jpegLossless),
        .init(uid: "1.2.840.10008.1.2.4.70", name: "JPEG Lossless SV1 (Process 14, Selection Value 1)", method: .jpegLossless),
        .init(uid: "1.2.840.10008.1.2.4.80", name: "JPEG-LS Lossless", method: .jpegLS),
        .init(uid: "1.2.840.10008.1.2.4.81", name: "JPEG-LS Near-Lossless", method: .jpegLS, isLossy: true),
        .init(uid: "1.2.840.10008.1.2.4.90", name: "JPEG 2000 (Lossless Only)", method: .jpeg2000),
        .init(uid: "1.2.840.10008.1.2.4.91", name: "JPEG 2000", method: .jpeg2000, isLossy: true),
        .init(uid: "1.2.840.10008.1.2.4.201", name: "HTJ2K (Lossless Only)", method: .jpeg2000),
        .init(uid: "1.2.840.10008.1.2.4.202", name: "HTJ2K with RPCL Options (Lossless Only)", method: .jpeg2000),
        .init(uid: "1.2.840.10008.1.2.4.203", name: "HTJ2K", method: .jpeg2000, isLossy: true),
    ])

    /// Pixel transfer syntaxes known by name but not decoded, for error messages.
    static let unsupportedNames: [String: String] = [
        "1.2.840.10008.1.2.4.52": "JPEG Extended (Process 3 & 5) (retired)",
        "1.2.840.10008.1.2.4.53": "JPEG Spectral Selection (retired)",
        "1.2.840.10008.1.2.4.55": "JPEG Full Progression (retired)",
        "1.2.840.10008.1.2.4.58": "JPEG Lossless (Process 15) (retired)",
        "1.2.840.10008.1.2.4.92": "JPEG 2000 Part 2 Multi-component (Lossless Only)",
        "1.2.840.10008.1.2.4.93": "JPEG 2000 Part 2 Multi-component",
        "1.2.840.10008.1.2.4.94": "JPIP Referenced",
        "1.2.840.10008.1.2.4.95": "JPIP Referenced Deflate",
        "1.2.840.10008.1.2.4.100": "MPEG2 Main Profile / Main Level",
        "1.2.840.10008.1.2.4.101": "MPEG2 Main Profile / High Level",
        "1.2.840.10008.1.2.4.102": "MPEG-4 AVC/H.264 High Profile",
        "1.2.840.10008.1.2.4.103": "MPEG-4 AVC/H.264 BD-compatible High Profile",
        "1.2.840.10008.1.2.4.104": "MPEG-4 AVC/H.264 High Profile For 2D Video",
        "1.2.840.10008.1.2.4.105": "MPEG-4 AVC/H.264 High Profile For 3D Video",
        "1.2.840.10008.1.2.4.106": "MPEG-4 AVC/H.264 Stereo High Profile",
        "1.2.840.10008.1.2.4.107": "HEVC/H.265 Main Profile",
        "1.2.840.10008.1.2.4.108": "HEVC/H.265 Main 10 Profile",
        "1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
        "1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
        "1.2.840.10008.1.2.4.112": "JPEG XL",
        "1.2.840.10008.1.2.4.204": "JPIP HTJ2K Referenced",
        "1.2.840.10008.1.2.4.205": "JPIP HTJ2K Referenced Deflate",
        "1.2.840.10008.1.2.7": "SMPTE ST 2110-20 Uncompressed Progressive Active Video",
    ]
}
