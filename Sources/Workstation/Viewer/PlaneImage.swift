import Imaging

/// A 3-vector in patient coordinates (LPS, millimetres; PS3.3 C.7.6.2.1.1).
public typealias Vec3 = SIMD3<Double>

/// One displayable plane: modality values (HU for CT) or an RGB picture, with the geometry
/// that ties its pixels to the patient: origin (centre of the first pixel), the directions of
/// increasing column and row index, and the spacing along them.
public struct PlaneImage: Sendable {
    public var width: Int
    public var height: Int
    /// Modality values, row by row; empty for colour images.
    public var values: [Float]
    /// Set for colour images (no windowing).
    public var color: DisplayImage?
    /// Millimetres between columns and between rows.
    public var columnSpacing: Double
    public var rowSpacing: Double
    public var origin: Vec3
    /// Direction of increasing column index (left → right on screen before rotation).
    public var rowDirection: Vec3
    /// Direction of increasing row index (top → bottom).
    public var columnDirection: Vec3
    /// Position of the plane along its normal, mm (for the overlay and for sync).
    public var position: Double
    public var thickness: Double?
    /// The window the file suggests, if any (center, width).
    public var suggestedWindow: (center: Double, width: Double)?
    public var modality: String

    public init(width: Int, height: Int, values: [Float], color: DisplayImage? = nil,
                columnSpacing: Double, rowSpacing: Double, origin: Vec3, rowDirection: Vec3, columnDirection: Vec3,
                position: Double, thickness: Double? = nil, suggestedWindow: (center: Double, width: Double)? = nil,
                modality: String = "") {
        self.width = width
        self.height = height
        self.values = values
        self.color = color
        self.columnSpacing = columnSpacing
        self.rowSpacing = rowSpacing
        self.origin = origin
        self.rowDirection = rowDirection
        self.columnDirection = columnDirection
        self.position = position
        self.thickness = thickness
        self.suggestedWindow = suggestedWindow
        self.modality = modality
    }

    public var normal: Vec3 { cross(rowDirection, columnDirection) }

    /// The patient position of a (fractional) pixel coordinate; pixel centres at (i + 0.5).
    public func patientPosition(x: Double, y: Double) -> Vec3 {
        origin + rowDirection * ((x - 0.5) * columnSpacing) + columnDirection * ((y - 0.5) * rowSpacing)
    }

    /// The modality value at a pixel, nil outside or for colour.
    public func value(x: Int, y: Int) -> Float? {
        guard x >= 0, y >= 0, x < width, y < height, values.count == width * height else { return nil }
        return values[y * width + x]
    }

    /// Orientation labels of the four edges (left, right, top, bottom), e.g. R, L, A, P for
    /// an axial image in the standard orientation.
    public var edgeLabels: (left: String, right: String, top: String, bottom: String) {
        (orientationLabel(-rowDirection), orientationLabel(rowDirection),
         orientationLabel(-columnDirection), orientationLabel(columnDirection))
    }
}

public func cross(_ a: Vec3, _ b: Vec3) -> Vec3 {
    Vec3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

public func dot(_ a: Vec3, _ b: Vec3) -> Double { (a * b).sum() }

/// The patient-direction letters of a direction in LPS (PS3.3 C.7.6.1.1.1: L/R, P/A, H(S)/F(I)),
/// strongest component first; components under 0.25 of the vector are left out, so an
/// oblique direction reads "LPA"-style only where it really leans.
public func orientationLabel(_ d: Vec3) -> String {
    let len = (d * d).sum().squareRoot()
    guard len > 0 else { return "" }
    let n = d / len
    let parts: [(Double, String)] = [
        (abs(n.x), n.x > 0 ? "L" : "R"), (abs(n.y), n.y > 0 ? "P" : "A"), (abs(n.z), n.z > 0 ? "S" : "I"),
    ]
    return parts.filter { $0.0 >= 0.25 }.sorted { $0.0 > $1.0 }.map(\.1).joined()
}
