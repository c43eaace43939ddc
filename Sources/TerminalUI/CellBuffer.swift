/// One cell of the grid: a grapheme and its style. A wide character occupies its cell and
/// the next one, which is marked as its continuation (as ratatui and notcurses do).
public struct Cell: Sendable, Equatable, Hashable {
    public var character: Character
    public var style: Style
    /// True for the right half of a wide character; the backend writes nothing for it.
    public var isContinuation: Bool

    public init(_ character: Character = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.character = character
        self.style = style
        self.isContinuation = isContinuation
    }

    public static let blank = Cell()
}

/// The screen as a grid of cells. Views draw into it; a backend writes the difference to the
/// terminal (STYLE.md rule 2). Drawing is clipped to the buffer and to an optional clip
/// rectangle, so a widget can never write outside the area it was given.
public struct CellBuffer: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]
    /// Drawing outside this rectangle is ignored.
    public var clip: Rect

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
        clip = Rect(x: 0, y: 0, width: self.width, height: self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { x >= 0 && x < width && y >= 0 && y < height ? cells[y * width + x] : .blank }
        set {
            guard clip.contains(x: x, y: y), x < width, y < height, x >= 0, y >= 0 else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Fills `rect` with blanks of `style`.
    public mutating func fill(_ rect: Rect, style: Style, character: Character = " ") {
        let r = rect.intersection(clip).intersection(bounds)
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { cells[y * width + x] = Cell(character, style: style) }
        }
    }

    /// Writes `text` from column `x` on row `y`, at most `maxWidth` cells wide (default: to
    /// the right edge of the clip). Wide characters take two cells; one that would straddle
    /// the limit is replaced by a space. Control characters are shown as `?` so that data
    /// from files can never inject escape sequences. Returns the number of cells used.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, style: Style, maxWidth: Int? = nil) -> Int {
        guard y >= clip.y, y < clip.maxY, y >= 0, y < height else { return 0 }
        let limit = min(x + (maxWidth ?? Int.max / 2), clip.maxX, width)
        var cx = x
        for ch in text {
            var c = ch
            var w = CellWidth.of(ch)
            if ch.unicodeScalars.first.map({ $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) == true {
                c = "?"
                w = 1
            }
            if w == 0 { continue } // a lone combining mark: nothing to place
            if cx + w > limit {
                if w == 2, cx < limit, cx >= clip.x { self[cx, y] = Cell(" ", style: style) ; cx += 1 }
                break
            }
            if cx >= clip.x {
                // Overwriting half of an existing wide character blanks its other half.
                if self[cx, y].isContinuation, cx - 1 >= clip.x { self[cx - 1, y] = Cell(" ", style: self[cx - 1, y].style) }
                self[cx, y] = Cell(c, style: style)
                if w == 2 { self[cx + 1, y] = Cell(" ", style: style, isContinuation: true) }
                if cx + w < width, self[cx + w, y].isContinuation { self[cx + w, y] = Cell(" ", style: style) }
            }
            cx += w
        }
        return max(0, cx - x)
    }

    /// Writes `text` aligned in `rect`'s first row, padded with `style` blanks.
    public mutating func put(_ text: String, in rect: Rect, style: Style, alignment: Alignment = .left) {
        guard !rect.isEmpty else { return }
        fill(rect.topRow, style: style)
        let w = min(CellWidth.of(text), rect.width)
        let x: Int
        switch alignment {
        case .left: x = rect.x
        case .right: x = rect.maxX - w
        case .center: x = rect.x + (rect.width - w) / 2
        }
        put(text, x: x, y: rect.y, style: style, maxWidth: rect.maxX - x)
    }

    /// Sets the style of every cell in `rect` without changing characters (selection bars).
    public mutating func restyle(_ rect: Rect, _ transform: (Style) -> Style) {
        let r = rect.intersection(clip).intersection(bounds)
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { cells[y * width + x].style = transform(cells[y * width + x].style) }
        }
    }

    /// A box border around `rect` with an optional title in the top edge.
    public mutating func box(_ rect: Rect, style: Style, title: String? = nil) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        for x in rect.x + 1..<rect.maxX - 1 {
            self[x, rect.y] = Cell("─", style: style)
            self[x, rect.maxY - 1] = Cell("─", style: style)
        }
        for y in rect.y + 1..<rect.maxY - 1 {
            self[rect.x, y] = Cell("│", style: style)
            self[rect.maxX - 1, y] = Cell("│", style: style)
        }
        self[rect.x, rect.y] = Cell("┌", style: style)
        self[rect.maxX - 1, rect.y] = Cell("┐", style: style)
        self[rect.x, rect.maxY - 1] = Cell("└", style: style)
        self[rect.maxX - 1, rect.maxY - 1] = Cell("┘", style: style)
        if let title, rect.width > 4 {
            put(" \(title) ", x: rect.x + 2, y: rect.y, style: style.with(.bold), maxWidth: rect.width - 4)
        }
    }

    /// Draws into `rect` only, for the duration of `body`.
    public mutating func clipped(to rect: Rect, _ body: (inout CellBuffer) -> Void) {
        let saved = clip
        clip = clip.intersection(rect)
        body(&self)
        clip = saved
    }

    /// The rows as text, trailing spaces removed: what snapshot tests compare.
    public var text: String {
        (0..<height).map { rowText($0) }.joined(separator: "\n")
    }

    public func rowText(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !cells[y * width + x].isContinuation { s.append(cells[y * width + x].character) }
        while s.last == " " { s.removeLast() }
        return s
    }

    /// Rectangles of rows that differ from `old` (whole buffer when the sizes differ), as
    /// runs of changed cells per row: what a backend writes.
    public func changes(since old: CellBuffer) -> [(y: Int, x: Int, count: Int)] {
        guard old.width == width, old.height == height else {
            return (0..<height).map { (y: $0, x: 0, count: width) }
        }
        var runs: [(y: Int, x: Int, count: Int)] = []
        for y in 0..<height {
            var x = 0
            let base = y * width
            while x < width {
                if cells[base + x] == old.cells[base + x] { x += 1; continue }
                var end = x + 1
                // Merge runs separated by fewer than 4 equal cells: one cursor move costs about that.
                var gap = 0
                var k = end
                while k < width {
                    if cells[base + k] != old.cells[base + k] { end = k + 1; gap = 0 } else { gap += 1; if gap >= 4 { break } }
                    k += 1
                }
                // A run never starts on a continuation cell.
                let start = x > 0 && cells[base + x].isContinuation ? x - 1 : x
                runs.append((y: y, x: start, count: end - start))
                x = end
            }
        }
        return runs
    }
}

public enum Alignment: Sendable { case left, center, right }
