import CNcursesw
import TerminalGraphics
#if canImport(Glibc)
import Glibc
#endif

/// The one error type of TerminalUI.
public struct TerminalUIError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Signal state shared with the C signal handlers. Signal handlers can only reach globals;
/// this is the one place Sixray keeps process-wide state, and only flags and the terminal
/// modes to restore.
private enum SignalState {
    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0
    nonisolated(unsafe) static var continued: sig_atomic_t = 0
    nonisolated(unsafe) static var savedTermios = termios()
    nonisolated(unsafe) static var haveTermios: sig_atomic_t = 0
    nonisolated(unsafe) static var outFD: Int32 = 1
}

/// Text through ncursesw (it keeps a model of the screen and sends only what changed),
/// images written directly after it (`ImageLayer`). The terminal is restored on exit, on
/// Ctrl-C / SIGTERM / SIGHUP (the next `readKey` reports `.ctrl("c")` so the app quits in an
/// orderly way), on crash signals (best effort: modes reset and the alternate screen left
/// before the signal's default action) and around suspend (ncurses' own SIGTSTP handling;
/// on SIGCONT the whole screen, images included, is redrawn).
public final class NcursesBackend: TerminalBackend {
    private let screenPointer: OpaquePointer
    private let output: UnsafeMutablePointer<FILE>
    private let outputFD: Int32
    private var previous: CellBuffer?
    private var pairs: [Int64: Int32] = [:]
    private var nextPair: Int32 = 1
    private let colorCount: Int32
    private let pairLimit: Int32
    private var imageLayer: ImageLayer
    private var isShutDown = false
    /// Key codes ncurses reports for the wheel (BUTTON4/5), for mouse decoding.
    private let wheelUp = sixray_button4_pressed(), wheelDown = sixray_button5_pressed()
    private var buttonDown: MouseEvent.Button = .none

    /// - Parameters:
    ///   - terminalName: TERM to use (nil: the environment's).
    ///   - input, output: the terminal's streams (nil: stdin and stdout). A benchmark passes a
    ///     stream that counts bytes.
    public init(terminalName: String? = nil, input: UnsafeMutablePointer<FILE>? = nil,
                output: UnsafeMutablePointer<FILE>? = nil, trueColor: Bool) throws(TerminalUIError) {
        Self.ensureUTF8Locale()
        let out = output ?? sixray_stdout()!
        let inp = input ?? sixray_stdin()!
        self.output = out
        outputFD = fileno(out)
        if isatty(fileno(inp)) == 1, tcgetattr(fileno(inp), &SignalState.savedTermios) == 0 {
            SignalState.haveTermios = 1
        }
        SignalState.outFD = outputFD
        guard let scr = terminalName.map({ name in name.withCString { newterm($0, out, inp) } }) ?? newterm(nil, out, inp) else {
            throw TerminalUIError("cannot start the terminal UI: terminal type '\(terminalName ?? (getenv("TERM").map { String(cString: $0) } ?? "unset"))' is unknown to ncurses (set TERM, e.g. TERM=xterm-256color)")
        }
        screenPointer = scr
        set_term(scr)
        cbreak()
        noecho()
        nonl()
        keypad(sixray_stdscr(), true)
        intrflush(sixray_stdscr(), false)
        curs_set(0)
        set_escdelay(25)
        mouseinterval(0)
        mousemask(sixray_mouse_all(), nil)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        colorCount = sixray_colors()
        pairLimit = min(sixray_color_pairs(), 32766)
        imageLayer = ImageLayer(trueColor: trueColor)
        Self.installSignalHandlers()
    }

    deinit { shutdown() }

