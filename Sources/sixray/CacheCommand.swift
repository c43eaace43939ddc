import SixrayCLI
import ArgumentParser
import AuditTrail
import Foundation
import StudyStore

struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The local study store: list, inspect, verify, evict, pin, tag.",
        discussion: """
            The store lives in $XDG_CACHE_HOME/sixray (default ~/.cache/sixray), or where \
            cache.path in $XDG_CONFIG_HOME/sixray/config.toml says; cache.max_size there \
            (e.g. "20 GB", default 10 GB) is the quota imports evict down to, least recently \
            used first, never pinned studies or studies open in a viewer.

            STUDY is a Study Instance UID or an accession number that names one study.

            Exit codes: 0 success; 1 problems found (verify: index and files disagree; a study \
            was not found or was kept); 3 the store failed (damaged index: run `sixray cache \
            verify --repair`; disk full; permissions); 64 usage error.
            """,
        subcommands: [CacheList.self, CacheInfo.self, CacheVerify.self, CacheEvict.self, CachePurge.self,
                      CacheStats.self, CachePin.self, CacheTag.self, CacheNote.self, CacheMarkRead.self, CacheAttach.self])
}

/// Run a store operation; a store error is one line on stderr and exit 3 (1 for "not found").
func storeCall<T>(_ what: String, _ body: () throws(StoreError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        Output.error("cache \(what): \(error)")
        throw ExitCode(error.kind.isNotFound ? StoreExit.problems : StoreExit.storeError)
    }
}

func resolveStudy(_ store: StudyStore, _ key: String, command: String) throws -> StudySummary {
    guard let s = try storeCall(command, { () throws(StoreError) in try store.findStudy(key) }) else {
        var q = WorklistQuery()
        q.accessionNumber = key
        let n = (try? store.count(q)) ?? 0
        if n > 1 {
            Output.error("cache \(command): accession \(key) names \(n) studies; give the Study Instance UID (sixray cache ls --accession \(key))")
        } else {
            Output.error("cache \(command): no study \(key) in the store (a Study Instance UID, or an accession number of one study)")
        }
        throw ExitCode(StoreExit.problems)
    }
    return s
}

