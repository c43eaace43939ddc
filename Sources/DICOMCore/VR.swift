/// Value Representations of PS3.5 §6.2, Table 6.2-1.
public enum VR: String, CaseIterable, Sendable, Hashable {
    case AE, AS, AT, CS, DA, DS, DT, FL, FD, IS, LO, LT, OB, OD, OF, OL, OV, OW,
         PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV

    /// Parse the two bytes of an explicit VR.
    @inlinable public init?(_ b0: UInt8, _ b1: UInt8) {
        let i = Int(b0 &- 0x41), j = Int(b1 &- 0x41)
        guard i < 26, j < 26, let vr = VR.byLetters[i * 26 + j] else { return nil }
        self = vr
    }

    /// VR by its two letters (index (first-'A')*26 + (second-'A')): the parser looks one up
    /// per element, so this is a table, not a string comparison.
    @usableFromInline static let byLetters: [VR?] = {
        var table = [VR?](repeating: nil, count: 26 * 26)
        for vr in VR.allCases {
            let u = Array(vr.rawValue.utf8)
            table[Int(u[0] - 0x41) * 26 + Int(u[1] - 0x41)] = vr
        }
        return table
    }()

    /// VRs whose explicit-VR encoding has 2 reserved bytes and a 32-bit length
    /// (PS3.5 §7.1.2, Table 7.1-1).
    public var hasLongExplicitLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .UC, .UN, .UR, .UT, .SV, .UV: return true
        default: return false
        }
    }

    /// Character-string VRs whose values are text (subject to Specific Character Set for
    /// SH, LO, ST, LT, UC, UT, PN; PS3.5 §6.1.2.3).
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: return true
        default: return false
        }
    }

    /// String VRs affected by Specific Character Set (PS3.5 §6.1.2.3).
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .SH, .LO, .ST, .LT, .UC, .UT, .PN: return true
        default: return false
        }
    }

    /// String VRs whose value is a single value: backslash is not a delimiter (PS3.5 §6.2).
    public var isSingleValuedText: Bool {
        switch self {
        case .LT, .ST, .UT, .UR: return true
        default: return false
        }
    }

    /// Binary VRs holding bulk data (PS3.5 §6.2): OB, OD, OF, OL, OV, OW, UN.
    public var isBulk: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: return true
        default: return false
        }
    }

    /// Size in bytes of one numeric value, for binary numeric VRs; nil otherwise.
    public var numericSize: Int? {
        switch self {
        case .US, .SS: return 2
        case .UL, .SL, .FL, .AT: return 4
        case .FD, .SV, .UV: return 8
        case .OW: return 2
        case .OL, .OF: return 4
        case .OD, .OV: return 8
        default: return nil
        }
    }

    /// Padding byte for odd-length values (PS3.5 §7.1.1): NUL for UI and binary VRs, space for text.
    public var paddingByte: UInt8 {
        switch self {
        case .UI, .OB, .UN: return 0
        default: return isString ? 0x20 : 0
        }
    }
}
