#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DICOMCore
import GRDB

extension StudyStore {
    // MARK: - Start-up sweep

    /// Run at `open`: remove temporary files of processes that are gone and, when a writer
    /// died (its marker is left in `writers/`), bring index and files back into agreement.
    func startUpSweep() throws(StoreError) {
        let deadMarkers = FileSystem.entries(layout.writersDirectory).filter { !Self.ownerAlive($0) }
        let deadTemps = FileSystem.entries(layout.temporaryDirectory).filter { !Self.ownerAlive($0) }
        guard !deadMarkers.isEmpty || !deadTemps.isEmpty else { return }
        try asWriter { () throws(StoreError) in
            removeDeadTemporaries()
            if !deadMarkers.isEmpty {
                _ = try reconcileAfterCrash()
                for m in deadMarkers { unlink(layout.writersDirectory + "/" + m) }
            }
        }
    }

    /// Is the process named by "PID-START[-…]" (writer markers, temporary files) alive?
    static func ownerAlive(_ name: String) -> Bool {
        let parts = name.split(separator: "-")
        guard parts.count >= 2, let pid = Int32(parts[0]) else { return false }
        let start = Int64(parts[1].split(separator: ".").first ?? "")
        return FileSystem.processAlive(pid: pid, startTime: start)
    }

    /// Temporary files, and staging folders (a retrieve's `StoreSink`), of processes that are gone.
    func removeDeadTemporaries() {
        for name in FileSystem.entries(layout.temporaryDirectory) where !Self.ownerAlive(name) {
            let path = layout.temporaryDirectory + "/" + name
            if FileSystem.isDirectory(path) { FileSystem.removeTree(path) } else { unlink(path) }
        }
    }

    /// Files on disk, relative to the root: instance files (`.dcm`) and everything else.
    func filesOnDisk() -> (instances: Set<String>, other: [String]) {
        var instances = Set<String>()
        var other: [String] = []
        let prefix = layout.root.count + 1
        for path in FileSystem.regularFiles(under: layout.objectsDirectory) {
            let relative = String(path.dropFirst(prefix))
            if relative.hasSuffix(".dcm") {
                instances.insert(relative)
            } else if !relative.hasSuffix("/" + StudyAnnotations.fileName) {
                other.append(relative)
            }
        }
        return (instances, other)
    }

    /// After a crash: files the index does not know are removed (they were never committed),
    /// rows whose file is gone are dropped and their study marked partial. No file is parsed:
    /// this is the cheap check; `verify` is the thorough one. Caller holds the writer lock.
    func reconcileAfterCrash() throws(StoreError) -> (removedFiles: Int, droppedRows: Int) {
        let (onDisk, other) = filesOnDisk()
        let indexed = try read { db in try String.fetchAll(db, sql: "SELECT path FROM instances") }
        let indexedSet = Set(indexed)
        var removed = 0
        for relative in onDisk where !indexedSet.contains(relative) {
            unlink(layout.absolute(relative))
            removed += 1
        }
        for relative in other {
            unlink(layout.absolute(relative))
            removed += 1
        }
        let missing = indexed.filter { !onDisk.contains($0) }
        if !missing.isEmpty { try dropInstances(paths: missing) }
        try removeUnknownStudyDirectories()
        return (removed, missing.count)
    }

    /// Delete instance rows by path, mark their studies partial, refresh counts, and drop
    /// series and studies left empty. Caller holds the writer lock.
    func dropInstances(paths: [String]) throws(StoreError) {
        try write { db in
            var series = Set<String>()
            var studies = Set<String>()
            for p in paths {
                if let r = try Row.fetchOne(db, sql: "SELECT series_uid, study_uid FROM instances WHERE path = ?", arguments: [p]) {
                    series.insert(r["series_uid"])
                    studies.insert(r["study_uid"])
                }
                try db.execute(sql: "DELETE FROM instances WHERE path = ?", arguments: [p])
            }
            try updateAggregates(db, series: Array(series), studies: Array(studies), lastAccess: nil)
            for uid in studies {
                try db.execute(sql: "UPDATE studies SET state = 'partial' WHERE uid = ?", arguments: [uid])
            }
            try db.execute(sql: "DELETE FROM series WHERE num_instances = 0")
            try db.execute(sql: "DELETE FROM studies WHERE uid NOT IN (SELECT study_uid FROM series)")
            try db.execute(sql: "DELETE FROM patients WHERE id NOT IN (SELECT patient_ref FROM studies)")
        }
    }