struct CacheList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List stored studies (the worklist), newest first.")

    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Study date from (YYYYMMDD).") var from: String?
    @Option(help: "Study date to (YYYYMMDD).") var to: String?
    @Option(help: "Modality, e.g. CT.") var modality: String?
    @Option(help: "Patient's name (substring, or * ? wildcards).") var name: String?
    @Option(help: "Patient ID (* ? wildcards).") var id: String?
    @Option(help: "Accession number (* ? wildcards).") var accession: String?
    @Option(help: "User keyword.") var keyword: String?
    @Option(help: "Text in name, IDs, description, keywords or notes.") var text: String?
    @Flag(help: "Only unread studies.") var unread = false
    @Flag(help: "Only pinned studies.") var pinned = false
    @Flag(help: "List confidential studies too (each one listed is recorded in the store's audit.log).") var showConfidential = false
    @Option(help: "Sort by date, name, id, accession, modality, access, added.") var sort = "date"
    @Flag(help: "Oldest first.") var ascending = false
    @Option(help: "Rows per page.") var limit = 100
    @Option(help: "Rows to skip.") var offset = 0
    @OptionGroup var location: StoreLocation

    func validate() throws {
        guard WorklistQuery.Sort(rawValue: sort) != nil else {
            throw ValidationError("--sort must be one of \(WorklistQuery.Sort.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let store = try location.open()
        var q = WorklistQuery()
        q.dateFrom = from; q.dateTo = to; q.modality = modality; q.patientName = name; q.patientID = id
        q.accessionNumber = accession; q.keyword = keyword; q.text = text
        q.read = unread ? .unread : nil
        q.pinnedOnly = pinned
        q.showConfidential = showConfidential
        q.sort = WorklistQuery.Sort(rawValue: sort) ?? .date
        q.descending = !ascending
        q.limit = limit; q.offset = offset
        let rows = try storeCall("ls") { () throws(StoreError) in try store.worklist(q) }
        if json {
            Output.write(jsonText(rows.map(studyJSON)) + "\n")
            return
        }
        var out = "\(pad("DATE", 8)) \(pad("MOD", 7)) \(pad("PATIENT ID", 14)) \(pad("NAME", 22)) \(pad("ACCESSION", 12)) \(pad("DESCRIPTION", 24)) \(pad("INST", 5)) FLAGS STUDY\n"
        for s in rows {
            var flags = ""
            flags += s.pinned ? "P" : "-"
            flags += s.isRead ? "-" : "*"
            flags += s.state == .partial ? "~" : "-"
            flags += s.keywords.isEmpty && s.note.isEmpty ? "-" : "K"
            out += "\(pad(s.studyDate, 8)) \(pad(s.modalities.joined(separator: "/"), 7)) \(pad(s.patient.patientID, 14)) "
            out += "\(pad(displayName(s.patient.name), 22)) \(pad(s.accessionNumber, 12)) \(pad(s.studyDescription, 24)) "
            out += "\(pad(String(s.instanceCount), 5)) \(flags)  \(s.studyInstanceUID)\n"
        }
        out += "(flags: P pinned, * unread, ~ partial, K keywords or note)\n"
        Output.write(out)
    }
}

struct CacheInfo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "A study: patient, series, files, priors, candidate patients.")

    @Argument(help: "Study Instance UID or accession number.") var study: String
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Show a confidential study (the access is recorded in the audit log).") var showConfidential = false
    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        let s = try resolveStudy(store, study, command: "info")
        if try storeCall("info", { () throws(StoreError) in try store.isConfidential(study: s.studyInstanceUID) }) {
            try guardConfidential(store.auditLog, study: s.studyInstanceUID, showConfidential: showConfidential, command: "cache info")
        }
        let series = try storeCall("info") { () throws(StoreError) in try store.series(ofStudy: s.studyInstanceUID) }
        let priors = try storeCall("info") { () throws(StoreError) in try store.priors(of: s.studyInstanceUID, limit: 10) }
        let candidates = try storeCall("info") { () throws(StoreError) in try store.candidatePatients(forStudy: s.studyInstanceUID) }
        if json {
            var object = studyJSON(s)
            object["seriesList"] = series.map {
                ["seriesInstanceUID": $0.seriesInstanceUID, "number": $0.seriesNumber as Any, "modality": $0.modality,
                 "bodyPart": $0.bodyPart, "description": $0.seriesDescription, "instances": $0.instanceCount,
                 "sizeBytes": $0.sizeBytes] as [String: Any]
            }
            object["priors"] = priors.map { ["studyInstanceUID": $0.candidate.studyInstanceUID, "studyDate": $0.candidate.studyDate,
                                             "relevance": $0.relevance] as [String: Any] }
            object["folder"] = store.layout.absolute(StoreLayout.studyDirectory(studyUID: s.studyInstanceUID))
            Output.write(jsonText(object) + "\n")
            return
        }
        var out = """
            study      \(s.studyInstanceUID)
            patient    \(s.patient.patientID)  \(displayName(s.patient.name))  \(s.patient.birthDate) \(s.patient.sex)

            """
        if s.originalPatientID != s.patient.patientID {
            out += "as sent    \(s.originalPatientID)  \(displayName(s.originalPatientName))  (attached to the local patient)\n"
        }
        out += """
            date       \(s.studyDate) \(s.studyTime)
            accession  \(s.accessionNumber)
            described  \(s.studyDescription)
            modalities \(s.modalities.joined(separator: ", "))   body parts \(s.bodyParts.joined(separator: ", "))
            state      \(s.state.rawValue), \(s.seriesCount) series, \(s.instanceCount) instances, \(formatBytes(s.sizeBytes))
            source     \(s.source)
            flags      \(s.pinned ? "pinned" : "not pinned"), \(s.isRead ? "read" : "unread")
            keywords   \(s.keywords.joined(separator: ", "))
            note       \(s.note)
            folder     \(store.layout.absolute(StoreLayout.studyDirectory(studyUID: s.studyInstanceUID)))

            """
        for se in series {
            out += "  series \(pad(se.seriesNumber.map(String.init) ?? "-", 4)) \(pad(se.modality, 3)) \(pad(se.bodyPart, 10)) "
            out += "\(pad(String(se.instanceCount), 5)) \(pad(se.seriesDescription, 30)) \(se.seriesInstanceUID)\n"
        }
        for p in priors {
            out += "  prior  \(p.candidate.studyDate) \(pad(p.candidate.modalities.joined(separator: "/"), 7)) relevance \(p.relevance)  \(p.candidate.studyInstanceUID)\n"
        }
        for c in candidates {
            out += "  may be local patient \(c.patientID) (\(displayName(c.name)), \(c.birthDate), \(c.sex)): sixray cache attach \(s.studyInstanceUID) \(c.patientID)\n"
        }
        Output.write(out)
    }
}

