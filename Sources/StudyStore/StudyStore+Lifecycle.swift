#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB

/// A study held open (e.g. in a viewer): it is not evicted while the lease is held and the
/// holding process lives. Leases of processes that are gone are ignored and cleared.
public struct StudyLease: Sendable, Equatable {
    public let id: Int64
    public let studyInstanceUID: String
}

extension StudyStore {
    // MARK: - Leases

    /// Hold a study open; also records the access for least-recently-used eviction.
    public func lease(study uid: String) throws(StoreError) -> StudyLease {
        let now = options.clock()
        let start = processStart
        return try asWriter { () throws(StoreError) -> StudyLease in
            let id = try write { db -> Int64? in
                guard try studyExists(db, uid) else { return nil }
                try db.execute(sql: "INSERT INTO leases (study_uid, pid, start_time, acquired_at) VALUES (?, ?, ?, ?)",
                               arguments: [uid, Int64(getpid()), start, now])
                let id = db.lastInsertedRowID
                try db.execute(sql: "UPDATE studies SET last_access = ? WHERE uid = ?", arguments: [now, uid])
                return id
            }
            guard let id else { throw StoreError(.notFound("study \(uid)")) }
            return StudyLease(id: id, studyInstanceUID: uid)
        }
    }

    public func release(_ lease: StudyLease) throws(StoreError) {
        try asWriter { () throws(StoreError) in
            try write { db in try db.execute(sql: "DELETE FROM leases WHERE id = ?", arguments: [lease.id]) }
        }
    }

    /// Studies held by a live process. Clears leases of processes that are gone.
    func studiesInUse(_ db: Database) throws -> Set<String> {
        var inUse = Set<String>()
        var stale: [Int64] = []
        for r in try Row.fetchAll(db, sql: "SELECT id, study_uid, pid, start_time FROM leases") {
            let pid = Int32(truncatingIfNeeded: r["pid"] as Int64)
            if FileSystem.processAlive(pid: pid, startTime: r["start_time"]) {
                inUse.insert(r["study_uid"])
            } else {
                stale.append(r["id"])
            }
        }
        for id in stale { try db.execute(sql: "DELETE FROM leases WHERE id = ?", arguments: [id]) }
        return inUse
    }

    // MARK: - Eviction

    /// Remove the named studies, except pinned ones and ones in use (reported in `kept`).
    public func evict(studies uids: [String], reason: String = "by request") throws(StoreError) -> EvictionReport {
        try asWriter { () throws(StoreError) -> EvictionReport in
            var report = EvictionReport()
            var removable: [String] = []
            try write { db in
                let inUse = try studiesInUse(db)
                for uid in uids {
                    guard let pinned = try Bool.fetchOne(db, sql: "SELECT pinned FROM studies WHERE uid = ?", arguments: [uid]) else {
                        report.kept.append((uid, "not in the store"))
                        continue
                    }
                    if pinned { report.kept.append((uid, "pinned")); continue }
                    if inUse.contains(uid) { report.kept.append((uid, "in use")); continue }
                    removable.append(uid)
                }
            }
            try remove(removable, into: &report, reason: reason)
            return report
        }
    }

