import DICOMCore

/// What the index keeps of one instance: the patient, study, series and instance attributes a
/// worklist, a study browser and prior selection need (PS3.4 C.6.1.1 Study Root levels).
/// Pure: built from a parsed data set, no I/O.
public struct InstanceAttributes: Sendable, Equatable {
    // Patient (PS3.3 C.7.1.1)
    public var patientID = ""
    public var issuerOfPatientID = ""
    public var patientName = ""
    public var patientBirthDate = ""
    public var patientSex = ""
    /// Other Patient IDs (0010,1000, retired) and Other Patient IDs Sequence (0010,1002).
    public var otherPatientIDs: [String] = []
    // Study (PS3.3 C.7.2.1)
    public var studyInstanceUID = ""
    public var studyDate = ""
    public var studyTime = ""
    public var studyDescription = ""
    public var accessionNumber = ""
    /// Confidentiality Code (0040,1008), PS3.3 C.4.11 Requested Procedure.
    public var confidentialityCode = ""
    public var studyID = ""
    public var referringPhysician = ""
    public var institution = ""
    // Series (PS3.3 C.7.3.1)
    public var seriesInstanceUID = ""
    public var seriesNumber: Int?
    public var modality = ""
    public var bodyPart = ""
    public var seriesDescription = ""
    // Instance (PS3.3 C.12.1)
    public var sopClassUID = ""
    public var sopInstanceUID = ""
    public var instanceNumber: Int?
    public var numberOfFrames = 1
    public var transferSyntaxUID = ""

    public init() {}

    /// The attributes of a parsed file. Throws when a UID the store is keyed by is missing:
    /// SOP Instance UID, Study Instance UID or Series Instance UID.
    public init(file: DICOMFile) throws(StoreError) {
        let ds = file.dataSet
        func text(_ g: UInt16, _ e: UInt16) -> String {
            (ds.string(Tag(g, e)) ?? "").trimming(" \0")
        }
        func uid(_ tag: Tag, _ name: String, fallback: String = "") throws(StoreError) -> String {
            var v = (ds.string(tag) ?? "").trimming(" \0")
            if v.isEmpty { v = fallback }
            guard !v.isEmpty else { throw StoreError(.missingAttribute(name), path: file.path) }
            guard v.utf8.count <= 128 else { throw StoreError(.invalidUID("\(name) is \(v.utf8.count) bytes long"), path: file.path) }
            return v
        }
        let meta = file.fileMetaInformation
        sopInstanceUID = try uid(.sopInstanceUID, "SOP Instance UID (0008,0018)",
                                 fallback: (meta.string(.mediaStorageSOPInstanceUID) ?? "").trimming(" \0"))
        studyInstanceUID = try uid(Tag(0x0020, 0x000D), "Study Instance UID (0020,000D)")
        seriesInstanceUID = try uid(Tag(0x0020, 0x000E), "Series Instance UID (0020,000E)")
        sopClassUID = text(0x0008, 0x0016)
        if sopClassUID.isEmpty { sopClassUID = (meta.string(.mediaStorageSOPClassUID) ?? "").trimming(" \0") }
        transferSyntaxUID = file.transferSyntax.uid

        patientID = text(0x0010, 0x0020)
        issuerOfPatientID = text(0x0010, 0x0021)
        patientName = text(0x0010, 0x0010)
        patientBirthDate = text(0x0010, 0x0030)
        patientSex = text(0x0010, 0x0040)
        var others = ds.strings(Tag(0x0010, 0x1000)) ?? []
        if let items = ds[Tag(0x0010, 0x1002)]?.items {
            for item in items { if let id = item.string(Tag(0x0010, 0x0020)) { others.append(id) } }
        }
        otherPatientIDs = others.map { $0.trimming(" \0") }.filter { !$0.isEmpty && $0 != patientID }

        studyDate = text(0x0008, 0x0020)
        studyTime = text(0x0008, 0x0030)
        studyDescription = text(0x0008, 0x1030)
        accessionNumber = text(0x0008, 0x0050)
        confidentialityCode = text(0x0040, 0x1008)
        studyID = text(0x0020, 0x0010)
        referringPhysician = text(0x0008, 0x0090)
        institution = text(0x0008, 0x0080)

        seriesNumber = ds.int(Tag(0x0020, 0x0011))
        modality = text(0x0008, 0x0060)
        bodyPart = text(0x0018, 0x0015)
        seriesDescription = text(0x0008, 0x103E)

        instanceNumber = ds.int(Tag(0x0020, 0x0013))
        numberOfFrames = max(1, ds.int(Tag(0x0028, 0x0008)) ?? 1)
    }
}

/// PS3.10 §8.6 Media Storage Directory Storage: a DICOMDIR is an index, never an instance.
public let mediaStorageDirectorySOPClassUID = "1.2.840.10008.1.3.10"

extension String {
    /// Drop leading and trailing characters found in `set` (a handful: a linear search beats hashing).
    func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s.count == count ? self : String(s)
    }
}

/// Patient names for matching and search: upper case, component separators as spaces,
/// empty components dropped ("Doe^John^^" → "DOE JOHN"). Ideographic and phonetic groups
/// (PS3.5 §6.2.1.1) are ignored beyond the first for matching.
public func normalizedPatientName(_ name: String) -> String {
    let alphabetic = name.split(separator: "=", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    return alphabetic.uppercased()
        .split(whereSeparator: { $0 == "^" || $0 == " " || $0 == "," })
        .joined(separator: " ")
}
