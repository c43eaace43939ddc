import DICOMCodecs
import DICOMCore
import Imaging

/// The slices of a single-frame series in patient order (Image Position (Patient) projected
/// on the normal of Image Orientation (Patient), PS3.3 C.7.6.2.1.1), decoded on demand with a
/// small cache so that scrolling back and forth does not decode twice and memory stays
/// bounded whatever the series length.
public final class SliceStack: @unchecked Sendable {
    public struct Slice: Sendable {
        public var path: String
        public var frame: Int
        public var position: Double
        public var origin: Vec3
    }

    public let seriesID: String
    public private(set) var slices: [Slice]
    public let rowDirection: Vec3
    public let columnDirection: Vec3
    public let columnSpacing: Double
    public let rowSpacing: Double
    public let thickness: Double?
    public let modality: String
    public let frameOfReference: String
    /// Files that did not open, with the reason (shown, not fatal).
    public private(set) var problems: [String] = []
    private var cache: [Int: PlaneImage] = [:]
    private var cacheOrder: [Int] = []
    private let cacheLimit: Int
    private let lock = Mutex()

    /// Reads the headers of `files` (pixels stay on disk).
    /// - Throws: when no file holds an image.
    public init(seriesID: String, files: [String], cacheLimit: Int = 48) throws(WorkstationError) {
        self.seriesID = seriesID
        self.cacheLimit = cacheLimit
        var found: [(Slice, DICOMFile)] = []
        var problems: [String] = []
        for path in files {
            let (partial, error) = Part10Reader.readPartial(path: path)
            guard let f = partial else {
                problems.append("\(path): \(error.map { "\($0)" } ?? "unreadable")")
                continue
            }
            // A file damaged in its pixel data still takes its place in the stack; decoding it
            // reports the damage in the viewport.
            guard f.dataSet.contains(.pixelData) || error != nil else { continue }
            let frames = max(1, f.dataSet.int(Tag(0x0028, 0x0008)) ?? 1)
            for k in 0..<frames {
                found.append((Slice(path: path, frame: k, position: 0, origin: .zero), f))
            }
        }
        guard let first = found.first?.1 else {
            throw WorkstationError("no image in the series (\(files.count) files\(problems.isEmpty ? "" : ", \(problems.count) unreadable"))",
                                   file: files.first)
        }
        let ds = first.dataSet
        let iop = ds.doubles(Tag(0x0020, 0x0037)) ?? []
        let r = iop.count == 6 ? Vec3(iop[0], iop[1], iop[2]) : Vec3(1, 0, 0)
        let c = iop.count == 6 ? Vec3(iop[3], iop[4], iop[5]) : Vec3(0, 1, 0)
        rowDirection = r
        columnDirection = c
        let normal = cross(r, c)
        let ps = ds.doubles(Tag(0x0028, 0x0030)) ?? []
        // Pixel Spacing is row spacing \ column spacing (PS3.3 10.7.1.3).
        rowSpacing = ps.count == 2 && ps[0] > 0 ? ps[0] : 1
        columnSpacing = ps.count == 2 && ps[1] > 0 ? ps[1] : 1
        thickness = ds.doubles(Tag(0x0018, 0x0050))?.first
        modality = ds.string(Tag(0x0008, 0x0060)).map(trimSpaces) ?? ""
        frameOfReference = ds.string(Tag(0x0020, 0x0052)).map(trimSpaces) ?? "series:" + seriesID
        var list: [Slice] = []
        for (var s, f) in found {
            let ipp = f.dataSet.doubles(Tag(0x0020, 0x0032)) ?? []
            let o = ipp.count == 3 ? Vec3(ipp[0], ipp[1], ipp[2]) : Vec3(0, 0, Double(f.dataSet.int(Tag(0x0020, 0x0013)) ?? 0))
            s.origin = o
            s.position = dot(o, normal)
            list.append(s)
        }
        list.sort { ($0.position, $0.path, $0.frame) < ($1.position, $1.path, $1.frame) }
        slices = list
        self.problems = problems
    }

    public var count: Int { slices.count }

    /// The index of the slice nearest to `position` (mm along the normal) and its distance.
    public func nearest(to position: Double) -> (index: Int, distance: Double) {
        guard !slices.isEmpty else { return (0, .infinity) }
        var lo = 0, hi = slices.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if slices[mid].position < position { lo = mid + 1 } else { hi = mid }
        }
        var best = lo
        if lo > 0, abs(slices[lo - 1].position - position) <= abs(slices[lo].position - position) { best = lo - 1 }
        return (best, abs(slices[best].position - position))
    }

    /// Slice `index` as modality values, decoding it if needed.
    public func plane(_ index: Int) throws(WorkstationError) -> PlaneImage {
        guard index >= 0, index < slices.count else {
            throw WorkstationError("slice \(index + 1) is outside the series (1–\(slices.count))")
        }
        if let p = lock.withLock({ cache[index] }) { return p }
        let s = slices[index]
        let file: DICOMFile
        do { file = try Part10Reader.read(path: s.path) } catch {
            throw WorkstationError("\(error)", file: s.path)
        }
        let renderer = try FrameRenderer(file: file)
        let decoded: DecodedFrame
        do { decoded = try renderer.frames.decode(frame: s.frame) } catch {
            throw WorkstationError("\(error)", file: s.path, frame: s.frame)
        }
        var plane = PlaneImage(width: decoded.columns, height: decoded.rows, values: [],
                               columnSpacing: columnSpacing, rowSpacing: rowSpacing, origin: s.origin,
                               rowDirection: rowDirection, columnDirection: columnDirection,
                               position: s.position, thickness: thickness, modality: modality)
        if decoded.samplesPerPixel == 1, renderer.frames.description.photometricInterpretation.hasPrefix("MONOCHROME") {
            plane.values = try renderer.modalityValues(decoded, frame: s.frame).map { Float($0) }
            if renderer.frames.description.photometricInterpretation == "MONOCHROME1" {
                // Inverted grey: lower values are brighter (PS3.3 C.7.6.3.1.2); show as MONOCHROME2.
                plane.values = plane.values.map { -$0 }
            }
            let ds = file.dataSet
            if let c = ds.doubles(Tag(0x0028, 0x1050))?.first, let w = ds.doubles(Tag(0x0028, 0x1051))?.first, w > 0 {
                plane.suggestedWindow = (c, w)
            }
        } else {
            plane.color = try renderer.render(decoded, frame: s.frame, voi: .fromFile)
        }
        lock.withLock {
            cache[index] = plane
            cacheOrder.removeAll { $0 == index }
            cacheOrder.append(index)
            while cacheOrder.count > cacheLimit { cache[cacheOrder.removeFirst()] = nil }
        }
        return plane
    }
}
