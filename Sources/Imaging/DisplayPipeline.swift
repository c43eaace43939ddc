/// The grayscale display pipeline of PS3.4 N.2 (Figure N.2-1), from stored values to 8-bit
/// display values:
///
///     stored value → Modality LUT (PS3.3 C.11.1) → VOI (PS3.3 C.11.2)
///                  → Presentation LUT Shape (PS3.3 C.11.6; MONOCHROME1 = INVERSE) → 0...255
///
/// The output range of the VOI stage is 0...255 (ymin = 0, ymax = 255 in PS3.3 C.11.2.1.2.1);
/// values are rounded half up (`floor(y + 0.5)`), and inversion happens after the VOI stage,
/// as the standard orders it.
///
/// Building a pipeline compiles it once for the stored-value range (at most 65536 entries for
/// Bits Stored ≤ 16): a lookup table computed with the literal formulas, and, when the chain
/// is affine (rescale + LINEAR/LINEAR_EXACT window, or no VOI), an Int32 fixed-point kernel
/// that is accepted only after it has been checked equal to that table for **every** stored
/// value. Either way the fast path is exact by construction; `applyReference` is the literal,
/// per-pixel scalar version kept beside it for tests.
public struct DisplayPipeline: Sendable {
    /// How `apply` computes pixels.
    public enum Kernel: String, Sendable, Equatable, CaseIterable {
        /// Int32 fixed-point affine map, clamped; vectorized by LLVM. Exhaustively verified.
        case fixedPoint
        /// Single-precision affine map, clamped; vectorized by LLVM. Exhaustively verified;
        /// used for windows whose ties the Int32 form cannot reproduce.
        case floatingPoint
        /// Gather from the compiled table over the stored range.
        case lookupTable
        /// Literal per-pixel evaluation in Double (Bits Stored > 16 only).
        case scalar

        /// Whether the fixed-point kernel beats the table on this build's CPU target. Measured
        /// (512×512 CT frame, `voi-bench`): with `-target-cpu native` (AVX2/AVX-512) fixed point
        /// ~25 µs vs table ~75–98 µs; on baseline x86-64 (SSE2: no 32-bit vector multiply or
        /// min/max) fixed point ~110–180 µs vs table ~80–95 µs. aarch64's baseline NEON has both.
        public static var fixedPointIsFaster: Bool {
            #if SIXRAY_TUNED_CPU || arch(arm64)
            return true
            #else
            return false
            #endif
        }
    }

    public let bitsStored: Int
    public let isSigned: Bool
    public let modality: ModalityLUT
    public let voi: VOITransform
    public let presentation: PresentationLUTShape
    /// The values Bits Stored / Pixel Representation allow; inputs outside are clamped into it.
    public let storedRange: ClosedRange<Int>
    /// The kernel `apply` uses.
    public private(set) var kernel: Kernel

    /// Output for `storedRange.lowerBound + i`, from the literal formulas (nil when Bits Stored > 16).
    let table: [UInt8]?
    let fixedPoint: FixedPointAffine?
    let floatingPoint: FloatAffine?
    /// Modality-value range spread over the output by `VOITransform.identity`.
    let identityRange: (low: Double, high: Double)

    /// - Parameters:
    ///   - bitsStored: Bits Stored (0028,0101), 1...32.
    ///   - isSigned: Pixel Representation (0028,0103) == 1.
    /// - Throws: `ImagingError` when `bitsStored` is outside 1...32.
    public init(
        bitsStored: Int, isSigned: Bool, modality: ModalityLUT = .identity, voi: VOITransform,
        presentation: PresentationLUTShape = .identity
    ) throws(ImagingError) {
        guard (1...32).contains(bitsStored) else { throw ImagingError(.unsupportedBitsStored(bitsStored)) }
        self.bitsStored = bitsStored
        self.isSigned = isSigned
        self.modality = modality
        self.voi = voi
        self.presentation = presentation
        let range = isSigned
            ? (-(1 << (bitsStored - 1)))...((1 << (bitsStored - 1)) - 1)
            : 0...((1 << bitsStored) - 1)
        self.storedRange = range
        self.identityRange = Self.modalityRange(modality, stored: range)

        guard bitsStored <= 16 else {
            self.table = nil
            self.fixedPoint = nil
            self.floatingPoint = nil
            self.kernel = .scalar
            return
        }
        var table = [UInt8](repeating: 0, count: range.count)
        // Literal evaluation once per stored value: the definition of the right answer.
        let reference = Evaluator(modality: modality, voi: voi, presentation: presentation, identityRange: identityRange)
        for (i, stored) in range.enumerated() { table[i] = reference.value(stored) }
        self.table = table
        // Arithmetic kernels, cheapest first; each is kept only if exact for every stored value.
        var fixedPoint: FixedPointAffine?
        var floatingPoint: FloatAffine?
        if let (a, b) = FixedPointAffine.coefficients(modality: modality, voi: voi, identityRange: identityRange) {
            fixedPoint = FixedPointAffine.derive(a: a, b: b, presentation: presentation, storedRange: range,
                                                 table: table, allowFine: false)
            if fixedPoint == nil {
                floatingPoint = FloatAffine.derive(a: a, b: b, presentation: presentation, storedRange: range, table: table)
            }
            if fixedPoint == nil, floatingPoint == nil {
                fixedPoint = FixedPointAffine.derive(a: a, b: b, presentation: presentation, storedRange: range,
                                                     table: table, allowFine: true)
            }
        }
        self.fixedPoint = fixedPoint
        self.floatingPoint = floatingPoint
        if Kernel.fixedPointIsFaster, fixedPoint?.fine == 0 {
            self.kernel = .fixedPoint
        } else if Kernel.fixedPointIsFaster, floatingPoint != nil {
            self.kernel = .floatingPoint
        } else if Kernel.fixedPointIsFaster, fixedPoint != nil {
            self.kernel = .fixedPoint
        } else {
            self.kernel = .lookupTable
        }
    }

