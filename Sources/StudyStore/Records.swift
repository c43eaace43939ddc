/// Value types the store hands out. Plain data, `Sendable`, no references into the index.

/// A patient as the index knows it locally.
public struct PatientRecord: Sendable, Equatable, Hashable {
    /// Row id in the index (stable while the index lives; not a DICOM identifier).
    public var key: Int64
    public var patientID: String
    public var issuer: String
    public var name: String
    public var birthDate: String
    public var sex: String

    public init(key: Int64, patientID: String, issuer: String, name: String, birthDate: String, sex: String) {
        self.key = key
        self.patientID = patientID
        self.issuer = issuer
        self.name = name
        self.birthDate = birthDate
        self.sex = sex
    }
}

/// Whether all of a study's instances are in the store. A retrieve marks its study partial
/// before the first instance and complete after the last, so a study whose retrieve was cut
/// short stays partial.
public enum StudyState: String, Sendable, Equatable, CaseIterable {
    case complete
    case partial
}

/// One row of the worklist: a study with its patient and the user's annotations.
public struct StudySummary: Sendable, Equatable {
    public var studyInstanceUID: String
    public var patient: PatientRecord
    /// Patient identifiers as the study's files carry them; they differ from `patient` when
    /// the study was attached to a local patient (`--as-patient`).
    public var originalPatientID: String
    public var originalIssuer: String
    public var originalPatientName: String
    public var studyDate: String
    public var studyTime: String
    public var studyDescription: String
    public var accessionNumber: String
    public var studyID: String
    public var referringPhysician: String
    public var institution: String
    public var modalities: [String]
    public var bodyParts: [String]
    public var seriesCount: Int
    public var instanceCount: Int
    public var sizeBytes: Int64
    /// Where it came from: an archive's AE title or URL, or "import:PATH".
    public var source: String
    public var state: StudyState
    /// Seconds since 1970.
    public var addedAt: Double
    public var lastAccess: Double
    public var pinned: Bool
    public var isRead: Bool
    public var keywords: [String]
    public var note: String
    /// Flagged confidential locally (`sixray cache mark --confidential`).
    public var confidentialFlag = false
    /// Confidentiality Code (0040,1008) of the study's files.
    public var confidentialityCode = ""
    /// Confidential by the flag or by a configured code (set by `worklist`).
    public var isConfidential = false
}

public struct SeriesSummary: Sendable, Equatable {
    public var seriesInstanceUID: String
    public var studyInstanceUID: String
    public var seriesNumber: Int?
    public var modality: String
    public var bodyPart: String
    public var seriesDescription: String
    public var instanceCount: Int
    public var sizeBytes: Int64
}

public struct InstanceRecord: Sendable, Equatable {
    public var sopInstanceUID: String
    public var seriesInstanceUID: String
    public var studyInstanceUID: String
    public var sopClassUID: String
    public var instanceNumber: Int?
    public var numberOfFrames: Int
    public var transferSyntaxUID: String
    public var sizeBytes: Int64
    /// Absolute path of the stored file.
    public var path: String
}

/// What happened to one instance handed to the store.
public enum IngestOutcome: Sendable, Equatable {
    case imported(sopInstanceUID: String, studyInstanceUID: String)
    /// An instance with this SOP Instance UID is already stored; the new copy was dropped.
    case duplicate(sopInstanceUID: String, studyInstanceUID: String)

    public var sopInstanceUID: String {
        switch self { case .imported(let s, _), .duplicate(let s, _): return s }
    }
    public var studyInstanceUID: String {
        switch self { case .imported(_, let s), .duplicate(_, let s): return s }
    }
}

/// Local patients that may be the patient of a study that arrived with another Patient ID:
/// same normalised name, birth date and sex (all three present).
public struct PatientMatch: Sendable, Equatable {
    public var studyInstanceUID: String
    /// The identifiers the study's files carry.
    public var patientID: String
    public var candidates: [PatientRecord]
}

public struct ImportReport: Sendable, Equatable {
    public struct Rejection: Sendable, Equatable {
        public var path: String
        public var reason: String
    }
    public var imported = 0
    public var duplicates = 0
    public var rejected: [Rejection] = []
    /// DICOMDIR files and other media indexes that were read, not stored.
    public var skipped: [String] = []
    /// Studies that received instances, in the order first seen.
    public var studies: [String] = []
    /// Instances newly stored, per Study Instance UID (duplicates not counted).
    public var importedByStudy: [String: Int] = [:]
    public var patientMatches: [PatientMatch] = []
    /// A store fault that ended the import early (disk full, damaged index). What was stored
    /// before it stays stored and indexed.
    public var storeError: StoreError?

    public init() {}
}

/// A prior study and why it ranks where it does.
public struct PriorCandidate: Sendable, Equatable {
    public enum Location: Sendable, Equatable {
        case local
        /// Known to an archive (from a C-FIND or QIDO-RS), not stored yet.
        case archive(String)
    }
    public var studyInstanceUID: String
    public var studyDate: String
    public var modalities: [String]
    public var bodyParts: [String]
    public var location: Location

    public init(studyInstanceUID: String, studyDate: String, modalities: [String], bodyParts: [String], location: Location) {
        self.studyInstanceUID = studyInstanceUID
        self.studyDate = studyDate
        self.modalities = modalities
        self.bodyParts = bodyParts
        self.location = location
    }
}

public struct RankedPrior: Sendable, Equatable {
    public var candidate: PriorCandidate
    /// 2 for a shared modality plus 1 for a shared body part.
    public var relevance: Int
}

public struct StoreStats: Sendable, Equatable {
    public var patients = 0
    public var studies = 0
    public var series = 0
    public var instances = 0
    public var sizeBytes: Int64 = 0
    public var pinnedStudies = 0
    public var partialStudies = 0
    public var studiesInUse = 0
    public var quotaBytes: Int64?
}

public struct EvictionReport: Sendable, Equatable {
    public var evicted: [String] = []
    public var freedBytes: Int64 = 0
    /// Studies asked for that were kept, with the reason (pinned, in use, unknown).
    public var kept: [(study: String, reason: String)] = []

    public static func == (a: Self, b: Self) -> Bool {
        a.evicted == b.evicted && a.freedBytes == b.freedBytes
            && a.kept.map(\.study) == b.kept.map(\.study) && a.kept.map(\.reason) == b.kept.map(\.reason)
    }
}

public struct VerifyReport: Sendable, Equatable {
    public struct Problem: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case missingFile = "missing file"
            case unreadableFile = "unreadable file"
            case mismatch = "file differs from index"
            case orphanFile = "file not in index"
            case strayTemporary = "leftover temporary file"
            case permissions = "permissions"
            case counts = "counts"
        }
        public var kind: Kind
        public var path: String
        public var detail: String
    }
    public var filesChecked = 0
    public var problems: [Problem] = []
    /// Problems fixed by `repair`.
    public var repaired = 0
    /// The index was rebuilt from the files (it could not be read).
    public var rebuilt = false

    public var isClean: Bool { problems.isEmpty }
}

/// Unambiguous names for modules that have types of the same names (Workstation's
/// `StudySummary` is the worklist row; the module name `StudyStore` is shadowed by the class).
public typealias StoreStudySummary = StudySummary
public typealias StoreSeriesSummary = SeriesSummary
