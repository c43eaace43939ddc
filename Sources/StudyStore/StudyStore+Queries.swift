import DICOMCore
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// A worklist filter, sort order and page. Empty fields do not filter.
public struct WorklistQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case date, patientName = "name", patientID = "id", accession, modality, lastAccess = "access", added
    }
    public enum ReadFilter: String, Sendable { case read, unread }

    /// Study Date range, DA (YYYYMMDD), inclusive.
    public var dateFrom: String?
    public var dateTo: String?
    /// One modality; matches a study that has a series of it ("CT" matches "CT\PT").
    public var modality: String?
    /// Patient's name: a substring, or with `*` and `?` wildcards (PS3.4 C.2.2.2.4), any case,
    /// `^` and spaces alike.
    public var patientName: String?
    /// Patient ID, local or as the files carry it, with `*` and `?` wildcards.
    public var patientID: String?
    public var accessionNumber: String?
    public var keyword: String?
    /// Matches name, IDs, accession, description, keywords and notes.
    public var text: String?
    public var read: ReadFilter?
    public var state: StudyState?
    public var pinnedOnly = false
    /// List confidential studies too (flagged locally or by a configured Confidentiality Code);
    /// each one listed is recorded in the store's audit log.
    public var showConfidential = false
    public var sort: Sort = .date
    public var descending = true
    public var limit = 100
    public var offset = 0

    public init() {}
}

extension StudyStore {
    // MARK: - Worklist

    /// A page of studies matching `query`, with patient and annotations.
    public func worklist(_ query: WorklistQuery) throws(StoreError) -> [StudySummary] {
        let (whereSQL, arguments) = Self.filter(query, confidentialCodes: options.confidentialCodes)
        let direction = query.descending ? "DESC" : "ASC"
        let order: String
        switch query.sort {
        case .date: order = "s.study_date \(direction), s.study_time \(direction)"
        case .patientName: order = "p.name_key \(direction)"
        case .patientID: order = "p.patient_id \(direction)"
        case .accession: order = "s.accession \(direction)"
        case .modality: order = "s.modalities \(direction)"
        case .lastAccess: order = "s.last_access \(direction)"
        case .added: order = "s.added_at \(direction)"
        }
        var args = arguments
        args += [max(0, query.limit), max(0, query.offset)]
        let rows = try read { db in
            try Row.fetchAll(db, sql: Self.summarySelect + whereSQL + " ORDER BY \(order), s.uid LIMIT ? OFFSET ?",
                             arguments: StatementArguments(args)).map(Self.summary(from:))
        }
        let codes = Set(options.confidentialCodes.map(Self.normalizedCode))
        var out = rows
        for i in out.indices {
            out[i].isConfidential = out[i].confidentialFlag || codes.contains(Self.normalizedCode(out[i].confidentialityCode))
        }
        if query.showConfidential {
            for s in out where s.isConfidential { try audit(.listConfidential, study: s.studyInstanceUID) }
        }
        return out
    }

    static func normalizedCode(_ code: String) -> String { code.trimming(" \0").uppercased() }

    /// Flag a study confidential (or clear the flag): hidden from the worklist unless asked for.
    public func setConfidential(_ confidential: Bool, study uid: String) throws(StoreError) {
        try updateStudy(uid, sql: "UPDATE studies SET confidential = ? WHERE uid = ?", [confidential, uid])
        try audit(.mark, study: uid, detail: confidential ? "confidential" : "not confidential")
    }

