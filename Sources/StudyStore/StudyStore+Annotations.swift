#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GRDB

/// What the user and the store decided about a study that its files cannot tell: pin, read
/// state, keywords, note, source, state, and the local patient it was attached to. Kept in
/// the index and mirrored in `study.json` beside the files, so an index rebuilt from the
/// files (`cache verify --repair`) loses none of it.
struct StudyAnnotations: Codable, Equatable {
    struct AttachedPatient: Codable, Equatable {
        var patientID: String
        var issuer: String
    }
    var pinned = false
    var read = false
    var keywords: [String] = []
    var note = ""
    var source = ""
    var state = StudyState.complete.rawValue
    var attachedTo: AttachedPatient?
    /// `cache mark --confidential` (optional: study.json files written before it lack the key).
    var confidential: Bool?

    static let fileName = "study.json"
}

extension StudyStore {
    // MARK: - Public annotation API

    public func setPinned(_ pinned: Bool, study uid: String) throws(StoreError) {
        try updateStudy(uid, sql: "UPDATE studies SET pinned = ? WHERE uid = ?", [pinned, uid])
    }

    public func setRead(_ read: Bool, study uid: String) throws(StoreError) {
        try updateStudy(uid, sql: "UPDATE studies SET is_read = ? WHERE uid = ?", [read, uid])
    }

    public func setNote(_ note: String, study uid: String) throws(StoreError) {
        try updateStudy(uid, sql: "UPDATE studies SET note = ? WHERE uid = ?", [note, uid])
    }

    /// Mark a study partial before retrieving it and complete after its last instance.
    public func setState(_ state: StudyState, study uid: String) throws(StoreError) {
        try updateStudy(uid, sql: "UPDATE studies SET state = ? WHERE uid = ?", [state.rawValue, uid])
    }

    public func markPartial(study uid: String) throws(StoreError) { try setState(.partial, study: uid) }
    public func markComplete(study uid: String) throws(StoreError) { try setState(.complete, study: uid) }

    /// Add a keyword (compared without case); adding one twice is a no-op.
    public func addKeyword(_ keyword: String, study uid: String) throws(StoreError) {
        let k = normalizedKeyword(keyword)
        guard !k.isEmpty else { throw StoreError(.index("an empty keyword")) }
        try updateStudy(uid, sql: "INSERT OR IGNORE INTO study_keywords (study_uid, keyword) VALUES (?, ?)", [uid, k])
    }

    public func removeKeyword(_ keyword: String, study uid: String) throws(StoreError) {
        try updateStudy(uid, sql: "DELETE FROM study_keywords WHERE study_uid = ? AND keyword = ?", [uid, normalizedKeyword(keyword)])
    }

    /// Record that a study was looked at now (least-recently-used eviction goes by this).
    public func touch(study uid: String) throws(StoreError) {
        let now = options.clock()
        try asWriter { () throws(StoreError) in
            try write { db in try db.execute(sql: "UPDATE studies SET last_access = ? WHERE uid = ?", arguments: [now, uid]) }
        }
    }

    /// All keywords in use, with the number of studies carrying each.
    public func keywords() throws(StoreError) -> [(keyword: String, studies: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT keyword, count(*) AS n FROM study_keywords GROUP BY keyword ORDER BY keyword")
                .map { ($0["keyword"], $0["n"]) }
        }
    }

    /// Run one statement on a study that must exist, then refresh its `study.json`.
    func updateStudy(_ uid: String, sql: String, _ arguments: [any DatabaseValueConvertible]) throws(StoreError) {
        try asWriter { () throws(StoreError) in
            let found = try write { db -> Bool in
                guard try studyExists(db, uid) else { return false }
                try db.execute(sql: sql, arguments: StatementArguments(arguments))
                return true
            }
            guard found else { throw StoreError(.notFound("study \(uid)")) }
            saveAnnotations(uid)
        }
    }

    // MARK: - study.json

