/// A rectangle of cells: column `x`, row `y` (0-based from the top left), `width` × `height`.
public struct Rect: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)
    public var isEmpty: Bool { width == 0 || height == 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var description: String { "\(width)×\(height)+\(x)+\(y)" }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }

    public func intersection(_ o: Rect) -> Rect {
        let x0 = max(x, o.x), y0 = max(y, o.y)
        let x1 = min(maxX, o.maxX), y1 = min(maxY, o.maxY)
        return x1 > x0 && y1 > y0 ? Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0) : .zero
    }

    /// The rectangle shrunk by `n` cells on every side (a border or margin).
    public func inset(_ n: Int) -> Rect { inset(dx: n, dy: n) }
    public func inset(dx: Int, dy: Int) -> Rect {
        Rect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
    }

    /// A `w` × `h` rectangle centred in this one (clipped to it).
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(w, width), ch = min(h, height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    public func row(_ r: Int) -> Rect { Rect(x: x, y: y + r, width: width, height: r < height ? 1 : 0) }
    public var topRow: Rect { row(0) }
    public var bottomRow: Rect { Rect(x: x, y: maxY - 1, width: width, height: height > 0 ? 1 : 0) }
}

/// Sizes along one axis of a split (ratatui's `Constraint`).
public enum Constraint: Sendable, Equatable {
    /// Exactly `n` cells (less if the space runs out).
    case fixed(Int)
    /// A percentage of the whole.
    case percent(Int)
    /// At least `n` cells; shares what is left with the other `min` and `fill` entries.
    case min(Int)
    /// An equal share of what is left.
    case fill
}

public enum Axis: Sendable { case horizontal, vertical }

extension Rect {
    /// Splits this rectangle along `axis` (horizontal: side by side; vertical: stacked).
    /// The parts always tile the rectangle exactly; fixed and percentage parts are served
    /// first, then the rest is shared among `min` and `fill` parts, remainders going to the
    /// first ones.
    public func split(_ axis: Axis, _ constraints: [Constraint]) -> [Rect] {
        let total = axis == .horizontal ? width : height
        var sizes = [Int](repeating: 0, count: constraints.count)
        var remaining = total
        for (i, c) in constraints.enumerated() {
            switch c {
            case let .fixed(n): sizes[i] = Swift.min(Swift.max(0, n), remaining)
            case let .percent(p): sizes[i] = Swift.min(total * Swift.max(0, p) / 100, remaining)
            case let .min(n): sizes[i] = Swift.min(Swift.max(0, n), remaining)
            case .fill: sizes[i] = 0
            }
            remaining -= sizes[i]
        }
        let flexible = constraints.indices.filter {
            if case .fill = constraints[$0] { return true }
            if case .min = constraints[$0] { return true }
            return false
        }
        if !flexible.isEmpty, remaining > 0 {
            let share = remaining / flexible.count
            var extra = remaining % flexible.count
            for i in flexible {
                sizes[i] += share + (extra > 0 ? 1 : 0)
                extra -= 1
            }
        }
        var out: [Rect] = []
        var offset = 0
        for s in sizes {
            out.append(axis == .horizontal ? Rect(x: x + offset, y: y, width: s, height: height)
                                           : Rect(x: x, y: y + offset, width: width, height: s))
            offset += s
        }
        return out
    }

    /// A grid of `rows` × `columns` equal cells, row by row.
    public func grid(rows: Int, columns: Int) -> [Rect] {
        guard rows > 0, columns > 0 else { return [] }
        return split(.vertical, Array(repeating: .fill, count: rows)).flatMap {
            $0.split(.horizontal, Array(repeating: .fill, count: columns))
        }
    }
}
