#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DICOMCore
import GRDB

extension StudyStore {
    /// A complete file ready to be indexed.
    struct Staged {
        var attributes: InstanceAttributes
        /// Where the file is now: in `tmp/`, or already at its final path (`inPlace`).
        var path: String
        var size: Int64
        var inPlace = false
    }

    struct CommitResult {
        var outcomes: [IngestOutcome] = []
        var matches: [PatientMatch] = []
        var newStudies: [String] = []
        /// Existing studies whose state the commit changed (their `study.json` is rewritten).
        var restated: [String] = []
    }

    // MARK: - Public ingest API

    /// Take over a complete file written to a path from `makeTemporaryPath()`: parse it, flush
    /// it, move it into place and index it. The temporary file is gone afterwards, whatever
    /// the outcome. Throws for an unreadable file (`kind.isInputRejection`) and store faults.
    ///
    /// `retrieving`: the instance is one of a transfer that may break off (a retrieve). Its
    /// study is marked partial in the same transaction that indexes it, so a process killed
    /// mid-retrieve never leaves a study counted complete with instances missing; the caller
    /// marks it complete (`markComplete`) once the archive's list is all held.
    public func adopt(temporaryFile path: String, source: String, asPatient: String? = nil,
                      retrieving: Bool = false) throws(StoreError) -> IngestOutcome {
        let staged: Staged
        do {
            staged = try stage(path: path)
        } catch {
            unlink(path)
            throw error
        }
        if options.durable {
            do { try FileSystem.syncFile(path) } catch { unlink(path); throw error }
        }
        let result = try commit([staged], source: source, asPatient: asPatient, retrieving: retrieving)
        try enforceQuota(protecting: [staged.attributes.studyInstanceUID])
        return result.outcomes[0]
    }

    /// Store an instance given as bytes (e.g. a DICOMweb part already in memory).
    public func ingest(bytes: [UInt8], source: String, asPatient: String? = nil) throws(StoreError) -> IngestOutcome {
        let temp = makeTemporaryPath()
        let fd = try FileSystem.createPrivateFile(temp)
        do {
            try FileSystem.writeAll(fd, bytes: bytes, path: temp)
        } catch {
            FileSystem.closeDescriptor(fd)
            unlink(temp)
            throw error
        }
        FileSystem.closeDescriptor(fd)
        return try adopt(temporaryFile: temp, source: source, asPatient: asPatient)
    }

    /// Import files, folders (recursively) and DICOMDIR media (PS3.10 §8, PS3.3 F.3): a
    /// folder with a DICOMDIR at its top is imported through the DICOMDIR only, so viewer
    /// software on a CD is not mistaken for bad DICOM. Unreadable files are reported and the
    /// import carries on; a store fault (disk full) ends it, leaving what was stored indexed.
    /// `progress(done, total)` is called after each batch.
    /// Each study that received instances is recorded in the audit log (`import`, with the
    /// count of new instances); a store fault as a failed `import`. An audit record that cannot
    /// be written is the report's `storeError` if it has none.
    public func importFiles(_ inputs: [String], source: String? = nil, asPatient: String? = nil,
                            progress: ((Int, Int) -> Void)? = nil) -> ImportReport {
        var report = importFilesUnaudited(inputs, source: source, asPatient: asPatient, progress: progress)
        for uid in report.studies {
            do { try audit(.import, study: uid, instances: report.importedByStudy[uid] ?? 0) } catch {
                if report.storeError == nil { report.storeError = error }
            }
        }
        if let e = report.storeError {
            try? audit(.import, outcome: .failure, instances: report.imported, detail: e.kind.description)
        }
        return report
    }

