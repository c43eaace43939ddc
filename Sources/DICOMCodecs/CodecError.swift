/// The one error type of `DICOMCodecs` (STYLE rule 3).
///
/// It names the transfer syntax (UID and name), the frame (0-based index, printed 1-based as
/// "frame N" the way DCMTK and pydicom number frames in messages) and what went wrong, e.g.
/// `JPEG-LS Lossless frame 3 (1.2.840.10008.1.2.4.80): codestream truncated after 1200 bytes`.
/// The caller adds the file name.
public struct CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// No decoder for this transfer syntax, or not a pixel transfer syntax at all.
        case unsupportedTransferSyntax
        /// The syntax is known, but this particular frame uses a feature we refuse (e.g. 12-bit DCT).
        case unsupportedFeature(String)
        /// The Image Pixel Module values are inconsistent or out of range.
        case invalidDescription(String)
        /// The frame's bytes are shorter than the description requires.
        case frameTooShort(expected: Int, actual: Int)
        /// The codestream is corrupt or truncated.
        case corruptCodestream(String)
        /// The codestream decodes, but to a different geometry than the description says.
        case descriptionMismatch(String)
        /// The frame index is outside 0..<NumberOfFrames.
        case frameIndexOutOfRange(frames: Int)
    }

    let kind: Kind
    /// Transfer syntax UID the frame was encoded with.
    public let transferSyntaxUID: String
    /// 0-based frame index (messages print it 1-based).
    public let frameIndex: Int

    /// PS3.6 name of the transfer syntax, or the UID when unknown.
    public var transferSyntaxName: String { TransferSyntaxCodec.name(of: transferSyntaxUID) }

    init(_ kind: Kind, transferSyntaxUID: String, frameIndex: Int) {
        self.kind = kind
        self.transferSyntaxUID = transferSyntaxUID
        self.frameIndex = frameIndex
    }

    /// True when the transfer syntax itself has no decoder (as opposed to a bad frame).
    public var isUnsupportedTransferSyntax: Bool {
        if case .unsupportedTransferSyntax = kind { return true }
        return false
    }

    /// True when a known syntax uses a feature this build cannot decode (e.g. 12-bit lossy JPEG).
    public var isUnsupportedFeature: Bool {
        if case .unsupportedFeature = kind { return true }
        return false
    }

    /// True when the data is corrupt, truncated or shorter than the description needs.
    public var isCorruptData: Bool {
        switch kind {
        case .corruptCodestream, .frameTooShort, .descriptionMismatch: return true
        default: return false
        }
    }

    public var description: String {
        let prefix = "\(transferSyntaxName) frame \(frameIndex + 1) (\(transferSyntaxUID))"
        switch kind {
        case .unsupportedTransferSyntax:
            return "\(prefix): no pixel data decoder for this transfer syntax"
        case .unsupportedFeature(let what):
            return "\(prefix): not supported: \(what)"
        case .invalidDescription(let what):
            return "\(prefix): invalid Image Pixel Module: \(what)"
        case .frameTooShort(let expected, let actual):
            return "\(prefix): frame needs \(expected) bytes but only \(actual) are present"
        case .corruptCodestream(let what):
            return "\(prefix): \(what)"
        case .descriptionMismatch(let what):
            return "\(prefix): codestream does not match the Image Pixel Module: \(what)"
        case .frameIndexOutOfRange(let frames):
            return "\(prefix): frame index out of range, Number of Frames is \(frames)"
        }
    }
}
