import DICOMCore
import Imaging

/// One image frame of a series, with what geometry and stacking need from its data set
/// (PS3.3 C.7.6.2 Image Plane; for enhanced objects C.7.6.16 functional groups).
public struct SliceRecord: Sendable {
    public var path: String
    /// 0-based frame in the file (0 for single-frame objects).
    public var frame: Int
    public var sopInstanceUID: String
    public var instanceNumber: Int?
    public var acquisitionNumber: Int?
    /// Image Position (Patient) (0020,0032).
    public var position: Vector3?
    /// Image Orientation (Patient) (0020,0037): row then column direction cosines.
    public var rowCosines: Vector3?
    public var columnCosines: Vector3?
    /// Pixel Spacing (0028,0030): row spacing, column spacing.
    public var pixelSpacing: (row: Double, column: Double)?
    public var sliceThickness: Double?
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var pixelRepresentation: Int
    public var transferSyntax: String
    /// Temporal Position Identifier (0020,0100) or, in functional groups, Temporal Position Index (0020,9128).
    public var temporalPosition: String?
    /// Echo Numbers (0018,0086) or Effective Echo Time (0018,9082).
    public var echo: String?
    /// Stack ID (0020,9056) of enhanced objects.
    public var stackID: String?
    /// Rescale Slope / Intercept (0028,1053)/(0028,1052), possibly per frame.
    public var rescale: (slope: Double, intercept: Double)?
    /// Gantry/Detector Tilt (0018,1120), degrees.
    public var gantryTilt: Double?

    /// The slice normal (row × column cosines), when the orientation is known.
    public var normal: Vector3? {
        guard let r = rowCosines, let c = columnCosines else { return nil }
        let n = SIMD3(r.y * c.z - r.z * c.y, r.z * c.x - r.x * c.z, r.x * c.y - r.y * c.x)
        let l = (n * n).sum().squareRoot()
        return l > 0 ? n / l : nil
    }
}

/// The series found under some paths, grouped by study and series, with the files that
/// could not be read.
public struct SeriesCatalog: Sendable {
    public struct Series: Sendable {
        public var studyInstanceUID: String
        public var seriesInstanceUID: String
        public var seriesNumber: Int?
        public var modality: String
        public var description: String
        public var files: [String]
        public var records: [SliceRecord]
        /// SOP Instance UIDs found in more than one file.
        public var duplicateSOPInstanceUIDs: [String]
        public var transferSyntaxes: [String]

        /// How errors and reports name the series: its number and description, or its UID.
        public var name: String {
            var s = "series"
            if let seriesNumber { s += " \(seriesNumber)" }
            if !description.isEmpty { s += " \"\(description)\"" }
            if seriesNumber == nil && description.isEmpty { s += " " + seriesInstanceUID }
            return s
        }
    }

    public struct Failure: Sendable {
        public var path: String
        public var error: String
    }

    public var series: [Series]
    public var failures: [Failure]
    /// Files that are DICOM but hold no image (structured reports, presentation states…).
    public var nonImages: [String]

    /// Reads every regular file under `paths` (directories recursively, in name order; files as
    /// given). Only headers are parsed; pixel data stays in the files.
    public static func scan(_ paths: [String]) -> SeriesCatalog {
        var files: [String] = []
        var failures: [Failure] = []
        for p in paths {
            switch fileKind(p) {
            case .directory: files += regularFiles(under: p)
            case .file: files.append(p)
            case .missing: failures.append(Failure(path: p, error: "no such file or directory"))
            }
        }
        var bySeries: [String: Series] = [:]
        var order: [String] = []
        var nonImages: [String] = []
        for path in files {
            let file: DICOMFile
            do {
                file = try Part10Reader.read(path: path)
            } catch {
                failures.append(Failure(path: path, error: error.description))
                continue
            }
            let ds = file.dataSet
            let studyUID = ds.string(Tag(0x0020, 0x000D)).map(trimSpaces) ?? ""
            let seriesUID = ds.string(Tag(0x0020, 0x000E)).map(trimSpaces) ?? ""
            let key = studyUID + "|" + seriesUID
            if bySeries[key] == nil {
                order.append(key)
                bySeries[key] = Series(
                    studyInstanceUID: studyUID, seriesInstanceUID: seriesUID,
                    seriesNumber: ds.int(Tag(0x0020, 0x0011)),
                    modality: ds.string(Tag(0x0008, 0x0060)).map(trimSpaces) ?? "",
                    description: ds.string(Tag(0x0008, 0x103E)).map(trimSpaces) ?? "",
                    files: [], records: [], duplicateSOPInstanceUIDs: [], transferSyntaxes: [])
            }
            bySeries[key]?.files.append(path)
            let ts = file.transferSyntax.uid
            if bySeries[key]?.transferSyntaxes.contains(ts) == false { bySeries[key]?.transferSyntaxes.append(ts) }
            guard ds[.pixelData] != nil else {
                nonImages.append(path)
                continue
            }
            bySeries[key]?.records += records(of: file)
        }
        var series = order.compactMap { bySeries[$0] }
        for i in series.indices {
            var seen: [String: Int] = [:]
            for r in series[i].records where r.frame == 0 { seen[r.sopInstanceUID, default: 0] += 1 }
            series[i].duplicateSOPInstanceUIDs = seen.filter { $0.value > 1 && !$0.key.isEmpty }.map(\.key).sorted()
        }
        series.sort { ($0.studyInstanceUID, $0.seriesNumber ?? Int.max, $0.seriesInstanceUID)
            < ($1.studyInstanceUID, $1.seriesNumber ?? Int.max, $1.seriesInstanceUID) }
        return SeriesCatalog(series: series, failures: failures, nonImages: nonImages)
    }