    /// How many studies match `query` (for paging).
    public func count(_ query: WorklistQuery) throws(StoreError) -> Int {
        let (whereSQL, arguments) = Self.filter(query, confidentialCodes: options.confidentialCodes)
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM studies s JOIN patients p ON p.id = s.patient_ref" + whereSQL,
                             arguments: StatementArguments(arguments)) ?? 0
        }
    }

    public func study(_ uid: String) throws(StoreError) -> StudySummary? {
        try read { db in
            try Row.fetchOne(db, sql: Self.summarySelect + " WHERE s.uid = ?", arguments: [uid]).map(Self.summary(from:))
        }
    }

    /// A study given by its UID or by an unambiguous accession number (for the command line).
    public func findStudy(_ key: String) throws(StoreError) -> StudySummary? {
        if let s = try study(key) { return s }
        let uids = try read { db in
            try String.fetchAll(db, sql: "SELECT uid FROM studies WHERE accession = ? LIMIT 2", arguments: [key])
        }
        guard uids.count == 1 else { return nil }
        return try study(uids[0])
    }

    public func series(ofStudy uid: String) throws(StoreError) -> [SeriesSummary] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM series WHERE study_uid = ? ORDER BY number, uid", arguments: [uid]).map { r in
                SeriesSummary(seriesInstanceUID: r["uid"], studyInstanceUID: r["study_uid"], seriesNumber: r["number"],
                              modality: r["modality"], bodyPart: r["body_part"], seriesDescription: r["description"],
                              instanceCount: r["num_instances"], sizeBytes: r["size_bytes"])
            }
        }
    }

    /// Instances of a series in Instance Number order, with the absolute paths of their files.
    public func instances(ofSeries uid: String) throws(StoreError) -> [InstanceRecord] {
        try fetchInstances(sql: "SELECT * FROM instances WHERE series_uid = ? ORDER BY number, sop_uid", uid)
    }

    public func instances(ofStudy uid: String) throws(StoreError) -> [InstanceRecord] {
        try fetchInstances(sql: "SELECT * FROM instances WHERE study_uid = ? ORDER BY series_uid, number, sop_uid", uid)
    }

    public func instance(_ sopInstanceUID: String) throws(StoreError) -> InstanceRecord? {
        try fetchInstances(sql: "SELECT * FROM instances WHERE sop_uid = ?", sopInstanceUID).first
    }

    func fetchInstances(sql: String, _ argument: String) throws(StoreError) -> [InstanceRecord] {
        let layout = self.layout
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: [argument]).map { r in
                InstanceRecord(sopInstanceUID: r["sop_uid"], seriesInstanceUID: r["series_uid"],
                               studyInstanceUID: r["study_uid"], sopClassUID: r["sop_class"],
                               instanceNumber: r["number"], numberOfFrames: r["frames"],
                               transferSyntaxUID: r["transfer_syntax"], sizeBytes: r["size_bytes"],
                               path: layout.absolute(r["path"]))
            }
        }
    }

    /// Local patients with this Patient ID (any issuer).
    public func patients(withID id: String) throws(StoreError) -> [PatientRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM patients WHERE patient_id = ? ORDER BY issuer", arguments: [id])
                .map(Self.patient(from:))
        }
    }

    /// Local patients other than the study's own that match its patient on name, birth date
    /// and sex: candidates for attaching a study from outside.
    public func candidatePatients(forStudy uid: String) throws(StoreError) -> [PatientRecord] {
        guard let s = try study(uid) else { throw StoreError(.notFound("study \(uid)")) }
        return try read { db in
            try matchingPatients(db, excluding: s.patient.key, name: s.patient.name,
                                 birthDate: s.patient.birthDate, sex: s.patient.sex)
        }
    }

    // MARK: - Priors

    /// The same patient's other studies in the store, most relevant first (`rankPriors`).
    /// "Same patient": the study's local patient, and patients known by one of its
    /// identifiers — the Patient ID, Other Patient IDs, and IDs attached by reconciliation.
    public func priors(of uid: String, limit: Int? = nil) throws(StoreError) -> [RankedPrior] {
        guard let current = try study(uid) else { throw StoreError(.notFound("study \(uid)")) }
        let candidates: [PriorCandidate] = try read { db in
            var ids = Set(try String.fetchAll(db, sql: "SELECT other_id FROM patient_ids WHERE patient_ref = ?",
                                              arguments: [current.patient.key]))
            ids.insert(current.patient.patientID)
            ids.insert(current.originalPatientID)
            ids.remove("")
            let idList = Array(ids)
            let marks = idList.map { _ in "?" }.joined(separator: ",")
            let sql = """
                SELECT uid, study_date, modalities, body_parts FROM studies
                WHERE uid != ? AND (patient_ref = ?
                    \(idList.isEmpty ? "" : """
                    OR patient_ref IN (SELECT id FROM patients WHERE patient_id IN (\(marks)))
                    OR patient_ref IN (SELECT patient_ref FROM patient_ids WHERE other_id IN (\(marks)))
                    OR original_patient_id IN (\(marks))
                    """))
                """
            var args: [any DatabaseValueConvertible] = [uid, current.patient.key]
            if !idList.isEmpty { for _ in 0..<3 { args += idList as [any DatabaseValueConvertible] } }
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
                PriorCandidate(studyInstanceUID: r["uid"], studyDate: r["study_date"],
                               modalities: Self.split(r["modalities"]), bodyParts: Self.split(r["body_parts"]),
                               location: .local)
            }
        }
        let ranked = Self.rankPriors(current: PriorCandidate(studyInstanceUID: uid, studyDate: current.studyDate,
                                                             modalities: current.modalities, bodyParts: current.bodyParts,
                                                             location: .local),
                                     candidates: candidates)
        if let limit { return Array(ranked.prefix(limit)) }
        return ranked
    }

    /// Rank prior candidates for `current` (local ones and those an archive reported, so the
    /// networking side can pick what to prefetch): a shared modality counts 2, a shared body
    /// part 1; at equal relevance, studies before the current one come first, newest first,
    /// then later ones. A candidate with the current study's UID is dropped; one UID known
    /// both locally and in an archive is kept once, as local.
    public static func rankPriors(current: PriorCandidate, candidates: [PriorCandidate]) -> [RankedPrior] {
        let modalities = Set(current.modalities.map { $0.uppercased() })
        let bodyParts = Set(current.bodyParts.map { $0.uppercased() })
        var byUID: [String: PriorCandidate] = [:]
        for c in candidates where c.studyInstanceUID != current.studyInstanceUID {
            if let existing = byUID[c.studyInstanceUID], existing.location == .local { continue }
            byUID[c.studyInstanceUID] = c
        }
        let ranked = byUID.values.map { c -> RankedPrior in
            var relevance = 0
            if !modalities.isDisjoint(with: c.modalities.map { $0.uppercased() }) { relevance += 2 }
            if !bodyParts.isDisjoint(with: c.bodyParts.map { $0.uppercased() }) { relevance += 1 }
            return RankedPrior(candidate: c, relevance: relevance)
        }
        return ranked.sorted { a, b in
            if a.relevance != b.relevance { return a.relevance > b.relevance }
            let aBefore = current.studyDate.isEmpty || a.candidate.studyDate <= current.studyDate
            let bBefore = current.studyDate.isEmpty || b.candidate.studyDate <= current.studyDate
            if aBefore != bBefore { return aBefore }
            if a.candidate.studyDate != b.candidate.studyDate {
                return aBefore ? a.candidate.studyDate > b.candidate.studyDate : a.candidate.studyDate < b.candidate.studyDate
            }
            return a.candidate.studyInstanceUID < b.candidate.studyInstanceUID
        }
    }

    // MARK: - Row mapping

    /// Columns by position: mapping a row by index is several times faster than by name,
    /// which matters for a page of 50 rows on every keystroke of a worklist filter.
    static let summarySelect = """
        SELECT s.uid, p.id, p.patient_id, p.issuer, p.name, p.birth_date, p.sex,
               s.original_patient_id, s.original_issuer, s.original_patient_name, s.study_date, s.study_time,
               s.description, s.accession, s.study_id, s.referring_physician, s.institution, s.modalities,
               s.body_parts, s.num_series, s.num_instances, s.size_bytes, s.source, s.state, s.added_at,
               s.last_access, s.pinned, s.is_read, s.note,
               (SELECT group_concat(keyword, char(9)) FROM study_keywords k WHERE k.study_uid = s.uid),
               s.confidential, s.confidentiality_code
        FROM studies s JOIN patients p ON p.id = s.patient_ref
        """

    static func summary(from r: Row) -> StudySummary {
        StudySummary(
            studyInstanceUID: r[0],
            patient: PatientRecord(key: r[1], patientID: r[2], issuer: r[3], name: r[4], birthDate: r[5], sex: r[6]),
            originalPatientID: r[7], originalIssuer: r[8], originalPatientName: r[9], studyDate: r[10], studyTime: r[11],
            studyDescription: r[12], accessionNumber: r[13], studyID: r[14], referringPhysician: r[15], institution: r[16],
            modalities: split(r[17]), bodyParts: split(r[18]),
            seriesCount: r[19], instanceCount: r[20], sizeBytes: r[21], source: r[22],
            state: StudyState(rawValue: r[23]) ?? .partial, addedAt: r[24], lastAccess: r[25], pinned: r[26], isRead: r[27],
            keywords: ((r[29] as String?) ?? "").split(separator: "\t").map(String.init).sorted(),
            note: r[28], confidentialFlag: r[30], confidentialityCode: r[31])
    }

    static func patient(from r: Row) -> PatientRecord {
        PatientRecord(key: r["id"], patientID: r["patient_id"], issuer: r["issuer"], name: r["name"],
                      birthDate: r["birth_date"], sex: r["sex"])
    }

    static func split(_ s: String) -> [String] {
        s.isEmpty ? [] : s.split(separator: "\\").map(String.init)
    }

    /// DICOM wildcards (`*`, `?`) to a LIKE pattern; without wildcards, a substring match.
    static func likePattern(_ text: String, substring: Bool) -> String {
        var out = ""
        var wild = false
        for ch in text {
            switch ch {
            case "*": out += "%"; wild = true
            case "?": out += "_"; wild = true
            case "%", "_", "\\": out += "\\" + String(ch)
            default: out.append(ch)
            }
        }
        return (substring && !wild) ? "%" + out + "%" : out
    }

    static func hasWildcard(_ s: String) -> Bool { s.contains("*") || s.contains("?") }

    static func filter(_ q: WorklistQuery, confidentialCodes: [String] = []) -> (String, [any DatabaseValueConvertible]) {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        func nonEmpty(_ s: String?) -> String? {
            guard let s = s?.trimming(" "), !s.isEmpty else { return nil }
            return s
        }
        if let from = nonEmpty(q.dateFrom) { clauses.append("s.study_date >= ?"); args.append(from) }
        if let to = nonEmpty(q.dateTo) { clauses.append("s.study_date <= ?"); args.append(to) }
        if let m = nonEmpty(q.modality) {
            clauses.append("('\\' || s.modalities || '\\') LIKE ? ESCAPE '|'")
            args.append("%\\" + m.uppercased() + "\\%")
        }
        // Patient-level filters select patients first (1 row per patient, indexed where the
        // value has no wildcard), so a rare name does not cost a scan of every study.
        if let name = nonEmpty(q.patientName) {
            // Wildcards survive normalisation (it only upper-cases and merges separators).
            clauses.append("s.patient_ref IN (SELECT id FROM patients WHERE name_key LIKE ? ESCAPE '\\')")
            args.append(likePattern(normalizedPatientName(name), substring: true))
        }
        if let id = nonEmpty(q.patientID) {
            if hasWildcard(id) {
                let pattern = likePattern(id, substring: false)
                clauses.append("""
                    (s.patient_ref IN (SELECT id FROM patients WHERE patient_id LIKE ? ESCAPE '\\')
                     OR s.original_patient_id LIKE ? ESCAPE '\\')
                    """)
                args += [pattern, pattern]
            } else {
                clauses.append("(s.patient_ref IN (SELECT id FROM patients WHERE patient_id = ?) OR s.original_patient_id = ?)")
                args += [id, id]
            }
        }
        if let acc = nonEmpty(q.accessionNumber) {
            if hasWildcard(acc) {
                clauses.append("s.accession LIKE ? ESCAPE '\\'")
                args.append(likePattern(acc, substring: false))
            } else {
                clauses.append("s.accession = ?")
                args.append(acc)
            }
        }
        if let kw = nonEmpty(q.keyword) {
            clauses.append("s.uid IN (SELECT study_uid FROM study_keywords WHERE keyword = ?)")
            args.append(normalizedKeyword(kw))
        }
        if let text = nonEmpty(q.text) {
            let pattern = likePattern(text, substring: true)
            let namePattern = likePattern(normalizedPatientName(text), substring: true)
            if hasWildcard(text) {
                clauses.append("""
                    (s.patient_ref IN (SELECT id FROM patients WHERE name_key LIKE ? ESCAPE '\\' OR patient_id LIKE ? ESCAPE '\\')
                     OR s.search_key LIKE ? ESCAPE '\\')
                    """)
                args += [namePattern, pattern, pattern]
            } else {
                // search_key is upper-cased by SQLite's upper(), which maps ASCII only.
                let needle = String(String.UnicodeScalarView(text.unicodeScalars.map {
                    ("a"..."z").contains($0) ? Unicode.Scalar($0.value - 32) ?? $0 : $0
                }))
                clauses.append("""
                    (s.patient_ref IN (SELECT id FROM patients WHERE name_key LIKE ? ESCAPE '\\' OR patient_id LIKE ? ESCAPE '\\')
                     OR instr(s.search_key, ?) > 0)
                    """)
                args += [namePattern, pattern, needle]
            }
        }
        if let r = q.read { clauses.append("s.is_read = ?"); args.append(r == .read) }
        if let st = q.state { clauses.append("s.state = ?"); args.append(st.rawValue) }
        if q.pinnedOnly { clauses.append("s.pinned = 1") }
        if !q.showConfidential {
            clauses.append("s.confidential = 0")
            let codes = confidentialCodes.map(normalizedCode).filter { !$0.isEmpty }
            if !codes.isEmpty {
                clauses.append("upper(trim(s.confidentiality_code)) NOT IN (" + codes.map { _ in "?" }.joined(separator: ", ") + ")")
                args += codes
            }
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), args)
    }
}

