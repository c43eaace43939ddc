import DICOMCore
import Imaging

/// Something worth knowing about a series' geometry, for `inspect` and as warnings.
public struct GeometryFinding: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case noGeometry = "no-geometry"
        case multipleStacks = "multiple-stacks"
        case mixedOrientation = "mixed-orientation"
        case mixedSize = "mixed-size"
        case mixedPixelSpacing = "mixed-pixel-spacing"
        case duplicatePositions = "duplicate-positions"
        case missingSlices = "missing-slices"
        case irregularSpacing = "irregular-spacing"
        case gantryTilt = "gantry-tilt"
        case mixedRescale = "mixed-rescale"
        case colour = "colour"
    }

    public var kind: Kind
    public var message: String
}

/// One geometrically consistent stack of a series: same orientation, size, temporal position
/// and echo, sorted by Image Position (Patient) projected on the slice normal
/// (PS3.3 C.7.6.2.1.1) — never by file name or Instance Number.
public struct SeriesStack: Sendable {
    /// Slices in order along the normal.
    public var slices: [SliceRecord]
    /// Positions of `slices` along the normal, mm.
    public var positions: [Double]
    /// The volume's regular grid: `geometry.slices` grid slices at `spacing`, which may be
    /// more than `slices.count` when slices are missing.
    public var geometry: VolumeGeometry
    /// For each grid slice, the real slices it is made of: (index in `slices`, weight) pairs;
    /// one pair of weight 1 where a real slice lies on the grid, two where it is interpolated.
    public var gridSources: [[(slice: Int, weight: Double)]]
    public var findings: [GeometryFinding]
    /// What distinguishes this stack from the series' other stacks ("echo 2", "temporal 3"…).
    public var label: String

    /// True when every grid slice is a real slice.
    public var isRegular: Bool { gridSources.allSatisfy { $0.count == 1 } }
}

