/// The standard planes, named in the patient (LPS), and any other.
public enum PlaneOrientation: String, Sendable, Equatable, CaseIterable {
    case axial, coronal, sagittal, oblique

    /// Plane normal, screen-right and screen-down directions in LPS. Radiological convention:
    /// the patient's right is on the screen's left (screen-right = +x, patient left); anterior
    /// at the top of axial images; superior at the top of coronal and sagittal images, whose
    /// anterior is on the left.
    var references: (normal: Vector3, right: Vector3, down: Vector3) {
        switch self {
        case .axial, .oblique: return (Vector3(0, 0, 1), Vector3(1, 0, 0), Vector3(0, 1, 0))
        case .coronal: return (Vector3(0, 1, 0), Vector3(1, 0, 0), Vector3(0, 0, -1))
        case .sagittal: return (Vector3(1, 0, 0), Vector3(0, 1, 0), Vector3(0, 0, -1))
        }
    }

    /// The standard plane whose normal is nearest to `normal`.
    static func nearest(to normal: Vector3) -> PlaneOrientation {
        let a = Vector3(Swift.abs(normal.x), Swift.abs(normal.y), Swift.abs(normal.z))
        if a.z >= a.x && a.z >= a.y { return .axial }
        return a.y >= a.x ? .coronal : .sagittal
    }
}

/// How the samples of a thick slab are combined.
public enum SlabMode: String, Sendable, Equatable, CaseIterable {
    /// Maximum intensity projection.
    case mip
    /// Minimum intensity projection.
    case minip
    /// Mean of the samples.
    case avg
}

/// Orientation labels of the four edges of a displayed plane (PS3.3 C.7.6.1.1.1).
public struct EdgeLabels: Sendable, Equatable {
    public var left: String
    public var right: String
    public var top: String
    public var bottom: String

    public init(left: String, right: String, top: String, bottom: String) {
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
    }
}

/// A displayed plane in the patient: pixel (column c, row r) has its centre at
/// `origin + c · columnSpacing · rowDirection + r · rowSpacing · columnDirection`, as the Image
/// Plane Module describes a frame (PS3.3 C.7.6.2.1.1: Image Position of the first pixel, the
/// row and column direction cosines of Image Orientation, Pixel Spacing as row\column spacing).
public struct PlaneGeometry: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Centre of the first transmitted (top-left) pixel, mm LPS.
    public var origin: Vector3
    /// Unit direction along a row, left to right on screen.
    public var rowDirection: Vector3
    /// Unit direction down a column, top to bottom on screen.
    public var columnDirection: Vector3
    /// Distance between the centres of adjacent rows (Pixel Spacing[0]).
    public var rowSpacing: Double
    /// Distance between the centres of adjacent columns (Pixel Spacing[1]).
    public var columnSpacing: Double

    public init(width: Int, height: Int, origin: Vector3, rowDirection: Vector3, columnDirection: Vector3,
                rowSpacing: Double, columnSpacing: Double) {
        self.width = width
        self.height = height
        self.origin = origin
        self.rowDirection = rowDirection
        self.columnDirection = columnDirection
        self.rowSpacing = rowSpacing
        self.columnSpacing = columnSpacing
    }

    /// Unit normal, row direction × column direction.
    public var normal: Vector3 { normalized(cross(rowDirection, columnDirection)) }

    @inlinable
    public func patientPosition(column c: Double, row r: Double) -> Vector3 {
        origin + rowDirection * (c * columnSpacing) + columnDirection * (r * rowSpacing)
    }

    /// The plane's pixel position (column, row) of a patient position projected on the plane.
    /// Exact for orthogonal row/column directions.
    public func pixelPosition(_ p: Vector3) -> (column: Double, row: Double) {
        let d = p - origin
        return (dot(d, rowDirection) / columnSpacing, dot(d, columnDirection) / rowSpacing)
    }

    public var labels: EdgeLabels {
        EdgeLabels(left: orientationLabel(-rowDirection), right: orientationLabel(rowDirection),
                   top: orientationLabel(-columnDirection), bottom: orientationLabel(columnDirection))
    }

    /// The reference line of `other` on this plane: where the two planes meet, clipped to this
    /// plane's pixels, in this plane's pixel coordinates (column, row). Nil when the planes are
    /// parallel or the line misses this plane.
    public func referenceLine(of other: PlaneGeometry) -> (start: (column: Double, row: Double), end: (column: Double, row: Double))? {
        // Points of this plane: P(c, r) = origin + c·a + r·b; on the other plane when
        // dot(P − other.origin, n) = 0, i.e. α·c + β·r + γ = 0.
        let n = other.normal
        let a = rowDirection * columnSpacing, b = columnDirection * rowSpacing
        let alpha = dot(a, n), beta = dot(b, n), gamma = dot(origin - other.origin, n)
        let w = Double(width - 1), h = Double(height - 1)
        guard Swift.abs(alpha) > 1e-9 || Swift.abs(beta) > 1e-9 else { return nil }
        var points: [(Double, Double)] = []
        func add(_ c: Double, _ r: Double) {
            guard c >= -1e-9, c <= w + 1e-9, r >= -1e-9, r <= h + 1e-9 else { return }
            if !points.contains(where: { Swift.abs($0.0 - c) < 1e-9 && Swift.abs($0.1 - r) < 1e-9 }) { points.append((c, r)) }
        }
        if Swift.abs(beta) > 1e-12 {
            add(0, -gamma / beta)
            add(w, -(gamma + alpha * w) / beta)
        }
        if Swift.abs(alpha) > 1e-12 {
            add(-gamma / alpha, 0)
            add(-(gamma + beta * h) / alpha, h)
        }
        guard points.count >= 2 else { return nil }
        return ((points[0].0, points[0].1), (points[1].0, points[1].1))
    }
}

