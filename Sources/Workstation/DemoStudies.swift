import DICOMCore
#if canImport(Glibc)
import Glibc
#endif

/// The built-in demo: a synthetic patient with a current and a prior CT of the chest/abdomen
/// and an MR of the abdomen, written as ordinary DICOM files. No real patient data is involved.
///
/// The body phantom has fat, muscle, liver, spleen, kidneys, aorta, spine and ribs, lung bases,
/// and a liver lesion that grows between the prior and the current exam. The prior is acquired
/// with another slice thickness and table position, and each exam has its own Frame of
/// Reference, so comparing them exercises position-based synchronisation and registration
/// rather than slice-index matching.
public struct DemoStudies: Sendable {
    public struct Series: Sendable {
        public var description: String
        public var studyDate: String
        public var sliceCount: Int
        public var sliceThickness: Double
        public var firstSliceZ: Double
        public var lesionRadius: Double
        /// "CT" or "MR".
        public var modality: String
        /// Sub-folder of the demo directory.
        public var folder: String
        /// Where the table put the patient: the anatomy at phantom height z appears at patient
        /// coordinate z + tableOffset (another day, another Frame of Reference).
        public var tableOffset: Double = 0

        public init(description: String, studyDate: String, sliceCount: Int, sliceThickness: Double,
                    firstSliceZ: Double, lesionRadius: Double, modality: String = "CT", folder: String = "current",
                    tableOffset: Double = 0) {
            self.tableOffset = tableOffset
            self.modality = modality
            self.folder = folder
            self.description = description
            self.studyDate = studyDate
            self.sliceCount = sliceCount
            self.sliceThickness = sliceThickness
            self.firstSliceZ = firstSliceZ
            self.lesionRadius = lesionRadius
        }
    }

    public var rows = 256
    public var columns = 256
    /// Millimetres per pixel in-plane.
    public var pixelSpacing = 1.4
    public var series: [Series] = [
        Series(description: "CT ABDOMEN (current)", studyDate: "20261120", sliceCount: 48,
               sliceThickness: 2.5, firstSliceZ: -60, lesionRadius: 14, folder: "current"),
        Series(description: "CT ABDOMEN (prior)", studyDate: "20250611", sliceCount: 30,
               sliceThickness: 4.0, firstSliceZ: -22, lesionRadius: 9, folder: "prior", tableOffset: 35),
        Series(description: "MR ABDOMEN T2", studyDate: "20261105", sliceCount: 22,
               sliceThickness: 6.0, firstSliceZ: -86, lesionRadius: 13, modality: "MR", folder: "mr", tableOffset: -20),
    ]

    public init() {}

    /// Write every series under `directory` (created private to the user, 0700). Returns the
    /// series directories. Existing demo files are rewritten.
    public func write(to directory: String) throws(DICOMError) -> [String] {
        try makePrivateDirectory(directory)
        let patientRoot = "2.25.1729" // fixed roots keep demo UIDs stable across runs
        var out: [String] = []
        for (si, s) in series.enumerated() {
            let dir = directory + "/" + s.folder
            try makePrivateDirectory(dir)
            let studyUID = "\(patientRoot).\(si + 1)"
            let seriesUID = "\(studyUID).1"
            for k in 0..<s.sliceCount {
                let z = s.firstSliceZ + Double(k) * s.sliceThickness
                let ds = slice(series: s, studyUID: studyUID, seriesUID: seriesUID, index: k, z: z)
                try Part10Writer().write(ds, to: dir + "/\(s.modality)\(String(format3(k + 1))).dcm")
            }
            out.append(dir)
        }
        return out
    }

    enum Tissue { case air, fat, muscle, liver, lesion, spleen, kidney, cortex, cancellous, aorta, lung }

