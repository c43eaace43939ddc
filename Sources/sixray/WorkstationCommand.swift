import SixrayCLI
import ArgumentParser
import DICOMNetwork
import Foundation
import SixrayConfig
import TerminalGraphics
import TerminalUI
import StudyStore
import Workstation

/// Options every command that opens the reading workstation shares.
struct WorkstationOptions: ParsableArguments {
    @Option(name: .customLong("protocol"), help: "Graphics: auto, sixel, kitty, iterm2, blocks or ascii.")
    var graphics = "auto"

    @Option(help: "Colour theme: dark, light, high-contrast, or a file name in ~/.config/sixray/themes.")
    var theme: String?

    @Option(help: "Key bindings: default, vim, or a file name in ~/.config/sixray/keymaps.")
    var keymap: String?

    @Option(help: "A reader's profile from config.toml ([profile.NAME]: theme, keymap, layout, hanging protocols, presets).")
    var profile: String?

    @Option(help: "The archive the worklist queries and retrieves from (an [archive.NAME] of config.toml; default: [ui] archive, or the only one configured). 'none': the local store only.")
    var archive: String?

    @Flag(help: "De-identified mode for support staff: patient identity hidden throughout (Ctrl-p cannot show it), tags shown after the PS3.15 Basic Application Level Confidentiality Profile.")
    var deidentify = false
}

/// Opens the TUI on `library` and returns its exit code. Needs a terminal on stdin and stdout.
/// With `store`, the configured archive (if any) feeds the worklist and retrieves into it.
func openWorkstation(library: any StudyLibrary, options: WorkstationOptions, store: StudyStore? = nil) throws -> Int32 {
    guard isatty(0) == 1, isatty(1) == 1 else {
        Output.error("the workstation needs a terminal on stdin and stdout (for scripts use `sixray view`, `export` or `dump`)")
        throw ExitCode(1)
    }
    let env = ProcessInfo.processInfo.environment
    let dirs = SixrayDirectories(environment: env)
    // The profile (config.toml [ui] / [profile.NAME]); --theme and --keymap win over it.
    var configWarnings: [String] = []
    var profile = Profile()
    let configPath = dirs?.configFile
    do {
        let text = configPath.flatMap(readTextFile)
        if let configPath, let text {
            do { try CredentialPolicy.checkFile(configPath, text: text) } catch {
                Output.error("\(error)")
                throw ExitCode(1)
            }
        }
        profile = try Profile.fromConfig(text, file: configPath, name: options.profile)
    } catch let e as ExitCode {
        throw e
    } catch {
        if options.profile != nil {
            Output.error("\(error)")
            throw ExitCode(64)
        }
        configWarnings.append("\(error)")
    }
    profile.theme = options.theme ?? profile.theme
    profile.keymap = options.keymap ?? profile.keymap
    var resources = UIResources.load(profile: profile, configDirectory: dirs?.config)
    resources.warnings = configWarnings + resources.warnings
    var archiveService: (any ArchiveService)?
    if let store, options.archive != "none", let path = configPath {
        do {
            let config = try ArchiveConfig.load(path: path)
            let wanted = try options.archive ?? readTextFile(path).flatMap { text in
                try ConfigSection.parse(text, file: path).section("ui")?.string("archive")
            }
            let chosen = wanted.flatMap { config.archives[$0] } ?? (config.archives.count == 1 ? config.archives.values.first : nil)
            if let name = wanted, config.archives[name] == nil {
                resources.warnings.append("archive '\(name)' is not in \(path); working with the local store only")
            } else if let a = chosen {
                if a.archiveProtocol == .dimse {
                    archiveService = DIMSEArchiveService(archive: a, local: LocalAE(aeTitle: a.callingAETitle ?? config.aeTitle),
                                                         ownPort: config.port, store: store)
                } else {
                    do {
                        archiveService = DICOMwebArchiveService(name: a.name, client: try a.dicomwebClient(environment: env), store: store)
                    } catch {
                        resources.warnings.append("archive '\(a.name)': \(error); local store only")
                    }
                }
            }
        } catch {
            resources.warnings.append("\(error); working with the local store only")
        }
    }

    // Ask the terminal what it can do before ncurses takes it over (every query times out).
    let override = GraphicsProtocol.parseOverride(options.graphics)
    guard override.valid else {
        Output.error("--protocol \(options.graphics): expected auto, sixel, kitty, iterm2, blocks or ascii")
        throw ExitCode(64)
    }
    let caps = try? TerminalCapabilities.detect(environment: env, passthroughAllowed: tmuxPassthroughAllowed(env))
    var graphics = override.value ?? caps?.bestProtocol ?? .blocks
    if let caps, caps.multiplexer == .tmux, !caps.passthroughAllowed, override.value == nil, graphics != .blocks {
        resources.warnings.append(Passthrough.tmuxPassthroughHint)
        graphics = .blocks
    }
    var cell = caps?.cellPixels.map { (width: $0.width, height: $0.height) }
    var ws = winsize()
    if cell == nil, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_xpixel > 0, ws.ws_col > 0, ws.ws_row > 0 {
        cell = (Int(ws.ws_xpixel) / Int(ws.ws_col), Int(ws.ws_ypixel) / Int(ws.ws_row))
    }
    let backend = try NcursesBackend(trueColor: caps?.trueColor ?? (env["COLORTERM"] == "truecolor" || env["COLORTERM"] == "24bit"))
    let renderer = ScreenRenderer(theme: resources.theme, keymap: resources.keymap, graphics: graphics,
                                  multiplexer: caps?.multiplexer ?? .none, provider: VolumePlaneProvider())
    do { renderer.overlayLayout = try OverlayLayout.fromConfig(configPath.flatMap(readTextFile), file: configPath) } catch {
        resources.warnings.append("\(error); using the standard overlay")
    }
    let app = WorkstationApp(library: library, renderer: renderer, backend: backend, resources: resources,
                             today: todayString(), cellSize: cell ?? (10, 20), archive: archiveService,
                             deidentify: options.deidentify)
    let code = app.run()
    backend.shutdown()
    return code
}

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the reading workstation on a folder of DICOM files (a CD, an export).",
        discussion: """
            Reads the headers of every file under PATH, groups them into studies and series, and \
            opens the worklist. Nothing is copied. Keys: ? shows them all.
            """)

    @Argument(help: "A folder of DICOM files.")
    var path: String

    @OptionGroup var options: WorkstationOptions

    func run() throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            Output.error("\(path): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        let code = try openWorkstation(library: FolderLibrary(root: path), options: options)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `sixray` with no command: the worklist of the local study store.
struct Worklist: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the reading workstation on the local study store (what plain `sixray` does).",
        discussion: """
            The worklist lists the studies in the store (import with `sixray import`, or try \
            `sixray demo`); Enter opens a study's series, v views it with its hanging protocol, \
            c compares it with its prior, ? lists every key.
            """)

    @OptionGroup var options: WorkstationOptions
    @OptionGroup var location: StoreLocation
    @Flag(help: "List confidential studies too (each one listed is recorded in the store's audit.log).")
    var showConfidential = false

    func run() throws {
        let store = try location.open()
        let library = StoreLibrary(store: store)
        library.showConfidential = showConfidential
        let code = try openWorkstation(library: library, options: options, store: store)
        if code != 0 { throw ExitCode(code) }
    }
}
