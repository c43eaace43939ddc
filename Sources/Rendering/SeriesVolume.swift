import DICOMCodecs
import DICOMCore
import Imaging

/// Builds the volume of one stack: decodes each slice once, straight into the volume's single
/// buffer in the series' stored type (memory: the pixel bytes, plus one or two decoded slices
/// and one open file at a time). Grid slices that fall between real slices (missing or
/// irregular slices) are interpolated linearly from their neighbours and rounded.
public struct SeriesVolumeLoader: Sendable {
    public let stack: SeriesStack
    /// Names the series in errors.
    public let seriesName: String

    public init(stack: SeriesStack, seriesName: String) {
        self.stack = stack
        self.seriesName = seriesName
    }

    /// The display attributes (rescale, windows, presentation) of the stack's middle slice.
    public func displayAttributes() throws(WorkstationError) -> DisplayAttributes {
        let r = stack.slices[stack.slices.count / 2]
        let frames = try open(r.path)
        return try DisplayAttributes(dataSet: frames.file.dataSet, frame: r.frame, description: frames.description)
    }

    /// Decodes real slice `index` (0-based in `stack.slices`) on its own: for showing one
    /// acquired slice without loading the volume.
    public func decodeSlice(_ index: Int) throws(WorkstationError) -> DecodedFrame {
        let r = stack.slices[index]
        return try open(r.path).decode(frame: r.frame)
    }

    func open(_ path: String) throws(WorkstationError) -> PixelFrames {
        do {
            return try PixelFrames(file: Part10Reader.read(path: path))
        } catch let e as WorkstationError {
            throw e
        } catch {
            throw WorkstationError("\(error)", file: path)
        }
    }

    /// Decodes every slice (or only grid slices `range`) into one volume of the stored type.
    public func load(slices range: Range<Int>? = nil) throws(WorkstationError) -> AnyVolume {
        guard stack.gridSources.count == stack.geometry.slices else {
            throw WorkstationError("\(seriesName): slices are too far apart to form a volume "
                + "(\(stack.slices.count) slices over \(formatMillimetres((stack.positions.last ?? 0) - (stack.positions.first ?? 0))) mm)")
        }
        let range = range ?? 0..<stack.geometry.slices
        guard range.lowerBound >= 0, range.upperBound <= stack.geometry.slices, !range.isEmpty else {
            throw WorkstationError("\(seriesName): slices \(range) are outside the volume")
        }
        let first = try decodeSlice(stack.gridSources[range.lowerBound].first?.slice ?? 0)
        guard first.samplesPerPixel == 1 else {
            throw WorkstationError("\(seriesName): colour images cannot be reformatted (MPR needs grey images)")
        }
        switch first.sampleType {
        case .uint8: return .uint8(try build(UInt8.self, range))
        case .int8: return .int8(try build(Int8.self, range))
        case .uint16: return .uint16(try build(UInt16.self, range))
        case .int16: return .int16(try build(Int16.self, range))
        case .int32: return .int32(try build(Int32.self, range))
        case .uint32: throw WorkstationError("\(seriesName): 32-bit unsigned samples are not supported for MPR")
        }
    }

