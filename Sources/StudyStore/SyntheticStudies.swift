import DICOMCore

/// Small synthetic instances for tests, benchmarks and fault drills: a real Part 10 file
/// (Secondary Capture, 8×8 pixels) with the patient/study/series attributes the store
/// indexes. Invented names only; no patient data.
public struct SyntheticInstance: Sendable {
    public var patientID = "SYN0001"
    public var patientName = "SYNTHETIC^PATIENT"
    public var birthDate = "19700101"
    public var sex = "O"
    public var otherPatientIDs: [String] = []
    public var studyInstanceUID = "2.25.1"
    public var studyDate = "20240101"
    public var studyDescription = "Synthetic study"
    public var accessionNumber = "ACC0001"
    public var seriesInstanceUID = "2.25.1.1"
    public var seriesNumber = 1
    public var modality = "CT"
    public var bodyPart = "CHEST"
    public var sopInstanceUID = "2.25.1.1.1"
    public var instanceNumber = 1
    /// Extra bytes of pixel data beyond the 8×8 frame (to make larger files).
    public var padding = 0
    /// Confidentiality Code (0040,1008); left out when empty.
    public var confidentialityCode = ""

    public init() {}

    /// The file's bytes, explicit VR little endian.
    public func encode() throws(StoreError) -> [UInt8] {
        var ds = DataSet()
        func text(_ g: UInt16, _ e: UInt16, _ vr: VR, _ s: String) {
            var b = Array(s.utf8)
            if b.count & 1 == 1 { b.append(vr == .UI ? 0 : 0x20) }
            ds.set(DataElement(tag: Tag(g, e), vr: vr, bytes: b))
        }
        func us(_ g: UInt16, _ e: UInt16, _ v: UInt16) {
            ds.set(DataElement(tag: Tag(g, e), vr: .US, bytes: [UInt8(v & 0xFF), UInt8(v >> 8)]))
        }
        text(0x0008, 0x0016, .UI, "1.2.840.10008.5.1.4.1.1.7")
        text(0x0008, 0x0018, .UI, sopInstanceUID)
        text(0x0008, 0x0020, .DA, studyDate)
        text(0x0008, 0x0030, .TM, "120000")
        text(0x0008, 0x0050, .SH, accessionNumber)
        text(0x0008, 0x0060, .CS, modality)
        text(0x0008, 0x1030, .LO, studyDescription)
        text(0x0008, 0x103E, .LO, "\(modality) series \(seriesNumber)")
        text(0x0010, 0x0010, .PN, patientName)
        text(0x0010, 0x0020, .LO, patientID)
        text(0x0010, 0x0030, .DA, birthDate)
        text(0x0010, 0x0040, .CS, sex)
        if !otherPatientIDs.isEmpty { text(0x0010, 0x1000, .LO, otherPatientIDs.joined(separator: "\\")) }
        text(0x0018, 0x0015, .CS, bodyPart)
        if !confidentialityCode.isEmpty { text(0x0040, 0x1008, .LO, confidentialityCode) }
        text(0x0020, 0x000D, .UI, studyInstanceUID)
        text(0x0020, 0x000E, .UI, seriesInstanceUID)
        text(0x0020, 0x0010, .SH, "1")
        text(0x0020, 0x0011, .IS, String(seriesNumber))
        text(0x0020, 0x0013, .IS, String(instanceNumber))
        us(0x0028, 0x0002, 1)
        text(0x0028, 0x0004, .CS, "MONOCHROME2")
        us(0x0028, 0x0010, 8)
        us(0x0028, 0x0011, 8)
        us(0x0028, 0x0100, 8)
        us(0x0028, 0x0101, 8)
        us(0x0028, 0x0102, 7)
        us(0x0028, 0x0103, 0)
        var pixels = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 4 &+ instanceNumber) }
        if padding > 0 { pixels += [UInt8](repeating: 0, count: padding + (padding & 1)) }
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: pixels))
        do {
            return try Part10Writer().encode(ds)
        } catch {
            throw StoreError(.io("cannot encode a synthetic instance: \(error)"))
        }
    }

    /// A corpus of `studies` studies over `patients` patients, `seriesPerStudy` series each,
    /// `instances` instances in all (spread evenly), written as files under `directory`.
    /// Modalities, body parts and dates vary so worklist filters and prior ranking have work.
    /// Study UIDs are `uidRoot` followed by the study's number (give corpora distinct roots).
    public static func writeCorpus(to directory: String, instances: Int, studies: Int, patients: Int,
                                   seriesPerStudy: Int = 2, padding: Int = 0, uidRoot: String = "2.25.7") throws(StoreError) -> [String] {
        try FileSystem.makePrivateDirectory(directory)
        let modalities = ["CT", "MR", "CR", "US", "PT", "NM", "MG", "DX"]
        let bodyParts = ["CHEST", "ABDOMEN", "HEAD", "PELVIS", "KNEE", "SPINE"]
        let perStudy = max(1, instances / max(1, studies))
        var paths: [String] = []
        var written = 0
        for s in 0..<studies {
            let p = s % max(1, patients)
            var inst = SyntheticInstance()
            inst.patientID = "SYN\(p)"
            inst.patientName = "SYNTHETIC^PATIENT\(p)"
            inst.birthDate = "19\(50 + p % 50)0101"
            inst.sex = p % 2 == 0 ? "F" : "M"
            inst.studyInstanceUID = "\(uidRoot)\(s)"
            inst.studyDate = "20\(10 + s % 15)\(String(format2(1 + s % 12)))\(String(format2(1 + s % 28)))"
            inst.accessionNumber = "A\(s)"
            inst.studyDescription = "Synthetic study \(s)"
            inst.modality = modalities[s % modalities.count]
            inst.bodyPart = bodyParts[(s / 3) % bodyParts.count]
            inst.padding = padding
            let count = s == studies - 1 ? max(perStudy, instances - written) : perStudy
            let studyDir = directory + "/study\(s)"
            try FileSystem.makePrivateDirectory(studyDir)
            for i in 0..<count where written < instances {
                let series = i % max(1, seriesPerStudy)
                inst.seriesInstanceUID = "\(inst.studyInstanceUID).\(series + 1)"
                inst.seriesNumber = series + 1
                inst.sopInstanceUID = "\(inst.seriesInstanceUID).\(i + 1)"
                inst.instanceNumber = i + 1
                let path = studyDir + "/IM\(i + 1).dcm"
                let bytes = try inst.encode()
                let fd = try FileSystem.createPrivateFileReplacing(path)
                defer { FileSystem.closeDescriptor(fd) }
                try FileSystem.writeAll(fd, bytes: bytes, path: path)
                paths.append(path)
                written += 1
            }
        }
        return paths
    }

    private static func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    static func createPrivateFileReplacing(_ path: String) throws(StoreError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error("cannot create", path: path) }
        return fd
    }
}