    func annotations(_ db: Database, study uid: String) throws -> StudyAnnotations? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT s.pinned, s.is_read, s.note, s.source, s.state, s.original_patient_id, s.original_issuer,
                   p.patient_id, p.issuer, s.confidential
            FROM studies s JOIN patients p ON p.id = s.patient_ref WHERE s.uid = ?
            """, arguments: [uid]) else { return nil }
        var a = StudyAnnotations()
        a.pinned = row["pinned"]
        a.read = row["is_read"]
        a.note = row["note"]
        a.source = row["source"]
        a.state = row["state"]
        let confidential: Bool = row["confidential"]
        a.confidential = confidential ? true : nil
        a.keywords = try String.fetchAll(db, sql: "SELECT keyword FROM study_keywords WHERE study_uid = ? ORDER BY keyword",
                                         arguments: [uid])
        let (pid, issuer): (String, String) = (row["patient_id"], row["issuer"])
        if pid != (row["original_patient_id"] as String) || issuer != (row["original_issuer"] as String) {
            a.attachedTo = .init(patientID: pid, issuer: issuer)
        }
        return a
    }

    /// Write `study.json` for a study (temporary file and rename). Best effort: the index
    /// holds the truth; the file only matters if the index has to be rebuilt.
    func saveAnnotations(_ uid: String) {
        guard let a = try? pool.read({ db in try annotations(db, study: uid) }) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(a) else { return }
        let dir = layout.absolute(StoreLayout.studyDirectory(studyUID: uid))
        guard (try? FileSystem.makePrivateDirectory(dir)) != nil else { return }
        let temp = makeTemporaryPath()
        guard let fd = try? FileSystem.createPrivateFile(temp) else { return }
        let ok = (try? FileSystem.writeAll(fd, bytes: [UInt8](data), path: temp)) != nil
        FileSystem.closeDescriptor(fd)
        if !ok || (try? FileSystem.rename(temp, dir + "/" + StudyAnnotations.fileName)) == nil { unlink(temp) }
    }

    static func loadAnnotations(studyDirectory dir: String) -> StudyAnnotations? {
        let path = dir + "/" + StudyAnnotations.fileName
        guard let size = FileSystem.fileSize(path), size < 1 << 20 else { return nil }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { FileSystem.closeDescriptor(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, size) }
        guard n == size else { return nil }
        return try? JSONDecoder().decode(StudyAnnotations.self, from: Data(bytes))
    }

    /// Put a study's annotations from `study.json` back into a rebuilt index.
    func restoreAnnotations(_ db: Database, study uid: String, _ a: StudyAnnotations) throws {
        try db.execute(sql: "UPDATE studies SET pinned = ?, is_read = ?, note = ?, source = ?, state = ? WHERE uid = ?",
                       arguments: [a.pinned, a.read, a.note, a.source, StudyState(rawValue: a.state)?.rawValue ?? "partial", uid])
        if a.confidential == true {
            try db.execute(sql: "UPDATE studies SET confidential = 1 WHERE uid = ?", arguments: [uid])
        }
        for k in a.keywords {
            try db.execute(sql: "INSERT OR IGNORE INTO study_keywords VALUES (?, ?)", arguments: [uid, normalizedKeyword(k)])
        }
        if let target = a.attachedTo,
           let id = try Int64.fetchOne(db, sql: "SELECT id FROM patients WHERE patient_id = ? AND issuer = ?",
                                       arguments: [target.patientID, target.issuer]) {
            let original = try Row.fetchOne(db, sql: "SELECT original_patient_id, original_issuer FROM studies WHERE uid = ?",
                                            arguments: [uid])
            try db.execute(sql: "UPDATE studies SET patient_ref = ? WHERE uid = ?", arguments: [id, uid])
            if let original {
                try db.execute(sql: "INSERT OR IGNORE INTO patient_ids VALUES (?, ?, ?, 'attached')",
                               arguments: [id, original["original_patient_id"] as String, original["original_issuer"] as String])
            }
        }
    }
}

extension StudyStore {
    /// Attach a study to the local patient with Patient ID `patientID` (patient identity
    /// reconciliation): the study moves to that patient, its files' identifiers stay recorded
    /// as the study's original ones and become another identifier of the patient, so later
    /// studies with them join the same patient and priors find them.
    public func attach(study uid: String, toPatientID patientID: String) throws(StoreError) {
        try asWriter { () throws(StoreError) in
            try write { db in
                guard let study = try Row.fetchOne(db, sql: "SELECT original_patient_id, original_issuer FROM studies WHERE uid = ?",
                                                   arguments: [uid]) else {
                    throw StoreError(.notFound("study \(uid)"))
                }
                guard let target = try Row.fetchOne(db, sql: """
                    SELECT id, patient_id, issuer FROM patients WHERE patient_id = ? ORDER BY issuer = '' DESC, id LIMIT 1
                    """, arguments: [patientID]) else {
                    throw StoreError(.notFound("no local patient with the Patient ID given"))
                }
                let id: Int64 = target["id"]
                try db.execute(sql: "UPDATE studies SET patient_ref = ? WHERE uid = ?", arguments: [id, uid])
                let (originalID, originalIssuer): (String, String) = (study["original_patient_id"], study["original_issuer"])
                if originalID != (target["patient_id"] as String) || originalIssuer != (target["issuer"] as String) {
                    try db.execute(sql: "INSERT OR IGNORE INTO patient_ids VALUES (?, ?, ?, 'attached')",
                                   arguments: [id, originalID, originalIssuer])
                }
                try db.execute(sql: "DELETE FROM patients WHERE id NOT IN (SELECT patient_ref FROM studies)")
            }
            saveAnnotations(uid)
        }
    }
}
