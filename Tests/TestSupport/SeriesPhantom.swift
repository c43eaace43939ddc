import DICOMCore
import Imaging

#if canImport(Glibc)
import Glibc
#endif

/// A synthetic CT series written with `Part10Writer`: bright spheres and rods at known patient
/// (LPS) positions in a uniform background, on any orientation, spacing, and gantry tilt, as
/// single-frame files (optionally shuffled, with slices left out) or one enhanced multi-frame file.
public struct SeriesPhantom: Sendable {
    public struct Sphere: Sendable {
        public var center: Vector3
        public var radius: Double
        public var value: Int16
        public init(center: Vector3, radius: Double, value: Int16) {
            self.center = center; self.radius = radius; self.value = value
        }
    }

    public var rows = 64
    public var columns = 48
    public var slices = 40
    /// Pixel Spacing: row spacing, column spacing.
    public var pixelSpacing = (row: 0.8, column: 0.7)
    public var sliceSpacing = 1.25
    public var origin = Vector3(-16.8, -25.6, -24)
    public var rowCosines = Vector3(1, 0, 0)
    public var columnCosines = Vector3(0, 1, 0)
    /// Gantry tilt in degrees: slice k is displaced by k·spacing·tan(tilt) along the column direction.
    public var tiltDegrees = 0.0
    public var background: Int16 = 100
    public var spheres: [Sphere] = [
        Sphere(center: Vector3(5, -8, 3), radius: 4, value: 1000),
        Sphere(center: Vector3(-8, 6, -10), radius: 3, value: 700),
    ]
    /// A rod along the slice normal through this in-plane point (LPS x, y), radius 1.5 mm.
    public var rod: (x: Double, y: Double)? = (9, 10)
    public var rodValue: Int16 = 400
    public var seriesUID = "2.25.4242.1"
    /// SOP Instance UIDs are ROOT.(k + 1); nil uses the Series Instance UID as the root.
    public var instanceUIDRoot: String?
    public var seriesDescription = "PHANTOM"
    public var rescaleIntercept = -1024.0
    public var temporalPosition: Int?
    /// Windows written into each file (centre, width).
    public var window: (Double, Double)? = (40, 400)

    public init() {}

    public var normal: Vector3 {
        let r = rowCosines, c = columnCosines
        return Vector3(r.y * c.z - r.z * c.y, r.z * c.x - r.x * c.z, r.x * c.y - r.y * c.x)
    }

    /// Step from one slice's Image Position (Patient) to the next.
    public var sliceStep: Vector3 {
        let t = tiltDegrees * Double.pi / 180
        return normal * sliceSpacing + columnCosines * (sliceSpacing * tan(t))
    }

    public func position(ofSlice k: Int) -> Vector3 { origin + sliceStep * Double(k) }

    /// Patient position of pixel (column i, row j) of slice k.
    public func patientPosition(column i: Int, row j: Int, slice k: Int) -> Vector3 {
        position(ofSlice: k) + rowCosines * (Double(i) * pixelSpacing.column) + columnCosines * (Double(j) * pixelSpacing.row)
    }

    /// Stored value at a patient position.
    public func value(at p: Vector3) -> Int16 {
        for s in spheres {
            let d = p - s.center
            if (d * d).sum() <= s.radius * s.radius { return s.value }
        }
        if let rod {
            let dx = p.x - rod.x, dy = p.y - rod.y
            if dx * dx + dy * dy <= 1.5 * 1.5 { return rodValue }
        }
        return background
    }

    public func slicePixels(_ k: Int) -> [Int16] {
        var out = [Int16](repeating: 0, count: rows * columns)
        for j in 0..<rows { for i in 0..<columns { out[j * columns + i] = value(at: patientPosition(column: i, row: j, slice: k)) } }
        return out
    }

