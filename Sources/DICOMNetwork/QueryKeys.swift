import DICOMCore

/// Builds C-FIND/C-MOVE/C-GET identifiers (PS3.4 C.4.1.1.3) from attribute values: VRs come
/// from the data dictionary, values are padded to even length (PS3.5 §7.1.1).
public struct Identifier: Sendable {
    public private(set) var dataSet = DataSet()
    public init() {}

    /// Set a key: an empty value asks the archive to return the attribute (universal matching).
    public mutating func set(_ tag: Tag, _ value: String = "") {
        let vr = DataDictionary.entry(for: tag)?.vr ?? .LO
        var b = Array(value.utf8)
        if b.count & 1 == 1 { b.append(vr == .UI ? 0 : 0x20) }
        dataSet.set(DataElement(tag: tag, vr: vr, bytes: b))
    }

    /// Set a sequence key with one item (Modality Worklist's Scheduled Procedure Step).
    public mutating func setSequence(_ tag: Tag, item: Identifier) {
        dataSet.set(DataElement(tag: tag, vr: .SQ, value: .sequence([item.dataSet])))
    }

    public func encoded(_ transferSyntaxUID: String) throws(NetworkError) -> [UInt8] {
        do { return try dataSet.encodedRaw(transferSyntax: TransferSyntax.lookup(transferSyntaxUID)) } catch {
            throw NetworkError(.dimse("cannot encode identifier: \(error)"))
        }
    }
}

/// Tags used by the query keys (PS3.4 C.6.1.1, C.6.2.1; PS3.6).
public extension Tag {
    static let queryRetrieveLevel = Tag(0x0008, 0x0052)
    static let patientID = Tag(0x0010, 0x0020)
    static let patientName = Tag(0x0010, 0x0010)
    static let patientBirthDate = Tag(0x0010, 0x0030)
    static let patientSex = Tag(0x0010, 0x0040)
    static let studyInstanceUID = Tag(0x0020, 0x000D)
    static let seriesInstanceUID = Tag(0x0020, 0x000E)
    static let studyDate = Tag(0x0008, 0x0020)
    static let studyTime = Tag(0x0008, 0x0030)
    static let accessionNumber = Tag(0x0008, 0x0050)
    static let modality = Tag(0x0008, 0x0060)
    static let modalitiesInStudy = Tag(0x0008, 0x0061)
    static let studyDescription = Tag(0x0008, 0x1030)
    static let seriesDescription = Tag(0x0008, 0x103E)
    static let seriesNumber = Tag(0x0020, 0x0011)
    static let instanceNumber = Tag(0x0020, 0x0013)
    static let studyID = Tag(0x0020, 0x0010)
    static let numberOfStudyRelatedInstances = Tag(0x0020, 0x1208)
    static let numberOfSeriesRelatedInstances = Tag(0x0020, 0x1209)
    static let scheduledProcedureStepSequence = Tag(0x0040, 0x0100)
    static let scheduledProcedureStepStartDate = Tag(0x0040, 0x0002)
    static let scheduledStationAETitle = Tag(0x0040, 0x0001)
    static let requestedProcedureID = Tag(0x0040, 0x1001)
}