    /// Evict least recently used studies until the store holds at most `maxBytes`, never
    /// pinned studies, studies in use, or those in `protecting`.
    public func evictToSize(_ maxBytes: Int64, protecting: Set<String> = [], reason: String = "to size") throws(StoreError) -> EvictionReport {
        try asWriter { () throws(StoreError) -> EvictionReport in
            var report = EvictionReport()
            var victims: [String] = []
            try write { db in
                var total = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(size_bytes), 0) FROM studies") ?? 0
                guard total > maxBytes else { return }
                let inUse = try studiesInUse(db)
                let rows = try Row.fetchAll(db, sql: """
                    SELECT uid, size_bytes FROM studies WHERE pinned = 0 ORDER BY last_access, added_at, uid
                    """)
                for r in rows where total > maxBytes {
                    let uid: String = r["uid"]
                    if inUse.contains(uid) || protecting.contains(uid) { continue }
                    victims.append(uid)
                    total -= r["size_bytes"] as Int64
                }
            }
            try remove(victims, into: &report, reason: reason)
            return report
        }
    }

    /// Evict studies not accessed since `lastAccessBefore` (seconds since 1970).
    public func evict(lastAccessBefore: Double) throws(StoreError) -> EvictionReport {
        let uids = try read { db in
            try String.fetchAll(db, sql: "SELECT uid FROM studies WHERE last_access < ? AND pinned = 0", arguments: [lastAccessBefore])
        }
        return try evict(studies: uids, reason: "not opened since")
    }

    /// Evict every study that may be evicted (not pinned, not in use); remove leftover
    /// temporary files of processes that are gone.
    public func purge() throws(StoreError) -> EvictionReport {
        let uids = try read { db in try String.fetchAll(db, sql: "SELECT uid FROM studies") }
        let report = try evict(studies: uids, reason: "purge")
        try asWriter { () throws(StoreError) in removeDeadTemporaries() }
        return report
    }

    /// Apply the configured quota (`Options.maxSizeBytes`).
    func enforceQuota(protecting: Set<String>) throws(StoreError) {
        guard let quota = options.maxSizeBytes else { return }
        _ = try evictToSize(quota, protecting: protecting, reason: "quota")
    }

    /// Index rows first (one transaction), then the folders: a crash in between leaves only
    /// folders the index does not know, which the sweep removes. Caller holds the writer lock.
    /// Each study removed is recorded in the audit log with `reason`.
    private func remove(_ uids: [String], into report: inout EvictionReport, reason: String) throws(StoreError) {
        guard !uids.isEmpty else { return }
        let freed = try write { db -> Int64 in
            var freed: Int64 = 0
            for uid in uids {
                freed += try Int64.fetchOne(db, sql: "SELECT size_bytes FROM studies WHERE uid = ?", arguments: [uid]) ?? 0
                try db.execute(sql: "DELETE FROM studies WHERE uid = ?", arguments: [uid])
            }
            // Patients left without studies go too (their names are patient data).
            try db.execute(sql: "DELETE FROM patients WHERE id NOT IN (SELECT patient_ref FROM studies)")
            try db.execute(sql: "DELETE FROM leases WHERE study_uid NOT IN (SELECT uid FROM studies)")
            return freed
        }
        for uid in uids { FileSystem.removeTree(layout.absolute(StoreLayout.studyDirectory(studyUID: uid))) }
        report.evicted += uids
        report.freedBytes += freed
        var auditFailure: StoreError?
        for uid in uids {
            do { try audit(.evict, study: uid, detail: reason) } catch { auditFailure = auditFailure ?? error }
        }
        if let auditFailure { throw auditFailure }
    }

    // MARK: - Statistics

    public func stats() throws(StoreError) -> StoreStats {
        var s = StoreStats()
        s.quotaBytes = options.maxSizeBytes
        try read { db in
            s.patients = try Int.fetchOne(db, sql: "SELECT count(*) FROM patients") ?? 0
            if let r = try Row.fetchOne(db, sql: """
                SELECT count(*) AS n, coalesce(sum(size_bytes), 0) AS bytes, coalesce(sum(pinned), 0) AS pinned,
                       coalesce(sum(state = 'partial'), 0) AS partial FROM studies
                """) {
                s.studies = r["n"]
                s.sizeBytes = r["bytes"]
                s.pinnedStudies = r["pinned"]
                s.partialStudies = r["partial"]
            }
            s.series = try Int.fetchOne(db, sql: "SELECT count(*) FROM series") ?? 0
            s.instances = try Int.fetchOne(db, sql: "SELECT count(*) FROM instances") ?? 0
        }
        // Leases are checked against live processes without clearing stale ones (a read).
        let leases = try read { db in try Row.fetchAll(db, sql: "SELECT study_uid, pid, start_time FROM leases") }
        s.studiesInUse = Set(leases.filter {
            FileSystem.processAlive(pid: Int32(truncatingIfNeeded: $0["pid"] as Int64), startTime: $0["start_time"])
        }.map { $0["study_uid"] as String }).count
        return s
    }
}
