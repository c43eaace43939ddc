import SixrayCLI
import ArgumentParser
import DICOMCodecs
import DICOMCore
import Foundation
import Imaging
import SixrayBench
import StudyStore
import TerminalGraphics
import Workstation

/// First frame of a file as 16-bit samples with its rescale and window, for the VOI benchmark.
func voiFrame(_ path: String) throws -> VOIBenchmark.Frame {
    let file = try Part10Reader.read(path: path)
    let renderer = try FrameRenderer(file: file)
    let decoded = try renderer.frames.decode(frame: 0)
    let attrs = try renderer.attributes(frame: 0)
    guard decoded.samplesPerPixel == 1, decoded.sampleType.byteWidth == 2 else {
        throw WorkstationError("the VOI benchmark needs a 16-bit grey frame", file: path)
    }
    let n = decoded.sampleCount
    let words = decoded.bytes.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self) } }
    let samples: VOIBenchmark.Samples = decoded.sampleType.isSigned ? .signed(words.map { Int16(bitPattern: $0) }) : .unsigned(words)
    var slope = 1.0, intercept = 0.0
    if case .rescale(let s, let i) = attrs.modality { slope = s; intercept = i }
    let window = attrs.voi.windows.first ?? VOIWindow(center: 40, width: 400)
    return VOIBenchmark.Frame(name: (path as NSString).lastPathComponent, width: decoded.columns, height: decoded.rows,
                              samples: samples, slope: slope, intercept: intercept,
                              windowCenter: window.center, windowWidth: window.width)
}

struct BenchVOI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voi",
        abstract: "The VOI stage (Swift, every kernel) against plain C references (-O3, same CPU target).",
        discussion: "Runs on FILE's first frame (a 16-bit CT) and on a 4096×3328 16-bit frame; prints µs per frame, whether each result is exact against the PS3.3 formula, and the ratio to the fastest exact C reference.")

    @Argument(help: "A 16-bit grey DICOM file (default: a synthetic 512×512 CT).") var file: String?

    func run() throws {
        let ct: VOIBenchmark.Frame
        do {
            ct = try file.map(voiFrame) ?? VOIBenchmark.syntheticCT()
        } catch {
            Output.error("\(error)")
            throw ExitCode(1)
        }
        print(VOIBenchmark.report(VOIBenchmark.runStandardSuite(ct: ct, large: nil)))
    }
}

struct BenchSixel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixel",
        abstract: "Sixel, kitty and half-block encoders against libsixel in process; `view` against img2sixel as processes.")

    @Argument(help: "A DICOM file (default: the demo's middle current slice, written if needed).") var file: String?
    @Option(help: "Iterations per encoder.") var iterations = 20

    func run() throws {
        let path: String
        if let file { path = file } else {
            let dir = defaultDemoDirectory()
            if access(dir + "/current/CT024.dcm", R_OK) != 0 { _ = try DemoStudies().write(to: dir) }
            path = dir + "/current/CT024.dcm"
        }
        let image: DisplayImage
        do {
            image = try FrameRenderer(file: Part10Reader.read(path: path)).render(frame: 0)
        } catch {
            Output.error("\(error)")
            throw ExitCode(1)
        }
        print("in process, \(image.width)×\(image.height) display frame of \(path):")
        print(GraphicsBenchmark.run(image: image, iterations: iterations).text)

        // Whole processes: `sixray view --protocol sixel FILE` vs `img2sixel` of a windowed PNG.
        let png = NSTemporaryDirectory() + "/sixray-bench-\(getpid()).png"
        defer { unlink(png) }
        try? PNGCodec.write(image, toFile: png)
        // The launcher `sixray` beside this executable: what a user runs.
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let selfPath = String(exe[...(exe.lastIndex(of: "/") ?? exe.startIndex)]) + "sixray"
        let runs = Array(repeating: path, count: 20)
        let viewNs = timeProcesses(selfPath, ["view", "--protocol", "sixel"], runs)
        let img2sixelNs = timeProcesses("/usr/bin/img2sixel", [], Array(repeating: png, count: 20))
        print("as processes (20 runs each):")
        if let v = viewNs { print(String(format: "  sixray view --protocol sixel DICOM: %7.2f ms", v / 1e6)) }
        if let i = img2sixelNs { print(String(format: "  img2sixel windowed PNG:             %7.2f ms", i / 1e6)) }
        if let v = viewNs, let i = img2sixelNs {
            print(String(format: "  ratio: sixray view takes %.2f of img2sixel's time (target <= 1.0)", v / i))
        } else {
            print("  img2sixel not installed (libsixel-bin): no process comparison")
        }
    }
}

struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Frame decode throughput against pydicom (same codecs: CharLS, OpenJPEG) for JPEG-LS and JPEG 2000 files.")

    @Argument(help: "DICOM files or directories.") var inputs: [String]
    @Option(help: "Python with pydicom and pylibjpeg (default: $SIXRAY_TEST_PYTHON or python3).") var python: String?
    @Option(help: "Rounds per file.") var rounds = 10

    func run() throws {
        var files: [String] = []
        for input in inputs {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue {
                files += dicomFiles(under: input)
            } else {
                files.append(input)
            }
        }
        let wanted: [String: String] = [
            "1.2.840.10008.1.2.4.80": "JPEG-LS lossless", "1.2.840.10008.1.2.4.81": "JPEG-LS near-lossless",
            "1.2.840.10008.1.2.4.90": "JPEG 2000 lossless", "1.2.840.10008.1.2.4.91": "JPEG 2000",
            "1.2.840.10008.1.2.4.201": "HTJ2K lossless", "1.2.840.10008.1.2.4.203": "HTJ2K",
        ]
        let py = python ?? ProcessInfo.processInfo.environment["SIXRAY_TEST_PYTHON"] ?? "python3"
        print("file                                        syntax                 frame     sixray µs  pydicom µs  ratio")
        var ratios: [String: [Double]] = [:]
        for path in files {
            guard let file = try? Part10Reader.read(path: path), let kind = wanted[file.transferSyntax.uid],
                  let frames = try? PixelFrames(file: file), (try? frames.decode(frame: 0)) != nil else { continue }
            let n = frames.frameCount
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<rounds { for f in 0..<n { _ = try? frames.decode(frame: f) } }
            let ours = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(rounds * n) / 1e3
            let script = """
                import sys, time, warnings
                warnings.filterwarnings("ignore")
                import pydicom
                ds = pydicom.dcmread(sys.argv[1]); r = int(sys.argv[2])
                ds.pixel_array
                t = time.perf_counter()
                for _ in range(r):
                    ds._pixel_array = None; ds._pixel_id = {}
                    ds.pixel_array
                print((time.perf_counter() - t) / (r * int(ds.get("NumberOfFrames", 1) or 1)) * 1e6)
                """
            let theirs = runProcess(py, ["-c", script, path, String(rounds)]).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            let name = (path as NSString).lastPathComponent
            let size = "\(frames.description.columns)×\(frames.description.rows)"
            if let theirs {
                ratios[kind, default: []].append(theirs / ours)
                print(String(format: "%-43@ %-22@ %-9@ %9.0f  %10.0f  %5.1fx", name as NSString, kind as NSString, size as NSString, ours, theirs, theirs / ours))
            } else {
                print(String(format: "%-43@ %-22@ %-9@ %9.0f  %10@", name as NSString, kind as NSString, size as NSString, ours, "n/a" as NSString))
            }
        }
        print("geometric mean speed-up over pydicom per frame (target >= 2x):")
        for (kind, r) in ratios.sorted(by: { $0.key < $1.key }) {
            let g = exp(r.map { log($0) }.reduce(0, +) / Double(r.count))
            print(String(format: "  %-22@ %5.1fx over %d files", kind as NSString, g, r.count))
        }
    }
}

/// `sixray bench tui`: keypress-to-frame-written latency of the workstation while scrolling.
struct BenchTUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Keypress-to-frame latency of the workstation (reducer, render, encode, ncurses) scrolling a cached 512×512 series.",
        discussion: """
            Writes a synthetic 512×512 CT series (80 slices) once, opens it in a 1×1 viewer of \
            1000×1000 pixels on a headless ncurses terminal whose output goes to a file, warms \
            the slice cache, then scrolls back and forth. Prints p50/p99 per protocol, bytes \
            written per frame, text cells rewritten per frame and full redraws (target: p99 ≤ \
            16 ms, no full redraw on scroll).
            """)

    @Option(help: "Frames (key presses) per protocol.") var frames = 300
    @Option(help: "Protocols to measure.") var protocols = "sixel,kitty,blocks"
    @Option(help: "Viewport size in pixels, WxH.") var viewport = "1000x1000"
    @Option(help: ArgumentHelp("Scroll the first series of the first study in the worklist of this study store instead (e.g. a 5,000-slice study retrieved for the load test).",
                               valueName: "dir"))
    var root: String?

    func run() throws {
        if let root {
            let store = try StudyStore.open(root: root)
            let size = parseSize(viewport) ?? (1000, 1000)
            print("workstation scrolling the store \(root), viewport \(size.0)×\(size.1) px, \(frames) frames")
            print("protocol   slices   first pass s   ms/slice   p50 ms   p99 ms   max ms   bytes/frame")
            for name in protocols.split(separator: ",") {
                guard let p = GraphicsProtocol(rawValue: String(name)) else { continue }
                let r = try InteractionBenchmark.run(library: StoreLibrary(store: store), graphics: p, frames: frames, viewportPixels: size)
                print(String(format: "%-8@ %8d %14.2f %10.3f %8.2f %8.2f %8.2f %13.0f", r.protocolName as NSString, r.slices, r.firstPassSeconds,
                             r.firstPassSeconds * 1000 / Double(max(1, r.slices)), r.p50Milliseconds, r.p99Milliseconds,
                             r.maxMilliseconds, r.meanBytesPerFrame))
            }
            return
        }
        let dir = NSTemporaryDirectory() + "sixray-bench-tui-series"
        if access(dir + "/current/CT080.dcm", R_OK) != 0 {
            var demo = DemoStudies()
            demo.rows = 512
            demo.columns = 512
            demo.pixelSpacing = 0.7
            demo.series = [DemoStudies.Series(description: "CT 512", studyDate: "20261120", sliceCount: 80,
                                              sliceThickness: 2, firstSliceZ: -80, lesionRadius: 12)]
            _ = try demo.write(to: dir)
        }
        let size = parseSize(viewport) ?? (1000, 1000)
        print("workstation scrolling, 512×512 CT series (80 slices, cached), viewport \(size.0)×\(size.1) px, \(frames) frames")
        print("protocol   p50 ms   p99 ms   max ms   bytes/frame   text cells/frame   full redraws")
        for name in protocols.split(separator: ",") {
            guard let p = GraphicsProtocol(rawValue: String(name)) else { continue }
            let r = try InteractionBenchmark.run(library: FolderLibrary(root: dir), graphics: p, frames: frames, viewportPixels: size)
            print(String(format: "%-8@ %8.2f %8.2f %8.2f %13.0f %18.1f %14d", r.protocolName as NSString, r.p50Milliseconds,
                         r.p99Milliseconds, r.maxMilliseconds, r.meanBytesPerFrame, r.meanTextCellsPerFrame, r.fullRedraws))
        }
    }
}
