import SixrayCLI
import ArgumentParser
import AuditTrail
import Foundation

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the audit trail: who opened, retrieved, exported, sent, imported or evicted which study, and when.",
        discussion: """
            The log is audit.log in the study store's folder (or config.toml [audit] path), one \
            JSON object per line: time (UTC, ISO 8601), user, pid, host, event, study (Study \
            Instance UID), outcome (success or failure), peer (archive, AE title and address, or \
            URL without credentials), instances, detail. It holds no patient names, IDs or \
            birth dates. [audit] syslog = "udp://HOST:PORT" or "unix:///dev/log" also sends each \
            record as an RFC 5424 message (facility 10, severity 5, or 4 for a failure).

            Events: \(AuditRecord.Event.allCases.map { $0.rawValue }.joined(separator: ", ")).

            A line that is not a record is reported on stderr with its line number and skipped. \
            Exit codes: 0; 1 the log cannot be read; 64 usage error.
            """)

    @Option(help: "Only records at or after this time: YYYY-MM-DD, YYYYMMDD or an ISO 8601 UTC prefix (2026-11-27T08:30).")
    var since: String?
    @Option(help: "Only records of this Study Instance UID.") var study: String?
    @Option(help: "Only records of this event (open, view, dump, retrieve, export, send, import, evict, list-confidential, mark, access-confidential).")
    var event: String?
    @Flag(help: "Print a JSON array of the records.") var json = false
    @Option(help: ArgumentHelp("Read this log file instead of the configured one.", valueName: "path")) var file: String?
    @OptionGroup var location: StoreLocation

    func validate() throws {
        if let since, Self.normalizedSince(since) == nil {
            throw ValidationError("--since takes YYYY-MM-DD, YYYYMMDD or an ISO 8601 UTC time such as 2026-11-27T08:30:00Z")
        }
        if let event, AuditRecord.Event(rawValue: event) == nil {
            throw ValidationError("--event must be one of \(AuditRecord.Event.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// A --since value as the prefix of a record's time: YYYYMMDD → YYYY-MM-DD; a trailing Z dropped.
    static func normalizedSince(_ s: String) -> String? {
        var t = s
        if t.count == 8, t.allSatisfy(\.isNumber) {
            let a = Array(t)
            t = String(a[0..<4]) + "-" + String(a[4..<6]) + "-" + String(a[6..<8])
        }
        if t.hasSuffix("Z") { t.removeLast() }
        let shape = Array("0000-00-00T00:00:00.000")
        guard t.count >= 10, t.count <= shape.count else { return nil }
        for (c, want) in zip(t, shape) {
            if want == "0" ? !c.isNumber : c != want { return nil }
        }
        return t
    }

    func run() throws {
        let path = try file ?? location.auditLog().path
        let records: [AuditRecord]
        let damaged: [AuditLog.DamagedLine]
        do {
            let log = try AuditLog.read(path: path)
            records = log.records
            damaged = log.damaged
        } catch {
            Output.error("audit: \(error)")
            throw ExitCode(1)
        }
        for d in damaged { Output.error("audit: \(path):\(d.line): \(d.reason) (skipped)") }
        let from = since.flatMap(Self.normalizedSince)
        let shown = records.filter { r in
            (from.map { r.time >= $0 } ?? true) && (study.map { r.study == $0 } ?? true) && (event.map { r.event == $0 } ?? true)
        }
        if json {
            Output.write(jsonText(shown.map { r -> [String: Any] in
                var o: [String: Any] = ["time": r.time, "user": r.user, "pid": Int(r.pid), "host": r.host,
                                        "event": r.event, "outcome": r.outcome.rawValue]
                if let s = r.study { o["study"] = s }
                if let p = r.peer { o["peer"] = p }
                if let n = r.instances { o["instances"] = n }
                if let d = r.detail { o["detail"] = d }
                return o
            }) + "\n")
            return
        }
        var out = "\(pad("TIME (UTC)", 24)) \(pad("USER", 10)) \(pad("EVENT", 19)) \(pad("OUTCOME", 7)) \(pad("N", 5)) STUDY / PEER / DETAIL\n"
        for r in shown {
            var tail = r.study ?? "-"
            if let p = r.peer { tail += "  peer " + p }
            if let d = r.detail { tail += "  (" + d + ")" }
            out += "\(pad(r.time, 24)) \(pad(r.user, 10)) \(pad(r.event, 19)) \(pad(r.outcome.rawValue, 7)) "
            out += "\(pad(r.instances.map(String.init) ?? "", 5)) \(tail)\n"
        }
        Output.write(out)
    }
}
