/// Gives the viewer its planes: how many slices a series has in a plane, and one of them as
/// modality values with its geometry. The runner owns one; the reducer never sees it.
public protocol PlaneProvider: AnyObject {
    /// Opens `series` for `plane`; returns the slice count and a good first index (the middle
    /// for reformats, 0 for acquired slices).
    func open(series: SeriesSummary, plane: ViewPlane, obliqueAngle: Double) throws(WorkstationError) -> (count: Int, start: Int)
    func plane(series: String, plane: ViewPlane, index: Int, slab: (mode: SlabMode, thickness: Double)?) throws(WorkstationError) -> PlaneImage
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

    public func open(series: SeriesSummary, plane: ViewPlane, obliqueAngle: Double) throws(WorkstationError) -> (count: Int, start: Int) {
        let s = try stack(for: series)
        guard plane == .acquired || plane == .axial else {
            throw WorkstationError("\(plane.rawValue) reformats need the volume (MPR) engine")
        }
        return (s.count, 0)
    }

    public func plane(series: String, plane: ViewPlane, index: Int, slab: (mode: SlabMode, thickness: Double)?) throws(WorkstationError) -> PlaneImage {
        guard let s = stacks[series] else { throw WorkstationError("series \(series) is not open") }
        return try s.plane(index)
    }
}
