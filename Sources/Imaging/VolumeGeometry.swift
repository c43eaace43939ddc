import RealModule

/// A point or direction in patient coordinates: millimetres in the DICOM patient coordinate
/// system (LPS: +x toward the patient's left, +y posterior, +z superior; PS3.3 C.7.6.2.1.1).
public typealias Vector3 = SIMD3<Double>

@inlinable func dot(_ a: Vector3, _ b: Vector3) -> Double { (a * b).sum() }

@inlinable func cross(_ a: Vector3, _ b: Vector3) -> Vector3 {
    Vector3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

@inlinable func length(_ a: Vector3) -> Double { dot(a, a).squareRoot() }

@inlinable func normalized(_ a: Vector3) -> Vector3 {
    let l = length(a)
    return l > 0 ? a / l : a
}

extension SIMD3 where Scalar == Double {
    /// The vector as "x,y,z" with up to six decimals (for messages and sidecars).
    public var shortDescription: String {
        [x, y, z].map { formatMillimetres($0) }.joined(separator: ",")
    }
}

/// A number with at most 6 decimals, no trailing zeros ("12.5", "-3", "0.000001").
public func formatMillimetres(_ v: Double) -> String {
    let scaled = (v * 1e6).rounded()
    if scaled == 0 { return "0" }
    let negative = scaled < 0
    let a = Swift.abs(scaled)
    guard a < 9e17 else { return String(v) }
    let whole = Int(a / 1e6)
    var frac = Int(a) - whole * 1_000_000
    var digits = ""
    if frac > 0 {
        var d = 6
        while frac % 10 == 0 { frac /= 10; d -= 1 }
        let s = String(frac)
        digits = "." + String(repeating: "0", count: d - s.count) + s
    }
    return (negative ? "-" : "") + String(whole) + digits
}

/// Where each voxel of a volume is in the patient: voxel (i, j, k) — column, row, slice — has
/// its centre at `origin + i·columnStep + j·rowStep + k·sliceStep` (PS3.3 C.7.6.2.1.1, the
/// Image Plane Module's equation extended by the step between slices).
///
/// `columnStep` is the first triplet of Image Orientation (Patient) times the column spacing
/// (Pixel Spacing[1]); `rowStep` the second triplet times the row spacing (Pixel Spacing[0]).
/// `sliceStep` is the true step between consecutive Image Position (Patient) values. With
/// gantry tilt it is not parallel to the slice normal: the volume is then sheared and the
/// affine says so, as dcm2niix keeps it.
public struct VolumeGeometry: Sendable, Equatable {
    public var columns: Int
    public var rows: Int
    public var slices: Int
    public var origin: Vector3
    public var columnStep: Vector3
    public var rowStep: Vector3
    public var sliceStep: Vector3

    public init(columns: Int, rows: Int, slices: Int, origin: Vector3,
                columnStep: Vector3, rowStep: Vector3, sliceStep: Vector3) {
        self.columns = columns
        self.rows = rows
        self.slices = slices
        self.origin = origin
        self.columnStep = columnStep
        self.rowStep = rowStep
        self.sliceStep = sliceStep
    }

    /// From Image Orientation (Patient), Pixel Spacing (row spacing, column spacing) and the
    /// position of the first slice plus the step to the next.
    public init(columns: Int, rows: Int, slices: Int, firstPosition: Vector3, rowCosines: Vector3,
                columnCosines: Vector3, pixelSpacing: (row: Double, column: Double), sliceStep: Vector3) {
        self.init(columns: columns, rows: rows, slices: slices, origin: firstPosition,
                  columnStep: rowCosines * pixelSpacing.column, rowStep: columnCosines * pixelSpacing.row,
                  sliceStep: sliceStep)
    }

    /// Unit vector along a row (increasing column index): Image Orientation's first triplet.
    public var rowDirection: Vector3 { normalized(columnStep) }
    /// Unit vector down a column (increasing row index): Image Orientation's second triplet.
    public var columnDirection: Vector3 { normalized(rowStep) }
    /// The slice normal, row × column direction (PS3.3 C.7.6.2.1.1).
    public var normal: Vector3 { normalized(cross(columnStep, rowStep)) }
    public var columnSpacing: Double { length(columnStep) }
    public var rowSpacing: Double { length(rowStep) }
    /// Distance between slices measured along the normal.
    public var sliceSpacing: Double { Swift.abs(dot(sliceStep, normal)) }

    /// Angle in degrees between the step from slice to slice and the slice normal: the
    /// gantry tilt of a sheared CT stack (0 for an ordinary stack).
    public var shearDegrees: Double {
        let l = length(sliceStep)
        guard l > 0, slices > 1 else { return 0 }
        let c = Swift.min(1, Swift.abs(dot(sliceStep, normal)) / l)
        return acosDegrees(c)
    }

    /// True when the slice step leaves the normal by more than 0.01°.
    public var isSheared: Bool { shearDegrees > 0.01 }

    /// Patient position (mm, LPS) of a voxel position (fractional indices allowed).
    @inlinable
    public func patientPosition(column i: Double, row j: Double, slice k: Double) -> Vector3 {
        origin + columnStep * i + rowStep * j + sliceStep * k
    }

    /// Voxel position (column, row, slice; fractional) of a patient position.
    /// Nil when the three steps are not independent (degenerate geometry).
    public func voxelPosition(_ p: Vector3) -> Vector3? {
        guard let inv = inverseMatrix else { return nil }
        let d = p - origin
        return Vector3(dot(inv.0, d), dot(inv.1, d), dot(inv.2, d))
    }

    /// Rows of the inverse of the matrix whose columns are the three steps.
    public var inverseMatrix: (Vector3, Vector3, Vector3)? {
        let a = columnStep, b = rowStep, c = sliceStep
        let det = dot(a, cross(b, c))
        guard Swift.abs(det) > 1e-12 else { return nil }
        return (cross(b, c) / det, cross(c, a) / det, cross(a, b) / det)
    }

    /// The eight corner voxel centres in patient coordinates.
    public var corners: [Vector3] {
        var out: [Vector3] = []
        for k in [0, slices - 1] { for j in [0, rows - 1] { for i in [0, columns - 1] {
            out.append(patientPosition(column: Double(i), row: Double(j), slice: Double(k)))
        } } }
        return out
    }

    /// Whether a patient position lies inside the volume (voxel centres, with half a voxel of
    /// margin on each side).
    public func contains(_ p: Vector3) -> Bool {
        guard let v = voxelPosition(p) else { return false }
        return v.x >= -0.5 && v.x <= Double(columns) - 0.5 && v.y >= -0.5 && v.y <= Double(rows) - 0.5
            && v.z >= -0.5 && v.z <= Double(slices) - 0.5
    }
}

/// acos in degrees, clamped to the function's domain.
func acosDegrees(_ x: Double) -> Double {
    Double.acos(Swift.min(1, Swift.max(-1, x))) * 180 / Double.pi
}

/// Orientation labels of a direction (PS3.3 C.7.6.1.1.1 Patient Orientation): L/R for x,
/// P/A for y, S/I (the standard's H/F) for z, ordered by the size of each component, with
/// every component above 1e-3 included — "L" for a pure direction, "LP" or "SPL" for oblique ones.
public func orientationLabel(_ v: Vector3) -> String {
    let u = normalized(v)
    var parts: [(Double, Character)] = [
        (Swift.abs(u.x), u.x > 0 ? "L" : "R"),
        (Swift.abs(u.y), u.y > 0 ? "P" : "A"),
        (Swift.abs(u.z), u.z > 0 ? "S" : "I"),
    ]
    parts.sort { $0.0 > $1.0 }
    return String(parts.filter { $0.0 > 1e-3 }.map(\.1))
}
