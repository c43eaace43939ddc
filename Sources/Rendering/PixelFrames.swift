import DICOMCodecs
import DICOMCore

/// The one error type of the reading layers (Rendering and Workstation, which re-exports this
/// module): what failed, on which file and frame, in one line.
public struct WorkstationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let file: String?
    public let frame: Int?

    public init(_ message: String, file: String? = nil, frame: Int? = nil) {
        self.message = message
        self.file = file
        self.frame = frame
    }

    public var description: String {
        var s = ""
        if let file { s += file + ": " }
        if let frame { s += "frame \(frame): " }
        return s + message
    }
}

/// The frames of an image object: where each frame's bytes are, and how to decode them.
///
/// Nothing is decoded or copied up front; `decode(frame:)` reads one frame's bytes from the
/// mapped file and hands them to the codec for the file's transfer syntax.
public struct PixelFrames: Sendable {
    public let file: DICOMFile
    public let description: PixelDescription
    public var frameCount: Int { description.numberOfFrames }
    public var transferSyntax: TransferSyntax { file.transferSyntax }
    let pixelElement: DataElement
    /// For encapsulated data: fragment indices of each frame.
    let frameFragments: [[Int]]

    public init(file: DICOMFile) throws(WorkstationError) {
        self.file = file
        let ds = file.dataSet
        guard let pixel = ds[.pixelData] else {
            throw WorkstationError("no Pixel Data (7FE0,0010): not an image", file: file.path)
        }
        guard file.transferSyntax.isKnown else {
            throw WorkstationError("pixel data in unsupported transfer syntax \(file.transferSyntax.uid)", file: file.path)
        }
        pixelElement = pixel
        description = try PixelFrames.pixelDescription(ds, file: file.path)
        if case .encapsulated(let enc) = pixel.value {
            frameFragments = PixelFrames.locateFrames(enc, in: ds, frameCount: description.numberOfFrames,
                                                      transferSyntax: file.transferSyntax.uid)
        } else {
            frameFragments = []
        }
    }

    /// Image Pixel Module attributes (PS3.3 C.7.6.3), with the defaults pydicom assumes.
    static func pixelDescription(_ ds: DataSet, file: String) throws(WorkstationError) -> PixelDescription {
        guard let rows = ds.int(Tag(0x0028, 0x0010)), let columns = ds.int(Tag(0x0028, 0x0011)) else {
            throw WorkstationError("missing Rows (0028,0010) or Columns (0028,0011)", file: file)
        }
        guard let bitsAllocated = ds.int(Tag(0x0028, 0x0100)) else {
            throw WorkstationError("missing Bits Allocated (0028,0100)", file: file)
        }
        let bitsStored = ds.int(Tag(0x0028, 0x0101)) ?? bitsAllocated
        let frames = max(1, ds.int(Tag(0x0028, 0x0008)) ?? 1)
        return PixelDescription(
            rows: rows, columns: columns,
            samplesPerPixel: ds.int(Tag(0x0028, 0x0002)) ?? 1,
            bitsAllocated: bitsAllocated, bitsStored: bitsStored,
            highBit: ds.int(Tag(0x0028, 0x0102)) ?? (bitsStored - 1),
            pixelRepresentation: ds.int(Tag(0x0028, 0x0103)) ?? 0,
            photometricInterpretation: ds.string(Tag(0x0028, 0x0004)).map { trimSpaces($0) } ?? "MONOCHROME2",
            planarConfiguration: ds.int(Tag(0x0028, 0x0006)) ?? 0,
            numberOfFrames: frames)
    }