/// What a caller asks of a volume: a plane and how to sample it.
public struct PlaneRequest: Sendable, Equatable {
    public var orientation: PlaneOrientation
    /// 0-based index in the volume's own voxel grid along the plane's normal.
    public var index: Int?
    /// Position of the plane along the patient axis of its normal (axial: z, coronal: y,
    /// sagittal: x, mm LPS); for oblique planes the offset from `center` along the normal.
    public var position: Double?
    /// Oblique planes: normal and centre, LPS. Orthogonal planes: a point the plane passes through.
    public var normal: Vector3?
    public var center: Vector3?
    /// Slab thickness in mm; nil or 0 for a thin plane.
    public var slabThickness: Double?
    public var slabMode: SlabMode
    /// Resample orthogonal planes onto the in-plane spacing (default); false keeps the raw
    /// voxel grid (one output row per slice).
    public var resample: Bool
    /// Names the series in errors.
    public var context: String?

    public init(orientation: PlaneOrientation, index: Int? = nil, position: Double? = nil, normal: Vector3? = nil,
                center: Vector3? = nil, slabThickness: Double? = nil, slabMode: SlabMode = .mip,
                resample: Bool = true, context: String? = nil) {
        self.orientation = orientation
        self.index = index
        self.position = position
        self.normal = normal
        self.center = center
        self.slabThickness = slabThickness
        self.slabMode = slabMode
        self.resample = resample
        self.context = context
    }
}

/// Pixels of a reformatted plane: the volume's stored type when every pixel is a voxel
/// (raw-grid planes, their MIP/MinIP slabs), Float when they were interpolated or averaged.
public enum PlanePixels: Sendable, Equatable {
    case uint8([UInt8]), int8([Int8]), uint16([UInt16]), int16([Int16]), int32([Int32])
    case float([Float])

    public var count: Int {
        switch self {
        case .uint8(let v): v.count
        case .int8(let v): v.count
        case .uint16(let v): v.count
        case .int16(let v): v.count
        case .int32(let v): v.count
        case .float(let v): v.count
        }
    }

    /// Numpy dtype ("<i2", "<f4", ...).
    public var numpyDescr: String {
        switch self {
        case .uint8: UInt8.numpyDescr
        case .int8: Int8.numpyDescr
        case .uint16: UInt16.numpyDescr
        case .int16: Int16.numpyDescr
        case .int32: Int32.numpyDescr
        case .float: "<f4"
        }
    }

    /// Values as Double (modality stage, tests).
    public var doubles: [Double] {
        switch self {
        case .uint8(let v): v.map(Double.init)
        case .int8(let v): v.map(Double.init)
        case .uint16(let v): v.map(Double.init)
        case .int16(let v): v.map(Double.init)
        case .int32(let v): v.map(Double.init)
        case .float(let v): v.map(Double.init)
        }
    }

    /// Little-endian bytes (this is a little-endian host).
    public var littleEndianBytes: [UInt8] {
        func bytes<T>(_ v: [T]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }
        switch self {
        case .uint8(let v): return v
        case .int8(let v): return bytes(v)
        case .uint16(let v): return bytes(v)
        case .int16(let v): return bytes(v)
        case .int32(let v): return bytes(v)
        case .float(let v): return bytes(v)
        }
    }
}

extension VolumeSample {
    static func planePixels(_ v: [Self]) -> PlanePixels {
        switch v {
        case let v as [UInt8]: return .uint8(v)
        case let v as [Int8]: return .int8(v)
        case let v as [UInt16]: return .uint16(v)
        case let v as [Int16]: return .int16(v)
        case let v as [Int32]: return .int32(v)
        default: return .float(v.map { Float($0) })
        }
    }
}

/// A reformatted plane: where it is and its pixels.
public struct Reformat: Sendable, Equatable {
    public var geometry: PlaneGeometry
    public var pixels: PlanePixels
    /// Planes combined into a slab (1 for a thin plane).
    public var slabLayers: Int
    /// The value used for pixels outside the volume (the volume's minimum).
    public var outsideValue: Double
}