    @_specialize(where S == Int16)
    @_specialize(where S == UInt16)
    @_specialize(where S == UInt8)
    @_specialize(where S == Int8)
    @_specialize(where S == Int32)
    func build<S: VolumeSample>(_: S.Type, _ range: Range<Int>) throws(WorkstationError) -> Volume<S> {
        let g = stack.geometry.subvolume(slices: range)
        let perSlice = g.columns * g.rows
        var openFile: (path: String, frames: PixelFrames)?
        var recent: [(index: Int, samples: [S])] = []
        func decoded(_ index: Int) throws(WorkstationError) -> [S] {
            if let hit = recent.first(where: { $0.index == index }) { return hit.samples }
            let r = stack.slices[index]
            let frames: PixelFrames
            if let o = openFile, o.path == r.path { frames = o.frames } else {
                frames = try open(r.path)
                openFile = (r.path, frames)
            }
            let d = try frames.decode(frame: r.frame)
            guard d.samplesPerPixel == 1, d.rows == g.rows, d.columns == g.columns,
                  d.bytes.count >= perSlice * MemoryLayout<S>.size,
                  d.sampleType.byteWidth == MemoryLayout<S>.size, "<" + d.sampleType.rawValue == S.numpyDescr
                    || "|" + d.sampleType.rawValue == S.numpyDescr else {
                throw WorkstationError("\(seriesName): slice differs from the first in size or sample type "
                    + "(\(d.columns)×\(d.rows) \(d.sampleType.rawValue), expected \(g.columns)×\(g.rows) \(S.numpyDescr))",
                    file: r.path, frame: r.frame)
            }
            let samples = d.bytes.withUnsafeBytes { raw in
                [S](unsafeUninitializedCapacity: perSlice) { dst, n in
                    if let base = raw.baseAddress, let out = dst.baseAddress {
                        UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: perSlice * MemoryLayout<S>.size)
                    }
                    n = perSlice
                }
            }
            recent.append((index, samples))
            if recent.count > 2 { recent.removeFirst() }
            return samples
        }
        return try Volume<S>(geometry: g) { (u: Int, dst: UnsafeMutableBufferPointer<S>) throws(WorkstationError) in
            let sources = stack.gridSources[range.lowerBound + u]
            if sources.count == 1 {
                let s = try decoded(sources[0].slice)
                s.withUnsafeBufferPointer { _ = dst.update(fromContentsOf: $0) }
            } else {
                let a = try decoded(sources[0].slice), b = try decoded(sources[1].slice)
                let wa = Float(sources[0].weight), wb = Float(sources[1].weight)
                for i in 0..<perSlice { dst[i] = S.nearest(wa * Float(a[i]) + wb * Float(b[i])) }
            }
        }
    }
}

/// A series opened for reformatting: its catalogue entry, the chosen stack, the volume.
public struct SeriesVolume: Sendable {
    public var series: SeriesCatalog.Series
    public var stack: SeriesStack
    public var volume: AnyVolume
    public var attributes: DisplayAttributes
    /// Findings worth a warning (tilt, missing or irregular slices, duplicates, other stacks).
    public var warnings: [GeometryFinding]
    /// The request given to `open(_:stackIndex:for:)`, rebased onto the slices loaded.
    public var planeRequest: PlaneRequest?

    /// Opens the one series found under `paths` (a directory or files), picks a stack
    /// (`stackIndex`, or the only one), and loads its volume — or, when `for` names a raw-grid
    /// plane across the slices (an axial plane of an axial stack, thin or a slab), only the
    /// slices that plane reads; `planeRequest` then holds the request rebased onto them.
    public static func open(_ paths: [String], stackIndex: Int? = nil, for request: PlaneRequest? = nil) throws(WorkstationError) -> SeriesVolume {
        let catalog = SeriesCatalog.scan(paths)
        let where_ = paths.count == 1 ? paths[0] : "\(paths.count) paths"
        let images = catalog.series.filter { !$0.records.isEmpty }
        guard !images.isEmpty else {
            let why = catalog.failures.first.map { ": \($0.path): \($0.error)" } ?? ""
            throw WorkstationError("no DICOM images found in \(where_)\(why)")
        }
        guard images.count == 1 else {
            throw WorkstationError("\(where_) holds \(images.count) series (\(images.map(\.name).joined(separator: ", "))); give one series' directory or files")
        }
        let series = images[0]
        let (stacks, seriesFindings) = SeriesStacking.stacks(of: series)
        guard !stacks.isEmpty else {
            let why = seriesFindings.map(\.message).joined(separator: "; ")
            throw WorkstationError("\(series.name): not a volume: \(why.isEmpty ? "no image geometry" : why)")
        }
        let stack: SeriesStack
        if let stackIndex {
            guard stacks.indices.contains(stackIndex) else {
                throw WorkstationError("\(series.name): --stack \(stackIndex) does not exist (the series has \(stacks.count) stacks: 0...\(stacks.count - 1))")
            }
            stack = stacks[stackIndex]
        } else {
            guard stacks.count == 1 else {
                let reasons = seriesFindings.filter { $0.kind == .mixedOrientation || $0.kind == .mixedSize }.map(\.message)
                throw WorkstationError("\(series.name): slices disagree (\((reasons.isEmpty ? [] : reasons).joined(separator: "; "))"
                    + "\(reasons.isEmpty ? "" : "; ")\(stacks.count) stacks: "
                    + stacks.enumerated().map { "\($0.offset) = \($0.element.label.isEmpty ? "stack" : $0.element.label), \($0.element.slices.count) slices" }.joined(separator: "; ")
                    + "); choose one with --stack N")
            }
            stack = stacks[0]
        }
        if stack.findings.contains(where: { $0.kind == .mixedPixelSpacing }) {
            throw WorkstationError("\(series.name): Pixel Spacing differs between slices; cannot build one volume")
        }
        let loader = SeriesVolumeLoader(stack: stack, seriesName: series.name)
        var range: Range<Int>?
        var rebased = request
        if var r = request {
            r.context = series.name
            let read: (slices: Range<Int>, index: Int)?
            do { read = try stack.geometry.slicesRead(by: r) } catch { throw WorkstationError(error.description) }
            if let read {
                range = read.slices
                r.index = read.index - read.slices.lowerBound
                r.position = nil
                r.center = nil
                rebased = r
            }
        }
        let volume = try loader.load(slices: range)
        let attributes = try loader.displayAttributes()
        return SeriesVolume(series: series, stack: stack, volume: volume, attributes: attributes,
                            warnings: stack.findings + seriesFindings.filter { $0.kind != .mixedOrientation && $0.kind != .mixedSize },
                            planeRequest: rebased)
    }

