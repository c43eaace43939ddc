import SixrayCLI
import ArgumentParser
import AuditTrail
import DICOMCore
import Foundation
import StudyStore
import Workstation

// The audit trail from the commands: one place that knows where the log is, how a failure to
// record is reported, and how a confidential study is guarded.

extension StoreLocation {
    /// The audit log: config.toml [audit] path, else audit.log in the store's folder.
    func auditLog() throws -> AuditLog {
        let (config, root) = try configuration()
        return config.audit.log(storeRoot: root)
    }
}

/// Record an event; a log that cannot be written is reported on stderr and the command goes on
/// (returns false). Use `auditOrRefuse` where the access must not happen unrecorded.
@discardableResult
func auditRecord(_ log: AuditLog?, _ event: AuditRecord.Event, study: String? = nil, outcome: AuditRecord.Outcome = .success,
                 peer: String? = nil, instances: Int? = nil, detail: String? = nil) -> Bool {
    guard let log else { return false }
    do {
        try log.record(event, study: study, outcome: outcome, peer: peer, instances: instances, detail: detail)
        return true
    } catch {
        Output.error("audit: \(error) (the \(event.rawValue) was not recorded)")
        return false
    }
}

/// A confidential study read by its UID: refused (exit 1) without `--show-confidential`, and
/// with it recorded as `access-confidential` before anything is shown; refused as well when
/// the record cannot be written.
func guardConfidential(_ log: AuditLog, study uid: String, showConfidential: Bool, command: String, detail: String? = nil) throws {
    guard showConfidential else {
        Output.error("\(command): study \(uid) is confidential; give --show-confidential to see it (the access is recorded in the audit log)")
        throw ExitCode(1)
    }
    do {
        try log.record(.accessConfidential, study: uid, detail: detail ?? command)
    } catch {
        Output.error("\(command): study \(uid) is confidential and the access cannot be recorded: \(error)")
        throw ExitCode(1)
    }
}

/// For `view`, `dump` and `export`: the stored studies among `paths` (files or study folders
/// of the local study store) are recorded as `event` (unless nil), and a confidential one is
/// refused without `showConfidential`. Paths outside the store cost one `realpath` each and are
/// not recorded here (they are the user's own files). Throws ExitCode(1) when refused.
/// Returns the Study Instance UIDs found in the store.
@discardableResult
func auditStoredFileAccess(_ paths: [String], event: AuditRecord.Event?, showConfidential: Bool, detail: String? = nil) throws -> Set<String> {
    // The layout puts every stored file under .../objects/SS/STUDY/: anything else is not ours.
    let candidates = paths.filter { p in
        guard let real = realpath(p, nil) else { return false }
        defer { free(real) }
        return String(cString: real).contains("/objects/")
    }
    guard !candidates.isEmpty else { return [] }
    let env = ProcessInfo.processInfo.environment
    let config: StoreConfiguration
    do { config = try StoreConfiguration.load(environment: env) } catch {
        Output.error("config: \(error)")
        throw ExitCode(1)
    }
    let root = config.root ?? StudyStore.defaultRoot(environment: env)
    var studies: [String: [String]] = [:]
    var order: [String] = []
    for p in candidates {
        guard let uid = StudyStore.storedStudy(containing: p, root: root) else { continue }
        if studies[uid] == nil { order.append(uid) }
        studies[uid, default: []].append(p)
    }
    guard !order.isEmpty else { return [] }
    let log = config.audit.log(storeRoot: root)
    let codes = Set(config.confidentialCodes.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \0")).uppercased() })
    let command = event?.rawValue ?? "export"
    for uid in order {
        let files = studies[uid] ?? []
        var confidential = StudyStore.storedConfidentialFlag(study: uid, root: root)
        if !confidential, !codes.isEmpty, let code = confidentialityCode(files.first ?? "") {
            confidential = codes.contains(code.trimmingCharacters(in: CharacterSet(charactersIn: " \0")).uppercased())
        }
        if confidential {
            try guardConfidential(log, study: uid, showConfidential: showConfidential, command: command, detail: command)
        }
        if let event { auditRecord(log, event, study: uid, instances: files.count, detail: detail) }
    }
    return Set(order)
}

/// Confidentiality Code (0040,1008) of a file, or of the first .dcm file of a folder.
private func confidentialityCode(_ path: String) -> String? {
    var file = path
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
        guard let name = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().first(where: { $0.hasSuffix(".dcm") })
        else { return nil }
        file = path + "/" + name
    }
    return (try? Part10Reader.read(path: file))?.dataSet.string(Tag(0x0040, 0x1008))
}

/// A peer as the audit log names it: archive name, AE title and address, or the DICOMweb base
/// URL without credentials or query.
func auditPeer(_ a: ArchiveConfig.Archive) -> String {
    if a.isDICOMweb {
        let url = AuditLog.peerName((try? a.dicomwebURL()) ?? a.name)
        let name = AuditLog.peerName(a.name)
        return name == url ? url : name + " " + url
    }
    let address = "\(a.calledAETitle)@\(a.host):\(a.port)"
    return a.name.isEmpty || a.name == address ? address : a.name + " " + address
}

/// `view` of stored files: recorded, and a confidential study refused without --show-confidential.
func auditView(_ paths: [String], showConfidential: Bool) throws {
    try auditStoredFileAccess(paths, event: .view, showConfidential: showConfidential)
}

/// `dump` of stored files: recorded, and a confidential study refused without --show-confidential.
func auditDump(_ paths: [String], showConfidential: Bool, deidentified: Bool) throws {
    try auditStoredFileAccess(paths, event: .dump, showConfidential: showConfidential, detail: deidentified ? "deidentified" : nil)
}
