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
    /// A one-line question in a dialog (the date range); its answer goes to the reducer.
    public var prompt: Prompt?
    public var help: HelpState?
    public var status = StatusMessage(text: "", role: .statusBar)
    public var hideIdentity = false
    /// `--deidentify`: identity hidden from the start and Ctrl-p cannot show it.
    public var identityLocked = false
    public var quitting = false
    /// What the archive side is doing: nil when no archive is configured.
    public var archiveStatus: String?
    /// The configured archive's name (nil: local store only).
    public var archiveName: String?
    /// Retrieves under way: received so far and what the archive says remains.
    public var retrieving: [String: (received: Int, remaining: Int?)] = [:]
    /// A study the user asked for that is still being retrieved, and what to do when it is in.
    public var pendingOpen: (studyID: String, command: Command)?
    /// A comparison waiting for its prior to arrive from the archive: (prior, current).
    public var pendingComparison: (priorID: String, currentID: String)?
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
    /// Study Date range (YYYYMMDD, inclusive); nil ends are open.
    public var dateFrom: String?
    public var dateTo: String?
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
                && (dateFrom.map { s.studyDate >= $0 } ?? true) && (dateTo.map { s.studyDate <= $0 } ?? true)
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
    /// In a comparison: which prior (0 = most relevant) is shown, of how many.
    public var priorRank: Int?
    public var priorCount = 0
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

public struct Prompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable { case dateRange, attachPatient(studyID: String) }
    public var purpose: Purpose
    public var title: String
    public var hint: String
    public var input: TextInput
}

/// Date ranges as typed in the worklist: "20240101-20241231", "20240101-", "-20241231",
/// "20240315" (one day), "7d" / "3m" / "1y" (up to today), "" (no range).
public enum DateRange {
    public static func parse(_ text: String, today: String) -> (from: String?, to: String?)? {
        let t = text.filter { $0 != " " }.lowercased()
        if t.isEmpty { return (nil, nil) }
        func isDate(_ s: Substring) -> Bool { s.count == 8 && s.allSatisfy(\.isNumber) }
        if let unit = t.last, "dmy".contains(unit), let n = Int(t.dropLast()), n >= 0, n < 100_000 {
            let days = unit == "d" ? n : unit == "m" ? n * 30 : n * 365
            return (shift(today, days: -days), today)
        }
        if let dash = t.firstIndex(of: "-") {
            let a = t[..<dash], b = t[t.index(after: dash)...]
            guard a.isEmpty || isDate(a), b.isEmpty || isDate(b), !(a.isEmpty && b.isEmpty) else { return nil }
            if !a.isEmpty, !b.isEmpty, a > b { return nil }
            return (a.isEmpty ? nil : String(a), b.isEmpty ? nil : String(b))
        }
        return isDate(t[...]) ? (t, t) : nil
    }

    /// YYYYMMDD moved by `days` (proleptic Gregorian calendar, via the day number).
    public static func shift(_ date: String, days: Int) -> String {
        let c = Array(date.utf8).map { Int($0) - 48 }
        guard c.count == 8, c.allSatisfy({ (0...9).contains($0) }) else { return date }
        let y = c[0] * 1000 + c[1] * 100 + c[2] * 10 + c[3], m = c[4] * 10 + c[5], d = c[6] * 10 + c[7]
        // Days from civil (H. Hinnant's algorithm) and back.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let z = era * 146097 + doe - 719468 + days + 719468
        let era2 = (z >= 0 ? z : z - 146096) / 146097
        let doe2 = z - era2 * 146097
        let yoe2 = (doe2 - doe2 / 1460 + doe2 / 36524 - doe2 / 146096) / 365
        let doy2 = doe2 - (365 * yoe2 + yoe2 / 4 - yoe2 / 100)
        let mp = (5 * doy2 + 2) / 153
        let d2 = doy2 - (153 * mp + 2) / 5 + 1
        let m2 = mp < 10 ? mp + 3 : mp - 9
        let y2 = yoe2 + era2 * 400 + (m2 <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return String(y2) + two(m2) + two(d2)
    }
}