    /// Remove study folders holding no instance file and no indexed study.
    func removeUnknownStudyDirectories() throws(StoreError) {
        let known = Set(try read { db in try String.fetchAll(db, sql: "SELECT uid FROM studies") }
            .map { StoreLayout.studyDirectory(studyUID: $0) })
        for shard in FileSystem.entries(layout.objectsDirectory) {
            let shardPath = layout.objectsDirectory + "/" + shard
            for study in FileSystem.entries(shardPath) {
                let relative = "objects/\(shard)/\(study)"
                let hasInstances = FileSystem.entries(shardPath + "/" + study).contains { $0.hasSuffix(".dcm") }
                if !known.contains(relative) && !hasInstances { FileSystem.removeTree(shardPath + "/" + study) }
            }
        }
    }

    // MARK: - Verify and repair

    /// Re-read every stored file and check it against the index: the file exists, has the
    /// indexed size, parses, and carries the indexed SOP Instance, Series and Study UIDs; every
    /// file is indexed; counts agree; files are 0600 and folders 0700. With `repair`, rows of
    /// missing or bad files are dropped (their studies marked partial), good files the index
    /// lacks are indexed (with their `study.json` annotations), the rest is removed.
    /// Holds the writer lock throughout.
    public func verify(repair: Bool, progress: ((Int, Int) -> Void)? = nil) throws(StoreError) -> VerifyReport {
        try asWriter { () throws(StoreError) -> VerifyReport in
            var report = VerifyReport()
            let rows = try read { db in try Row.fetchAll(db, sql: "SELECT sop_uid, series_uid, study_uid, size_bytes, path FROM instances") }
            let (onDisk, other) = filesOnDisk()
            var bad: [String] = []
            for (i, r) in rows.enumerated() {
                let relative: String = r["path"]
                let path = layout.absolute(relative)
                report.filesChecked += 1
                defer { if (i + 1) % 500 == 0 { progress?(i + 1, rows.count) } }
                guard onDisk.contains(relative), let size = FileSystem.fileSize(path) else {
                    report.problems.append(.init(kind: .missingFile, path: path, detail: "indexed, not on disk"))
                    bad.append(relative)
                    continue
                }
                if size != r["size_bytes"] as Int {
                    report.problems.append(.init(kind: .mismatch, path: path, detail: "size \(size), indexed \(r["size_bytes"] as Int)"))
                    bad.append(relative)
                    continue
                }
                let attributes: InstanceAttributes
                do throws(StoreError) {
                    attributes = try stage(path: path).attributes
                } catch {
                    report.problems.append(.init(kind: .unreadableFile, path: path, detail: error.kind.description))
                    bad.append(relative)
                    continue
                }
                var differences: [String] = []
                if attributes.sopInstanceUID != r["sop_uid"] as String { differences.append("SOP Instance UID") }
                if attributes.seriesInstanceUID != r["series_uid"] as String { differences.append("Series Instance UID") }
                if attributes.studyInstanceUID != r["study_uid"] as String { differences.append("Study Instance UID") }
                if !differences.isEmpty {
                    report.problems.append(.init(kind: .mismatch, path: path, detail: differences.joined(separator: ", ") + " differ"))
                    bad.append(relative)
                    continue
                }
                if let mode = FileSystem.mode(path), mode != 0o600 {
                    report.problems.append(.init(kind: .permissions, path: path, detail: "mode \(String(mode, radix: 8)), expected 600"))
                    if repair, chmod(path, 0o600) == 0 { report.repaired += 1 }
                }
            }
            progress?(rows.count, rows.count)
            let indexed = Set(rows.map { $0["path"] as String })
            let orphans = onDisk.filter { !indexed.contains($0) }.sorted()
            for o in orphans {
                report.problems.append(.init(kind: .orphanFile, path: layout.absolute(o), detail: "on disk, not indexed"))
            }
            for o in other {
                report.problems.append(.init(kind: .orphanFile, path: layout.absolute(o), detail: "not an instance file"))
            }
            for t in FileSystem.entries(layout.temporaryDirectory) where !Self.ownerAlive(t) {
                report.problems.append(.init(kind: .strayTemporary, path: layout.temporaryDirectory + "/" + t,
                                             detail: "left by a process that is gone"))
            }
            for dir in [layout.root, layout.objectsDirectory, layout.temporaryDirectory] {
                if let mode = FileSystem.mode(dir), mode != 0o700 {
                    report.problems.append(.init(kind: .permissions, path: dir, detail: "mode \(String(mode, radix: 8)), expected 700"))
                    if repair, chmod(dir, 0o700) == 0 { report.repaired += 1 }
                }
            }
            let miscounted = try read { db in
                try String.fetchAll(db, sql: """
                    SELECT uid FROM studies s WHERE num_instances != (SELECT count(*) FROM instances i WHERE i.study_uid = s.uid)
                       OR size_bytes != (SELECT coalesce(sum(size_bytes), 0) FROM instances i WHERE i.study_uid = s.uid)
                    """)
            }
            for uid in miscounted {
                report.problems.append(.init(kind: .counts, path: layout.absolute(StoreLayout.studyDirectory(studyUID: uid)),
                                             detail: "study counts or size differ from its instances"))
            }
            guard repair else { return report }

            if !bad.isEmpty {
                for relative in bad { unlink(layout.absolute(relative)) }
                try dropInstances(paths: bad)
                report.repaired += bad.count
            }
            for o in other { unlink(layout.absolute(o)) }
            report.repaired += other.count
            report.repaired += try adoptOrphans(orphans.map { layout.absolute($0) })
            removeDeadTemporaries()
            report.repaired += report.problems.filter { $0.kind == .strayTemporary }.count
            if !miscounted.isEmpty {
                try write { db in
                    let series = try String.fetchAll(db, sql: "SELECT uid FROM series")
                    try updateAggregates(db, series: series, studies: miscounted, lastAccess: nil)
                }
                report.repaired += miscounted.count
            }
            try removeUnknownStudyDirectories()
            return report
        }
    }

