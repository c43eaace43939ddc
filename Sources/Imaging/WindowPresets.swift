import SixrayConfig

/// A named window a reader can switch to with one key: either a fixed Window Center/Width in
/// modality units (HU for CT), or "auto", derived from the frame's histogram.
public struct WindowPreset: Sendable, Equatable, Identifiable {
    public enum Kind: Sendable, Equatable {
        /// Fixed LINEAR (or other function) window, PS3.3 C.11.2.1.2.
        case fixed(VOIWindow)
        /// `WindowEstimate.fromPercentiles` between these fractions of the frame's values.
        case auto(lowPercentile: Double, highPercentile: Double)
    }

    /// Stable identifier, e.g. "ct-brain"; a user file overrides a built-in preset by id.
    public var id: String
    /// Name shown to the reader, e.g. "Brain".
    public var name: String
    /// Modality (0008,0060) the preset is meant for ("CT", "MR"), or nil for any.
    public var modality: String?
    /// Key the viewer binds to it, if any ("1"…"9").
    public var key: String?
    public var description: String
    public var kind: Kind

    public init(id: String, name: String, modality: String?, key: String? = nil, description: String = "", kind: Kind) {
        self.id = id
        self.name = name
        self.modality = modality
        self.key = key
        self.description = description
        self.kind = kind
    }

    /// The VOI transform this preset gives for a frame (auto presets look at its values).
    public func transform<T: StoredSample>(for values: [T], modality lut: ModalityLUT) -> VOITransform {
        switch kind {
        case let .fixed(window):
            return .window(window)
        case let .auto(low, high):
            return WindowEstimate.fromPercentiles(values, modality: lut, low: low, high: high).map(VOITransform.window)
                ?? .identity
        }
    }
}

/// Window presets as data (TOML, read with SixrayConfig's parser). The built-in set lives in
/// `WindowPresets+BuiltIn.swift`; a user file (`~/.config/sixray/windows.toml`, read by the app,
/// not here: cores do no I/O) overrides presets with the same `id` and adds new ones.
///
/// File format, one `[[preset]]` table per preset:
///
///     [[preset]]
///     id = "ct-brain"          # required, unique
///     name = "Brain"           # required
///     modality = "CT"          # optional
///     key = "1"                # optional
///     center = 40              # with width: a fixed window (modality units)
///     width = 80
///     function = "LINEAR"      # optional: LINEAR, LINEAR_EXACT, SIGMOID
///     auto = "percentile"      # instead of center/width: derive from the frame
///     low_percentile = 0.5     # percent, with auto
///     high_percentile = 99.5
///     description = "..."
/// A value of a preset table (strings and numbers are all presets use).
enum PresetValue {
    case string(String), number(Double)
    var string: String? { if case let .string(s) = self { return s } else { return nil } }
    var number: Double? { if case let .number(n) = self { return n } else { return nil } }
}

public enum WindowPresets {
    /// Parses presets from TOML text.
    /// - Throws: `ImagingError` naming the line of the first problem.
    public static func parse(_ toml: String, source: String? = nil) throws(ImagingError) -> [WindowPreset] {
        do {
            return try parseTables(toml)
        } catch {
            var e = error
            e.context = source
            throw e
        }
    }

    /// The built-in presets (CT brain, subdural, stroke, bone, lung, mediastinum, abdomen,
    /// liver; MR auto). Empty only if the built-in table itself were malformed, which the
    /// tests rule out.
    public static var builtIn: [WindowPreset] {
        (try? parse(builtInTOML, source: "built-in window presets")) ?? []
    }

    /// `base` with every preset of `overrides` replacing the one with the same id, or appended.
    public static func merged(_ base: [WindowPreset], overrides: [WindowPreset]) -> [WindowPreset] {
        var result = base
        for preset in overrides {
            if let i = result.firstIndex(where: { $0.id == preset.id }) { result[i] = preset } else { result.append(preset) }
        }
        return result
    }

    /// Presets that apply to `modality` (those with no modality apply to all), in file order.
    public static func applicable(_ presets: [WindowPreset], modality: String) -> [WindowPreset] {
        presets.filter { $0.modality == nil || $0.modality == modality }
    }

    static func parseTables(_ toml: String) throws(ImagingError) -> [WindowPreset] {
        var presets: [WindowPreset] = []
        let doc: ConfigSection
        do { doc = try ConfigSection.parse(toml, file: nil) } catch {
            throw ImagingError(.presets(line: error.line ?? 0, reason: (error.key.map { "\($0): " } ?? "") + error.reason))
        }
        for key in doc.keys where key != "preset" {
            throw ImagingError(.presets(line: doc.table.entry(key)?.line ?? 0, reason: "expected [[preset]], found '\(key)'"))
        }
        let tables: [ConfigSection]
        do { tables = try doc.sections("preset") } catch {
            throw ImagingError(.presets(line: error.line ?? 0, reason: error.reason))
        }
        for table in tables {
            let line = table.table.line
            var v: [String: PresetValue] = [:]
            for k in table.keys {
                if let x = table.table[k]?.string {
                    v[k] = .string(x)
                } else if let n = table.table[k]?.number {
                    v[k] = .number(n)
                } else {
                    throw ImagingError(.presets(line: table.table.entry(k)?.line ?? line, reason: "'\(k)' must be a string or a number"))
                }
            }
            guard let id = v["id"]?.string, !id.isEmpty else {
                throw ImagingError(.presets(line: line, reason: "preset without a string 'id'"))
            }
            guard let name = v["name"]?.string else {
                throw ImagingError(.presets(line: line, reason: "preset '\(id)' without a string 'name'"))
            }
            let kind: WindowPreset.Kind
            if let auto = v["auto"] {
                guard auto.string == "percentile" else {
                    throw ImagingError(.presets(line: line, reason: "preset '\(id)': auto must be \"percentile\""))
                }
                let lowP = v["low_percentile"]?.number ?? 0.5
                let highP = v["high_percentile"]?.number ?? 99.5
                guard 0 <= lowP, lowP < highP, highP <= 100 else {
                    throw ImagingError(.presets(line: line, reason: "preset '\(id)': need 0 <= low_percentile < high_percentile <= 100"))
                }
                kind = .auto(lowPercentile: lowP / 100, highPercentile: highP / 100)
            } else {
                guard let center = v["center"]?.number, let width = v["width"]?.number else {
                    throw ImagingError(.presets(line: line, reason: "preset '\(id)' needs numeric center and width, or auto"))
                }
                let function = VOILUTFunction(rawValue: v["function"]?.string ?? "LINEAR")
                guard let function else {
                    throw ImagingError(.presets(line: line, reason: "preset '\(id)': unknown function"))
                }
                guard width >= (function == .linear ? 1 : 0), width > 0 else {
                    throw ImagingError(.presets(line: line, reason: "preset '\(id)': width \(width) is invalid for \(function.rawValue) (PS3.3 C.11.2.1.2.1)"))
                }
                kind = .fixed(VOIWindow(center: center, width: width, function: function, explanation: name))
            }
            if presets.contains(where: { $0.id == id }) {
                throw ImagingError(.presets(line: line, reason: "duplicate preset id '\(id)'"))
            }
            presets.append(WindowPreset(id: id, name: name, modality: v["modality"]?.string, key: v["key"]?.string,
                                        description: v["description"]?.string ?? "", kind: kind))
        }
        return presets
    }
}
