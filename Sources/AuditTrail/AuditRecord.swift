#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of the audit trail: who did what to which study, when, with what outcome, and
/// with which peer. The vocabulary follows the questions of IHE ATNA's audit messages (PS3.15
/// Annex A.5: event, outcome, active participant, participant object) in a flat JSON line.
///
/// Never a patient name, ID or birth date: a study is named by its Study Instance UID only, a
/// peer by archive name, AE title and address or a URL without credentials or query.
public struct AuditRecord: Sendable, Equatable {
    /// What happened. Raw values are what the log holds (and what `sixray audit --event` takes).
    public enum Event: String, Sendable, CaseIterable {
        /// A study opened in the workstation's viewer.
        case open
        /// Pixels of a stored study printed by `sixray view`.
        case view
        /// Data elements of a stored study printed by `sixray dump`.
        case dump
        /// Instances fetched from an archive (C-GET, C-MOVE or WADO-RS).
        case retrieve
        /// Files written out of Sixray: pixels (`export`) or DICOM (`export --dicom`).
        case export
        /// Instances sent to an archive (C-STORE or STOW-RS).
        case send
        /// Files copied into the study store.
        case `import`
        /// A study removed from the study store (by command or by the quota).
        case evict
        /// A confidential study listed (`--show-confidential`).
        case listConfidential = "list-confidential"
        /// A study's confidential flag set or cleared (`cache mark`).
        case mark
        /// A confidential study read by its UID (`cache info`, `view`, open in the workstation).
        case accessConfidential = "access-confidential"
    }

    public enum Outcome: String, Sendable, CaseIterable {
        case success, failure
    }

    /// UTC, ISO 8601 with milliseconds: `2026-11-27T08:30:00.123Z`.
    public var time: String
    /// The operating system's user name (else the numeric uid), process and host.
    public var user: String
    public var pid: Int32
    public var host: String
    /// An `Event` raw value; kept as text so a log written by a newer Sixray still reads.
    public var event: String
    /// Study Instance UID, when the event concerns one study.
    public var study: String?
    public var outcome: Outcome
    /// The other side of a network event: `NAME AET@host:port` or a URL without credentials.
    public var peer: String?
    /// Instances concerned, when counted.
    public var instances: Int?
    /// A short free word or two: "deidentified", "quota", "confidential", a failure's reason.
    /// Callers must not put patient data here.
    public var detail: String?

    public init(time: String, user: String, pid: Int32, host: String, event: String, study: String? = nil,
                outcome: Outcome = .success, peer: String? = nil, instances: Int? = nil, detail: String? = nil) {
        self.time = time
        self.user = user
        self.pid = pid
        self.host = host
        self.event = event
        self.study = study
        self.outcome = outcome
        self.peer = peer
        self.instances = instances
        self.detail = detail
    }

    /// The record as one JSON object on one line, with its newline (keys in a fixed order:
    /// time first, so the file reads in order and sorts by time).
    public var jsonLine: String {
        var o = "{\"time\":" + Self.quoted(time)
        o += ",\"user\":" + Self.quoted(user) + ",\"pid\":\(pid),\"host\":" + Self.quoted(host)
        o += ",\"event\":" + Self.quoted(event)
        if let study { o += ",\"study\":" + Self.quoted(study) }
        o += ",\"outcome\":" + Self.quoted(outcome.rawValue)
        if let peer { o += ",\"peer\":" + Self.quoted(peer) }
        if let instances { o += ",\"instances\":\(instances)" }
        if let detail { o += ",\"detail\":" + Self.quoted(detail) }
        return o + "}\n"
    }

    /// A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped,
    /// so no value can end the line or the object early.
    static func quoted(_ s: String) -> String {
        var o = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\r": o += "\\r"
            case "\t": o += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    o += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    o.unicodeScalars.append(u)
                }
            }
        }
        return o + "\""
    }

    /// `seconds` since 1970 as ISO 8601 UTC with milliseconds.
    public static func iso8601(_ seconds: Double) -> String {
        var whole = time_t(seconds.rounded(.down))
        var millis = Int(((seconds - Double(whole)) * 1000).rounded(.down))
        if millis >= 1000 { millis = 999 }
        if millis < 0 { millis = 0 }
        var t = tm()
        gmtime_r(&whole, &t)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)).\(ms)Z"
    }
}
