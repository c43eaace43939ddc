import SixrayCLI
import ArgumentParser
import DICOMCore
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that compare Sixray's hot paths with reference tools in the same run.",
        subcommands: [BenchParse.self, BenchVOI.self, BenchSixel.self, BenchDecode.self, BenchTUI.self, BenchMPR.self,
                      BenchImport.self, BenchWorklist.self, BenchCorpus.self])
}

/// `sixray bench parse DIR`: header parsing (elements and bulk-data locations, no pixel
/// decoding) against pydicom's dcmread in one Python process and DCMTK's dcmdump per process.
struct BenchParse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse every DICOM file of a directory; compare with pydicom and dcmdump.")

    @Argument(help: "Directory of DICOM files (searched recursively).")
    var directory: String

    @Option(help: "Rounds of in-process parsing over all files.")
    var rounds = 20

    @Option(help: "Python with pydicom for the comparison (default: $SIXRAY_TEST_PYTHON or python3).")
    var python: String?

    @Option(help: "Largest number of files timed as whole processes (dcmdump, sixray dump).")
    var processFiles = 60

    func run() throws {
        let files = dicomFiles(under: directory)
        guard !files.isEmpty else {
            Output.error("bench parse: no readable DICOM files under \(directory)")
            throw ExitCode(1)
        }
        let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        print("files: \(files.count), \(String(format: "%.1f", Double(bytes) / 1e6)) MB (times: best of 5 repetitions)")

        // 1. Sixray in process.
        // Best of five repetitions, on both sides, to keep scheduler noise out of the ratio.
        var elements = 0
        var sixrayNs = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<rounds {
                for f in files {
                    if let file = try? Part10Reader.read(path: f) { elements &+= file.dataSet.count }
                }
            }
            sixrayNs = min(sixrayNs, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds * files.count))
        }
        let mbps = Double(bytes) / (sixrayNs * Double(files.count) / 1e9) / 1e6
        print(String(format: "sixray in-process parse: %8.1f µs/file  %9.0f files/s  %8.0f MB/s", sixrayNs / 1e3, 1e9 / sixrayNs, mbps))

        // 2. pydicom in one process.
        let py = python ?? ProcessInfo.processInfo.environment["SIXRAY_TEST_PYTHON"] ?? "python3"
        var pydicomNs: Double? = nil
        let script = """
            import sys, time, warnings
            warnings.filterwarnings("ignore")
            import pydicom
            files = sys.argv[2:]; rounds = int(sys.argv[1])
            for f in files: pydicom.dcmread(f, force=True)
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                for _ in range(rounds):
                    for f in files: pydicom.dcmread(f, force=True)
                best = min(best, (time.perf_counter() - t) / (rounds * len(files)))
            print(best * 1e9)
            """
        if let out = runProcess(py, ["-c", script, String(max(1, rounds / 4))] + files), let ns = Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) {
            pydicomNs = ns
            print(String(format: "pydicom dcmread:         %8.1f µs/file  %9.0f files/s", ns / 1e3, 1e9 / ns))
        } else {
            print("pydicom dcmread:         not available (\(py) with pydicom)")
        }

        // 3. Whole processes: dcmdump vs sixray dump.
        let sample = Array(files.prefix(processFiles))
        let me = CommandLine.arguments[0]
        let selfPath = me.hasPrefix("/") ? me : FileManager.default.currentDirectoryPath + "/" + me
        let sixrayProc = timeProcesses(selfPath, ["dump", "--quiet"], sample)
        let dcmdumpProc = timeProcesses("/usr/bin/dcmdump", ["-q"], sample)
        if let s = sixrayProc { print(String(format: "sixray dump (process):   %8.2f ms/file", s / 1e6)) }
        if let d = dcmdumpProc { print(String(format: "dcmdump (process):       %8.2f ms/file", d / 1e6)) }

        print("ratios:")
        if let p = pydicomNs {
            print(String(format: "  in-process parse vs pydicom: %.1fx faster (target >= 20x)", p / sixrayNs))
        }
        if let s = sixrayProc, let d = dcmdumpProc {
            print(String(format: "  sixray dump vs dcmdump per process: %.2f of dcmdump's time (target <= 0.5)", s / d))
        }
        _ = elements
    }
}

/// Files under `dir` that the reader accepts.
func dicomFiles(under dir: String) -> [String] {
    var out: [String] = []
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    while let rel = e.nextObject() as? String {
        let path = dir + "/" + rel
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
        if (try? Part10Reader.read(path: path)) != nil { out.append(path) }
    }
    return out.sorted()
}

func runProcess(_ exe: String, _ args: [String]) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe.hasPrefix("/") ? exe : "/usr/bin/env")
    p.arguments = exe.hasPrefix("/") ? args : [exe] + args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
}

/// Mean wall time of one process per file, in ns; nil if the tool is missing. Processes are
/// started with posix_spawn and reaped with waitpid, so the harness adds little of its own.
func timeProcesses(_ exe: String, _ args: [String], _ files: [String]) -> Double? {
    guard FileManager.default.isExecutableFile(atPath: exe) else { return nil }
    func once(_ f: String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([exe] + args + [f]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, exe, &actions, nil, argv, environ) == 0 else { return }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
    for f in files.prefix(3) { once(f) }  // warm the page cache
    var best = Double.infinity
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        for f in files { once(f) }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(files.count))
    }
    return best
}
