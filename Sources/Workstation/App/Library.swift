import DICOMCore
#if canImport(Glibc)
import Glibc
#endif

/// A study as the worklist shows it.
public struct StudySummary: Sendable, Equatable, Identifiable {
    public enum State: String, Sendable { case complete, partial, remote }
    public var id: String
    public var patientName: String
    public var patientID: String
    public var birthDate: String
    public var sex: String
    public var studyDate: String
    public var studyTime: String
    public var modalities: [String]
    public var description: String
    public var accession: String
    public var bodyPart: String
    public var seriesCount: Int
    public var instanceCount: Int
    /// "local" or the archive's name.
    public var source: String
    public var state: State
    public var isRead: Bool
    public var isPinned: Bool
    public var keywords: [String]

    public init(id: String, patientName: String = "", patientID: String = "", birthDate: String = "", sex: String = "",
                studyDate: String = "", studyTime: String = "", modalities: [String] = [], description: String = "",
                accession: String = "", bodyPart: String = "", seriesCount: Int = 0, instanceCount: Int = 0,
                source: String = "local", state: State = .complete, isRead: Bool = false, isPinned: Bool = false,
                keywords: [String] = []) {
        self.id = id
        self.patientName = patientName
        self.patientID = patientID
        self.birthDate = birthDate
        self.sex = sex
        self.studyDate = studyDate
        self.studyTime = studyTime
        self.modalities = modalities
        self.description = description
        self.accession = accession
        self.bodyPart = bodyPart
        self.seriesCount = seriesCount
        self.instanceCount = instanceCount
        self.source = source
        self.state = state
        self.isRead = isRead
        self.isPinned = isPinned
        self.keywords = keywords
    }
}

/// A series as the study browser shows it.
public struct SeriesSummary: Sendable, Equatable, Identifiable {
    public var id: String
    public var studyID: String
    public var number: Int?
    public var modality: String
    public var description: String
    public var bodyPart: String
    public var instanceCount: Int
    /// Files of the series in the local store (empty when not retrieved).
    public var files: [String]

    public init(id: String, studyID: String, number: Int? = nil, modality: String = "", description: String = "",
                bodyPart: String = "", instanceCount: Int = 0, files: [String] = []) {
        self.id = id
        self.studyID = studyID
        self.number = number
        self.modality = modality
        self.description = description
        self.bodyPart = bodyPart
        self.instanceCount = instanceCount
        self.files = files
    }
}

/// Where the workstation finds studies: the local store, or a folder (demo, CD). The
/// workstation asks; implementations do the I/O.
public protocol StudyLibrary: Sendable {
    func studies() throws(WorkstationError) -> [StudySummary]
    func series(ofStudy id: String) throws(WorkstationError) -> [SeriesSummary]
    /// Remembers read/unread and pinned state where the library can (a folder cannot).
    func setRead(_ read: Bool, study id: String)
    func setPinned(_ pinned: Bool, study id: String)
    /// The same patient's other studies, most relevant first.
    func priors(of study: StudySummary) throws(WorkstationError) -> [StudySummary]
    /// The studies on screen now (a store keeps them from eviction).
    func viewing(_ studyIDs: Set<String>)
    /// Local patients a study from outside (a CD) may belong to: same name, birth date and sex.
    func attachCandidates(study id: String) -> [(patientID: String, label: String)]
    /// Files the study under another local patient (the original identifiers are kept).
    func attach(study id: String, toPatientID patientID: String) throws(WorkstationError)
}

extension StudyLibrary {
    public func viewing(_ studyIDs: Set<String>) {}
    public func attachCandidates(study id: String) -> [(patientID: String, label: String)] { [] }
    public func attach(study id: String, toPatientID patientID: String) throws(WorkstationError) {
        throw WorkstationError("studies opened from a folder cannot be attached to a patient; import them first (sixray import)")
    }

    /// Same Patient ID, ranked: same modality and body part first, then studies before this
    /// one newest first, then later ones.
    public func priors(of study: StudySummary) throws(WorkstationError) -> [StudySummary] {
        let others = try studies().filter { $0.id != study.id && !$0.patientID.isEmpty && $0.patientID == study.patientID }
        return PriorRanking.rank(others, for: study)
    }

    public func setRead(_ read: Bool, study id: String) {}
    public func setPinned(_ pinned: Bool, study id: String) {}
}

/// Studies found by reading the headers of every DICOM file under a folder (the demo, a CD,
/// an export). Files that do not parse are counted, not fatal.
public final class FolderLibrary: StudyLibrary, @unchecked Sendable {
    public let root: String
    private let lock = Mutex()
    private var scanned: (studies: [StudySummary], series: [String: [SeriesSummary]], rejected: Int)?

    public init(root: String) {
        self.root = root
    }

