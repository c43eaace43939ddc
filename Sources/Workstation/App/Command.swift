import TerminalUI

/// Everything a key can do. The raw value is the action's name in keymap files; the catalog
/// gives each a context and a help line, and the help overlay is generated from both.
public enum Command: String, Sendable, CaseIterable {
    // global
    case quit, help, back, redraw, hideIdentity = "hide_identity"
    // lists (worklist and browser)
    case up, down, pageUp = "page_up", pageDown = "page_down", first, last, open, filter
    case sortNext = "sort_next", sortReverse = "sort_reverse", refresh
    case filterToday = "filter_today", filterUnread = "filter_unread", filterModality = "filter_modality", clearFilters = "clear_filters"
    case toggleRead = "toggle_read", pin
    case select, openSelected = "open_selected"
    // viewer
    case nextSlice = "next_slice", previousSlice = "previous_slice", nextPage = "next_page", previousPage = "previous_page"
    case firstSlice = "first_slice", lastSlice = "last_slice"
    case cine, cineFaster = "cine_faster", cineSlower = "cine_slower"
    case windowWider = "window_wider", windowNarrower = "window_narrower", levelUp = "level_up", levelDown = "level_down"
    case autoWindow = "auto_window", invert
    case preset1 = "preset_1", preset2 = "preset_2", preset3 = "preset_3", preset4 = "preset_4", preset5 = "preset_5"
    case preset6 = "preset_6", preset7 = "preset_7", preset8 = "preset_8", preset9 = "preset_9"
    case zoomIn = "zoom_in", zoomOut = "zoom_out", fit
    case panLeft = "pan_left", panRight = "pan_right", panUp = "pan_up", panDown = "pan_down"
    case rotateClockwise = "rotate_cw", rotateCounterclockwise = "rotate_ccw"
    case flipHorizontal = "flip_horizontal", flipVertical = "flip_vertical"
    case planeAxial = "plane_axial", planeCoronal = "plane_coronal", planeSagittal = "plane_sagittal"
    case planeOblique = "plane_oblique", tiltObliqueUp = "oblique_tilt_up", tiltObliqueDown = "oblique_tilt_down"
    case slabCycle = "slab_mode", slabThicker = "slab_thicker", slabThinner = "slab_thinner"
    case layoutCycle = "layout", nextViewport = "next_viewport", nextSeries = "next_series", previousSeries = "previous_series"
    case referenceLines = "reference_lines", overlay
    case measureDistance = "measure_distance", measureEllipse = "measure_ellipse", measureRectangle = "measure_rectangle"
    case measureAngle = "measure_angle", clearMeasurements = "clear_measurements"
    case cursorLeft = "cursor_left", cursorRight = "cursor_right", cursorUp = "cursor_up", cursorDown = "cursor_down"
    case place
    case tags, report
    case compare
    case sync, syncViewport = "sync_viewport", linkWindow = "link_window", linkZoom = "link_zoom", align
    case view, nextProtocol = "next_protocol"
    case compareAll = "compare_all", filterDates = "filter_dates", attach

    public static let presetCommands: [Command] = [.preset1, .preset2, .preset3, .preset4, .preset5, .preset6, .preset7, .preset8, .preset9]

