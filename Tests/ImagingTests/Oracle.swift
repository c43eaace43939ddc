import Foundation
import Imaging

/// PS3.3 C.11.2.1.2.1 / C.11.2.1.3 written out literally, independently of `Imaging`, in
/// Double, with round half up, for 8-bit output (ymin 0, ymax 255). This is the test oracle.
enum Oracle {
    static func display(stored: Int, slope: Double, intercept: Double,
                        center c: Double, width w: Double, function: VOILUTFunction,
                        inverse: Bool = false) -> UInt8 {
        let x = Double(stored) * slope + intercept
        let y: Double
        switch function {
        case .linear:
            if x <= c - 0.5 - (w - 1) / 2 { y = 0 }
            else if x > c - 0.5 + (w - 1) / 2 { y = 255 }
            else { y = ((x - (c - 0.5)) / (w - 1) + 0.5) * (255 - 0) + 0 }
        case .linearExact:
            if x <= c - w / 2 { y = 0 }
            else if x > c + w / 2 { y = 255 }
            else { y = ((x - c) / w + 0.5) * (255 - 0) + 0 }
        case .sigmoid:
            y = (255 - 0) / (1 + exp(-4 * (x - c) / w)) + 0
        }
        let r = floor(y + 0.5)
        let v = UInt8(min(max(r, 0), 255))
        return inverse ? 255 - v : v  // Presentation LUT Shape INVERSE after VOI (PS3.3 C.11.6)
    }
}

/// Every value a `bits`-bit signed/unsigned sample can take.
func allStoredValues(bits: Int, signed: Bool) -> ClosedRange<Int> {
    signed ? (-(1 << (bits - 1)))...((1 << (bits - 1)) - 1) : 0...((1 << bits) - 1)
}

/// Deterministic generator for random windows (SplitMix64), so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