    public var rejectedFiles: Int { lock.withLock { scanned?.rejected ?? 0 } }

    public func studies() throws(WorkstationError) -> [StudySummary] {
        try scan().studies
    }

    public func series(ofStudy id: String) throws(WorkstationError) -> [SeriesSummary] {
        try scan().series[id] ?? []
    }

    private func scan() throws(WorkstationError) -> (studies: [StudySummary], series: [String: [SeriesSummary]], rejected: Int) {
        if let s = lock.withLock({ scanned }) { return s }
        var files: [String] = []
        guard FileWalk.regularFiles(under: root, into: &files) else {
            throw WorkstationError("cannot read the folder", file: root)
        }
        var studies: [String: StudySummary] = [:]
        var series: [String: SeriesSummary] = [:]
        var rejected = 0
        for path in files.sorted() {
            // Headers of a damaged file still list it (support staff want to see what is broken);
            // the viewer reports the damage when it decodes.
            guard let f = Part10Reader.readPartial(path: path).0 else { rejected += 1; continue }
            let ds = f.dataSet
            func s(_ g: UInt16, _ e: UInt16) -> String { ds.string(Tag(g, e)).map(trimSpaces) ?? "" }
            let studyUID = s(0x0020, 0x000D), seriesUID = s(0x0020, 0x000E)
            guard !studyUID.isEmpty, !seriesUID.isEmpty else { rejected += 1; continue }
            let modality = s(0x0008, 0x0060)
            var st = studies[studyUID] ?? StudySummary(
                id: studyUID, patientName: s(0x0010, 0x0010), patientID: s(0x0010, 0x0020), birthDate: s(0x0010, 0x0030),
                sex: s(0x0010, 0x0040), studyDate: s(0x0008, 0x0020), studyTime: s(0x0008, 0x0030),
                description: s(0x0008, 0x1030), accession: s(0x0008, 0x0050), bodyPart: s(0x0018, 0x0015), source: "local")
            if !modality.isEmpty, !st.modalities.contains(modality) { st.modalities.append(modality) }
            st.instanceCount += 1
            var se = series[seriesUID] ?? SeriesSummary(
                id: seriesUID, studyID: studyUID, number: ds.int(Tag(0x0020, 0x0011)), modality: modality,
                description: s(0x0008, 0x103E), bodyPart: s(0x0018, 0x0015))
            se.instanceCount += 1
            se.files.append(path)
            studies[studyUID] = st
            series[seriesUID] = se
        }
        var bySeries: [String: [SeriesSummary]] = [:]
        for se in series.values { bySeries[se.studyID, default: []].append(se) }
        for k in bySeries.keys {
            bySeries[k]!.sort { ($0.number ?? Int.max, $0.id) < ($1.number ?? Int.max, $1.id) }
            studies[k]?.seriesCount = bySeries[k]!.count
        }
        let list = studies.values.sorted { ($0.studyDate, $0.id) > ($1.studyDate, $1.id) }
        let result = (studies: list, series: bySeries, rejected: rejected)
        lock.withLock { scanned = result }
        return result
    }
}

/// A small pthread mutex (Synchronization's Mutex needs newer deployment targets on macOS).
final class Mutex: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}

enum FileWalk {
    /// Appends every regular file under `path` (following no symbolic links to directories).
    /// False when `path` itself cannot be read.
    static func regularFiles(under path: String, into out: inout [String], depth: Int = 0) -> Bool {
        guard depth < 32, let dir = opendir(path) else { return false }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || name.hasPrefix(".") { continue }
            let full = path + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR {
                _ = regularFiles(under: full, into: &out, depth: depth + 1)
            } else if st.st_mode & S_IFMT == S_IFREG {
                out.append(full)
            }
        }
        return true
    }
}

/// Relevance of a patient's other studies for comparison with one of them.
public enum PriorRanking {
    public static func rank(_ studies: [StudySummary], for current: StudySummary) -> [StudySummary] {
        func score(_ s: StudySummary) -> (Int, Int, String) {
            let sameModality = !Set(s.modalities).isDisjoint(with: current.modalities) ? 1 : 0
            let sameBody = !s.bodyPart.isEmpty && s.bodyPart == current.bodyPart ? 1 : 0
            let before = s.studyDate <= current.studyDate ? 1 : 0
            // Before the current: newest first; after it: oldest first.
            return (sameModality * 2 + sameBody, before, before == 1 ? s.studyDate : String(s.studyDate.map { c in
                Character(Unicode.Scalar(UInt8(ascii: "9") - (c.asciiValue ?? 48) + 48)) }))
        }
        return studies.sorted { a, b in
            let sa = score(a), sb = score(b)
            if sa.0 != sb.0 { return sa.0 > sb.0 }
            if sa.1 != sb.1 { return sa.1 > sb.1 }
            return sa.2 > sb.2
        }
    }
}
