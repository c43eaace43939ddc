import DICOMCodecs
import DICOMCore
import Imaging

/// What the data set says about turning a frame's stored values into display values
/// (PS3.4 N.2): modality LUT, VOI choices, presentation LUT shape, palette.
///
/// Enhanced multi-frame objects carry these per frame in functional groups (PS3.3 C.7.6.16):
/// the frame's Per-Frame Functional Groups item is searched first, then the Shared one, then
/// the top level of the data set.
public struct DisplayAttributes: Sendable {
    public var modality: ModalityLUT
    public var voi: VOIChoices
    public var presentation: PresentationLUTShape
    public var photometricInterpretation: String
    public var modalityName: String

    public init(dataSet ds: DataSet, frame: Int, description: PixelDescription) throws(WorkstationError) {
        let scopes = DisplayAttributes.scopes(ds, frame: frame)
        photometricInterpretation = description.photometricInterpretation
        modalityName = ds.string(Tag(0x0008, 0x0060)).map(trimSpaces) ?? ""
        let grey = description.samplesPerPixel == 1 && photometricInterpretation.hasPrefix("MONOCHROME")

        // Modality LUT (PS3.3 C.11.1): the LUT Sequence wins over Rescale Slope/Intercept.
        var modality = ModalityLUT.identity
        if grey {
            if let item = ds[Tag(0x0028, 0x3000)]?.items?.first {
                modality = .table(try DisplayAttributes.lut(item, descriptorTag: Tag(0x0028, 0x3002), dataTag: Tag(0x0028, 0x3006)))
            } else {
                for scope in scopes {
                    let source = scope[Tag(0x0028, 0x9145)]?.items?.first ?? scope
                    if let slope = source.double(Tag(0x0028, 0x1053)), let intercept = source.double(Tag(0x0028, 0x1052)) {
                        modality = .rescale(slope: slope, intercept: intercept)
                        break
                    } else if let intercept = source.double(Tag(0x0028, 0x1052)) {
                        modality = .rescale(slope: 1, intercept: intercept)
                        break
                    }
                }
            }
        }
        self.modality = modality

        // VOI (PS3.3 C.11.2): every Window Center/Width pair, then VOI LUT Sequence items.
        var choices = VOIChoices()
        if grey {
            for scope in scopes {
                let source = scope[Tag(0x0028, 0x9132)]?.items?.first ?? scope
                let centers = source.doubles(Tag(0x0028, 0x1050)) ?? []
                let widths = source.doubles(Tag(0x0028, 0x1051)) ?? []
                let explanations = source.strings(Tag(0x0028, 0x1055)) ?? []
                let function = VOILUTFunction(attributeValue: source.string(Tag(0x0028, 0x1056)))
                if !centers.isEmpty && !widths.isEmpty {
                    for i in 0..<min(centers.count, widths.count) where widths[i] > 0 {
                        choices.windows.append(VOIWindow(center: centers[i], width: widths[i], function: function,
                                                         explanation: i < explanations.count ? explanations[i] : ""))
                    }
                    break
                }
            }
            for item in ds[Tag(0x0028, 0x3010)]?.items ?? [] {
                if let table = try? DisplayAttributes.lut(item, descriptorTag: Tag(0x0028, 0x3002), dataTag: Tag(0x0028, 0x3006)) {
                    choices.tables.append(table)
                }
            }
        }
        voi = choices

        // Presentation LUT Shape (PS3.3 C.11.6); MONOCHROME1 implies INVERSE (C.7.6.3.1.2).
        if let shape = ds.string(Tag(0x2050, 0x0020)).map(trimSpaces), let s = PresentationLUTShape(rawValue: shape) {
            presentation = s
        } else {
            presentation = .implied(byPhotometricInterpretation: photometricInterpretation)
        }
    }

    /// Data sets to search for a frame's attributes, nearest first.
    static func scopes(_ ds: DataSet, frame: Int) -> [DataSet] {
        var out: [DataSet] = []
        if let perFrame = ds[Tag(0x5200, 0x9230)]?.items, frame < perFrame.count { out.append(perFrame[frame]) }
        if let shared = ds[Tag(0x5200, 0x9229)]?.items?.first { out.append(shared) }
        out.append(ds)
        return out
    }

    /// A LUT from a descriptor (US or SS, 3 values) and its data (US or OW), PS3.3 C.11.1.1.1.
    static func lut(_ item: DataSet, descriptorTag: Tag, dataTag: Tag) throws(WorkstationError) -> LUTTable {
        guard let d = item.ints(descriptorTag), d.count == 3 else {
            throw WorkstationError("LUT Descriptor \(descriptorTag) must have 3 values")
        }
        let entries = d[0] < 0 ? d[0] + 65536 : d[0]
        let firstMapped = d[1]
        let words = lutWords(item, dataTag, entries: entries == 0 ? 65536 : entries, bits: d[2])
        do {
            return try LUTTable(descriptor: (entries, firstMapped, d[2]), data: words)
        } catch {
            throw WorkstationError("LUT \(descriptorTag): \(error)")
        }
    }

