import Imaging
import SixrayConfig

/// A hanging protocol: which studies and series go where, in which plane and window, for the
/// studies it matches. Data, not code: `Protocols/*.toml` built in, and
/// `~/.config/sixray/protocols/*.toml` (a user file with the same name replaces a built-in).
///
///     name = "CT chest"
///     priority = 60                 # higher wins among matches
///     layout = "1×2"                # optional: 1×1, 1×2, 2×2, 1+3 (default: by viewport count)
///     [match]                       # every list given must match (case-insensitive)
///     modality = ["CT"]
///     body_part = ["CHEST"]         # Body Part Examined of the study or a series …
///     description = ["chest"]       # … or a word of a study or series description
///     [[viewport]]                  # in screen order
///     study = "current"             # or "prior" (skipped when there is none)
///     series = ["lung", "chest"]    # description keywords in order of preference; default: largest
///     plane = "axial"               # axial (as acquired), coronal, sagittal
///     preset = "ct-lung"            # window preset id
///     fallback_plane = "coronal"    # a prior slot with no prior shows the current in this plane
public struct HangingProtocol: Sendable, Equatable {
    public struct Slot: Sendable, Equatable {
        public enum StudyRole: String, Sendable { case current, prior }
        public var study: StudyRole
        public var series: [String]
        public var plane: ViewPlane
        public var preset: String?
        public var fallbackPlane: ViewPlane?
    }

    public var name: String
    public var id: String
    public var priority: Int
    public var layout: ViewerLayout?
    public var modalities: [String]
    public var bodyParts: [String]
    public var descriptions: [String]
    public var slots: [Slot]

    public var needsPrior: Bool { slots.contains { $0.study == .prior } }

    public static func parse(_ text: String, id: String, file: String?) throws(ConfigError) -> HangingProtocol {
        let doc = try ConfigSection.parse(text, file: file)
        try doc.checkKeys(["name", "priority", "layout", "match", "viewport", "description"])
        var layout: ViewerLayout?
        if let l = try doc.string("layout") {
            guard let v = ViewerLayout(rawValue: l.replacingOccurrences("x", "×")) else {
                throw ConfigError("layout must be 1×1, 1×2, 2×2 or 1+3", file: file, line: doc.table.entry("layout")?.line, key: "layout")
            }
            layout = v
        }
        let match = try doc.section("match")
        try match?.checkKeys(["modality", "body_part", "description"])
        var slots: [Slot] = []
        for v in try doc.sections("viewport") {
            try v.checkKeys(["study", "series", "plane", "preset", "fallback_plane"])
            let roleText = try v.string("study") ?? "current"
            guard let role = Slot.StudyRole(rawValue: roleText) else {
                throw ConfigError("study must be \"current\" or \"prior\"", file: file, line: v.table.entry("study")?.line, key: "viewport.study")
            }
            func plane(_ key: String) throws(ConfigError) -> ViewPlane? {
                guard let p = try v.string(key) else { return nil }
                switch p.lowercased() {
                case "axial", "acquired": return .acquired
                case "coronal": return .coronal
                case "sagittal": return .sagittal
                default: throw ConfigError("plane must be axial, coronal or sagittal", file: file, line: v.table.entry(key)?.line, key: "viewport.\(key)")
                }
            }
            slots.append(Slot(study: role, series: (try v.strings("series") ?? []).map { $0.lowercased() },
                              plane: try plane("plane") ?? .acquired, preset: try v.string("preset"),
                              fallbackPlane: try plane("fallback_plane")))
        }
        guard !slots.isEmpty else {
            throw ConfigError("a hanging protocol needs at least one [[viewport]]", file: file, line: nil, key: nil)
        }
        guard slots.count <= 4 else {
            throw ConfigError("at most 4 viewports (2×2 or 1+3)", file: file, line: nil, key: "viewport")
        }
        return HangingProtocol(name: try doc.string("name") ?? id, id: id, priority: try doc.integer("priority") ?? 0,
                               layout: layout,
                               modalities: (try match?.strings("modality") ?? []).map { $0.uppercased() },
                               bodyParts: (try match?.strings("body_part") ?? []).map { $0.uppercased() },
                               descriptions: (try match?.strings("description") ?? []).map { $0.lowercased() },
                               slots: slots)
    }