    static func ensureUTF8Locale() {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(Int32(CODESET)))
        if String(codeset.uppercased().filter { $0 != "-" }) != "UTF8" {
            if setlocale(LC_CTYPE, "C.UTF-8") == nil { setlocale(LC_CTYPE, "en_US.UTF-8") }
        }
    }

    static func installSignalHandlers() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in SignalState.interrupted = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0 // no SA_RESTART: get_wch returns so the loop sees the flag
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGHUP, &action, nil)
        var cont = sigaction()
        cont.__sigaction_handler.sa_handler = { _ in SignalState.continued = 1 }
        sigemptyset(&cont.sa_mask)
        sigaction(SIGCONT, &cont, nil)
        var crash = sigaction()
        crash.__sigaction_handler.sa_handler = { sig in
            // Async-signal-safe only: write(2), tcsetattr(3), signal(2), raise(3).
            let reset: StaticString = "\u{1B}[0m\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1006l\u{1B}[?25h\u{1B}[?1049l\r\n"
            _ = write(SignalState.outFD, reset.utf8Start, reset.utf8CodeUnitCount)
            if SignalState.haveTermios == 1 { _ = tcsetattr(0, TCSANOW, &SignalState.savedTermios) }
            signal(sig, SIG_DFL)
            raise(sig)
        }
        sigemptyset(&crash.sa_mask)
        crash.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { sigaction(sig, &crash, nil) }
    }

    public var size: (width: Int, height: Int) {
        (Int(getmaxx(sixray_stdscr())), Int(getmaxy(sixray_stdscr())))
    }

    public func invalidate() {
        previous = nil
        clearok(sixray_curscr(), true)
    }

    private func pair(_ style: Style) -> Int32 {
        func index(_ c: Color) -> Int32 {
            switch c {
            case .default: return -1
            case let .indexed(i): return colorCount >= 256 ? Int32(i) : Int32(Color.indexed(i).nearestBasic)
            case let .rgb(r, g, b):
                if colorCount >= 0x1000000 { return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
                return colorCount >= 256 ? Int32(c.nearestIndexed) : Int32(c.nearestBasic)
            }
        }
        guard colorCount > 0 else { return 0 }
        let f = index(style.foreground), b = index(style.background)
        if f == -1, b == -1 { return 0 }
        let key = Int64(f) << 32 | Int64(UInt32(bitPattern: b))
        if let p = pairs[key] { return p }
        guard nextPair < pairLimit else { return 0 }
        let p = nextPair
        nextPair += 1
        init_extended_pair(p, f, b)
        pairs[key] = p
        return p
    }

    private func attributes(_ s: Style) -> attr_t {
        var a = sixray_a_normal()
        if s.attributes.contains(.bold) { a |= sixray_a_bold() }
        if s.attributes.contains(.dim) { a |= sixray_a_dim() }
        if s.attributes.contains(.underline) { a |= sixray_a_underline() }
        if s.attributes.contains(.reverse) { a |= sixray_a_reverse() }
        if s.attributes.contains(.italic) { a |= sixray_a_italic() }
        return a
    }

    @discardableResult
    public func present(_ buffer: CellBuffer, images: [ImagePlacement]) -> PresentStats {
        let full = previous == nil || previous?.width != buffer.width || previous?.height != buffer.height
        if full {
            pairs = [:]
            nextPair = 1
            erase()
        }
        let changes = full ? (0..<buffer.height).map { (y: $0, x: 0, count: buffer.width) } : buffer.changes(since: previous!)
        var count = 0
        for run in changes {
            var x = run.x
            let end = min(buffer.width, run.x + run.count)
            while x < end {
                let style = buffer[x, run.y].style
                var text = ""
                let start = x
                while x < end, buffer[x, run.y].style == style {
                    let c = buffer[x, run.y]
                    if !c.isContinuation { text.append(c.character) }
                    x += 1
                }
                count += x - start
                _ = sixray_put(Int32(run.y), Int32(start), text, attributes(style), pair(style))
            }
        }
        wnoutrefresh(sixray_stdscr())
        doupdate()
        fflush(output)
        let imageBytes = imageLayer.update(images, buffer: buffer, textChanges: changes, force: full)
        if !imageBytes.isEmpty { writeAll(imageBytes) }
        previous = buffer
        return PresentStats(changedCells: count, imageBytes: imageBytes.count, fullRedraw: full)
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(outputFD, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return
                }
                offset += n
            }
        }
    }

    public func readKey(timeoutMilliseconds: Int) -> Key? {
        if SignalState.interrupted == 1 {
            SignalState.interrupted = 0
            return .ctrl("c")
        }
        if SignalState.continued == 1 {
            SignalState.continued = 0
            invalidate()
            return .resize
        }
        timeout(Int32(timeoutMilliseconds))
        var wch: wint_t = 0
        let r = sixray_get_wch(&wch)
        if r == ERR { return SignalState.interrupted == 1 ? readKey(timeoutMilliseconds: 0) : nil }
        if r == KEY_CODE_YES { return special(Int32(wch)) }
        switch wch {
        case 0x0D, 0x0A: return .enter
        case 0x1B: return .escape
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0..<0x20: return .ctrl(Character(Unicode.Scalar(UInt8(wch) + 0x60)))
        default:
            guard let s = Unicode.Scalar(UInt32(wch)) else { return nil }
            return .character(Character(s))
        }
    }

    private func special(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_IC: return .insert
        case KEY_BTAB: return .backTab
        case KEY_RESIZE:
            invalidate()
            return .resize
        case KEY_MOUSE: return mouse()
        case KEY_F0 + 1...KEY_F0 + 24: return .function(Int(code - KEY_F0))
        default: return nil
        }
    }

    private func mouse() -> Key? {
        var ev = MEVENT()
        guard getmouse(&ev) == OK else { return nil }
        let b = ev.bstate
        let x = Int(ev.x), y = Int(ev.y)
        if b & wheelUp != 0 { return .scrollUp }
        if wheelDown != 0, b & wheelDown != 0 { return .scrollDown }
        let shift = b & sixray_button_shift() != 0, ctrl = b & sixray_button_ctrl() != 0
        if b & sixray_button1_pressed() != 0 { buttonDown = .left; return .mouse(MouseEvent(kind: .press, button: .left, x: x, y: y, shift: shift, ctrl: ctrl)) }
        if b & sixray_button3_pressed() != 0 { buttonDown = .right; return .mouse(MouseEvent(kind: .press, button: .right, x: x, y: y, shift: shift, ctrl: ctrl)) }
        if b & sixray_button2_pressed() != 0 { buttonDown = .middle; return .mouse(MouseEvent(kind: .press, button: .middle, x: x, y: y)) }
        if b & (sixray_button1_released() | sixray_button3_released()) != 0 {
            let button = buttonDown
            buttonDown = .none
            return .mouse(MouseEvent(kind: .release, button: button, x: x, y: y, shift: shift, ctrl: ctrl))
        }
        if b & sixray_button1_clicked() != 0 {
            return .mouse(MouseEvent(kind: .release, button: .left, x: x, y: y, shift: shift, ctrl: ctrl))
        }
        if b & sixray_report_position() != 0 {
            return .mouse(MouseEvent(kind: buttonDown == .none ? .move : .drag, button: buttonDown, x: x, y: y, shift: shift, ctrl: ctrl))
        }
        return nil
    }

    /// Leaves the UI: kitty images deleted, mouse reporting off, cursor shown, main screen back.
    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        let teardown = imageLayer.teardown()
        if !teardown.isEmpty { writeAll(teardown) }
        mousemask(0, nil)
        curs_set(1)
        endwin()
        fflush(output)
        delscreen(screenPointer)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGCONT] { signal(sig, SIG_DFL) }
    }
}
