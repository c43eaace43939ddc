/// The one error type of AuditTrail: what went wrong, with the log file or syslog address it
/// concerns. Messages never carry a record's content beyond its line number.
public struct AuditError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    /// The log file, or the syslog destination.
    public let path: String?
    /// 1-based line of the log (reading).
    public let line: Int?

    public init(_ reason: String, path: String? = nil, line: Int? = nil) {
        self.reason = reason
        self.path = path
        self.line = line
    }

    public var description: String {
        var s = ""
        if let path { s += path + (line.map { ":\($0)" } ?? "") + ": " }
        return s + reason
    }
}