    /// The plane for a request, with the series named in any error.
    public func reformat(_ request: PlaneRequest) throws(WorkstationError) -> Reformat {
        var r = request
        r.context = series.name
        do {
            return try volume.reformat(r)
        } catch {
            throw WorkstationError(error.description)
        }
    }

    /// Modality values (PS3.3 C.11.1) of a plane: the rescale applied to stored values, or the
    /// Modality LUT looked up at the nearest stored value.
    public func modalityValues(_ r: Reformat) -> [Double] {
        let v = r.pixels.doubles
        switch attributes.modality {
        case let .rescale(slope, intercept): return v.map { $0 * slope + intercept }
        case .table: return v.map { attributes.modality.modalityValue(Int($0.rounded())) }
        }
    }

    /// The 8-bit display image of a plane: interpolated values rounded to the stored type,
    /// then the PS3.4 N.2 pipeline with the chosen VOI (as FrameRenderer does for frames).
    public func render(_ r: Reformat, voi selection: VOISelection) throws(WorkstationError) -> DisplayImage {
        switch volume {
        case .uint8: return try render(r, as: UInt8.self, selection)
        case .int8: return try render(r, as: Int8.self, selection)
        case .uint16: return try render(r, as: UInt16.self, selection)
        case .int16: return try render(r, as: Int16.self, selection)
        case .int32: return try render(r, as: Int32.self, selection)
        }
    }

    func render<S: VolumeSample>(_ r: Reformat, as _: S.Type, _ selection: VOISelection) throws(WorkstationError) -> DisplayImage {
        let values: [S]
        switch r.pixels {
        case .float(let f): values = f.map { S.nearest($0) }
        default: values = r.pixels.doubles.map { S.nearest(Float($0)) }
        }
        let voi: VOITransform
        switch selection {
        case .window(let c, let w): voi = .window(center: c, width: w)
        case .preset(let p): voi = p.transform(for: values, modality: attributes.modality)
        case .fromFile:
            voi = attributes.voi.transform(fallback: WindowEstimate.fromFrame(values, modality: attributes.modality)
                .map(VOITransform.window) ?? .identity)
        }
        do {
            let pipeline = try DisplayPipeline(bitsStored: MemoryLayout<S>.size * 8, isSigned: S.isSigned,
                                               modality: attributes.modality, voi: voi, presentation: attributes.presentation)
            return pipeline.render(values, width: r.geometry.width, height: r.geometry.height)
        } catch {
            throw WorkstationError("\(series.name): \(error)")
        }
    }
}