    /// LUT Data as 16-bit words; 8-bit tables packed one entry per byte are unpacked.
    static func lutWords(_ item: DataSet, _ tag: Tag, entries: Int, bits: Int) -> [UInt16] {
        guard let raw = item[tag]?.valueBytes() else { return [] }
        let packedBytes = raw.count == entries || (raw.count - 1 == entries && entries & 1 == 1)
        if bits <= 8 && packedBytes {
            return raw.prefix(entries).map { UInt16($0) }
        }
        var words = [UInt16]()
        words.reserveCapacity(raw.count / 2)
        for i in 0..<raw.count / 2 {
            let a = UInt16(raw[2 * i]), b = UInt16(raw[2 * i + 1])
            words.append(item.isBigEndian ? (a << 8) | b : (b << 8) | a)
        }
        return words
    }

    /// The palette of a PALETTE COLOR image (PS3.3 C.7.6.3.1.5), segmented or not (C.7.9.2).
    static func palette(_ ds: DataSet, description: PixelDescription) throws(WorkstationError) -> PaletteColorLUT {
        func channel(_ descriptor: UInt16, _ data: UInt16, _ segmented: UInt16) throws(WorkstationError) -> LUTTable {
            let dTag = Tag(0x0028, descriptor)
            guard let d = ds.ints(dTag), d.count == 3 else {
                throw WorkstationError("Palette Color LUT Descriptor \(dTag) must have 3 values")
            }
            let entries = (d[0] < 0 ? d[0] + 65536 : d[0]) == 0 ? 65536 : (d[0] < 0 ? d[0] + 65536 : d[0])
            var words: [UInt16]
            if ds.contains(Tag(0x0028, segmented)) {
                let raw = lutWords(ds, Tag(0x0028, segmented), entries: Int.max, bits: 16)
                do { words = try SegmentedLUT.expand(raw) } catch { throw WorkstationError("segmented palette \(Tag(0x0028, segmented)): \(error)") }
            } else {
                words = lutWords(ds, Tag(0x0028, data), entries: entries, bits: d[2])
            }
            do {
                return try LUTTable(descriptor: (entries, d[1], d[2]), data: Array(words.prefix(entries)))
            } catch {
                throw WorkstationError("palette \(dTag): \(error)")
            }
        }
        let red = try channel(0x1101, 0x1201, 0x1221)
        let green = try channel(0x1102, 0x1202, 0x1222)
        let blue = try channel(0x1103, 0x1203, 0x1223)
        do {
            return try PaletteColorLUT(red: red, green: green, blue: blue, bitsStored: description.bitsStored,
                                       isSigned: description.pixelRepresentation == 1)
        } catch {
            throw WorkstationError("palette: \(error)")
        }
    }
}

/// The stages a frame can be taken at (`sixray export --stage`).
public enum PixelStage: String, Sendable, CaseIterable {
    /// Stored values as decoded (pydicom's `pixel_array`).
    case stored
    /// After the modality LUT (pydicom's `apply_modality_lut`), as Double.
    case modality
    /// 8-bit display values after VOI and presentation LUT shape.
    case display
}

/// Which VOI to use for display.
public enum VOISelection: Sendable, Equatable {
    /// The data set's first window or table; the frame's range when it has none.
    case fromFile
    case window(center: Double, width: Double)
    case preset(WindowPreset)
}

extension DecodedFrame {
    /// Samples as Int (any sample type).
    func withSamples<R>(_ body: (StoredSampleBuffer) throws(WorkstationError) -> R) throws(WorkstationError) -> R {
        let n = sampleCount
        switch sampleType {
        case .uint8: return try body(.u8(bytes))
        case .int8: return try body(.i8(bytes.map { Int8(bitPattern: $0) }))
        case .uint16: return try body(.u16(load(UInt16.self, n)))
        case .int16: return try body(.i16(load(Int16.self, n)))
        case .int32: return try body(.i32(load(Int32.self, n)))
        case .uint32:
            let v = load(UInt32.self, n)
            guard v.allSatisfy({ $0 <= UInt32(Int32.max) }) else {
                throw WorkstationError("32-bit unsigned samples above 2^31 cannot be displayed")
            }
            return try body(.i32(v.map { Int32($0) }))
        }
    }

