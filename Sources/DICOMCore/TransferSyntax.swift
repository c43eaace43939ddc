/// A transfer syntax as the parser sees it: byte order, VR mode, deflate, encapsulation
/// (PS3.5 §10, Annex A). Decoders for encapsulated syntaxes live in DICOMCodecs, keyed by `uid`.
public struct TransferSyntax: Sendable, Hashable, CustomStringConvertible {
    public let uid: String
    public let name: String
    public let isExplicitVR: Bool
    public let isBigEndian: Bool
    public let isDeflated: Bool
    public let isEncapsulated: Bool
    /// False for a UID this registry does not know; such a data set is read as explicit VR
    /// little endian (every transfer syntax defined since 1998 uses it, PS3.5 §10) and its
    /// pixel data is refused by the codec registry.
    public let isKnown: Bool

    public init(uid: String, name: String, isExplicitVR: Bool, isBigEndian: Bool = false,
                isDeflated: Bool = false, isEncapsulated: Bool, isKnown: Bool = true) {
        self.uid = uid
        self.name = name
        self.isExplicitVR = isExplicitVR
        self.isBigEndian = isBigEndian
        self.isDeflated = isDeflated
        self.isEncapsulated = isEncapsulated
        self.isKnown = isKnown
    }

    public var description: String { "\(name) (\(uid))" }

    public static let implicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2", name: "Implicit VR Little Endian", isExplicitVR: false, isEncapsulated: false)
    public static let explicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1", name: "Explicit VR Little Endian", isExplicitVR: true, isEncapsulated: false)
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1.99", name: "Deflated Explicit VR Little Endian", isExplicitVR: true,
        isDeflated: true, isEncapsulated: false)
    public static let explicitVRBigEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.2", name: "Explicit VR Big Endian (retired)", isExplicitVR: true,
        isBigEndian: true, isEncapsulated: false)
    /// Encapsulated Uncompressed Explicit VR Little Endian (PS3.5 A.4.11).
    public static let encapsulatedUncompressed = TransferSyntax(
        uid: "1.2.840.10008.1.2.1.98", name: "Encapsulated Uncompressed Explicit VR Little Endian",
        isExplicitVR: true, isEncapsulated: true)

    private static func encapsulated(_ uid: String, _ name: String) -> TransferSyntax {
        TransferSyntax(uid: uid, name: name, isExplicitVR: true, isEncapsulated: true)
    }

    /// Every transfer syntax of PS3.6 Table A-1 the reader knows.
    public static let known: [TransferSyntax] = [
        implicitVRLittleEndian, explicitVRLittleEndian, encapsulatedUncompressed,
        deflatedExplicitVRLittleEndian, explicitVRBigEndian,
        encapsulated("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"),
        encapsulated("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"),
        encapsulated("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 & 5) (retired)"),
        encapsulated("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (retired)"),
        encapsulated("1.2.840.10008.1.2.4.54", "JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9) (retired)"),
        encapsulated("1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (retired)"),
        encapsulated("1.2.840.10008.1.2.4.56", "JPEG Full Progression, Non-Hierarchical (Process 11 & 13) (retired)"),
        encapsulated("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)"),
        encapsulated("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15) (retired)"),
        encapsulated("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])"),
        encapsulated("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression"),
        encapsulated("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression"),
        encapsulated("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)"),
        encapsulated("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression"),
        encapsulated("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)"),
        encapsulated("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression"),
        encapsulated("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
        encapsulated("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate"),
        encapsulated("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
        encapsulated("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level"),
        encapsulated("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
        encapsulated("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
        encapsulated("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"),
        encapsulated("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"),
        encapsulated("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"),
        encapsulated("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1"),
        encapsulated("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1"),
        encapsulated("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)"),
        encapsulated("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)"),
        encapsulated("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression"),
        encapsulated("1.2.840.10008.1.2.5", "RLE Lossless"),
        encapsulated("1.2.840.10008.1.2.6.1", "RFC 2557 MIME encapsulation (retired)"),
        encapsulated("1.2.840.10008.1.2.6.2", "XML Encoding (retired)"),
    ]

    private static let byUID: [String: TransferSyntax] = Dictionary(
        known.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })

    /// The descriptor for `uid`. An unknown UID yields an "unknown" explicit VR little endian
    /// descriptor (see `isKnown`), so the data set can still be listed.
    public static func lookup(_ uid: String) -> TransferSyntax {
        if let ts = byUID[uid] { return ts }
        return TransferSyntax(uid: uid, name: "unknown transfer syntax", isExplicitVR: true,
                              isEncapsulated: true, isKnown: false)
    }
}