    /// The contexts (in help order) and the help line of every command.
    public static let catalog = ActionCatalog([
        (context: "global", entries: [
            .init("quit", "Quit Sixray"), .init("help", "Show or hide this help"),
            .init("back", "Go back (close dialog, viewer, browser)"), .init("redraw", "Redraw the screen"),
            .init("hide_identity", "Hide or show patient identity (names, IDs, birth dates)"),
        ]),
        (context: "worklist", entries: [
            .init("up", "Previous study"), .init("down", "Next study"),
            .init("page_up", "Page up"), .init("page_down", "Page down"), .init("first", "First study"), .init("last", "Last study"),
            .init("open", "Open the study (series browser)"),
            .init("view", "View the study with its hanging protocol (and prior)"), .init("filter", "Filter by text (name, ID, accession, keyword…)"),
            .init("sort_next", "Sort by the next column"), .init("sort_reverse", "Reverse the sort order"),
            .init("refresh", "Refresh from the store and the archive"),
            .init("filter_today", "Only today's studies (again: all dates)"), .init("filter_unread", "Only unread studies (again: all)"),
            .init("filter_modality", "Cycle the modality filter"), .init("clear_filters", "Clear all filters"),
            .init("toggle_read", "Mark read / unread"), .init("pin", "Pin / unpin (never evicted from the cache)"),
            .init("compare", "Open with the most relevant prior, side by side"),
            .init("compare_all", "Open with up to three priors (2×2)"),
            .init("filter_dates", "Filter by a date range (20240101-20241231, 20240101-, 7d, 3m)"),
            .init("attach", "Attach the study (a CD's) to a local patient"),
        ]),
        (context: "browser", entries: [
            .init("up", "Previous series"), .init("down", "Next series"), .init("first", "First series"), .init("last", "Last series"),
            .init("open", "View the series"), .init("select", "Pick / unpick the series"),
            .init("open_selected", "View the picked series side by side"),
            .init("view", "View the study with its hanging protocol"),
        ]),
        (context: "viewer", entries: [
            .init("next_slice", "Next slice"), .init("previous_slice", "Previous slice"),
            .init("next_page", "10 slices on"), .init("previous_page", "10 slices back"),
            .init("first_slice", "First slice"), .init("last_slice", "Last slice"),
            .init("cine", "Start / stop cine"), .init("cine_faster", "Cine faster"), .init("cine_slower", "Cine slower"),
            .init("window_wider", "Wider window"), .init("window_narrower", "Narrower window"),
            .init("level_up", "Raise the level (centre)"), .init("level_down", "Lower the level (centre)"),
            .init("auto_window", "Automatic window from the image"), .init("invert", "Invert grey scale"),
            .init("preset_1", "Window preset 1"), .init("preset_2", "Window preset 2"), .init("preset_3", "Window preset 3"),
            .init("preset_4", "Window preset 4"), .init("preset_5", "Window preset 5"), .init("preset_6", "Window preset 6"),
            .init("preset_7", "Window preset 7"), .init("preset_8", "Window preset 8"), .init("preset_9", "Window preset 9"),
            .init("zoom_in", "Zoom in"), .init("zoom_out", "Zoom out"), .init("fit", "Fit to the viewport (reset zoom and pan)"),
            .init("pan_left", "Pan left"), .init("pan_right", "Pan right"), .init("pan_up", "Pan up"), .init("pan_down", "Pan down"),
            .init("rotate_cw", "Rotate 90° clockwise"), .init("rotate_ccw", "Rotate 90° counter-clockwise"),
            .init("flip_horizontal", "Flip left–right"), .init("flip_vertical", "Flip top–bottom"),
            .init("plane_axial", "Axial plane"), .init("plane_coronal", "Coronal plane"), .init("plane_sagittal", "Sagittal plane"),
            .init("plane_oblique", "Oblique plane"), .init("oblique_tilt_up", "Tilt the oblique plane"),
            .init("oblique_tilt_down", "Tilt the oblique plane back"),
            .init("slab_mode", "Slab: off → MIP → MinIP → average"), .init("slab_thicker", "Thicker slab"), .init("slab_thinner", "Thinner slab"),
            .init("layout", "Layout: 1×1 → 1×2 → 2×2 → 1+3"), .init("next_viewport", "Focus the next viewport"),
            .init("next_series", "Next series in this viewport"), .init("previous_series", "Previous series in this viewport"),
            .init("reference_lines", "Show / hide reference lines"), .init("overlay", "Show / hide the text overlay"),
            .init("measure_distance", "Measure a distance (place 2 points)"),
            .init("measure_ellipse", "Ellipse ROI (place 2 corners)"), .init("measure_rectangle", "Rectangle ROI (place 2 corners)"),
            .init("measure_angle", "Measure an angle (place 3 points)"), .init("clear_measurements", "Clear the measurements"),
            .init("tags", "DICOM tags of this image"), .init("report", "Structured reports in this study"),
            .init("compare", "Compare with the most relevant prior (again: the next prior)"),
            .init("compare_all", "Compare with up to three priors (2×2)"),
            .init("sync", "Synchronised scrolling across viewports on / off"),
            .init("sync_viewport", "This viewport follows the others / stays put"),
            .init("link_window", "Link window/level across viewports of one modality"),
            .init("link_zoom", "Link zoom and pan across viewports"),
            .init("align", "Align: the slices shown now show the same anatomy (remembered for the pair)"),
            .init("next_protocol", "Next matching hanging protocol"),
        ]),
        (context: "measure", entries: [
            .init("cursor_left", "Move the cursor left"), .init("cursor_right", "Move the cursor right"),
            .init("cursor_up", "Move the cursor up"), .init("cursor_down", "Move the cursor down"),
            .init("place", "Place a point at the cursor (a click does the same)"),
        ]),
    ])
}
