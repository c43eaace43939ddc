/// The one error type of SixrayConfig: a problem in a configuration or data file, with the
/// file, line and key it concerns. Printed as `themes/dark.toml:12: key 'ui.accent': expected a string`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var file: String?
    public var line: Int?
    public var key: String?

    public init(_ reason: String, file: String? = nil, line: Int? = nil, key: String? = nil) {
        self.reason = reason
        self.file = file
        self.line = line
        self.key = key
    }

    public var description: String {
        var s = file ?? "configuration"
        if let line { s += ":\(line)" }
        s += ": "
        if let key { s += "key '\(key)': " }
        return s + reason
    }
}
