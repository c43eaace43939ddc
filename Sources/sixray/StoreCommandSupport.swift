import SixrayCLI
import ArgumentParser
import Foundation
import StudyStore
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes of `import` and `cache` (also in their help and in README).
enum StoreExit {
    /// Some input was refused (import), or index and files disagree (verify), or a study was not found.
    static let problems: Int32 = 1
    /// The store itself failed: disk full, damaged index, permissions.
    static let storeError: Int32 = 3
}

/// `--root` for the store commands.
struct StoreLocation: ParsableArguments {
    @Option(help: ArgumentHelp("Store folder (default: cache.path from $XDG_CONFIG_HOME/sixray/config.toml, else $XDG_CACHE_HOME/sixray or ~/.cache/sixray).",
                               valueName: "dir"))
    var root: String?

    func configuration() throws -> (StoreConfiguration, String) {
        let env = ProcessInfo.processInfo.environment
        let config: StoreConfiguration
        do {
            config = try StoreConfiguration.load(environment: env)
        } catch {
            Output.error("config: \(error)")
            throw ExitCode(StoreExit.storeError)
        }
        return (config, root ?? config.root ?? StudyStore.defaultRoot(environment: env))
    }

    func open() throws -> StudyStore {
        let (config, path) = try configuration()
        var options = StudyStore.Options(maxSizeBytes: config.maxSizeBytes)
        options.confidentialCodes = config.confidentialCodes
        options.audit = config.audit
        do {
            return try StudyStore.open(root: path, options: options)
        } catch {
            Output.error("cache: \(error)")
            throw ExitCode(StoreExit.storeError)
        }
    }
}

/// A one-line progress bar on stderr, only when stderr is a terminal.
struct ProgressLine {
    let label: String
    let enabled = isatty(2) == 1
    private var lastDraw = 0.0

    init(label: String) { self.label = label }

    mutating func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let now = StudyStore.wallClock()
        if done < total && now - lastDraw < 0.1 { return }
        lastDraw = now
        let width = 30
        let filled = min(width, done * width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        Output.write("\r\(label) [\(bar)] \(done)/\(total)", to: 2)
    }

    func finish() {
        if enabled { Output.write("\r\u{1B}[K", to: 2) }
    }
}

func formatBytes(_ n: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var v = Double(n)
    var u = 0
    while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
    return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
}

func jsonText(_ object: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
          let s = String(data: data, encoding: .utf8) else { return "null" }
    return s
}

func studyJSON(_ s: StudySummary) -> [String: Any] {
    [
        "studyInstanceUID": s.studyInstanceUID,
        "confidential": s.isConfidential || s.confidentialFlag,
        "patientID": s.patient.patientID,
        "issuerOfPatientID": s.patient.issuer,
        "patientName": s.patient.name,
        "patientBirthDate": s.patient.birthDate,
        "patientSex": s.patient.sex,
        "originalPatientID": s.originalPatientID,
        "originalPatientName": s.originalPatientName,
        "studyDate": s.studyDate,
        "studyTime": s.studyTime,
        "studyDescription": s.studyDescription,
        "accessionNumber": s.accessionNumber,
        "modalities": s.modalities,
        "bodyParts": s.bodyParts,
        "series": s.seriesCount,
        "instances": s.instanceCount,
        "sizeBytes": s.sizeBytes,
        "source": s.source,
        "state": s.state.rawValue,
        "lastAccess": s.lastAccess,
        "pinned": s.pinned,
        "read": s.isRead,
        "keywords": s.keywords,
        "note": s.note,
    ]
}

/// The patient's name with components spaced, for tables.
func displayName(_ pn: String) -> String {
    pn.split(separator: "=").first.map { $0.split(separator: "^", omittingEmptySubsequences: true).joined(separator: " ") } ?? ""
}

func pad(_ s: String, _ n: Int) -> String {
    s.count >= n ? String(s.prefix(n)) : s + String(repeating: " ", count: n - s.count)
}