struct CacheVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read every stored file and check it against the index; exit 0 only when they agree.",
        discussion: """
            --repair drops index rows of missing or damaged files (their studies become \
            partial), indexes good files the index lacks, removes the rest, fixes permissions; \
            a damaged index is moved aside and rebuilt from the files (pins, keywords, notes and \
            attached patients come back from each study's study.json).
            """)

    @Flag(help: "Fix what can be fixed (see above).") var repair = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var location: StoreLocation

    func run() throws {
        let (config, root) = try location.configuration()
        let options = StudyStore.Options(maxSizeBytes: config.maxSizeBytes)
        var progress = ProgressLine(label: "verifying")
        var report: VerifyReport
        var store: StudyStore
        do {
            store = try StudyStore.open(root: root, options: options)
            report = try store.verify(repair: repair) { progress.update($0, $1) }
        } catch where error.kind.isIndexCorrupt && repair {
            Output.error("cache verify: \(error.kind); rebuilding the index from the files")
            do {
                (store, report) = try StudyStore.rebuildIndex(root: root, options: options)
            } catch {
                Output.error("cache verify: \(error)")
                throw ExitCode(StoreExit.storeError)
            }
        } catch {
            progress.finish()
            Output.error("cache verify: \(error)")
            throw ExitCode(StoreExit.storeError)
        }
        progress.finish()
        var after = report
        if repair {
            after = try storeCall("verify") { () throws(StoreError) in try store.verify(repair: false) }
        }
        if json {
            Output.write(jsonText([
                "filesChecked": report.filesChecked,
                "problems": report.problems.map { ["kind": $0.kind.rawValue, "path": $0.path, "detail": $0.detail] },
                "repaired": report.repaired,
                "rebuilt": report.rebuilt,
                "clean": after.isClean,
            ] as [String: Any]) + "\n")
        } else {
            var out = ""
            for p in report.problems { out += "\(p.kind.rawValue): \(p.path): \(p.detail)\n" }
            out += "checked \(report.filesChecked) files, \(report.problems.count) problems"
            if repair { out += ", \(report.repaired) repaired\(report.rebuilt ? ", index rebuilt" : "")" }
            out += after.isClean ? "; index and files agree\n" : "; index and files disagree\n"
            Output.write(out)
        }
        if !after.isClean { throw ExitCode(StoreExit.problems) }
    }
}

struct CacheEvict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evict",
        abstract: "Remove studies from the store (never pinned ones or ones open in a viewer).")

    @Argument(help: "Studies (UID or accession).") var studies: [String] = []
    @Option(help: "Evict studies not opened for this many days.") var olderThan: Double?
    @Option(help: "Evict least recently used studies until the store is at most this size (e.g. 5GB).") var toSize: String?
    @OptionGroup var location: StoreLocation

    func validate() throws {
        let modes = (studies.isEmpty ? 0 : 1) + (olderThan == nil ? 0 : 1) + (toSize == nil ? 0 : 1)
        guard modes == 1 else { throw ValidationError("give studies, --older-than DAYS, or --to-size SIZE (one of them)") }
        if let toSize, StoreConfiguration.parseSize(toSize) == nil { throw ValidationError("--to-size: not a size: \(toSize)") }
    }

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        let report: EvictionReport
        if let days = olderThan {
            report = try storeCall("evict") { () throws(StoreError) in try store.evict(lastAccessBefore: StudyStore.wallClock() - days * 86400) }
        } else if let toSize, let bytes = StoreConfiguration.parseSize(toSize) {
            report = try storeCall("evict") { () throws(StoreError) in try store.evictToSize(bytes) }
        } else {
            var uids: [String] = []
            for key in studies {
                if let s = try storeCall("evict", { () throws(StoreError) in try store.findStudy(key) }) {
                    uids.append(s.studyInstanceUID)
                } else {
                    uids.append(key)
                }
            }
            report = try storeCall("evict") { () throws(StoreError) in try store.evict(studies: uids) }
        }
        var out = "evicted \(report.evicted.count) \(report.evicted.count == 1 ? "study" : "studies"), freed \(formatBytes(report.freedBytes))\n"
        for k in report.kept { out += "kept \(k.study): \(k.reason)\n" }
        Output.write(out)
        if !report.kept.isEmpty && !studies.isEmpty { throw ExitCode(StoreExit.problems) }
    }
}

