import AuditTrail
import DICOMCore
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StudyStore {
    // MARK: - Audit trail

    /// Append one record to the store's audit log (`auditLog`): who, when, what, which study.
    /// Never a patient name or ID, only the Study Instance UID.
    public func audit(_ event: AuditRecord.Event, study uid: String? = nil, outcome: AuditRecord.Outcome = .success,
                      peer: String? = nil, instances: Int? = nil, detail: String? = nil) throws(StoreError) {
        do {
            try auditLog.record(event, study: uid, outcome: outcome, peer: peer, instances: instances, detail: detail)
        } catch {
            throw StoreError(.io(error.reason), path: error.path)
        }
    }

    /// Whether a study is confidential: flagged locally, or carrying a Confidentiality Code
    /// (0040,1008) of `Options.confidentialCodes`. False for a study not in the store.
    public func isConfidential(study uid: String) throws(StoreError) -> Bool {
        guard let s = try study(uid) else { return false }
        let codes = Set(options.confidentialCodes.map(Self.normalizedCode))
        return s.confidentialFlag || codes.contains(Self.normalizedCode(s.confidentialityCode))
    }

    // MARK: - Stored files named by path (no index needed)

    /// The Study Instance UID of a stored study whose folder holds `path` (a file or the study
    /// folder itself) under a store at `root`, from the layout alone (`StoreLayout`): nil when
    /// the path is not in that store. Symbolic links and `..` are resolved first.
    public static func storedStudy(containing path: String, root: String) -> String? {
        guard let real = realPath(path), let realRoot = realPath(root) else { return nil }
        let objects = (realRoot == "/" ? "" : realRoot) + "/objects/"
        guard real.hasPrefix(objects) else { return nil }
        let parts = real.dropFirst(objects.count).split(separator: "/")
        guard parts.count >= 2, parts[0].count == 2, let uid = StoreLayout.uid(fromFileName: String(parts[1])),
              StoreLayout.shard(of: uid) == String(parts[0]) else { return nil }
        return uid
    }

    /// Whether the study's `study.json` says it was flagged confidential (`cache mark
    /// --confidential`), read without opening the index.
    public static func storedConfidentialFlag(study uid: String, root: String) -> Bool {
        let dir = StoreLayout(root: root).absolute(StoreLayout.studyDirectory(studyUID: uid))
        return loadAnnotations(studyDirectory: dir)?.confidential == true
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