/// Splits a series into stacks and checks their geometry.
public enum SeriesStacking {
    /// - Returns: the stacks (largest first) and findings about the series as a whole.
    public static func stacks(of series: SeriesCatalog.Series) -> (stacks: [SeriesStack], findings: [GeometryFinding]) {
        var findings: [GeometryFinding] = []
        // The same instance in two files (a copy) is one slice, not a second position set;
        // `SeriesCatalog` lists such SOP Instance UIDs.
        var seen = Set<String>()
        let records = series.records.filter { r in
            r.sopInstanceUID.isEmpty || seen.insert(r.sopInstanceUID + "#\(r.frame)").inserted
        }
        guard !records.isEmpty else { return ([], []) }
        if records.contains(where: { $0.samplesPerPixel != 1 }) {
            findings.append(GeometryFinding(kind: .colour, message: "colour images: no volume (MPR needs grey images)"))
        }
        let located = records.filter { $0.position != nil && $0.normal != nil && $0.pixelSpacing != nil }
        if located.count < records.count {
            findings.append(GeometryFinding(kind: .noGeometry,
                message: "\(records.count - located.count) of \(records.count) frames lack Image Position/Orientation (Patient) or Pixel Spacing"))
        }
        guard !located.isEmpty else { return ([], findings) }

        // Group by orientation (to 1e-3), size, temporal position, echo and stack ID.
        func orientationKey(_ r: SliceRecord) -> String {
            let v = [r.rowCosines ?? .zero, r.columnCosines ?? .zero]
            return v.map { "\(clampedInt($0.x * 1000)),\(clampedInt($0.y * 1000)),\(clampedInt($0.z * 1000))" }
                .joined(separator: ";")
        }
        var groups: [String: [SliceRecord]] = [:]
        var order: [String] = []
        var orientations = Set<String>(), sizes = Set<String>(), temporals = Set<String>(), echoes = Set<String>(), stackIDs = Set<String>()
        for r in located {
            let o = orientationKey(r), s = "\(r.columns)x\(r.rows)"
            orientations.insert(o); sizes.insert(s)
            temporals.insert(r.temporalPosition ?? ""); echoes.insert(r.echo ?? ""); stackIDs.insert(r.stackID ?? "")
            let key = [o, s, r.temporalPosition ?? "", r.echo ?? "", r.stackID ?? ""].joined(separator: "|")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        if orientations.count > 1 {
            findings.append(GeometryFinding(kind: .mixedOrientation, message: "\(orientations.count) different Image Orientations (Patient)"))
        }
        if sizes.count > 1 {
            findings.append(GeometryFinding(kind: .mixedSize, message: "\(sizes.count) different image sizes: \(sizes.sorted().joined(separator: ", "))"))
        }

        var stacks: [SeriesStack] = []
        for key in order {
            guard let members = groups[key], let first = members.first, let n = first.normal else { continue }
            var label: [String] = []
            if orientations.count > 1 { label.append("orientation " + orientationName(n)) }
            if sizes.count > 1 { label.append("\(first.columns)×\(first.rows)") }
            if temporals.count > 1 { label.append("temporal position \(first.temporalPosition ?? "-")") }
            if echoes.count > 1 { label.append("echo \(first.echo ?? "-")") }
            if stackIDs.count > 1 { label.append("stack \(first.stackID ?? "-")") }
            // Position sets: the same positions acquired m times (each exactly m times) are m stacks,
            // in acquisition order.
            let byPosition = Dictionary(grouping: members.indices) { i in positionKey(members[i].position ?? .zero, n) }
            let multiplicities = Set(byPosition.values.map(\.count))
            if multiplicities.count == 1, let m = multiplicities.first, m > 1, byPosition.count > 1 {
                let ordered = members.sorted { acquisitionOrder($0) < acquisitionOrder($1) }
                var sets = [[SliceRecord]](repeating: [], count: m)
                var seen: [String: Int] = [:]
                for r in ordered {
                    let k = positionKey(r.position ?? .zero, n)
                    let s = seen[k, default: 0]
                    seen[k] = s + 1
                    sets[s].append(r)
                }
                for (i, set) in sets.enumerated() {
                    stacks.append(stack(set, label: (label + ["position set \(i + 1) of \(m)"]).joined(separator: ", ")))
                }
            } else {
                stacks.append(stack(members, label: label.joined(separator: ", ")))
            }
        }
        if stacks.count > 1 {
            findings.append(GeometryFinding(kind: .multipleStacks,
                message: "\(stacks.count) stacks: " + stacks.map { "\($0.label.isEmpty ? "stack" : $0.label) (\($0.slices.count) slices)" }.joined(separator: "; ")))
        }
        stacks.sort { $0.slices.count > $1.slices.count }
        return (stacks, findings)
    }

    static func acquisitionOrder(_ r: SliceRecord) -> (Int, Int, Int, String) {
        (r.acquisitionNumber ?? 0, r.instanceNumber ?? 0, r.frame, r.path)
    }

    static func positionKey(_ p: Vector3, _ n: Vector3) -> String {
        String(clampedInt(dotProduct(p, n) * 100))
    }

    /// "axial", "coronal", "sagittal" or "oblique" for a slice normal.
    public static func orientationName(_ n: Vector3) -> String {
        let a = [abs(n.x), abs(n.y), abs(n.z)]
        guard let m = a.max(), m > 0.999 else {
            let main = a[2] >= a[0] && a[2] >= a[1] ? "axial" : (a[1] >= a[0] ? "coronal" : "sagittal")
            return "oblique (near \(main))"
        }
        return a[2] == m ? "axial" : (a[1] == m ? "coronal" : "sagittal")
    }

    /// Sorts one group, checks spacing, and lays the regular grid over it.
    static func stack(_ members: [SliceRecord], label: String) -> SeriesStack {
        let first = members[0]
        let n = first.normal ?? Vector3(0, 0, 1)  // every member has one: only located slices are grouped
        var findings: [GeometryFinding] = []
        var sorted = members.map { ($0, dotProduct($0.position ?? .zero, n)) }.sorted { $0.1 < $1.1 }
        // Duplicate positions: keep the first of each (acquisition order), report them.
        var duplicates: [Double] = []
        var unique: [(SliceRecord, Double)] = []
        for item in sorted {
            if let last = unique.last, abs(last.1 - item.1) < 1e-3 {
                if duplicates.last.map({ abs($0 - item.1) > 1e-3 }) ?? true { duplicates.append(item.1) }
                if acquisitionOrder(item.0) < acquisitionOrder(last.0) { unique[unique.count - 1] = item }
                continue
            }
            unique.append(item)
        }
        if !duplicates.isEmpty {
            findings.append(GeometryFinding(kind: .duplicatePositions,
                message: "\(duplicates.count) positions hold more than one slice (first kept): " + listPositions(duplicates)))
        }
        sorted = unique
        let slices = sorted.map(\.0), positions = sorted.map(\.1)

        let spacings = Set(slices.compactMap { $0.pixelSpacing.map { "\($0.row)\\\($0.column)" } })
        if spacings.count > 1 {
            findings.append(GeometryFinding(kind: .mixedPixelSpacing, message: "Pixel Spacing differs between slices: \(spacings.sorted().joined(separator: ", "))"))
        }
        let rescales = Set(slices.map { $0.rescale.map { "\($0.slope)/\($0.intercept)" } ?? "-" })
        if rescales.count > 1 {
            findings.append(GeometryFinding(kind: .mixedRescale, message: "Rescale Slope/Intercept differs between slices (\(rescales.count) values)"))
        }

        // Spacing: the median gap; gaps of m steps are m−1 missing slices; others irregular.
        let gaps = zip(positions, positions.dropFirst()).map { $1 - $0 }
        var step = gaps.sorted()[safe: gaps.count / 2] ?? (first.sliceThickness ?? 1)
        if !(step > 0) { step = 1 }
        var missing: [String] = []
        var irregular: [String] = []
        for (i, gap) in gaps.enumerated() {
            let m = (gap / step).rounded()
            if abs(gap - step) <= max(1e-3, 0.01 * step) { continue }
            if m >= 2 && abs(gap - m * step) <= 0.1 * step {
                missing.append("\(clampedInt(m) - 1) between \(formatMillimetres(positions[i])) and \(formatMillimetres(positions[i + 1])) mm")
            } else {
                irregular.append("\(formatMillimetres(gap)) mm between \(formatMillimetres(positions[i])) and \(formatMillimetres(positions[i + 1])) mm")
            }
        }
        if !missing.isEmpty {
            findings.append(GeometryFinding(kind: .missingSlices,
                message: "missing slices (spacing \(formatMillimetres(step)) mm): " + missing.joined(separator: "; ") + "; filled by interpolation for reformats"))
        }
        if !irregular.isEmpty {
            findings.append(GeometryFinding(kind: .irregularSpacing,
                message: "irregular spacing (usual \(formatMillimetres(step)) mm): " + irregular.prefix(10).joined(separator: "; ")
                    + (irregular.count > 10 ? "; and \(irregular.count - 10) more" : "") + "; resampled to a regular grid for reformats"))
        }

        // The regular grid from the first to the last position.
        let span = (positions.last ?? 0) - (positions.first ?? 0)
        let steps = (span / step).rounded()
        var count = slices.count == 1 ? 1 : (steps.isFinite && steps < 1e7 ? max(2, Int(steps) + 1) : Int.max)
        if count > 4 * slices.count + 64 {
            // A few slices far apart (e.g. two separate locations in one series): no regular
            // grid worth building. Reformats refuse it; `inspect` reports it.
            findings.removeAll { $0.kind == .missingSlices || $0.kind == .irregularSpacing }
            findings.append(GeometryFinding(kind: .irregularSpacing,
                message: "slices span \(formatMillimetres(span)) mm at \(formatMillimetres(step)) mm spacing with only \(slices.count) slices: too sparse for a volume"))
            count = slices.count
        }
        let sparse = findings.contains { $0.message.hasSuffix("too sparse for a volume") }
        let gridStep = count > 1 ? span / Double(count - 1) : step
        var sources: [[(slice: Int, weight: Double)]] = []
        var a = 0
        for u in 0..<count {
            let q = positions[0] + Double(u) * gridStep
            while a + 1 < positions.count && positions[a + 1] <= q + 1e-9 { a += 1 }
            if abs(positions[a] - q) <= 0.05 * gridStep || a + 1 >= positions.count {
                sources.append([(a, 1)])
            } else if abs(positions[a + 1] - q) <= 0.05 * gridStep {
                sources.append([(a + 1, 1)])
            } else {
                let t = (q - positions[a]) / (positions[a + 1] - positions[a])
                sources.append([(a, 1 - t), (a + 1, t)])
            }
        }
        let p0 = slices[0].position ?? .zero, pl = slices[slices.count - 1].position ?? .zero
        let sliceStep: Vector3 = count > 1 ? (pl - p0) / Double(count - 1) : n * (first.sliceThickness ?? step)
        let ps = first.pixelSpacing ?? (1, 1)
        let geometry = VolumeGeometry(columns: first.columns, rows: first.rows, slices: count, firstPosition: p0,
                                      rowCosines: first.rowCosines ?? Vector3(1, 0, 0), columnCosines: first.columnCosines ?? Vector3(0, 1, 0),
                                      pixelSpacing: ps, sliceStep: sliceStep)
        if geometry.isSheared {
            let tilt = first.gantryTilt.map { ", Gantry/Detector Tilt \(formatMillimetres($0))°" } ?? ""
            findings.append(GeometryFinding(kind: .gantryTilt,
                message: "gantry tilt: slices are sheared by \(formatMillimetres((geometry.shearDegrees * 100).rounded() / 100))°\(tilt); reformats are resampled onto an orthogonal grid"))
        }
        return SeriesStack(slices: slices, positions: positions, geometry: geometry, gridSources: sparse ? [] : sources,
                           findings: findings, label: label)
    }

    static func listPositions(_ p: [Double]) -> String {
        p.prefix(10).map { formatMillimetres($0) + " mm" }.joined(separator: ", ") + (p.count > 10 ? ", …" : "")
    }
}

func dotProduct(_ a: Vector3, _ b: Vector3) -> Double { (a * b).sum() }

/// `v` rounded to an Int, clamped to ±1e15 (header values can be anything; never trap).
func clampedInt(_ v: Double) -> Int {
    guard v.isFinite else { return v.isNaN ? 0 : (v > 0 ? 1_000_000_000_000_000 : -1_000_000_000_000_000) }
    return Int(Swift.min(Swift.max(v.rounded(), -1e15), 1e15))
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
