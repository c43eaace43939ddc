/// The modality LUT stage: stored values → modality values (e.g. Hounsfield units).
/// PS3.3 C.11.1 (Modality LUT Module) and PS3.4 N.2.1.
public enum ModalityLUT: Sendable, Equatable, Hashable {
    /// Rescale Slope (0028,1053) and Rescale Intercept (0028,1052): `x = stored · slope + intercept`
    /// (PS3.3 C.11.1.1.2).
    case rescale(slope: Double, intercept: Double)
    /// Modality LUT Sequence (0028,3000) (PS3.3 C.11.1.1.1).
    case table(LUTTable)

    /// No rescale: modality values equal stored values.
    public static let identity = ModalityLUT.rescale(slope: 1, intercept: 0)

    /// The modality value of one stored value, computed literally.
    @inlinable
    public func modalityValue(_ stored: Int) -> Double {
        switch self {
        case let .rescale(slope, intercept): return Double(stored) * slope + intercept
        case let .table(table): return Double(table.value(at: stored))
        }
    }

    /// The affine form `(slope, intercept)` when this stage is a rescale.
    var affine: (slope: Double, intercept: Double)? {
        if case let .rescale(slope, intercept) = self { return (slope, intercept) }
        return nil
    }
}