    /// One record per frame. Enhanced objects take each frame's geometry from its Per-Frame
    /// Functional Groups item, then the Shared one, then the top level (PS3.3 C.7.6.16).
    static func records(of file: DICOMFile) -> [SliceRecord] {
        let ds = file.dataSet
        let frames = max(1, ds.int(Tag(0x0028, 0x0008)) ?? 1)
        let perFrame = ds[Tag(0x5200, 0x9230)]?.items
        let shared = ds[Tag(0x5200, 0x9229)]?.items?.first
        var out: [SliceRecord] = []
        for f in 0..<frames {
            var scopes: [DataSet] = []
            if let perFrame, f < perFrame.count { scopes.append(perFrame[f]) }
            if let shared { scopes.append(shared) }
            func find(_ sequence: Tag, _ tag: Tag) -> DataSet? {
                for s in scopes { if let item = s[sequence]?.items?.first, item[tag] != nil { return item } }
                return ds[tag] != nil ? ds : nil
            }
            let ipp = find(Tag(0x0020, 0x9113), Tag(0x0020, 0x0032))?.doubles(Tag(0x0020, 0x0032))
            let iop = find(Tag(0x0020, 0x9116), Tag(0x0020, 0x0037))?.doubles(Tag(0x0020, 0x0037))
            let measures = find(Tag(0x0028, 0x9110), Tag(0x0028, 0x0030))
            let ps = measures?.doubles(Tag(0x0028, 0x0030))
            let thickness = find(Tag(0x0028, 0x9110), Tag(0x0018, 0x0050))?.double(Tag(0x0018, 0x0050))
            let content = scopes.lazy.compactMap { $0[Tag(0x0020, 0x9111)]?.items?.first }.first
            let transform = find(Tag(0x0028, 0x9145), Tag(0x0028, 0x1052))
            var temporal = ds.string(Tag(0x0020, 0x0100)).map(trimSpaces)
            if let t = content?.int(Tag(0x0020, 0x9128)) { temporal = String(t) }
            var echo = ds.string(Tag(0x0018, 0x0086)).map(trimSpaces)
            if let e = find(Tag(0x0018, 0x9114), Tag(0x0018, 0x9082))?.double(Tag(0x0018, 0x9082)) { echo = String(e) }
            var record = SliceRecord(
                path: file.path, frame: f,
                sopInstanceUID: ds.string(Tag(0x0008, 0x0018)).map(trimSpaces) ?? "",
                instanceNumber: ds.int(Tag(0x0020, 0x0013)), acquisitionNumber: ds.int(Tag(0x0020, 0x0012)),
                rows: ds.int(Tag(0x0028, 0x0010)) ?? 0, columns: ds.int(Tag(0x0028, 0x0011)) ?? 0,
                samplesPerPixel: ds.int(Tag(0x0028, 0x0002)) ?? 1, bitsAllocated: ds.int(Tag(0x0028, 0x0100)) ?? 0,
                pixelRepresentation: ds.int(Tag(0x0028, 0x0103)) ?? 0, transferSyntax: file.transferSyntax.uid)
            if let ipp, ipp.count == 3, ipp.allSatisfy(\.isFinite) { record.position = Vector3(ipp[0], ipp[1], ipp[2]) }
            if let iop, iop.count == 6, iop.allSatisfy(\.isFinite) {
                record.rowCosines = Vector3(iop[0], iop[1], iop[2])
                record.columnCosines = Vector3(iop[3], iop[4], iop[5])
            }
            if let ps, ps.count == 2, ps.allSatisfy({ $0.isFinite && $0 > 0 }) { record.pixelSpacing = (ps[0], ps[1]) }
            record.sliceThickness = thickness
            record.temporalPosition = temporal
            record.echo = echo
            record.stackID = content?.string(Tag(0x0020, 0x9056)).map(trimSpaces)
            if let t = transform, let intercept = t.double(Tag(0x0028, 0x1052)) {
                record.rescale = (t.double(Tag(0x0028, 0x1053)) ?? 1, intercept)
            }
            record.gantryTilt = ds.double(Tag(0x0018, 0x1120))
            out.append(record)
        }
        return out
    }
}

enum FileKind { case file, directory, missing }

#if canImport(Glibc)
import Glibc
#endif

func fileKind(_ path: String) -> FileKind {
    var st = stat()
    guard stat(path, &st) == 0 else { return .missing }
    return (st.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
}

/// Regular files under a directory, recursively, sorted by path (hidden files skipped).
func regularFiles(under directory: String) -> [String] {
    var result: [String] = []
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name.hasPrefix(".") { continue }
        let path = directory + "/" + name
        var st = stat()
        guard stat(path, &st) == 0 else { continue }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            result += regularFiles(under: path)
        } else if (st.st_mode & S_IFMT) == S_IFREG {
            result.append(path)
        }
    }
    return result.sorted()
}