    private func importFilesUnaudited(_ inputs: [String], source: String?, asPatient: String?,
                                      progress: ((Int, Int) -> Void)?) -> ImportReport {
        var report = ImportReport()
        let files = expandInputs(inputs, report: &report)
        let origin = source ?? "import:" + (inputs.first ?? "")
        var seenStudies = Set<String>()
        var done = 0
        var batchStart = 0
        while batchStart < files.count {
            let batch = files[batchStart..<min(files.count, batchStart + max(1, options.batchSize))]
            batchStart += batch.count
            var staged: [Staged] = []
            func discardBatch() { for s in staged { unlink(s.path) } }
            /// Flush, move into place and index what is staged; tally the outcomes.
            func commitStaged() throws(StoreError) {
                guard !staged.isEmpty else { return }
                if options.durable { try FileSystem.syncFileSystem(of: layout.temporaryDirectory) }
                let result = try commit(staged, source: origin, asPatient: asPatient)
                staged.removeAll()
                for outcome in result.outcomes {
                    switch outcome {
                    case .imported:
                        report.imported += 1
                        report.importedByStudy[outcome.studyInstanceUID, default: 0] += 1
                    case .duplicate: report.duplicates += 1
                    }
                    if seenStudies.insert(outcome.studyInstanceUID).inserted { report.studies.append(outcome.studyInstanceUID) }
                }
                report.patientMatches += result.matches
            }
            // Parse the batch, then ask the index once which of its instances it has.
            var parsed: [(file: DICOMFile, attributes: InstanceAttributes)] = []
            for path in batch {
                let file: DICOMFile
                do {
                    file = try Part10Reader.read(path: path)
                } catch {
                    var e = error
                    e.file = nil
                    report.rejected.append(.init(path: path, reason: e.description))
                    continue
                }
                let attributes: InstanceAttributes
                do {
                    attributes = try InstanceAttributes(file: file)
                } catch {
                    report.rejected.append(.init(path: path, reason: error.kind.description))
                    continue
                }
                if attributes.sopClassUID == mediaStorageDirectorySOPClassUID {
                    report.skipped.append(path)
                    continue
                }
                parsed.append((file, attributes))
            }
            // Cheap duplicate test before copying; `commit` tests again under the lock.
            var known: Set<String>
            do {
                let uids = parsed.map(\.attributes.sopInstanceUID)
                known = uids.isEmpty ? [] : Set(try read { db in
                    try String.fetchAll(db, sql: "SELECT sop_uid FROM instances WHERE sop_uid IN (\(uids.map { _ in "?" }.joined(separator: ",")))",
                                        arguments: StatementArguments(uids))
                })
            } catch {
                report.storeError = error
                return report
            }
            for (file, attributes) in parsed {
                if !known.insert(attributes.sopInstanceUID).inserted {
                    report.duplicates += 1
                    continue
                }
                let temp = makeTemporaryPath()
                do {
                    let fd = try FileSystem.createPrivateFile(temp)
                    defer { FileSystem.closeDescriptor(fd) }
                    try file.source.withUnsafeBytes { (buf) throws(StoreError) in try FileSystem.writeAll(fd, buf, path: temp) }
                } catch {
                    unlink(temp)
                    // Keep what is complete: index the files staged before this one (with the
                    // disk full this may fail too, and then nothing of this batch is kept).
                    do { try commitStaged() } catch { discardBatch() }
                    report.storeError = error
                    return report
                }
                staged.append(Staged(attributes: attributes, path: temp, size: Int64(file.source.count)))
            }
            parsed.removeAll()
            do {
                try commitStaged()
            } catch {
                discardBatch()
                report.storeError = error
                return report
            }
            done += batch.count
            progress?(done, files.count)
        }
        do {
            try enforceQuota(protecting: Set(report.studies))
        } catch {
            report.storeError = error
        }
        return report
    }

    // MARK: - Staging and committing

    /// Parse a file and extract its attributes; refuses DICOMDIRs.
    func stage(path: String) throws(StoreError) -> Staged {
        let file: DICOMFile
        do {
            file = try Part10Reader.read(path: path)
        } catch {
            var e = error
            e.file = nil
            throw StoreError(.notDICOM(e.description), path: path)
        }
        let attributes = try InstanceAttributes(file: file)
        if attributes.sopClassUID == mediaStorageDirectorySOPClassUID {
            throw StoreError(.notDICOM("a DICOMDIR (media index) is not an instance"), path: path)
        }
        return Staged(attributes: attributes, path: path, size: Int64(file.source.count))
    }

    /// Index complete files: in one transaction, insert the rows, move the files into place,
    /// flush the renames, then commit. A crash before the commit leaves files the index does
    /// not know (removed by the sweep), never rows without files.
    /// `retrieving`: the studies touched become (or stay) partial (see `adopt`).
    func commit(_ staged: [Staged], source: String, asPatient: String?, retrieving: Bool = false) throws(StoreError) -> CommitResult {
        try asWriter { () throws(StoreError) -> CommitResult in
            try commitHeld(staged, source: source, asPatient: asPatient, retrieving: retrieving)
        }
    }

