import Imaging

/// Gives the viewer its planes: how many slices a series has in a plane, and one of them as
/// modality values with its geometry. The runner owns one; the reducer never sees it.
public protocol PlaneProvider: AnyObject {
    /// Opens `series` for `plane`: the slice count, a good first index (the middle for
    /// reformats, 0 for acquired slices) and where the slices lie (for synchronised scrolling).
    func open(series: SeriesSummary, plane: ViewPlane, obliqueAngle: Double) throws(WorkstationError) -> OpenedPlane
    func plane(series: String, plane: ViewPlane, index: Int, slab: (mode: SlabMode, thickness: Double)?) throws(WorkstationError) -> PlaneImage
    /// Per-slice body area and mean signal along the acquisition normal, for registration;
    /// at most `limit` slices (evenly spaced).
    func registrationProfile(series: SeriesSummary, limit: Int) throws(WorkstationError) -> (samples: [AxialRegistration.Sample], normal: Vec3, modality: String)
}

extension PlaneProvider {
    public func registrationProfile(series: SeriesSummary, limit: Int) throws(WorkstationError) -> (samples: [AxialRegistration.Sample], normal: Vec3, modality: String) {
        let stack = try SliceStack(seriesID: series.id, files: series.files, cacheLimit: 2)
        return try stack.registrationProfile(limit: limit)
    }
}

extension SliceStack {
    public func registrationProfile(limit: Int) throws(WorkstationError) -> (samples: [AxialRegistration.Sample], normal: Vec3, modality: String) {
        guard count >= 3 else {
            throw WorkstationError("a series of \(count) slice\(count == 1 ? "" : "s") has no extent to register")
        }
        let step = max(1, (count + limit - 1) / max(1, limit))
        var samples: [AxialRegistration.Sample] = []
        var threshold: Float?
        for k in stride(from: 0, to: count, by: step) {
            guard let p = try? plane(k), !p.values.isEmpty else { continue }
            let t = threshold ?? AxialRegistration.bodyThreshold(modality: modality, values: p.values)
            threshold = t
            samples.append(AxialRegistration.sample(values: p.values, pixelArea: columnSpacing * rowSpacing,
                                                    threshold: t, position: slices[k].position))
        }
        return (samples, cross(rowDirection, columnDirection), modality)
    }
}

/// Planes straight from the slices of single-frame series (the acquired plane).
public final class StackPlaneProvider: PlaneProvider {
    private var stacks: [String: SliceStack] = [:]
    private var order: [String] = []
    /// Series kept open at once (each holds only headers and a few decoded slices).
    public var limit = 8

    public init() {}

    public func stack(for series: SeriesSummary) throws(WorkstationError) -> SliceStack {
        if let s = stacks[series.id] { return s }
        let s = try SliceStack(seriesID: series.id, files: series.files)
        stacks[series.id] = s
        order.append(series.id)
        while order.count > limit { stacks[order.removeFirst()] = nil }
        return s
    }

    public func open(series: SeriesSummary, plane: ViewPlane, obliqueAngle: Double) throws(WorkstationError) -> OpenedPlane {
        let s = try stack(for: series)
        guard plane == .acquired || plane == .axial else {
            throw WorkstationError("\(plane.rawValue) reformats need the volume (MPR) engine")
        }
        return OpenedPlane(count: s.count, start: 0,
                           geometry: SliceGeometry(normal: cross(s.rowDirection, s.columnDirection),
                                                   positions: s.slices.map(\.position),
                                                   frameOfReference: s.frameOfReference, modality: s.modality))
    }

    public func plane(series: String, plane: ViewPlane, index: Int, slab: (mode: SlabMode, thickness: Double)?) throws(WorkstationError) -> PlaneImage {
        guard let s = stacks[series] else { throw WorkstationError("series \(series) is not open") }
        return try s.plane(index)
    }
}

/// What opening a series in a plane gives the viewer.
public struct OpenedPlane: Sendable {
    public var count: Int
    public var start: Int
    public var geometry: SliceGeometry?

    public init(count: Int, start: Int, geometry: SliceGeometry?) {
        self.count = count
        self.start = start
        self.geometry = geometry
    }
}

/// Where a viewport's slices lie: their common normal and each slice's position along it
/// (mm, ascending with the index), in the series' Frame of Reference.
public struct SliceGeometry: Sendable, Equatable {
    public var normal: Vec3
    public var positions: [Double]
    public var frameOfReference: String
    public var modality: String

    public init(normal: Vec3, positions: [Double], frameOfReference: String, modality: String) {
        self.normal = normal
        self.positions = positions
        self.frameOfReference = frameOfReference
        self.modality = modality
    }

    /// The index of the slice nearest to `position` and its distance.
    public func nearest(to position: Double) -> (index: Int, distance: Double)? {
        guard !positions.isEmpty else { return nil }
        let ascending = positions.count < 2 || positions[0] <= positions[positions.count - 1]
        var lo = 0, hi = positions.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if ascending ? positions[mid] < position : positions[mid] > position { lo = mid + 1 } else { hi = mid }
        }
        var best = lo
        if lo > 0, abs(positions[lo - 1] - position) <= abs(positions[lo] - position) { best = lo - 1 }
        return (best, abs(positions[best] - position))
    }
}
