import Imaging
import TerminalUI

/// Everything the workstation shows, in one value (STYLE.md rule 1). The reducer changes it;
/// views draw it; effects are asked for, never performed, by the reducer.
public struct AppState: Sendable {
    public enum ScreenKind: Sendable, Equatable { case worklist, browser, viewer }

    public var screen: ScreenKind = .worklist
    public var width: Int
    public var height: Int
    /// Pixel size of one character cell (from the terminal; 10×20 when it does not say).
    public var cellWidth: Int = 10
    public var cellHeight: Int = 20
    /// Today as YYYYMMDD (from the clock the runner passes in).
    public var today: String
    public var worklist = WorklistState()
    public var browser: BrowserState?
    public var viewer: ViewerState?
    public var dialog: Dialog?
    public var help: HelpState?
    public var status = StatusMessage(text: "", role: .statusBar)
    public var hideIdentity = false
    /// `--deidentify`: identity hidden from the start and Ctrl-p cannot show it.
    public var identityLocked = false
    public var quitting = false
    /// What the archive side is doing: nil when no archive is configured.
    public var archiveStatus: String?
    public var presets: [WindowPreset]
    public var protocols: [HangingProtocol] = []
    /// Layout of a viewer opened on one series (the profile's preference).
    public var defaultLayout: ViewerLayout = .single
    /// The graphics protocol in use (for the status line and for the renderer).
    public var graphicsName: String = "blocks"

    public init(width: Int, height: Int, today: String, presets: [WindowPreset] = WindowPresets.builtIn) {
        self.width = width
        self.height = height
        self.today = today
        self.presets = presets
    }

    /// The contexts whose bindings apply now, most specific first.
    public var keyContexts: [String] {
        switch screen {
        case .worklist: return ["worklist", "global"]
        case .browser: return ["browser", "global"]
        case .viewer: return viewer?.tool != nil ? ["measure", "viewer", "global"] : ["viewer", "global"]
        }
    }

    /// Minimum terminal size the screens are designed for.
    public static let minimumSize = (width: 60, height: 16)
    public var isTooSmall: Bool { width < AppState.minimumSize.width || height < AppState.minimumSize.height }
}

public struct StatusMessage: Sendable, Equatable {
    public var text: String
    public var role: Role
}

public struct HelpState: Sendable, Equatable {
    public var scroll = 0
}

public struct WorklistState: Sendable {
    public var studies: [StudySummary] = []
    public var table = TableState(sortColumn: 2, ascending: false)
    /// The text filter being edited (nil when not editing).
    public var filterInput: TextInput?
    public var todayOnly = false
    public var unreadOnly = false
    public var modality: String?
    public var loading = true
    /// Why the list may be incomplete (no store, archive offline), shown above the table.
    public var notice: String?

    public static let columns = [
        TableColumn("Patient", width: .percent(22)), TableColumn("ID", width: .percent(11)),
        TableColumn("Date", width: .fixed(10)), TableColumn("Mod", width: .fixed(6)),
        TableColumn("Description", width: .fill), TableColumn("Accession", width: .percent(11)),
        TableColumn("Ser/Img", width: .fixed(8), alignment: .right), TableColumn("State", width: .fixed(8)),
    ]

    /// Indices of the columns shown at `width`: accession and counts give way first on
    /// narrow terminals, so names and descriptions stay readable.
    public static func visibleColumns(width: Int) -> [Int] {
        width >= 110 ? Array(columns.indices) : width >= 90 ? [0, 1, 2, 3, 4, 6, 7] : [0, 1, 2, 3, 4, 7]
    }

    /// The studies that pass the quick filters (before the text filter and sorting).
    public func candidates(today: String) -> [StudySummary] {
        studies.filter { s in
            (!todayOnly || s.studyDate == today) && (!unreadOnly || !s.isRead)
                && (modality.map { s.modalities.contains($0) } ?? true)
        }
    }
}

public struct BrowserState: Sendable {
    public var study: StudySummary
    public var series: [SeriesSummary] = []
    public var table = TableState()
    public var picked: [String] = []
    public var loading = true
}

public enum ViewerLayout: String, Sendable, CaseIterable {
    case single = "1×1", oneByTwo = "1×2", twoByTwo = "2×2", onePlusThree = "1+3"

    public var viewportCount: Int { self == .single ? 1 : self == .oneByTwo ? 2 : 4 }

    /// Viewport rectangles inside `area`.
    public func rects(in area: Rect) -> [Rect] {
        switch self {
        case .single: return [area]
        case .oneByTwo: return area.split(.horizontal, [.fill, .fixed(1), .fill]).enumerated().filter { $0.offset != 1 }.map(\.element)
        case .twoByTwo:
            let rows = area.split(.vertical, [.fill, .fill])
            return rows.flatMap { $0.split(.horizontal, [.fill, .fixed(1), .fill]).enumerated().filter { $0.offset != 1 }.map(\.element) }
        case .onePlusThree:
            let cols = area.split(.horizontal, [.percent(66), .fixed(1), .fill])
            return [cols[0]] + cols[2].split(.vertical, [.fill, .fill, .fill])
        }
    }
}

/// Which plane a viewport shows.
public enum ViewPlane: String, Sendable, Equatable, CaseIterable {
    /// The slices as acquired (axial for most CT).
    case acquired, axial, coronal, sagittal, oblique
}