    /// Fragments per frame (PS3.5 A.4): from the Extended Offset Table if present, else the
    /// Basic Offset Table if it has one entry per frame, else by codestream boundaries.
    static func locateFrames(_ enc: EncapsulatedPixelData, in ds: DataSet, frameCount: Int,
                             transferSyntax: String) -> [[Int]] {
        func group(by offsets: [Int]) -> [[Int]]? {
            guard offsets.count == frameCount, offsets.first == 0,
                  zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
            var frames = [[Int]](repeating: [], count: frameCount)
            var f = 0
            for (i, itemOffset) in enc.fragmentItemOffsets.enumerated() {
                while f + 1 < frameCount && itemOffset >= offsets[f + 1] { f += 1 }
                frames[f].append(i)
            }
            return frames.allSatisfy({ !$0.isEmpty }) ? frames : nil
        }
        if let eot = ds[.extendedOffsetTable]?.valueBytes(),
           let offsets = NumericDecoding.unsigned64(eot, bigEndian: false),
           let frames = group(by: offsets.map { Int(clamping: $0) }) {
            return frames
        }
        if !enc.basicOffsetTable.isEmpty, let frames = group(by: enc.basicOffsetTable.map(Int.init)) {
            return frames
        }
        let fragments = enc.fragments.map { range in enc.source.bytes(in: range.lowerBound..<min(range.upperBound, range.lowerBound + 16)) }
        // Grouping looks at the first and last bytes of fragments only; give it the heads and
        // the tails so that it never needs whole fragments in memory.
        let tails = enc.fragments.map { range in enc.source.bytes(in: max(range.lowerBound, range.upperBound - 16)..<range.upperBound) }
        let probes = zip(fragments, tails).map { head, tail in head + tail }
        return FragmentGrouping.groupFragments(probes, frameCount: frameCount, transferSyntaxUID: transferSyntax)
    }

    /// Decode frame `index` (0-based).
    public func decode(frame index: Int) throws(WorkstationError) -> DecodedFrame {
        guard index >= 0 && index < frameCount else {
            throw WorkstationError("frame \(index) does not exist (the object has \(frameCount))", file: file.path)
        }
        do {
            switch pixelElement.value {
            case .encapsulated(let enc):
                guard index < frameFragments.count else {
                    throw WorkstationError("encapsulated pixel data holds \(frameFragments.count) frames, not \(frameCount)",
                                           file: file.path, frame: index)
                }
                var codestream: [UInt8] = []
                for f in frameFragments[index] { codestream += enc.fragmentBytes(f) }
                return try decodeFrame(codestream, frameIndex: index, transferSyntaxUID: file.transferSyntax.uid,
                                       description: description, pixelDataVR: pixelElement.vr)
            case .bulk(let ref), .inSource(let ref):
                return try ref.source.withUnsafeBytes { buf throws(CodecError) in
                    let value = UnsafeRawBufferPointer(rebasing: buf[ref.offset..<ref.offset + ref.length])
                    return try decodeFrame(value, frameIndex: index, transferSyntaxUID: nativeSyntax,
                                           description: description, bigEndian: file.dataSet.isBigEndian,
                                           pixelDataVR: pixelElement.vr)
                }
            case .bytes(let b):
                return try decodeFrame(b, frameIndex: index, transferSyntaxUID: nativeSyntax,
                                       description: description, bigEndian: file.dataSet.isBigEndian,
                                       pixelDataVR: pixelElement.vr)
            case .sequence:
                throw WorkstationError("Pixel Data is a sequence", file: file.path)
            }
        } catch let e as WorkstationError {
            throw e
        } catch {
            throw WorkstationError("\(error)", file: file.path, frame: index)
        }
    }

    /// Native pixel data is decoded by the native decoder whatever the data set's syntax
    /// (deflated, unknown-but-native): its byte order is passed separately.
    private var nativeSyntax: String {
        file.dataSet.isBigEndian ? TransferSyntax.explicitVRBigEndian.uid : TransferSyntax.explicitVRLittleEndian.uid
    }
}

public func trimSpaces(_ s: String) -> String {
    var t = Substring(s)
    while t.first == " " { t.removeFirst() }
    while t.last == " " || t.last == "\0" { t.removeLast() }
    return String(t)
}