    /// How well the protocol fits a study (nil: it does not). More specific rules score higher
    /// at equal priority.
    public func score(study: StudySummary, series: [SeriesSummary]) -> Int? {
        let modalities = Set(study.modalities.map { $0.uppercased() } + series.map { $0.modality.uppercased() })
        if !self.modalities.isEmpty, modalities.isDisjoint(with: self.modalities) { return nil }
        var specificity = self.modalities.isEmpty ? 0 : 1
        if !bodyParts.isEmpty || !descriptions.isEmpty {
            let parts = Set(([study.bodyPart] + series.map(\.bodyPart)).map { $0.uppercased() })
            let text = ([study.description] + series.map(\.description)).joined(separator: " ").lowercased()
            let partHit = !parts.isDisjoint(with: bodyParts)
            let wordHit = descriptions.contains { text.contains($0) }
            guard partHit || wordHit else { return nil }
            specificity += (partHit ? 1 : 0) + (wordHit ? 1 : 0)
        }
        return priority * 10 + specificity
    }
}

public enum HangingProtocols {
    /// The protocols that match, best first.
    public static func matching(_ all: [HangingProtocol], study: StudySummary, series: [SeriesSummary]) -> [HangingProtocol] {
        all.compactMap { p in p.score(study: study, series: series).map { (p, $0) } }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.name < $1.0.name }
            .map(\.0)
    }

    /// Series that hold images a viewport can show.
    static func imageSeries(_ s: [SeriesSummary]) -> [SeriesSummary] {
        s.filter { !["SR", "PR", "KO", "RTSTRUCT", "SEG", "DOC"].contains($0.modality) && !$0.files.isEmpty }
    }

    /// The layout and viewports a protocol gives for a study (and its prior, if any).
    public static func arrange(_ p: HangingProtocol, currentSeries: [SeriesSummary], priorSeries: [SeriesSummary]?,
                               presets: [WindowPreset]) -> (layout: ViewerLayout, viewports: [ViewportState]) {
        let current = imageSeries(currentSeries)
        let prior = priorSeries.map(imageSeries) ?? []
        func pick(_ list: [SeriesSummary], _ keywords: [String]) -> SeriesSummary? {
            for k in keywords {
                if let s = list.filter({ $0.description.lowercased().contains(k) }).max(by: { $0.files.count < $1.files.count }) { return s }
            }
            return list.max { $0.files.count < $1.files.count }
        }
        var viewports: [ViewportState] = []
        for slot in p.slots {
            var plane = slot.plane
            var chosen: SeriesSummary?
            if slot.study == .prior {
                chosen = prior.isEmpty ? nil : pick(prior, slot.series)
                if chosen == nil, let fallback = slot.fallbackPlane {
                    chosen = pick(current, slot.series)
                    plane = fallback
                }
            } else {
                chosen = pick(current, slot.series)
            }
            guard let s = chosen else { continue }
            var vp = ViewportState(seriesID: s.id)
            vp.plane = plane
            vp.loading = true
            if let id = slot.preset, let preset = presets.first(where: { $0.id == id }) {
                if case let .fixed(w) = preset.kind { vp.window = (w.center, w.width) }
                vp.windowName = preset.name
            }
            viewports.append(vp)
        }
        if viewports.isEmpty, let s = pick(current, []) {
            var vp = ViewportState(seriesID: s.id)
            vp.loading = true
            viewports = [vp]
        }
        let layout = p.layout.flatMap { $0.viewportCount >= viewports.count ? $0 : nil }
            ?? (viewports.count <= 1 ? .single : viewports.count == 2 ? .oneByTwo : .twoByTwo)
        return (layout, viewports)
    }
}

extension String {
    func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}