extension SlabMode {
    /// As overlays and the status line show it.
    public var label: String { self == .mip ? "MIP" : self == .minip ? "MinIP" : "AVG" }
}

public struct Measurement: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case distance, ellipse, rectangle, angle }
    public var kind: Kind
    /// Points in the plane's pixel coordinates (pixel centres at i + 0.5).
    public var points: [SIMD2<Double>]
    /// The plane it was drawn on (series, plane, index): shown only there.
    public var seriesID: String
    public var plane: ViewPlane
    public var index: Int

    public static func pointsNeeded(_ k: Kind) -> Int { k == .angle ? 3 : 2 }
}

public struct ViewportState: Sendable, Equatable {
    public var seriesID: String?
    public var plane: ViewPlane = .acquired
    public var index = 0
    /// Slices in the current plane; 0 until the series is open.
    public var count = 0
    /// nil: the file's window, else the image's own range.
    public var window: (center: Double, width: Double)?
    public var windowName: String?
    public var invert = false
    public var zoom = 1.0
    public var panX = 0.0
    public var panY = 0.0
    public var quarterTurns = 0
    public var flipHorizontal = false
    public var flipVertical = false
    /// Oblique: tilt of the plane about the patient's left–right axis, degrees from axial.
    public var obliqueAngle = 30.0
    public var slab: SlabMode?
    public var slabThickness = 10.0
    public var loading = false
    public var error: String?
    /// What the last render reported: the transform (for mouse → image), the plane's size.
    /// Where the slices of this plane lie (for sync); nil until open.
    public var geometry: SliceGeometry?
    /// Follows the linked position of the focused viewport (per-viewport switch).
    public var syncEnabled = true
    /// After a synchronised move: distance from the linked position to the slice shown, mm.
    public var syncDistance: Double?
    public var lastTransform: ViewTransform?
    /// Terminal pixels per pixel of `lastTransform`'s viewport (1 for sixel/kitty; a cell
    /// fraction for half blocks).
    public var pixelScale = SIMD2<Double>(1, 1)
    public var position: Double?

    /// Terminal pixel → source pixel of the last rendered plane.
    public func toSource(_ p: SIMD2<Double>) -> SIMD2<Double>? {
        guard let t = lastTransform else { return nil }
        let s = t.toSource(x: p.x / pixelScale.x, y: p.y / pixelScale.y)
        return SIMD2(s.x, s.y)
    }

    public init(seriesID: String? = nil) { self.seriesID = seriesID }

    public static func == (a: ViewportState, b: ViewportState) -> Bool {
        a.seriesID == b.seriesID && a.plane == b.plane && a.index == b.index && a.count == b.count
            && a.window?.center == b.window?.center && a.window?.width == b.window?.width && a.invert == b.invert
            && a.zoom == b.zoom && a.panX == b.panX && a.panY == b.panY && a.quarterTurns == b.quarterTurns
            && a.flipHorizontal == b.flipHorizontal && a.flipVertical == b.flipVertical && a.slab == b.slab
            && a.slabThickness == b.slabThickness && a.obliqueAngle == b.obliqueAngle && a.loading == b.loading
            && a.error == b.error && a.syncEnabled == b.syncEnabled && a.windowName == b.windowName
    }
}

public struct ViewerState: Sendable {
    public var study: StudySummary
    /// Every study on screen (the current first; priors in a comparison).
    public var studies: [StudySummary]
    public var series: [SeriesSummary]
    public var layout: ViewerLayout = .single
    /// Synchronised scrolling across viewports by patient position.
    public var sync = true
    public var linkWindow = false
    public var linkZoom = false
    /// Offsets between series (key "A|B": position in B = position in A + offset), from the
    /// automatic registration or a landmark the user aligned.
    public var offsets: [String: Vec3] = [:]
    /// Pairs whose registration is under way or failed (no second request).
    public var registrationAsked: Set<String> = []
    /// Why sync cannot work for some pair, shown in the status line.
    public var syncNote: String?
    /// The hanging protocols that matched and the one applied (for cycling with a key).
    public var hanging: HangingState?
    public var viewports: [ViewportState]
    public var focused = 0
    public var cine = false
    public var cineFPS = 10.0
    /// Fraction of a frame carried between ticks.
    public var cineCarry = 0.0
    public var showOverlay = true
    public var referenceLines = true
    public var tool: Measurement.Kind?
    public var pendingPoints: [SIMD2<Double>] = []
    /// Cursor in viewport pixels of the focused viewport (for the value readout and tools).
    public var cursor: SIMD2<Double>?
    public var measurements: [Measurement] = []
    /// Mouse drag in progress (W/L with the left button, pan with the right).
    public var drag: (button: MouseEvent.Button, x: Int, y: Int)?
    /// Tag browser / report pane text, when open.
    public var textPane: (title: String, lines: [String], scroll: Int)?

    public init(study: StudySummary, series: [SeriesSummary], viewports: [ViewportState], studies: [StudySummary]? = nil) {
        self.study = study
        self.studies = studies ?? [study]
        self.series = series
        self.viewports = viewports
    }
}

/// What a viewer opened by hanging protocol remembers, to cycle through the other matches.
public struct HangingState: Sendable {
    public var matches: [HangingProtocol]
    public var index: Int
    public var prior: StudySummary?
    public var currentSeries: [SeriesSummary]
    public var priorSeries: [SeriesSummary]
}