    /// The tissue of the phantom at a point (mm, patient coordinates).
    func tissue(x: Double, y: Double, z: Double, lesionRadius: Double) -> Tissue {
        func inEllipse(_ cx: Double, _ cy: Double, _ a: Double, _ b: Double) -> Bool {
            let dx = (x - cx) / a, dy = (y - cy) / b
            return dx * dx + dy * dy <= 1
        }
        let taper = max(0.75, 1 - abs(z) / 400)
        guard inEllipse(0, 0, 160 * taper, 115 * taper) else { return .air }
        var t = Tissue.fat
        if inEllipse(0, 0, 150 * taper, 105 * taper) { t = .muscle }
        // Ribs: short arcs just inside the body wall above the costal margin.
        if z > -30, !inEllipse(0, 0, 132 * taper, 90 * taper), inEllipse(0, 0, 142 * taper, 98 * taper) {
            let angle = atan2(y, x) * 180 / Double.pi
            let phase = (angle + 360 + z * 0.8).truncatingRemainder(dividingBy: 24)
            if phase < 7, y < 60 { t = .cortex }
        }
        if inEllipse(-55, -20, 70, 55) && z > -80 { t = .liver }
        if inEllipse(80, 0, 30, 45) && z > -40 { t = .spleen }
        let lx = -60.0, ly = -25.0, lz = 0.0
        let d2 = (x - lx) * (x - lx) + (y - ly) * (y - ly) + (z - lz) * (z - lz)
        if d2 <= lesionRadius * lesionRadius { t = .lesion }
        if inEllipse(60, 35, 22, 32) || inEllipse(-70, 45, 22, 32) && z < 20 { t = .kidney }
        if inEllipse(0, 55, 18, 16) { t = .cortex }          // vertebral body
        if inEllipse(0, 55, 9, 8) { t = .cancellous }
        if inEllipse(12, 22, 11, 11) { t = .aorta }
        if inEllipse(-40, 70, 30, 14) && z > 40 { t = .lung }
        return t
    }

    /// Deterministic noise in −8…8.
    func noise(_ x: Double, _ y: Double, _ z: Double) -> Double {
        var h = UInt64(bitPattern: Int64(x * 7919 + y * 104_729 + z * 1_299_709))
        h ^= h >> 33; h &*= 0xff51afd7ed558ccd; h ^= h >> 33
        return Double(Int(h % 17) - 8)
    }

    /// Hounsfield units of the phantom at a point (mm, patient coordinates).
    public func hounsfield(x: Double, y: Double, z: Double, lesionRadius: Double) -> Double {
        let hu: Double
        switch tissue(x: x, y: y, z: z, lesionRadius: lesionRadius) {
        case .air: return -1000
        case .fat: hu = -100
        case .muscle: hu = 35
        case .liver: hu = 60
        case .lesion: hu = 15
        case .spleen: hu = 50
        case .kidney: hu = 150
        case .cortex: hu = 700
        case .cancellous: hu = 250
        case .aorta: hu = 220
        case .lung: hu = -850
        }
        return hu + noise(x, y, z)
    }

    /// T2-weighted MR signal of the phantom (arbitrary units, 0…4095): fluid and the cystic
    /// lesion bright, fat bright, liver and muscle dark, bone cortex and air black.
    public func t2Signal(x: Double, y: Double, z: Double, lesionRadius: Double) -> Double {
        let v: Double
        switch tissue(x: x, y: y, z: z, lesionRadius: lesionRadius) {
        case .air, .cortex, .lung: v = 20
        case .fat: v = 900
        case .muscle: v = 250
        case .liver: v = 320
        case .lesion: v = 2200
        case .spleen: v = 700
        case .kidney: v = 800
        case .cancellous: v = 500
        case .aorta: v = 60 // flow void
        }
        return max(0, v + noise(x, y, z) * 4)
    }

