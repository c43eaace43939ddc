/// A terminal colour: the terminal's default, one of the 256 indexed colours, or 24-bit RGB.
/// Backends map RGB to the nearest indexed colour when the terminal has no direct colour.
public enum Color: Sendable, Equatable, Hashable {
    case `default`
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    /// Parses "#rrggbb", "#rgb", "default" or a palette index "0"…"255".
    public init?(parsing text: String) {
        let t = text.lowercased()
        if t == "default" || t == "none" { self = .default; return }
        if let n = UInt8(t) { self = .indexed(n); return }
        guard t.hasPrefix("#") else { return nil }
        let hex = Array(t.dropFirst())
        func v(_ s: ArraySlice<Character>) -> UInt8? { UInt8(String(s), radix: 16) }
        if hex.count == 6, let r = v(hex[0..<2]), let g = v(hex[2..<4]), let b = v(hex[4..<6]) {
            self = .rgb(r, g, b)
        } else if hex.count == 3, let r = v(hex[0..<1]), let g = v(hex[1..<2]), let b = v(hex[2..<3]) {
            self = .rgb(r * 17, g * 17, b * 17)
        } else {
            return nil
        }
    }

    /// The nearest entry of the xterm 256-colour palette (6×6×6 cube or grey ramp).
    public var nearestIndexed: UInt8 {
        switch self {
        case .default: return 0
        case let .indexed(i): return i
        case let .rgb(r, g, b):
            func cube(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
            let levels = [0, 95, 135, 175, 215, 255]
            let (cr, cg, cb) = (cube(r), cube(g), cube(b))
            let cubeIndex = 16 + 36 * cr + 6 * cg + cb
            let avg = (Int(r) + Int(g) + Int(b)) / 3
            let greyIndex = avg > 238 ? 23 : (avg - 3) / 10
            let grey = 8 + 10 * max(0, greyIndex)
            func dist(_ a: (Int, Int, Int)) -> Int {
                let dr = a.0 - Int(r), dg = a.1 - Int(g), db = a.2 - Int(b)
                return dr * dr + dg * dg + db * db
            }
            let cubeDistance = dist((levels[cr], levels[cg], levels[cb]))
            let greyDistance = dist((grey, grey, grey))
            return greyDistance < cubeDistance ? UInt8(232 + max(0, min(23, greyIndex))) : UInt8(cubeIndex)
        }
    }

    /// The nearest of the 8 basic ANSI colours, for terminals with 8 or 16 colours.
    public var nearestBasic: UInt8 {
        switch self {
        case .default: return 0
        case let .indexed(i) where i < 8: return i
        case let .indexed(i) where i < 16: return i - 8
        case .indexed:
            return 7
        case let .rgb(r, g, b):
            let bright = max(r, max(g, b))
            guard bright >= 64 else { return 0 }
            let t = UInt8(max(64, Int(bright) / 2))
            return (r >= t ? 1 : 0) | (g >= t ? 2 : 0) | (b >= t ? 4 : 0)
        }
    }
}

/// Text attributes.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let dim = TextAttributes(rawValue: 2)
    public static let underline = TextAttributes(rawValue: 4)
    public static let reverse = TextAttributes(rawValue: 8)
    public static let italic = TextAttributes(rawValue: 16)
}

/// Foreground, background and attributes of a cell.
public struct Style: Sendable, Equatable, Hashable {
    public var foreground: Color
    public var background: Color
    public var attributes: TextAttributes

    public init(foreground: Color = .default, background: Color = .default, attributes: TextAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = Style()

    public func with(_ a: TextAttributes) -> Style {
        var s = self
        s.attributes.formUnion(a)
        return s
    }
}