    /// The same pipeline forced to another kernel (benchmarks and tests compare them).
    /// Returns nil when that kernel is not available for this pipeline.
    public func using(_ kernel: Kernel) -> DisplayPipeline? {
        switch kernel {
        case .fixedPoint where fixedPoint == nil, .floatingPoint where floatingPoint == nil,
             .lookupTable where table == nil:
            return nil
        default:
            var copy = self
            copy.kernel = kernel
            return copy
        }
    }

    /// The display value of one stored value, by the literal formulas (the scalar reference).
    public func referenceValue(stored: Int) -> UInt8 {
        let s = Swift.min(Swift.max(stored, storedRange.lowerBound), storedRange.upperBound)
        return Evaluator(modality: modality, voi: voi, presentation: presentation, identityRange: identityRange)
            .value(s)
    }

    /// False when the fixed-point kernel needs its slower two-term form (very wide windows).
    public var fixedPointIsSingleTerm: Bool { fixedPoint?.fine == 0 }

    /// The compiled table over `storedRange` (entry i is for `storedRange.lowerBound + i`).
    public var lookupTable: [UInt8]? { table }

    static func modalityRange(_ modality: ModalityLUT, stored: ClosedRange<Int>) -> (low: Double, high: Double) {
        switch modality {
        case let .rescale(slope, intercept):
            let a = Double(stored.lowerBound) * slope + intercept
            let b = Double(stored.upperBound) * slope + intercept
            return (Swift.min(a, b), Swift.max(a, b))
        case let .table(table):
            return (0, Double(table.maxOutput))
        }
    }
}

/// The literal, per-value chain. Kept free of any cleverness: it is the reference.
struct Evaluator: Sendable {
    let modality: ModalityLUT
    let voi: VOITransform
    let presentation: PresentationLUTShape
    let identityRange: (low: Double, high: Double)

    func value(_ stored: Int) -> UInt8 {
        let x = modality.modalityValue(stored)
        let y: Double
        switch voi {
        case let .window(window):
            y = window.displayValue(x)
        case let .table(table):
            // PS3.3 C.11.2.1.1: the VOI LUT is indexed by the modality output value; a
            // fractional value (non-integer rescale) is rounded half up to the nearest input.
            let index = roundHalfUp(x)
            y = Double(table.value(at: index)) * 255 / Double(table.maxOutput)
        case .identity:
            let span = identityRange.high - identityRange.low
            y = span > 0 ? (x - identityRange.low) / span * 255 : 0
        }
        return presentation.apply(quantize(y))
    }
}

/// Round half up to an integer (`floor(v + 0.5)`), saturating at the Int range; NaN → 0.
@inlinable
func roundHalfUp(_ v: Double) -> Int {
    let r = (v + 0.5).rounded(.down)
    guard r.isFinite else { return r.isNaN ? 0 : (r > 0 ? Int.max : Int.min) }
    if r >= 9.2e18 { return Int.max }
    if r <= -9.2e18 { return Int.min }
    return Int(r)
}

/// 8-bit display value of `y` in 0...255: round half up, clamp (PS3.3 C.11.2.1.2.1 output range).
@inlinable
func quantize(_ y: Double) -> UInt8 {
    let r = roundHalfUp(y)
    return UInt8(Swift.min(Swift.max(r, 0), 255))
}
