import Imaging
import TerminalUI

/// What can happen to the workstation: a user command (from the keymap), a raw key for a
/// focused text field, a mouse event, and the results of effects.
public enum Action: Sendable {
    case command(Command)
    case key(Key)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
    /// Cine clock: seconds since the last tick.
    case tick(Double)
    case studiesLoaded([StudySummary], notice: String?)
    case studiesFailed(String)
    /// The archive's answer to the worklist query (studies not in the store show as remote).
    case archiveStudies([StudySummary])
    case archiveFailed(String)
    case retrieveProgress(studyID: String, received: Int, remaining: Int?)
    /// The archive holds a prior for a comparison the user asked for; it is being fetched.
    case priorFound(priorID: String, currentID: String)
    case retrieveFinished(studyID: String, RetrieveSummary)
    case seriesListLoaded(studyID: String, [SeriesSummary])
    case seriesListFailed(studyID: String, String)
    /// A viewport's series is open (or failed): slice count of the viewport's current plane.
    case viewportReady(viewport: Int, seriesID: String, plane: ViewPlane, count: Int, startIndex: Int?,
                       geometry: SliceGeometry? = nil)
    /// The automatic registration of two series along the patient axis (nil: not possible, with why).
    case registered(from: String, to: String, offset: Vec3?, note: String?)
    /// A study to view with its hanging protocol: its series, and its prior's (if any).
    case studyLoaded(current: StudySummary, prior: StudySummary?, currentSeries: [SeriesSummary], priorSeries: [SeriesSummary])
    /// A comparison's series lists arrived: open the current and the prior side by side.
    case comparisonLoaded(current: StudySummary, prior: StudySummary?, currentSeries: [SeriesSummary], priorSeries: [SeriesSummary],
                          priorRank: Int = 0, priorCount: Int = 1)
    /// The current study and up to three priors, each with its series, for a 2×2 comparison.
    case comparisonAllLoaded(current: StudySummary, currentSeries: [SeriesSummary], priors: [PriorWithSeries])
    case viewportFailed(viewport: Int, seriesID: String, String)
    /// The renderer reports what it drew (so that mouse positions map to the image).
    case rendered(viewport: Int, transform: ViewTransform, pixelScale: SIMD2<Double>, position: Double?)
    case showText(title: String, lines: [String])
    /// Local patients a study may belong to (for the attach prompt).
    case attachCandidates(studyID: String, [String])
    case message(String, Role)
}


/// Work the reducer asks for; the effect runner performs it and feeds back actions.
public enum Effect: Sendable, Equatable {
    case loadStudies
    /// Ask the configured archive for its recent studies (background).
    case queryArchive(dateFrom: String?)
    /// Fetch a study from the archive into the store (background; progress comes back).
    case retrieve(studyID: String)
    /// Stop background network work (Esc while a retrieve or query runs).
    case cancelBackground
    case loadAttachCandidates(studyID: String)
    case attach(studyID: String, patientID: String)
    /// Find the patient's other studies at the archive and fetch the most relevant ones that
    /// are not in the store (one at a time, in the background); `thenCompare`: open the
    /// comparison when the first has arrived.
    case fetchPriors(studyID: String, limit: Int, thenCompare: Bool)
    case loadSeriesList(studyID: String)
    /// Open `seriesID` in viewport `viewport` for `plane` (reads headers, counts slices).
    case openViewport(viewport: Int, seriesID: String, plane: ViewPlane, obliqueAngle: Double)
    case setRead(studyID: String, Bool)
    case setPinned(studyID: String, Bool)
    case showTags(seriesID: String, plane: ViewPlane, index: Int)
    case showReports(studyID: String)
    /// Estimate the offset between two series' positions (different Frames of Reference).
    case register(from: String, to: String)
    /// Load the series of a study and of its prior of that rank (0: the most relevant), then
    /// `comparisonLoaded`.
    case openComparison(studyID: String, priorRank: Int = 0)
    /// Load the study and up to three priors, then `comparisonAllLoaded`.
    case openComparisonAll(studyID: String)
    /// Load the series of a study and of its most relevant prior, then `studyLoaded`.
    case openStudy(studyID: String)
    case redraw
    case quit
}

public struct PriorWithSeries: Sendable, Equatable {
    public var study: StudySummary
    public var series: [SeriesSummary]
    public init(study: StudySummary, series: [SeriesSummary]) {
        self.study = study
        self.series = series
    }
}
