import Imaging

/// Planes for the viewer in every orientation: acquired slices straight from the files (no
/// volume needed, so a 2,000-slice series scrolls at once), axial/coronal/sagittal/oblique
/// reformats and MIP/MinIP/average slabs from the series volume (`SeriesVolume`, stored in its
/// own sample type), opened on the first reformat and kept for the two most recent series.
public final class VolumePlaneProvider: PlaneProvider {
    public let stacks = StackPlaneProvider()
    private var volumes: [String: SeriesVolume] = [:]
    private var volumeOrder: [String] = []
    /// Per series and plane: the request template (orientation, oblique normal) and positions.
    private var opened: [String: Opened] = [:]
    private var cache: [String: PlaneImage] = [:]
    private var cacheOrder: [String] = []
    public var volumeLimit = 2

    struct Opened {
        var orientation: PlaneOrientation
        var normal: Vector3
        var positions: [Double]
        /// Oblique: the centre the offsets are measured from.
        var center: Vector3?
        var frameOfReference: String
    }

    public init() {}

    func key(_ series: String, _ plane: ViewPlane) -> String { series + "|" + plane.rawValue }

    func volume(for series: SeriesSummary) throws(WorkstationError) -> SeriesVolume {
        if let v = volumes[series.id] { return v }
        let v = try SeriesVolume.open(series.files)
        volumes[series.id] = v
        volumeOrder.append(series.id)
        while volumeOrder.count > volumeLimit {
            let old = volumeOrder.removeFirst()
            volumes[old] = nil
            opened = opened.filter { !$0.key.hasPrefix(old + "|") }
        }
        return v
    }

    public func open(series: SeriesSummary, plane: ViewPlane, obliqueAngle: Double) throws(WorkstationError) -> OpenedPlane {
        if plane == .acquired { return try stacks.open(series: series, plane: plane, obliqueAngle: obliqueAngle) }
        let v = try volume(for: series)
        let g = v.volume.geometry
        guard g.slices > 1 || plane == .axial else {
            throw WorkstationError("\(series.description.isEmpty ? "the series" : series.description): a single slice has no \(plane.rawValue) plane")
        }
        let orientation: PlaneOrientation
        var normal: Vector3
        switch plane {
        case .axial, .acquired: orientation = .axial; normal = Vector3(0, 0, 1)
        case .coronal: orientation = .coronal; normal = Vector3(0, 1, 0)
        case .sagittal: orientation = .sagittal; normal = Vector3(1, 0, 0)
        case .oblique:
            orientation = .oblique
            // Tilted from axial about the patient's left–right axis.
            let a = obliqueAngle * Double.pi / 180
            normal = Vector3(0, sinValue(a), cosValue(a))
        }
        // Indices along the voxel axis closest to the normal (the export's --index convention);
        // oblique planes step by the finest spacing through the volume's extent.
        let steps = [(g.columnStep, g.columns), (g.rowStep, g.rows), (g.sliceStep, g.slices)]
        var positions: [Double] = []
        var center: Vector3?
        if orientation == .oblique {
            let halfColumns: Vector3 = g.columnStep * (Double(g.columns - 1) / 2)
            let halfRows: Vector3 = g.rowStep * (Double(g.rows - 1) / 2)
            let halfSlices: Vector3 = g.sliceStep * (Double(g.slices - 1) / 2)
            center = g.origin + halfColumns + halfRows + halfSlices
            let extent = steps.map { abs(dot($0.0, normal)) * Double($0.1) }.reduce(0, +)
            let step = steps.map { length($0.0) }.min() ?? 1
            let n = max(1, Int(extent / step))
            positions = (0..<n).map { Double($0 - n / 2) * step }
        } else {
            // Positions may descend with the index (a feet-first stack); SliceGeometry searches
            // either order.
            let axis = steps.max { abs(dot(unit($0.0), normal)) < abs(dot(unit($1.0), normal)) }!
            positions = (0..<axis.1).map { dot(g.origin + axis.0 * Double($0), normal) }
        }
        let frame = (try? stacks.stack(for: series).frameOfReference) ?? "series:" + series.id
        opened[key(series.id, plane)] = Opened(orientation: orientation, normal: normal, positions: positions, center: center,
                                                frameOfReference: frame)
        return OpenedPlane(count: positions.count, start: positions.count / 2,
                           geometry: SliceGeometry(normal: normal, positions: positions, frameOfReference: frame,
                                                   modality: series.modality))
    }

    public func plane(series: String, plane: ViewPlane, index: Int, slab: (mode: SlabMode, thickness: Double)?) throws(WorkstationError) -> PlaneImage {
        if plane == .acquired, slab == nil { return try stacks.plane(series: series, plane: plane, index: index, slab: nil) }
        let cacheKey = "\(series)|\(plane.rawValue)|\(index)|\(slab.map { "\($0.mode.rawValue)\($0.thickness)" } ?? "")"
        if let p = cache[cacheKey] { return p }
        guard let o = opened[key(series, plane)], let v = volumes[series] else {
            if plane == .acquired {
                throw WorkstationError("slabs of the acquired slices: switch to the axial plane (x) first")
            }
            throw WorkstationError("series \(series) is not open for \(plane.rawValue)")
        }
        guard index >= 0, index < o.positions.count else {
            throw WorkstationError("\(plane.rawValue) plane \(index + 1) is outside the volume (1–\(o.positions.count))")
        }
        var request = PlaneRequest(orientation: o.orientation, slabThickness: slab?.thickness, slabMode: slab?.mode ?? .mip)
        if o.orientation == .oblique {
            request.normal = o.normal
            request.center = o.center
            request.position = o.positions[index]
        } else {
            request.index = index
        }
        let r = try v.reformat(request)
        let values = v.modalityValues(r).map { Float($0) }
        let g = r.geometry
        // PlaneImage puts pixel centres at i + 0.5; the reformat's origin is the first centre.
        var image = PlaneImage(width: g.width, height: g.height, values: values, columnSpacing: g.columnSpacing,
                               rowSpacing: g.rowSpacing, origin: g.origin, rowDirection: g.rowDirection,
                               columnDirection: g.columnDirection, position: dot(g.origin, o.normal),
                               thickness: slab?.thickness, modality: v.attributes.modalityName)
        if let w = v.attributes.voi.windows.first { image.suggestedWindow = (w.center, w.width) }
        cache[cacheKey] = image
        cacheOrder.append(cacheKey)
        while cacheOrder.count > 32 { cache[cacheOrder.removeFirst()] = nil }
        return image
    }

}

func unit(_ v: Vector3) -> Vector3 {
    let l = length(v)
    return l > 0 ? v / l : v
}

func length(_ v: Vector3) -> Double { (v * v).sum().squareRoot() }

#if canImport(Glibc)
import Glibc
#endif
func sinValue(_ x: Double) -> Double { sin(x) }
func cosValue(_ x: Double) -> Double { cos(x) }