    func common(_ ds: inout DataSet) {
        func text(_ g: UInt16, _ e: UInt16, _ vr: VR, _ v: String) {
            var b = Array(v.utf8)
            if b.count & 1 == 1 { b.append(vr == .UI ? 0 : 0x20) }
            ds.set(DataElement(tag: Tag(g, e), vr: vr, bytes: b))
        }
        func us(_ g: UInt16, _ e: UInt16, _ v: Int) {
            ds.set(DataElement(tag: Tag(g, e), vr: .US, bytes: [UInt8(v & 0xFF), UInt8(v >> 8)]))
        }
        text(0x0008, 0x0060, .CS, "CT")
        text(0x0008, 0x103E, .LO, seriesDescription)
        text(0x0010, 0x0010, .PN, "PHANTOM^TEST")
        text(0x0020, 0x000D, .UI, "2.25.4242")
        text(0x0020, 0x000E, .UI, seriesUID)
        text(0x0020, 0x0011, .IS, "7")
        text(0x0028, 0x0004, .CS, "MONOCHROME2")
        us(0x0028, 0x0002, 1)
        us(0x0028, 0x0010, rows)
        us(0x0028, 0x0011, columns)
        us(0x0028, 0x0100, 16)
        us(0x0028, 0x0101, 16)
        us(0x0028, 0x0102, 15)
        us(0x0028, 0x0103, 1)
        text(0x0028, 0x1052, .DS, ds3(rescaleIntercept))
        text(0x0028, 0x1053, .DS, "1")
        if let window {
            text(0x0028, 0x1050, .DS, ds3(window.0))
            text(0x0028, 0x1051, .DS, ds3(window.1))
        }
        if tiltDegrees != 0 { text(0x0018, 0x1120, .DS, ds3(tiltDegrees)) }
    }

    func textElement(_ g: UInt16, _ e: UInt16, _ vr: VR, _ v: String) -> DataElement {
        var b = Array(v.utf8)
        if b.count & 1 == 1 { b.append(vr == .UI ? 0 : 0x20) }
        return DataElement(tag: Tag(g, e), vr: vr, bytes: b)
    }

    func vectorText(_ v: [Double]) -> String { v.map(ds3).joined(separator: "\\") }

    func pixelElement(_ values: [Int16]) -> DataElement {
        DataElement(tag: .pixelData, vr: .OW, bytes: values.withUnsafeBytes { Array($0) })
    }

    /// Writes single-frame files into `directory` (0700): slice k goes to a file whose name
    /// does not follow position order when `shuffle` is set; slices in `skip` are left out.
    /// Instance Numbers are deliberately scrambled too, so only positions can order them.
    /// - Returns: the paths written.
    @discardableResult
    public func writeSeries(to directory: String, shuffle: Bool = true, skip: Set<Int> = [],
                            sizeOverride: [Int: (rows: Int, columns: Int)] = [:],
                            orientationOverride: [Int: (Vector3, Vector3)] = [:]) throws -> [String] {
        mkdir(directory, 0o700)
        var paths: [String] = []
        for k in 0..<slices where !skip.contains(k) {
            var copy = self
            if let s = sizeOverride[k] { copy.rows = s.rows; copy.columns = s.columns }
            if let o = orientationOverride[k] { copy.rowCosines = o.0; copy.columnCosines = o.1 }
            var ds = DataSet()
            copy.common(&ds)
            let name = shuffle ? (k * 7919) % 10007 : k
            ds.set(textElement(0x0008, 0x0016, .UI, "1.2.840.10008.5.1.4.1.1.2"))
            ds.set(textElement(0x0008, 0x0018, .UI, "\(instanceUIDRoot ?? seriesUID).\(k + 1)"))
            ds.set(textElement(0x0020, 0x0013, .IS, String(shuffle ? (k * 37) % 101 : k + 1)))
            ds.set(textElement(0x0020, 0x0032, .DS, vectorText([position(ofSlice: k).x, position(ofSlice: k).y, position(ofSlice: k).z])))
            ds.set(textElement(0x0020, 0x0037, .DS, vectorText([copy.rowCosines.x, copy.rowCosines.y, copy.rowCosines.z,
                                                                copy.columnCosines.x, copy.columnCosines.y, copy.columnCosines.z])))
            ds.set(textElement(0x0028, 0x0030, .DS, vectorText([pixelSpacing.row, pixelSpacing.column])))
            ds.set(textElement(0x0018, 0x0050, .DS, ds3(sliceSpacing)))
            if let temporalPosition { ds.set(textElement(0x0020, 0x0100, .IS, String(temporalPosition))) }
            ds.set(pixelElement(copy.slicePixels(k)))
            let path = directory + "/IM\(name).dcm"
            try Part10Writer().write(ds, to: path)
            paths.append(path)
        }
        return paths
    }