    /// Samples copied out of the little-endian bytes in one memcpy (this is a little-endian
    /// host; a big-endian one swaps after).
    private func load<T: FixedWidthInteger>(_: T.Type, _ n: Int) -> [T] {
        let count = min(n, bytes.count / MemoryLayout<T>.size)
        var out = [T](unsafeUninitializedCapacity: count) { dst, initialized in
            bytes.withUnsafeBytes { raw in
                if count > 0 {
                    UnsafeMutableRawPointer(dst.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: count * MemoryLayout<T>.size)
                }
            }
            initialized = count
        }
        if UInt16(littleEndian: 1) != 1 { for i in out.indices { out[i] = T(littleEndian: out[i]) } }
        return out
    }
}

/// Decoded samples in their own type, so the display pipeline runs on the native width.
enum StoredSampleBuffer {
    case u8([UInt8]), i8([Int8]), u16([UInt16]), i16([Int16]), i32([Int32])

    var asInts: [Int] {
        switch self {
        case .u8(let v): return v.map(Int.init)
        case .i8(let v): return v.map(Int.init)
        case .u16(let v): return v.map(Int.init)
        case .i16(let v): return v.map(Int.init)
        case .i32(let v): return v.map(Int.init)
        }
    }
}

/// Renders frames to 8-bit display images (PS3.4 N.2) and exposes the intermediate stages.
public struct FrameRenderer: Sendable {
    public let frames: PixelFrames

    public init(file: DICOMFile) throws(WorkstationError) {
        frames = try PixelFrames(file: file)
    }

    public func attributes(frame: Int) throws(WorkstationError) -> DisplayAttributes {
        try DisplayAttributes(dataSet: frames.file.dataSet, frame: frame, description: frames.description)
    }

    /// Modality values of a decoded grey frame (stored values for colour).
    public func modalityValues(_ decoded: DecodedFrame, frame: Int) throws(WorkstationError) -> [Double] {
        let attrs = try attributes(frame: frame)
        return try decoded.withSamples { buffer in
            let ints = buffer.asInts
            if decoded.samplesPerPixel != 1 { return ints.map(Double.init) }
            return ints.map { attrs.modality.modalityValue($0) }
        }
    }

    /// The display image of `frame` with the chosen VOI.
    public func render(frame: Int, voi selection: VOISelection = .fromFile) throws(WorkstationError) -> DisplayImage {
        let decoded = try frames.decode(frame: frame)
        return try render(decoded, frame: frame, voi: selection)
    }

    public func render(_ decoded: DecodedFrame, frame: Int, voi selection: VOISelection) throws(WorkstationError) -> DisplayImage {
        let d = frames.description
        let attrs = try attributes(frame: frame)
        let w = decoded.columns, h = decoded.rows
        if decoded.samplesPerPixel == 3 {
            // RGB after decoding (YBR converted): scale to 8 bits.
            return try decoded.withSamples { buffer in
                let shift = max(0, min(d.bitsStored, decoded.sampleType.byteWidth * 8) - 8)
                let px = buffer.asInts.map { UInt8(clamping: $0 >> shift) }
                return DisplayImage(width: w, height: h, channels: 3, pixels: px)
            }
        }
        if attrs.photometricInterpretation == "PALETTE COLOR" {
            let palette = try DisplayAttributes.palette(frames.file.dataSet, description: d)
            return try decoded.withSamples { buffer in
                switch buffer {
                case .u8(let v): return palette.render(v, width: w, height: h)
                case .u16(let v): return palette.render(v, width: w, height: h)
                case .i8(let v): return palette.render(v, width: w, height: h)
                case .i16(let v): return palette.render(v, width: w, height: h)
                case .i32(let v): return palette.render(v, width: w, height: h)
                }
            }
        }
        return try decoded.withSamples { buffer throws(WorkstationError) in
            func run<T: StoredSample>(_ values: [T]) throws(WorkstationError) -> DisplayImage {
                let voi: VOITransform
                switch selection {
                case .window(let c, let width):
                    voi = .window(center: c, width: width)
                case .preset(let p):
                    voi = p.transform(for: values, modality: attrs.modality)
                case .fromFile:
                    voi = attrs.voi.transform(fallback: WindowEstimate.fromFrame(values, modality: attrs.modality)
                        .map(VOITransform.window) ?? .identity)
                }
                let pipeline: DisplayPipeline
                do {
                    pipeline = try DisplayPipeline(bitsStored: min(d.bitsStored, decoded.sampleType.byteWidth * 8),
                                                   isSigned: decoded.sampleType.isSigned, modality: attrs.modality,
                                                   voi: voi, presentation: attrs.presentation)
                } catch {
                    throw WorkstationError("\(error)", file: frames.file.path, frame: frame)
                }
                return pipeline.render(values, width: w, height: h)
            }
            switch buffer {
            case .u8(let v): return try run(v)
            case .i8(let v): return try run(v)
            case .u16(let v): return try run(v)
            case .i16(let v): return try run(v)
            case .i32(let v): return try run(v)
            }
        }
    }
}
