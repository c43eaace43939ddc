import SixrayConfig

/// The `[audit]` table of config.toml:
///
///     [audit]
///     path = "/var/log/sixray/audit.log"     # default: audit.log in the study store's folder
///     syslog = "udp://127.0.0.1:514"          # or "unix:///dev/log"; default: no syslog
public struct AuditConfiguration: Sendable, Equatable {
    public var path: String?
    public var syslog: SyslogSender?

    public init(path: String? = nil, syslog: SyslogSender? = nil) {
        self.path = path
        self.syslog = syslog
    }

    /// The `[audit]` table of a parsed config file (defaults when it has none).
    public static func parse(_ doc: ConfigSection) throws(ConfigError) -> AuditConfiguration {
        var config = AuditConfiguration()
        guard let audit = try doc.section("audit") else { return config }
        try audit.checkKeys(["path", "syslog"])
        if let p = try audit.string("path") {
            guard p.hasPrefix("/") else {
                throw ConfigError("audit.path: expected an absolute path", file: doc.file, line: audit.table.entry("path")?.line)
            }
            config.path = p
        }
        if let s = try audit.string("syslog"), !s.isEmpty {
            do {
                config.syslog = try SyslogSender(address: s)
            } catch {
                throw ConfigError("audit.syslog: \(error.reason)", file: doc.file, line: audit.table.entry("syslog")?.line)
            }
        }
        return config
    }

    /// The log for a study store at `storeRoot` (its `audit.log` unless `path` says otherwise).
    public func log(storeRoot: String, identity: AuditIdentity = .current()) -> AuditLog {
        AuditLog(path: path ?? (storeRoot.hasSuffix("/") ? storeRoot : storeRoot + "/") + "audit.log",
                 identity: identity, syslog: syslog)
    }
}