    /// Index files found in the store without rows (the index was rebuilt, or rows were lost),
    /// restoring their studies' `study.json` annotations; files that do not parse are removed.
    /// Returns the number of files handled. Caller holds the writer lock.
    func adoptOrphans(_ paths: [String]) throws(StoreError) -> Int {
        guard !paths.isEmpty else { return 0 }
        // Read the annotations of studies the index does not know before indexing writes new ones.
        var saved: [String: StudyAnnotations] = [:]
        var handled = 0
        var staged: [Staged] = []
        func flush() throws(StoreError) {
            guard !staged.isEmpty else { return }
            _ = try commitHeld(staged, source: "recovered")
            staged.removeAll()
        }
        for path in paths {
            handled += 1
            guard let s = try? stage(path: path) else {
                unlink(path)
                continue
            }
            let uid = s.attributes.studyInstanceUID
            if saved[uid] == nil, try !read({ db in try studyExists(db, uid) }) {
                let dir = layout.absolute(StoreLayout.studyDirectory(studyUID: uid))
                saved[uid] = Self.loadAnnotations(studyDirectory: dir) ?? StudyAnnotations(source: "recovered")
            }
            let expected = layout.absolute(StoreLayout.instancePath(studyUID: uid, sopInstanceUID: s.attributes.sopInstanceUID))
            var item = s
            item.inPlace = expected == path
            staged.append(item)
            if staged.count >= max(1, options.batchSize) { try flush() }
        }
        try flush()
        try write { db in
            for (uid, a) in saved where try studyExists(db, uid) { try restoreAnnotations(db, study: uid, a) }
            try db.execute(sql: "DELETE FROM patients WHERE id NOT IN (SELECT patient_ref FROM studies)")
        }
        for uid in saved.keys { saveAnnotations(uid) }
        return handled
    }

    /// Rebuild a damaged index from the stored files: the damaged file is moved aside as
    /// `index.sqlite.damaged-TIME` (with its -wal and -shm), a new index is created and every
    /// file is indexed again with its study's annotations.
    public static func rebuildIndex(root: String, options: Options = Options()) throws(StoreError) -> (StudyStore, VerifyReport) {
        let layout = StoreLayout(root: root)
        try FileSystem.makePrivateDirectory(layout.root)
        let lock = try FileLock(path: layout.lockPath)
        lock.lock()
        let stamp = Int(wallClock())
        for suffix in ["", "-wal", "-shm"] where FileSystem.exists(layout.indexPath + suffix) {
            let aside = layout.root + "/index.sqlite.damaged-\(stamp)" + suffix
            if Glibc.rename(layout.indexPath + suffix, aside) != 0 {
                lock.unlock()
                throw FileSystem.error("cannot move the damaged index aside", path: layout.indexPath + suffix)
            }
        }
        lock.unlock()
        let store = try open(root: root, options: options)
        var report = try store.verify(repair: true)
        report.rebuilt = true
        return (store, report)
    }
}