/// Keywords are compared without case and surrounding spaces.
public func normalizedKeyword(_ k: String) -> String {
    k.trimming(" \t").lowercased()
}

extension StudyStore {
    /// Which priors of a study to fetch ahead of the reader: the `limit` most relevant of the
    /// local priors and of `archiveCandidates` (what the configured archive's C-FIND or QIDO-RS
    /// reported for the patient's IDs), keeping those not already complete in the store, in
    /// rank order. The networking side fetches them in the background within its bandwidth share.
    public func priorsToPrefetch(of uid: String, archiveCandidates: [PriorCandidate], limit: Int) throws(StoreError) -> [PriorCandidate] {
        guard let current = try study(uid) else { throw StoreError(.notFound("study \(uid)")) }
        let local = try priors(of: uid).map(\.candidate)
        let ranked = Self.rankPriors(
            current: PriorCandidate(studyInstanceUID: uid, studyDate: current.studyDate, modalities: current.modalities,
                                    bodyParts: current.bodyParts, location: .local),
            candidates: local + archiveCandidates)
        var out: [PriorCandidate] = []
        for r in ranked.prefix(max(0, limit)) {
            if r.candidate.location == .local, try study(r.candidate.studyInstanceUID)?.state == .complete { continue }
            out.append(r.candidate)
        }
        return out
    }
}
