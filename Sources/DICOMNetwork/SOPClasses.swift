import DICOMCore

/// SOP class and transfer syntax UIDs the services use (PS3.4, PS3.5 Annex A, PS3.6 Annex A).
public enum SOPClass {
    public static let verification = "1.2.840.10008.1.1"
    public static let modalityWorklistFind = "1.2.840.10008.5.1.4.31"

    /// All storage SOP classes of PS3.4 Annex B in the UID registry (not retired), for C-GET
    /// role selection and for the storage SCP.
    public static let storage: [String] = UIDRegistry.allEntries
        .filter { $0.type == "SOP Class" && !$0.isRetired && $0.keyword.hasSuffix("Storage")
                  && !$0.keyword.contains("Commitment") && !$0.keyword.hasPrefix("Storage") }
        .map(\.uid)

    static let storageSet = Set(storage)
    public static func isStorage(_ uid: String) -> Bool { storageSet.contains(uid) }

    /// The most common image storage classes, offered first when contexts are scarce.
    public static let commonImageStorage: [String] = [
        "1.2.840.10008.5.1.4.1.1.2",      // CT
        "1.2.840.10008.5.1.4.1.1.4",      // MR
        "1.2.840.10008.5.1.4.1.1.1",      // CR
        "1.2.840.10008.5.1.4.1.1.1.1",    // DX presentation
        "1.2.840.10008.5.1.4.1.1.1.2",    // MG presentation
        "1.2.840.10008.5.1.4.1.1.6.1",    // US
        "1.2.840.10008.5.1.4.1.1.7",      // SC
        "1.2.840.10008.5.1.4.1.1.128",    // PET
        "1.2.840.10008.5.1.4.1.1.20",     // NM
        "1.2.840.10008.5.1.4.1.1.12.1",   // XA
        "1.2.840.10008.5.1.4.1.1.2.1",    // Enhanced CT
        "1.2.840.10008.5.1.4.1.1.4.1",    // Enhanced MR
    ]
}

/// Transfer syntaxes offered, in order of preference.
public enum TransferSyntaxUID {
    public static let implicitLE = "1.2.840.10008.1.2"
    public static let explicitLE = "1.2.840.10008.1.2.1"
    public static let deflatedLE = "1.2.840.10008.1.2.1.99"
    public static let uncompressed = [explicitLE, implicitLE]
    /// Compressed syntaxes offered for storage so the archive need not transcode (PS3.5 Annex A.4).
    /// Most common in archives first (the first four are offered when contexts are scarce).
    public static let compressed = [
        "1.2.840.10008.1.2.4.70",  // JPEG Lossless SV1
        "1.2.840.10008.1.2.4.50",  // JPEG Baseline
        "1.2.840.10008.1.2.4.90",  // JPEG 2000 Lossless
        "1.2.840.10008.1.2.4.91",  // JPEG 2000
        "1.2.840.10008.1.2.4.80",  // JPEG-LS Lossless
        "1.2.840.10008.1.2.5",     // RLE Lossless
        "1.2.840.10008.1.2.4.57",  // JPEG Lossless
        "1.2.840.10008.1.2.4.51",  // JPEG Extended
        "1.2.840.10008.1.2.4.81",  // JPEG-LS Near-lossless
        deflatedLE,
    ]
}

/// Query/retrieve information models (PS3.4 Annex C.6) and Modality Worklist (PS3.4 K.6).
public enum InformationModel: String, Sendable, CaseIterable {
    case patientRoot = "patient"
    case studyRoot = "study"
    case worklist = "worklist"

    public var findUID: String {
        switch self {
        case .patientRoot: return "1.2.840.10008.5.1.4.1.2.1.1"
        case .studyRoot: return "1.2.840.10008.5.1.4.1.2.2.1"
        case .worklist: return SOPClass.modalityWorklistFind
        }
    }
    public var moveUID: String? {
        switch self {
        case .patientRoot: return "1.2.840.10008.5.1.4.1.2.1.2"
        case .studyRoot: return "1.2.840.10008.5.1.4.1.2.2.2"
        case .worklist: return nil
        }
    }
    public var getUID: String? {
        switch self {
        case .patientRoot: return "1.2.840.10008.5.1.4.1.2.1.3"
        case .studyRoot: return "1.2.840.10008.5.1.4.1.2.2.3"
        case .worklist: return nil
        }
    }
}

/// Query/Retrieve Level (0008,0052) values (PS3.4 C.6).
public enum QueryLevel: String, Sendable, CaseIterable {
    case patient = "PATIENT"
    case study = "STUDY"
    case series = "SERIES"
    case image = "IMAGE"
}