    func slice(series s: Series, studyUID: String, seriesUID: String, index k: Int, z: Double) -> DataSet {
        var ds = DataSet()
        func text(_ g: UInt16, _ e: UInt16, _ vr: VR, _ v: String) {
            ds.set(DataElement(tag: Tag(g, e), vr: vr, bytes: padded(Array(v.utf8), vr)))
        }
        func us(_ g: UInt16, _ e: UInt16, _ v: UInt16) {
            ds.set(DataElement(tag: Tag(g, e), vr: .US, bytes: [UInt8(v & 0xFF), UInt8(v >> 8)]))
        }
        text(0x0008, 0x0005, .CS, "ISO_IR 192")
        let mr = s.modality == "MR"
        text(0x0008, 0x0008, .CS, "ORIGINAL\\PRIMARY\\AXIAL")
        text(0x0008, 0x0016, .UI, mr ? "1.2.840.10008.5.1.4.1.1.4" : "1.2.840.10008.5.1.4.1.1.2")
        text(0x0008, 0x0018, .UI, "\(seriesUID).\(k + 1)")
        text(0x0008, 0x0020, .DA, s.studyDate)
        text(0x0008, 0x0030, .TM, "093000")
        text(0x0008, 0x0050, .SH, "DEMO\(s.studyDate)")
        text(0x0008, 0x0060, .CS, s.modality)
        text(0x0008, 0x0070, .LO, "Sixray synthetic phantom")
        text(0x0008, 0x1030, .LO, s.description)
        text(0x0008, 0x103E, .LO, s.description)
        text(0x0010, 0x0010, .PN, "DEMO^PHANTOM")
        text(0x0010, 0x0020, .LO, "SIXRAY-DEMO-1")
        text(0x0010, 0x0030, .DA, "19600101")
        text(0x0010, 0x0040, .CS, "O")
        text(0x0018, 0x0015, .CS, "ABDOMEN")
        text(0x0018, 0x0050, .DS, fmt(s.sliceThickness))
        if mr {
            text(0x0018, 0x0080, .DS, "4000")  // TR
            text(0x0018, 0x0081, .DS, "90")    // TE
            text(0x0018, 0x0087, .DS, "1.5")
        } else {
            text(0x0018, 0x0060, .DS, "120")
        }
        text(0x0020, 0x000D, .UI, studyUID)
        text(0x0020, 0x000E, .UI, seriesUID)
        text(0x0020, 0x0011, .IS, "1")
        text(0x0020, 0x0013, .IS, String(k + 1))
        let half = Double(columns) * pixelSpacing / 2
        text(0x0020, 0x0032, .DS, "\(fmt(-half))\\\(fmt(-half))\\\(fmt(z))")
        text(0x0020, 0x0037, .DS, "1\\0\\0\\0\\1\\0")
        text(0x0020, 0x0052, .UI, "\(studyUID).9")
        text(0x0020, 0x1041, .DS, fmt(z))
        text(0x0028, 0x0004, .CS, "MONOCHROME2")
        us(0x0028, 0x0002, 1)
        us(0x0028, 0x0010, UInt16(rows))
        us(0x0028, 0x0011, UInt16(columns))
        text(0x0028, 0x0030, .DS, "\(fmt(pixelSpacing))\\\(fmt(pixelSpacing))")
        us(0x0028, 0x0100, 16)
        us(0x0028, 0x0101, 12)
        us(0x0028, 0x0102, 11)
        us(0x0028, 0x0103, 0)
        if mr {
            text(0x0028, 0x1050, .DS, "1000")
            text(0x0028, 0x1051, .DS, "2000")
        } else {
            text(0x0028, 0x1050, .DS, "40\\400")
            text(0x0028, 0x1051, .DS, "400\\1500")
            text(0x0028, 0x1052, .DS, "-1024")
            text(0x0028, 0x1053, .DS, "1")
            text(0x0028, 0x1054, .LO, "HU")
        }
        var pixels = [UInt8](repeating: 0, count: rows * columns * 2)
        for r in 0..<rows {
            for c in 0..<columns {
                let x = -half + (Double(c) + 0.5) * pixelSpacing
                let y = -half + (Double(r) + 0.5) * pixelSpacing
                let za = z - s.tableOffset
                let value = mr ? t2Signal(x: x, y: y, z: za, lesionRadius: s.lesionRadius)
                               : hounsfield(x: x, y: y, z: za, lesionRadius: s.lesionRadius) + 1024
                let stored = UInt16(max(0, min(4095, value)))
                pixels[(r * columns + c) * 2] = UInt8(stored & 0xFF)
                pixels[(r * columns + c) * 2 + 1] = UInt8(stored >> 8)
            }
        }
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: pixels))
        return ds
    }
}

func fmt(_ v: Double) -> String {
    v == v.rounded() ? String(Int(v)) : String(v)
}

func format3(_ n: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, 3 - s.count)) + s
}

func padded(_ b: [UInt8], _ vr: VR) -> [UInt8] { b.count & 1 == 0 ? b : b + [vr.paddingByte] }

/// mkdir -p with mode 0700 for what it creates. An existing leaf gets 0700 too when
/// `tightenExisting` (Sixray's own folders, e.g. the demo); a folder the user named for output
/// is left as it is. Existing ancestors are never changed.
public func makePrivateDirectory(_ path: String, tightenExisting: Bool = true) throws(DICOMError) {
    var st = stat()
    if stat(path, &st) == 0 {
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw DICOMError(.write("\(path) exists and is not a directory")) }
        if tightenExisting { chmod(path, 0o700) }
        return
    }
    let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    if !parent.isEmpty && stat(parent, &st) != 0 {
        try makePrivateDirectory(parent)
    }
    guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
        throw DICOMError(.write("cannot create \(path): \(String(cString: strerror(errno)))"))
    }
}