    /// `commit` for a caller that holds the writer lock.
    func commitHeld(_ staged: [Staged], source: String, asPatient: String? = nil, retrieving: Bool = false) throws(StoreError) -> CommitResult {
        do {
            let now = options.clock()
            var moved: [String] = []
            do {
                let committed = try pool.write { db -> CommitResult in
                    var result = CommitResult()
                    var seen = Set<String>()
                    var touchedSeries: [String] = []
                    var touchedStudies: [String] = []
                    var newPatientStudies: [(study: String, patient: Int64, attributes: InstanceAttributes)] = []
                    var renames: [(from: String, to: String, directory: String)] = []
                    let exists = try db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM instances WHERE sop_uid = ?)")
                    let insertSeries = try db.cachedStatement(sql: """
                        INSERT INTO series (uid, study_uid, number, modality, body_part, description)
                        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(uid) DO NOTHING
                        """)
                    let insertInstance = try db.cachedStatement(sql: """
                        INSERT INTO instances (sop_uid, series_uid, study_uid, sop_class, number, frames,
                                               transfer_syntax, size_bytes, path, added_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    for s in staged {
                        let a = s.attributes
                        let known = try Bool.fetchOne(exists, arguments: [a.sopInstanceUID]) ?? false
                        if known || seen.contains(a.sopInstanceUID) {
                            result.outcomes.append(.duplicate(sopInstanceUID: a.sopInstanceUID, studyInstanceUID: a.studyInstanceUID))
                            if !s.inPlace { unlink(s.path) }
                            continue
                        }
                        seen.insert(a.sopInstanceUID)
                        let relative = StoreLayout.instancePath(studyUID: a.studyInstanceUID, sopInstanceUID: a.sopInstanceUID)
                        if try !studyExists(db, a.studyInstanceUID) {
                            let (patient, isNew) = try resolvePatient(db, a, asPatient: asPatient)
                            try db.execute(sql: """
                                INSERT INTO studies (uid, patient_ref, original_patient_id, original_issuer,
                                    original_patient_name, study_date, study_time, description, accession, study_id,
                                    referring_physician, institution, source, state, added_at, last_access,
                                    confidentiality_code)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                """, arguments: [a.studyInstanceUID, patient, a.patientID, a.issuerOfPatientID,
                                                 a.patientName, a.studyDate, a.studyTime, a.studyDescription,
                                                 a.accessionNumber, a.studyID, a.referringPhysician, a.institution,
                                                 source, retrieving ? StudyState.partial.rawValue : StudyState.complete.rawValue,
                                                 now, now, a.confidentialityCode])
                            if isNew { newPatientStudies.append((a.studyInstanceUID, patient, a)) }
                            result.newStudies.append(a.studyInstanceUID)
                        }
                        try insertSeries.execute(arguments: [a.seriesInstanceUID, a.studyInstanceUID, a.seriesNumber, a.modality,
                                                             a.bodyPart.uppercased(), a.seriesDescription])
                        try insertInstance.execute(arguments: [
                            a.sopInstanceUID, a.seriesInstanceUID, a.studyInstanceUID, a.sopClassUID, a.instanceNumber,
                            a.numberOfFrames, a.transferSyntaxUID, s.size, relative, now,
                        ])
                        if touchedSeries.last != a.seriesInstanceUID, !touchedSeries.contains(a.seriesInstanceUID) {
                            touchedSeries.append(a.seriesInstanceUID)
                        }
                        if !touchedStudies.contains(a.studyInstanceUID) { touchedStudies.append(a.studyInstanceUID) }
                        if !s.inPlace {
                            renames.append((s.path, layout.absolute(relative),
                                            layout.absolute(StoreLayout.studyDirectory(studyUID: a.studyInstanceUID))))
                        }
                        result.outcomes.append(.imported(sopInstanceUID: a.sopInstanceUID, studyInstanceUID: a.studyInstanceUID))
                    }
                    try updateAggregates(db, series: touchedSeries, studies: touchedStudies, lastAccess: now)
                    if retrieving {
                        // A study that was complete and receives more is being filled: partial until
                        // the retrieve says otherwise (new studies were inserted partial above).
                        for uid in touchedStudies where !result.newStudies.contains(uid) {
                            try db.execute(sql: "UPDATE studies SET state = 'partial' WHERE uid = ? AND state != 'partial'", arguments: [uid])
                            if db.changesCount > 0 { result.restated.append(uid) }
                        }
                    }
                    for (study, patient, a) in newPatientStudies {
                        let candidates = try matchingPatients(db, excluding: patient, name: a.patientName,
                                                              birthDate: a.patientBirthDate, sex: a.patientSex)
                        if !candidates.isEmpty {
                            result.matches.append(PatientMatch(studyInstanceUID: study, patientID: a.patientID, candidates: candidates))
                        }
                    }
                    // Files into place before the commit makes them visible.
                    var directories = Set<String>()
                    for r in renames {
                        if directories.insert(r.directory).inserted { try FileSystem.makePrivateDirectory(r.directory) }
                        try FileSystem.rename(r.from, r.to)
                        moved.append(r.to)
                    }
                    if options.durable && !renames.isEmpty {
                        if renames.count == 1, let d = directories.first {
                            FileSystem.syncDirectory(d)
                        } else {
                            try FileSystem.syncFileSystem(of: layout.objectsDirectory)
                        }
                    }
                    return result
                }
                for study in committed.newStudies + committed.restated { saveAnnotations(study) }
                return committed
            } catch {
                // Nothing was indexed: remove what was moved or staged.
                for path in moved { unlink(path) }
                for s in staged where !s.inPlace { unlink(s.path) }
                throw Self.mapDatabaseError(error, path: layout.indexPath)
            }
        }
    }

    func studyExists(_ db: Database, _ uid: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM studies WHERE uid = ?)"), arguments: [uid]) ?? false
    }

    /// The local patient a new study belongs to: the one named by `asPatient`; the one a study
    /// with the same foreign identifiers was attached to before; the one with the same Patient ID
    /// and issuer; or a new one.
    func resolvePatient(_ db: Database, _ a: InstanceAttributes, asPatient: String?) throws -> (Int64, Bool) {
        if let asPatient {
            guard let target = try Row.fetchOne(db, sql: """
                SELECT id, patient_id, issuer FROM patients WHERE patient_id = ? ORDER BY issuer = '' DESC, id LIMIT 1
                """, arguments: [asPatient]) else {
                throw StoreError(.notFound("no local patient with the Patient ID given"))
            }
            let id: Int64 = target["id"]
            if a.patientID != (target["patient_id"] as String) || a.issuerOfPatientID != (target["issuer"] as String) {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO patient_ids (patient_ref, other_id, issuer, origin) VALUES (?, ?, ?, 'attached')
                    """, arguments: [id, a.patientID, a.issuerOfPatientID])
            }
            return (id, false)
        }
        if !a.patientID.isEmpty, let attached = try Int64.fetchOne(db, sql: """
            SELECT patient_ref FROM patient_ids WHERE other_id = ? AND issuer = ? AND origin = 'attached' LIMIT 1
            """, arguments: [a.patientID, a.issuerOfPatientID]) {
            return (attached, false)
        }
        let nameKey = normalizedPatientName(a.patientName)
        let anonymousKey = a.patientID.isEmpty ? nameKey + "|" + a.patientBirthDate : ""
        if let id = try Int64.fetchOne(db, sql: """
            SELECT id FROM patients WHERE patient_id = ? AND issuer = ? AND anonymous_key = ?
            """, arguments: [a.patientID, a.issuerOfPatientID, anonymousKey]) {
            for other in a.otherPatientIDs {
                try db.execute(sql: "INSERT OR IGNORE INTO patient_ids VALUES (?, ?, '', 'other')", arguments: [id, other])
            }
            return (id, false)
        }
        try db.execute(sql: """
            INSERT INTO patients (patient_id, issuer, anonymous_key, name, name_key, birth_date, sex)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [a.patientID, a.issuerOfPatientID, anonymousKey, a.patientName, nameKey,
                             a.patientBirthDate, a.patientSex])
        let id = db.lastInsertedRowID
        for other in a.otherPatientIDs {
            try db.execute(sql: "INSERT OR IGNORE INTO patient_ids VALUES (?, ?, '', 'other')", arguments: [id, other])
        }
        return (id, true)
    }

    /// Local patients with the same name (normalised), birth date and sex; all three must be known.
    func matchingPatients(_ db: Database, excluding: Int64?, name: String, birthDate: String, sex: String) throws -> [PatientRecord] {
        let key = normalizedPatientName(name)
        guard !key.isEmpty, !birthDate.isEmpty, !sex.isEmpty else { return [] }
        return try Row.fetchAll(db, sql: """
            SELECT * FROM patients WHERE name_key = ? AND birth_date = ? AND sex = ? AND id != ? ORDER BY patient_id
            """, arguments: [key, birthDate, sex, excluding ?? -1]).map(Self.patient(from:))
    }

    /// Counts, sizes, modalities and body parts of the series and studies named.
    func updateAggregates(_ db: Database, series: [String], studies: [String], lastAccess: Double?) throws {
        let seriesUpdate = try db.cachedStatement(sql: """
            UPDATE series SET
                num_instances = (SELECT count(*) FROM instances WHERE series_uid = ?1),
                size_bytes = (SELECT coalesce(sum(size_bytes), 0) FROM instances WHERE series_uid = ?1)
            WHERE uid = ?1
            """)
        for uid in series { try seriesUpdate.execute(arguments: [uid]) }
        let studyUpdate = try db.cachedStatement(sql: """
            UPDATE studies SET
                num_series = (SELECT count(*) FROM series WHERE study_uid = ?1),
                num_instances = (SELECT coalesce(sum(num_instances), 0) FROM series WHERE study_uid = ?1),
                size_bytes = (SELECT coalesce(sum(size_bytes), 0) FROM series WHERE study_uid = ?1),
                modalities = coalesce((SELECT group_concat(m, '\\') FROM (SELECT DISTINCT modality AS m FROM series
                                       WHERE study_uid = ?1 AND modality != '' ORDER BY m)), ''),
                body_parts = coalesce((SELECT group_concat(b, '\\') FROM (SELECT DISTINCT body_part AS b FROM series
                                       WHERE study_uid = ?1 AND body_part != '' ORDER BY b)), ''),
                last_access = coalesce(?2, last_access)
            WHERE uid = ?1
            """)
        for uid in studies { try studyUpdate.execute(arguments: [uid, lastAccess]) }
    }

    // MARK: - Inputs

    /// Files to import, in order: DICOMDIRs expanded to the files they reference, folders walked.
    func expandInputs(_ inputs: [String], report: inout ImportReport) -> [String] {
        var files: [String] = []
        var seen = Set<String>()
        func add(_ f: String) { if seen.insert(f).inserted { files.append(f) } }
        for input in inputs {
            if FileSystem.isDirectory(input) {
                if let dicomdir = FileSystem.entries(input).first(where: { $0.uppercased() == "DICOMDIR" }) {
                    let path = input + "/" + dicomdir
                    if addMedia(path, add: add, report: &report) { continue }
                }
                let found = FileSystem.regularFiles(under: input)
                if found.isEmpty { report.rejected.append(.init(path: input, reason: "no files (or the folder cannot be read)")) }
                for f in found { add(f) }
            } else if FileSystem.fileSize(input) != nil {
                let name = input.split(separator: "/").last.map(String.init) ?? input
                if name.uppercased() == "DICOMDIR", addMedia(input, add: add, report: &report) { continue }
                add(input)
            } else {
                report.rejected.append(.init(path: input, reason: FileSystem.exists(input) ? "not a regular file" : "no such file"))
            }
        }
        return files
    }

    /// Add the files a DICOMDIR references; false when it is not a readable DICOMDIR (the
    /// caller then treats the folder as a plain folder).
    private func addMedia(_ path: String, add: (String) -> Void, report: inout ImportReport) -> Bool {
        guard let media = try? MediaDirectory.read(path: path) else { return false }
        report.skipped.append(path)
        for ref in media.references {
            if let resolved = ref.resolvedPath {
                add(resolved)
            } else {
                report.rejected.append(.init(path: ref.expectedPath, reason: "referenced by \(path) but missing"))
            }
        }
        return true
    }
}