struct CachePurge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "purge", abstract: "Evict every study that is not pinned and not in use.")
    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        let report = try storeCall("purge") { () throws(StoreError) in try store.purge() }
        Output.write("evicted \(report.evicted.count) studies, freed \(formatBytes(report.freedBytes)); kept pinned and in-use studies\n")
    }
}

struct CacheStats: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts, size and quota.")
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        let s = try storeCall("stats") { () throws(StoreError) in try store.stats() }
        if json {
            Output.write(jsonText([
                "root": store.layout.root, "patients": s.patients, "studies": s.studies, "series": s.series,
                "instances": s.instances, "sizeBytes": s.sizeBytes, "pinnedStudies": s.pinnedStudies,
                "partialStudies": s.partialStudies, "studiesInUse": s.studiesInUse, "quotaBytes": s.quotaBytes as Any,
            ] as [String: Any]) + "\n")
            return
        }
        Output.write("""
            store      \(store.layout.root)
            patients   \(s.patients)
            studies    \(s.studies) (\(s.pinnedStudies) pinned, \(s.partialStudies) partial, \(s.studiesInUse) in use)
            series     \(s.series)
            instances  \(s.instances)
            size       \(formatBytes(s.sizeBytes)) of \(s.quotaBytes.map(formatBytes) ?? "no quota")

            """)
    }
}

struct CachePin: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pin", abstract: "Keep a study in the store whatever the quota.")
    @Argument(help: "Study (UID or accession).") var study: String
    @Flag(help: "Unpin instead.") var off = false
    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        let s = try resolveStudy(store, study, command: "pin")
        try storeCall("pin") { () throws(StoreError) in try store.setPinned(!off, study: s.studyInstanceUID) }
    }
}

struct CacheTag: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Add (or remove) a user keyword on a study.")
    @Argument(help: "Study (UID or accession).") var study: String
    @Argument(help: "Keyword (compared without case).") var keyword: String
    @Flag(help: "Remove the keyword instead.") var remove = false
    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        let s = try resolveStudy(store, study, command: "tag")
        try storeCall("tag") { () throws(StoreError) in
            if remove { try store.removeKeyword(keyword, study: s.studyInstanceUID) } else { try store.addKeyword(keyword, study: s.studyInstanceUID) }
        }
    }
}

struct CacheNote: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Set a study's free-text note (empty text clears it).")
    @Argument(help: "Study (UID or accession).") var study: String
    @Argument(help: "The note.") var text: String
    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        let s = try resolveStudy(store, study, command: "note")
        try storeCall("note") { () throws(StoreError) in try store.setNote(text, study: s.studyInstanceUID) }
    }
}

struct CacheMarkRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark", abstract: "Mark a study read or unread, or confidential.",
        discussion: """
            --confidential hides the study from the worklist and `cache ls` unless they are given \
            --show-confidential (as does a Confidentiality Code (0040,1008) listed in config.toml \
            [privacy] confidential_codes); --not-confidential clears the flag. Both are recorded in \
            the store's audit.log.
            """)
    @Argument(help: "Study (UID or accession).") var study: String
    @Flag(help: "Mark unread instead of read.") var unread = false
    @Flag(help: "Flag the study confidential (leaves read/unread alone).") var confidential = false
    @Flag(help: "Clear the confidential flag.") var notConfidential = false
    @OptionGroup var location: StoreLocation

    func validate() throws {
        if confidential && notConfidential { throw ValidationError("give --confidential or --not-confidential, not both") }
        if unread && (confidential || notConfidential) { throw ValidationError("--unread and --confidential are separate marks: one at a time") }
    }

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        let s = try resolveStudy(store, study, command: "mark")
        if confidential || notConfidential {
            try storeCall("mark") { () throws(StoreError) in try store.setConfidential(confidential, study: s.studyInstanceUID) }
            return
        }
        try storeCall("mark") { () throws(StoreError) in try store.setRead(!unread, study: s.studyInstanceUID) }
    }
}

struct CacheAttach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach a study that came with another Patient ID to a local patient (its own IDs are kept).")
    @Argument(help: "Study (UID or accession).") var study: String
    @Argument(help: "Patient ID of the local patient.") var patientID: String
    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        let s = try resolveStudy(store, study, command: "attach")
        try storeCall("attach") { () throws(StoreError) in try store.attach(study: s.studyInstanceUID, toPatientID: patientID) }
    }
}
