/// Where Sixray keeps its files, following the XDG Base Directory specification:
/// configuration in `$XDG_CONFIG_HOME/sixray` (default `~/.config/sixray`), the study cache in
/// `$XDG_CACHE_HOME/sixray` (default `~/.cache/sixray`). Relative XDG values are ignored, as
/// the specification requires. The environment is passed in so tests can point anywhere.
public struct SixrayDirectories: Sendable, Equatable {
    public var config: String
    public var cache: String

    public init(config: String, cache: String) {
        self.config = config
        self.cache = cache
    }

    /// - Returns: nil when neither the XDG variable nor `HOME` gives an absolute path.
    public init?(environment: [String: String]) {
        let home = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        func base(_ variable: String, _ fallback: String) -> String? {
            if let v = environment[variable], v.hasPrefix("/") { return v }
            return home.map { $0 + "/" + fallback }
        }
        guard let c = base("XDG_CONFIG_HOME", ".config"), let k = base("XDG_CACHE_HOME", ".cache") else { return nil }
        config = Self.strip(c) + "/sixray"
        cache = Self.strip(k) + "/sixray"
    }

    static func strip(_ p: String) -> String {
        var s = Substring(p)
        while s.count > 1, s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }

    /// `config.toml` in the configuration directory.
    public var configFile: String { config + "/config.toml" }
}
