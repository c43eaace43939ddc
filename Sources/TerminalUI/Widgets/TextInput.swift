/// A one-line text field (filters, dialogs). Editing keys follow readline: Left/Right,
/// Home/End and Ctrl-a/Ctrl-e, Backspace, Delete, Ctrl-u (clear to start), Ctrl-k (clear to end),
/// Ctrl-w (delete word).
public struct TextInput: Sendable, Equatable {
    public var text: String
    /// Cursor position in characters.
    public var cursor: Int
    public var maxLength: Int

    public init(_ text: String = "", maxLength: Int = 256) {
        self.text = text
        self.cursor = text.count
        self.maxLength = maxLength
    }

    /// Applies an editing key; false when the key is not an editing key (Enter, Esc, ... are
    /// left to the caller).
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        var chars = Array(text)
        switch key {
        case let .character(c):
            guard chars.count < maxLength, !(c.unicodeScalars.first.map { $0.value < 0x20 || $0.value == 0x7F } ?? true) else { return true }
            chars.insert(c, at: cursor)
            cursor += 1
        case .backspace:
            guard cursor > 0 else { return true }
            chars.remove(at: cursor - 1)
            cursor -= 1
        case .delete:
            guard cursor < chars.count else { return true }
            chars.remove(at: cursor)
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(chars.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = chars.count
        case .ctrl("u"):
            chars.removeFirst(cursor)
            cursor = 0
        case .ctrl("k"):
            chars.removeLast(chars.count - cursor)
        case .ctrl("w"):
            var k = cursor
            while k > 0, chars[k - 1] == " " { k -= 1 }
            while k > 0, chars[k - 1] != " " { k -= 1 }
            chars.removeSubrange(k..<cursor)
            cursor = k
        default:
            return false
        }
        text = String(chars)
        return true
    }

    /// Draws `prompt` and the text; the cursor cell is shown in the cursor role when `focused`.
    public func draw(into buf: inout CellBuffer, area: Rect, prompt: String, theme: Theme, focused: Bool) {
        guard !area.isEmpty else { return }
        buf.fill(area.topRow, style: theme[.input])
        let pw = buf.put(prompt, x: area.x, y: area.y, style: theme[.input].with(.bold), maxWidth: area.width)
        let room = area.width - pw - 1
        guard room > 0 else { return }
        let chars = Array(text)
        // Keep the cursor visible: show the tail when the text is longer than the room.
        let start = max(0, cursor - room + 1)
        let visible = String(chars[min(start, chars.count)..<min(chars.count, start + room)])
        buf.put(visible, x: area.x + pw, y: area.y, style: theme[.input], maxWidth: room)
        if focused {
            let cx = area.x + pw + CellWidth.of(String(chars[min(start, chars.count)..<min(cursor, chars.count)]))
            let under = cursor < chars.count ? chars[cursor] : " "
            buf[cx, area.y] = Cell(under, style: theme[.cursor])
        }
    }
}
