import RealModule

/// VOI LUT Function (0028,1056): how Window Center/Width map modality values to display values
/// (PS3.3 C.11.2.1.2 and C.11.2.1.3).
public enum VOILUTFunction: String, Sendable, Equatable, Hashable, CaseIterable {
    /// LINEAR, the default when (0028,1056) is absent (PS3.3 C.11.2.1.2.1).
    case linear = "LINEAR"
    /// LINEAR_EXACT (PS3.3 C.11.2.1.3.2).
    case linearExact = "LINEAR_EXACT"
    /// SIGMOID (PS3.3 C.11.2.1.3.1).
    case sigmoid = "SIGMOID"

    /// Parses the attribute value; unknown or empty values fall back to LINEAR, which is what
    /// PS3.3 C.11.2.1.2 prescribes when the attribute is absent.
    public init(attributeValue: String?) {
        let trimmed = (attributeValue ?? "").filter { $0 != " " && $0 != "\0" }
        self = VOILUTFunction(rawValue: trimmed.uppercased()) ?? .linear
    }
}

/// A window: Window Center (0028,1050), Window Width (0028,1051), VOI LUT Function (0028,1056),
/// optionally with its Window Center & Width Explanation (0028,1055).
public struct VOIWindow: Sendable, Equatable, Hashable {
    public var center: Double
    public var width: Double
    public var function: VOILUTFunction
    public var explanation: String

    public init(center: Double, width: Double, function: VOILUTFunction = .linear, explanation: String = "") {
        self.center = center
        self.width = width
        self.function = function
        self.explanation = explanation
    }

    /// The width actually used. PS3.3 C.11.2.1.2.1 requires width ≥ 1 for LINEAR and
    /// C.11.2.1.3 requires width > 0 for LINEAR_EXACT and SIGMOID. Files do break this; a
    /// width below the minimum is raised to it (1 for LINEAR, the smallest positive Double
    /// otherwise), which turns the window into a threshold at the centre rather than
    /// failing to display the image. Non-finite widths become 1.
    public var effectiveWidth: Double {
        guard width.isFinite else { return 1 }
        switch function {
        case .linear: return Swift.max(width, 1)
        case .linearExact, .sigmoid: return width > 0 ? width : Double.leastNonzeroMagnitude
        }
    }

    /// Display value for modality value `x`, in `ymin ... ymax`, **before** rounding.
    ///
    /// Implements the formulas literally, in this order of operations:
    /// - LINEAR (PS3.3 C.11.2.1.2.1):
    ///   `x <= c − 0.5 − (w−1)/2 → ymin`; `x > c − 0.5 + (w−1)/2 → ymax`;
    ///   else `y = ((x − (c − 0.5)) / (w−1) + 0.5) · (ymax − ymin) + ymin`.
    /// - LINEAR_EXACT (C.11.2.1.3.2): `x <= c − w/2 → ymin`; `x > c + w/2 → ymax`;
    ///   else `y = ((x − c) / w + 0.5) · (ymax − ymin) + ymin`.
    /// - SIGMOID (C.11.2.1.3.1): `y = (ymax − ymin) / (1 + exp(−4 (x − c) / w)) + ymin`.
    @inlinable
    public func displayValue(_ x: Double, ymin: Double = 0, ymax: Double = 255) -> Double {
        let c = center, w = effectiveWidth
        switch function {
        case .linear:
            if x <= c - 0.5 - (w - 1) / 2 { return ymin }
            if x > c - 0.5 + (w - 1) / 2 { return ymax }
            return ((x - (c - 0.5)) / (w - 1) + 0.5) * (ymax - ymin) + ymin
        case .linearExact:
            if x <= c - w / 2 { return ymin }
            if x > c + w / 2 { return ymax }
            return ((x - c) / w + 0.5) * (ymax - ymin) + ymin
        case .sigmoid:
            return (ymax - ymin) / (1 + Double.exp(-4 * (x - c) / w)) + ymin
        }
    }
}

/// The VOI stage: modality values → display values (PS3.4 N.2.1.1, PS3.3 C.11.2).
public enum VOITransform: Sendable, Equatable, Hashable {
    /// Window Center / Width with a VOI LUT Function.
    case window(VOIWindow)
    /// An item of the VOI LUT Sequence (0028,3010) (PS3.3 C.11.2.1.1).
    case table(LUTTable)
    /// No VOI: the modality-value range of the stored range is spread linearly over the output
    /// (what an 8-bit secondary capture without a window expects: it displays unchanged).
    case identity

    /// Convenience for `.window(VOIWindow(center:width:function:))`.
    public static func window(center: Double, width: Double, function: VOILUTFunction = .linear) -> VOITransform {
        .window(VOIWindow(center: center, width: width, function: function))
    }
}

/// The VOI choices a data set offers, in the order a viewer offers them: every Window
/// Center/Width pair (PS3.3 C.11.2.1.2: multiple values are alternative views), then every item
/// of the VOI LUT Sequence. The first window is the default view, as the standard lists the
/// values "in order of preference" for Window Center & Width Explanation use; when there is no
/// window but there are tables, the first table is the default.
public struct VOIChoices: Sendable, Equatable {
    public var windows: [VOIWindow]
    public var tables: [LUTTable]

    public init(windows: [VOIWindow] = [], tables: [LUTTable] = []) {
        self.windows = windows
        self.tables = tables
    }

    /// All choices: windows first, then tables.
    public var all: [VOITransform] { windows.map(VOITransform.window) + tables.map(VOITransform.table) }

    /// Choice `index` (wrapping around, so "next window" can cycle), or `fallback` when the
    /// data set has no VOI at all — typically `WindowEstimate.fromRange(...)` of the frame.
    public func transform(at index: Int = 0, fallback: @autoclosure () -> VOITransform) -> VOITransform {
        let all = self.all
        guard !all.isEmpty else { return fallback() }
        let i = ((index % all.count) + all.count) % all.count
        return all[i]
    }
}
