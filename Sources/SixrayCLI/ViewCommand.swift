import ArgumentParser
import DICOMCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Imaging
import TerminalGraphics
import Rendering
#if canImport(Glibc)
import Glibc
#endif

public struct View: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Print one image (or a contact sheet of a series) into the terminal and exit.",
        discussion: """
            For a file, shows the frame (default 0). For a directory, shows the middle image of \
            the series it holds, or with --montage a contact sheet of all its images.

            --protocol auto asks the terminal (DA1, kitty, XTSMGRAPHICS, XTWINOPS; 250 ms at \
            most, SIXRAY_QUERY_TIMEOUT_MS overrides) and picks kitty, iTerm2, sixel, or Unicode \
            half-blocks. When stdout is not a terminal and no --size is given, the image is \
            written at its native size with the protocol asked for (sixel for auto), e.g. \
            `sixray view CT.dcm --protocol sixel > slice.six`.

            Inside tmux, graphics need tmux ≥ 3.3 with `set -g allow-passthrough on`; without it \
            Sixray says so and draws half-blocks. --max-frame-bytes lowers the resolution until a \
            frame fits (slow SSH links).

            Exit codes: 0; 1 unreadable input, undecodable frame, or output closed; 64 usage.
            """)

    @Argument(help: "A DICOM file, or a directory holding a series.") var input: String
    @Option(help: "Frame number, 0-based.") var frame: Int?
    @Option(help: "Window centre and width, e.g. 40,400.") var window: String?
    // A literal: evaluating the preset table here would parse it on every start.
    @Option(help: "A window preset: ct-brain, ct-subdural, ct-stroke, ct-bone, ct-lung, ct-mediastinum, ct-abdomen, ct-liver, mr-auto, or one from ~/.config/sixray/windows.toml.")
    var preset: String?
    @Option(name: .customLong("protocol"), help: "auto, sixel, kitty, iterm2, blocks or ascii.") var graphics = "auto"
    @Option(help: "Width of the image in terminal columns.") var width: Int?
    @Option(help: "Image size in pixels, WxH (overrides the terminal's size).") var size: String?
    @Flag(help: "For a directory: a contact sheet of thumbnails.") var montage = false
    @Option(help: "Largest frame in bytes; the resolution is lowered until it fits (slow links).") var maxFrameBytes: Int?
    @Flag(help: "Show a confidential study of the local store (the access is recorded in the audit log).") var showConfidential = false

    /// What the options ask for, as plain values.
    public var request: Request {
        Request(input: input, frame: frame, window: window, preset: preset, graphics: graphics, width: width,
                size: size, montage: montage, maxFrameBytes: maxFrameBytes, showConfidential: showConfidential)
    }

    public func validate() throws {
        if let problem = request.problem { throw ValidationError(problem) }
    }

    public func run() throws {
        try request.run()
    }

    /// `sixray view`'s options without ArgumentParser, so that a preview does not pay for
    /// building the command tree by reflection (about a third of the process's CPU time).
    public struct Request: Sendable, Equatable {
        public var input: String
        public var frame: Int?
        public var window: String?
        public var preset: String?
        public var graphics = "auto"
        public var width: Int?
        public var size: String?
        public var montage = false
        public var maxFrameBytes: Int?
        public var showConfidential = false

        /// The arguments after `view` when they are plain (each option known, with a value of
        /// the right type, one input, nothing to validate against): nil sends them to
        /// ArgumentParser, which also owns help and every usage message.
        public static func parse(_ args: some Collection<String>) -> Request? {
            var r = Request(input: "")
            var inputs: [String] = []
            var it = args.makeIterator()
            while let arg = it.next() {
                if arg == "--" { while let rest = it.next() { inputs.append(rest) }; break }
                guard arg.hasPrefix("--") else {
                    if arg.hasPrefix("-") && arg != "-" { return nil }
                    inputs.append(arg)
                    continue
                }
                var name = String(arg.dropFirst(2))
                var inline: String? = nil
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if name == "montage" || name == "show-confidential" {
                    guard inline == nil else { return nil }
                    if name == "montage" { r.montage = true } else { r.showConfidential = true }
                    continue
                }
                // A separate value that looks like an option is ArgumentParser's to judge.
                guard let value = inline ?? it.next(), inline != nil || !value.hasPrefix("-") else { return nil }
                switch name {
                case "frame": guard let v = Int(value) else { return nil }; r.frame = v
                case "window": r.window = value
                case "preset": r.preset = value
                case "protocol": r.graphics = value
                case "width": guard let v = Int(value) else { return nil }; r.width = v
                case "size": r.size = value
                case "max-frame-bytes": guard let v = Int(value) else { return nil }; r.maxFrameBytes = v
                default: return nil
                }
            }
            guard inputs.count == 1 else { return nil }
            r.input = inputs[0]
            return r.problem == nil ? r : nil
        }

        /// The usage problem with these options, if any.
        public var problem: String? {
            guard GraphicsProtocol.parseOverride(graphics).valid else {
                return "--protocol must be auto, sixel, kitty, iterm2, blocks or ascii"
            }
            if let size, parseSize(size) == nil { return "--size takes WxH in pixels, e.g. 800x600" }
            if let width, width < 1 { return "--width must be at least 1 column" }
            if window != nil && preset != nil { return "give --window or --preset, not both" }
            if let window, parseWindow(window) == nil { return "--window takes CENTER,WIDTH with WIDTH > 0" }
            return nil
        }

        public func run() throws {
            signal(SIGPIPE, SIG_IGN)
            do {
                let selection = try voiSelection(window: window, preset: preset, modality: nil)
                try StoredFileAccess.check?([input], .view, showConfidential, false)
                let image = try loadImage(selection)
                try printImage(image, graphics: graphics, width: width, size: size, maxFrameBytes: maxFrameBytes)
            } catch {
                throw reportFailure(error, input: input)
            }
        }

        private func loadImage(_ selection: VOISelection) throws -> DisplayImage {
            var info = stat()
            guard stat(input, &info) == 0 else {
                throw WorkstationError(String(cString: strerror(errno)).lowercased(), file: input)
            }
            if info.st_mode & S_IFMT != S_IFDIR {
                let file = try Part10Reader.read(path: input)
                return try FrameRenderer(file: file).render(frame: frame ?? 0, voi: selection)
            }
            let series = try SeriesListing(directory: input)
            guard !series.files.isEmpty else { throw WorkstationError("no DICOM images in this directory", file: input) }
            if !montage {
                let middle = series.files[series.files.count / 2]
                return try FrameRenderer(file: middle).render(frame: frame ?? 0, voi: selection)
            }
            var thumbs: [DisplayImage] = []
            for f in series.files {
                do {
                    thumbs.append(try FrameRenderer(file: f).render(frame: 0, voi: selection))
                } catch {
                    Output.error("\(error) (left out of the contact sheet)")
                }
            }
            let side = 128
            return TerminalGraphics.montage(thumbs.map { fitted($0, toPixels: (side, side), filter: .automatic) },
                                            columns: nil, cell: (side, side), gap: 2)
        }
    }
}

