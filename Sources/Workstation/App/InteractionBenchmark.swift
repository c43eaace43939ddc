import TerminalGraphics
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// Keypress-to-frame-written latency of the workstation: the real loop (key → reducer →
/// render → encode → ncurses diff → bytes written) on a cached series, with the terminal's
/// output going to a file so that the bytes per frame can be counted. Not a timed test: it
/// reports figures (`sixray bench tui`).
public enum InteractionBenchmark {
    public struct Result: Sendable {
        public var protocolName: String
        public var frames: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double
        public var meanBytesPerFrame: Double
        public var meanTextCellsPerFrame: Double
        public var fullRedraws: Int
        public var viewportPixels: (width: Int, height: Int)
        /// Slices in the series and the time of the first pass through all of them (each
        /// slice read from disk, decoded, rendered and written once: the cold scroll).
        public var slices = 0
        public var firstPassSeconds = 0.0
    }

    /// Scrolls `frames` slices through the first series of the first study of `library` in a
    /// 1×1 layout whose viewport is `viewportPixels` (cells of 10×20 pixels), with `graphics`.
    public static func run(library: any StudyLibrary, graphics: GraphicsProtocol, frames: Int = 200,
                           viewportPixels: (width: Int, height: Int) = (1000, 1000)) throws(WorkstationError) -> Result {
        let cols = viewportPixels.width / 10, rows = viewportPixels.height / 20 + 2 // title and status lines
        let outPath = "/tmp/sixray-bench-tui-\(getpid()).out"
        guard let out = fopen(outPath, "w+"), let inp = fopen("/dev/null", "r") else {
            throw WorkstationError("cannot open \(outPath) for the terminal output")
        }
        defer { fclose(out); fclose(inp); unlink(outPath) }
        setenv("LINES", String(rows), 1)
        setenv("COLUMNS", String(cols), 1)
        defer { unsetenv("LINES"); unsetenv("COLUMNS") }
        let backend: NcursesBackend
        do { backend = try NcursesBackend(terminalName: "xterm-256color", input: inp, output: out, trueColor: true) } catch {
            throw WorkstationError("\(error)")
        }
        defer { backend.shutdown() }
        let resources = UIResources.load(configDirectory: nil)
        let renderer = ScreenRenderer(theme: resources.theme, keymap: resources.keymap, graphics: graphics,
                                      provider: VolumePlaneProvider())
        let app = WorkstationApp(library: library, renderer: renderer, backend: backend, resources: resources,
                                 today: "20000101", cellSize: (10, 20))
        app.start()
        app.draw()
        app.handle(.enter) // study → browser
        app.draw()
        app.handle(.enter) // series → viewer
        app.draw()
        guard app.state.screen == .viewer, let count = app.state.viewer?.viewports.first?.count, count > 1 else {
            throw WorkstationError("the benchmark needs a study whose first series has several slices")
        }
        // Warm the slice cache once (decoding from the store is measured by `bench decode`).
        let firstPass = monotonicSeconds()
        for _ in 0..<count { app.handle(.down); app.draw() }
        let firstPassSeconds = monotonicSeconds() - firstPass
        app.handle(.home)
        app.draw()
        var times: [Double] = []
        var bytes: [Double] = []
        var cells: [Double] = []
        var full = 0
        var offset = lseek(fileno(out), 0, SEEK_END)
        var forward = true
        for _ in 0..<frames {
            let index = app.state.viewer?.viewports.first?.index ?? 0
            if index == count - 1 { forward = false } else if index == 0 { forward = true }
            let t0 = monotonicSeconds()
            app.handle(forward ? .down : .up)
            app.draw()
            fflush(out)
            times.append((monotonicSeconds() - t0) * 1000)
            let now = lseek(fileno(out), 0, SEEK_END)
            bytes.append(Double(now - offset))
            offset = now
            cells.append(Double(app.lastPresent.changedCells))
            if app.lastPresent.fullRedraw { full += 1 }
        }
        let sorted = times.sorted()
        func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        return Result(protocolName: graphics.rawValue, frames: frames, p50Milliseconds: pct(0.5), p99Milliseconds: pct(0.99),
                      maxMilliseconds: sorted.last ?? 0, meanBytesPerFrame: bytes.reduce(0, +) / Double(max(1, bytes.count)),
                      meanTextCellsPerFrame: cells.reduce(0, +) / Double(max(1, cells.count)), fullRedraws: full,
                      viewportPixels: viewportPixels, slices: count, firstPassSeconds: firstPassSeconds)
    }
}
