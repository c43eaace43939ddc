/// The presentation LUT stage, applied **after** the VOI stage (PS3.4 N.2, PS3.3 C.11.6).
///
/// MONOCHROME1 images are shown inverted: PS3.3 C.7.6.3.1.2 says the minimum sample value is
/// displayed as white, and C.11.6.1 says Presentation LUT Shape INVERSE is applied to the VOI
/// output. Inverting before the VOI window would turn a window of 40/80 into a different
/// window; inverting after keeps the window's meaning.
public enum PresentationLUTShape: String, Sendable, Equatable, Hashable, CaseIterable {
    /// IDENTITY: P-values equal the VOI output.
    case identity = "IDENTITY"
    /// INVERSE: P-values are `max − VOI output` (MONOCHROME1, or an explicit INVERSE shape).
    case inverse = "INVERSE"

    /// The shape implied by Photometric Interpretation when no Presentation LUT Shape is given.
    public static func implied(byPhotometricInterpretation pi: String) -> PresentationLUTShape {
        pi.hasPrefix("MONOCHROME1") ? .inverse : .identity
    }

    /// Applies the shape to an 8-bit VOI output value.
    @inlinable
    public func apply(_ value: UInt8) -> UInt8 {
        self == .inverse ? 255 - value : value
    }
}