public func parseSize(_ s: String) -> (Int, Int)? {
    let p = s.lowercased().split(separator: "x").compactMap { Int($0) }
    guard p.count == 2, p[0] > 0, p[1] > 0, p[0] <= 16384, p[1] <= 16384 else { return nil }
    return (p[0], p[1])
}

public func tmuxPassthroughAllowed(_ env: [String: String]) -> Bool {
    guard Passthrough.multiplexer(environment: env) == .tmux else { return true }
    return Passthrough.queryTmuxPassthrough()
}

/// The images of a directory, ordered as a radiologist scrolls them: by position along the
/// slice normal when known, else by Instance Number, else by name.
public struct SeriesListing {
    public var files: [DICOMFile]

    public init(directory: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var found: [(DICOMFile, Double?, Int?, String)] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = directory + "/" + name
            guard let f = try? Part10Reader.read(path: path), f.dataSet.contains(.pixelData) else { continue }
            let z = f.dataSet.doubles(Tag(0x0020, 0x0032)).flatMap { $0.count == 3 ? $0[2] : nil }
            found.append((f, z, f.dataSet.int(Tag(0x0020, 0x0013)), name))
        }
        found.sort { a, b in
            if let za = a.1, let zb = b.1, za != zb { return za < zb }
            if let ia = a.2, let ib = b.2, ia != ib { return ia < ib }
            return a.3 < b.3
        }
        files = found.map(\.0)
    }
}

/// Print an image on stdout with the protocol asked for (`auto`: what the terminal answers,
/// sixel when stdout is not a terminal), sized to the terminal, to `width` columns, to `size`
/// pixels, or native when piped.
public func printImage(_ image: DisplayImage, graphics: String, width: Int?, size: String?, maxFrameBytes: Int?) throws {
    let env = ProcessInfo.processInfo.environment
    let toTerminal = isatty(1) == 1
    var chosen = GraphicsProtocol.parseOverride(graphics).value
    var caps: TerminalCapabilities? = nil
    if toTerminal && (chosen == nil || size == nil) {
        caps = try? TerminalCapabilities.detect(environment: env, passthroughAllowed: tmuxPassthroughAllowed(env))
    }
    if chosen == nil {
        chosen = caps?.bestProtocol ?? (toTerminal ? .blocks : .sixel)
        if let caps, caps.multiplexer == .tmux, !caps.passthroughAllowed {
            Output.error(Passthrough.tmuxPassthroughHint)
        }
    }
    let proto = chosen ?? .sixel
    var options = GraphicsEncoder.Options(maxFrameBytes: maxFrameBytes,
                                          multiplexer: toTerminal ? Passthrough.multiplexer(environment: env) : .none)
    var winsize = winsize()
    let haveWinsize = toTerminal && ioctl(1, UInt(TIOCGWINSZ), &winsize) == 0 && winsize.ws_col > 0
    let cols = width ?? (haveWinsize ? Int(winsize.ws_col) : 80)
    let rows = haveWinsize ? max(1, Int(winsize.ws_row) - 2) : 24
    var cell = caps?.cellPixels
    if cell == nil, haveWinsize, winsize.ws_xpixel > 0, winsize.ws_ypixel > 0 {
        cell = PixelSize(width: Int(winsize.ws_xpixel) / Int(winsize.ws_col), height: Int(winsize.ws_ypixel) / Int(winsize.ws_row))
    }
    options.cellPixels = cell
    if let size, let s = parseSize(size) {
        options.viewportPixels = PixelSize(width: s.0, height: s.1)
        options.viewportCells = PixelSize(width: max(1, s.0 / (cell?.width ?? 8)), height: max(1, s.1 / (cell?.height ?? 16)))
    } else if toTerminal || width != nil {
        let c = cell ?? PixelSize(width: 8, height: 16)
        options.viewportPixels = PixelSize(width: cols * c.width, height: rows * c.height)
        options.viewportCells = PixelSize(width: cols, height: rows)
    } else {
        // Not a terminal: native size for pixel protocols; a text rendering needs a grid.
        options.viewportCells = PixelSize(width: cols, height: rows)
    }
    let encoder = GraphicsEncoder(protocol: proto, options: options)
    var out: [UInt8] = []
    try encoder.encode(image, into: &out)
    if proto == .sixel || proto == .kitty || proto == .iterm2 { out += [0x0A] }
    try FileOutput.write(out, to: 1)
}