    /// Writes one Enhanced CT Image Storage file: frames in reverse position order, each with
    /// its Plane Position in the Per-Frame Functional Groups, orientation and pixel measures shared.
    public func writeEnhanced(to path: String) throws {
        var ds = DataSet()
        common(&ds)
        ds.set(textElement(0x0008, 0x0016, .UI, "1.2.840.10008.5.1.4.1.1.2.1"))
        ds.set(textElement(0x0008, 0x0018, .UI, "\(seriesUID).1"))
        ds.set(textElement(0x0028, 0x0008, .IS, String(slices)))
        var orientation = DataSet()
        orientation.set(textElement(0x0020, 0x0037, .DS, vectorText([rowCosines.x, rowCosines.y, rowCosines.z,
                                                                     columnCosines.x, columnCosines.y, columnCosines.z])))
        var measures = DataSet()
        measures.set(textElement(0x0028, 0x0030, .DS, vectorText([pixelSpacing.row, pixelSpacing.column])))
        measures.set(textElement(0x0018, 0x0050, .DS, ds3(sliceSpacing)))
        var shared = DataSet()
        shared.set(DataElement(tag: Tag(0x0020, 0x9116), vr: .SQ, value: .sequence([orientation])))
        shared.set(DataElement(tag: Tag(0x0028, 0x9110), vr: .SQ, value: .sequence([measures])))
        ds.set(DataElement(tag: Tag(0x5200, 0x9229), vr: .SQ, value: .sequence([shared])))
        var perFrame: [DataSet] = []
        var pixels: [Int16] = []
        for k in (0..<slices).reversed() {
            var plane = DataSet()
            let p = self.position(ofSlice: k)
            plane.set(textElement(0x0020, 0x0032, .DS, vectorText([p.x, p.y, p.z])))
            var content = DataSet()
            content.set(DataElement(tag: Tag(0x0020, 0x9057), vr: .UL, bytes: [UInt8(k + 1), 0, 0, 0]))
            var item = DataSet()
            item.set(DataElement(tag: Tag(0x0020, 0x9111), vr: .SQ, value: .sequence([content])))
            item.set(DataElement(tag: Tag(0x0020, 0x9113), vr: .SQ, value: .sequence([plane])))
            perFrame.append(item)
            pixels += slicePixels(k)
        }
        ds.set(DataElement(tag: Tag(0x5200, 0x9230), vr: .SQ, value: .sequence(perFrame)))
        ds.set(pixelElement(pixels))
        try Part10Writer().write(ds, to: path)
    }
}

/// A DS value: up to 16 characters (PS3.5 6.2).
func ds3(_ v: Double) -> String {
    if v == v.rounded() && Swift.abs(v) < 1e15 { return String(Int(v)) }
    var s = String(v)
    if s.count > 16 { s = String(s.prefix(16)) }
    return s
}

/// A fresh private temporary directory.
public func temporaryDirectory(_ tag: String) -> String {
    var template = Array("/tmp/sixray-\(tag)-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return p.map { String(cString: $0) } ?? "/tmp/sixray-\(tag)"
}
