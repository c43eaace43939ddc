#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ways Sixray can put an image on a terminal, best first.
public enum GraphicsProtocol: String, Sendable, CaseIterable, Equatable {
    case kitty, sixel, iterm2, blocks, ascii

    /// Parses a `--protocol` value; `auto` (or nil) means "detect".
    public static func parseOverride(_ s: String) -> (valid: Bool, value: GraphicsProtocol?) {
        let v = s.lowercased()
        if v == "auto" { return (true, nil) }
        if let p = GraphicsProtocol(rawValue: v) { return (true, p) }
        return (false, nil)
    }
}

/// Everything Sixray knows about the terminal: query replies combined with the environment.
public struct TerminalCapabilities: Sendable, Equatable {
    public var replies: TerminalReplies
    public var multiplexer: Multiplexer
    /// tmux's `allow-passthrough` (irrelevant outside tmux).
    public var passthroughAllowed: Bool
    public var trueColor: Bool
    public var dumb: Bool
    /// iTerm2 inline images announced by the environment (TERM_PROGRAM / LC_TERMINAL).
    public var iterm2: Bool
    public var termProgram: String?

    public var sixel: Bool { replies.sixel }
    public var kitty: Bool { replies.kittyGraphics }
    /// Colour registers available to one sixel image (VT340 default 16 when the terminal does not
    /// answer XTSMGRAPHICS but advertises sixel; 256 is what modern terminals offer).
    public var colorRegisters: Int { replies.colorRegisters ?? (replies.version?.hasPrefix("XTerm") == true ? 16 : 256) }
    public var cellPixels: PixelSize? { replies.cellPixels }

    /// Combines replies and environment (pure).
    public init(replies: TerminalReplies, environment env: [String: String],
                passthroughAllowed: Bool = true) {
        self.replies = replies
        multiplexer = Passthrough.multiplexer(environment: env)
        self.passthroughAllowed = passthroughAllowed
        let term = env["TERM"] ?? ""
        let colorterm = (env["COLORTERM"] ?? "").lowercased()
        termProgram = env["TERM_PROGRAM"]
        trueColor = colorterm == "truecolor" || colorterm == "24bit" || term.contains("direct")
            || ["iTerm.app", "WezTerm", "vscode", "ghostty"].contains(termProgram ?? "")
            || replies.kittyGraphics
        dumb = term.isEmpty || term == "dumb"
        iterm2 = termProgram == "iTerm.app" || termProgram == "WezTerm" || termProgram == "mintty"
            || env["LC_TERMINAL"] == "iTerm2"
    }

    /// The protocol to use when the user asked for `auto`.
    public var bestProtocol: GraphicsProtocol {
        let graphicsReachable = multiplexer != .tmux || passthroughAllowed
        if graphicsReachable {
            if kitty { return .kitty }
            if termProgram == "iTerm.app" { return .iterm2 }
            if sixel { return .sixel }
            if iterm2 { return .iterm2 }
        }
        return dumb ? .ascii : .blocks
    }

    /// Queries sent to the terminal; DA1 last as the sentinel.
    public static func queries(multiplexer: Multiplexer) -> [UInt8] {
        var q: [UInt8] = KittyEncoder.query()
        q += Array("\u{1B}[?1;1;0S\u{1B}[?2;1;0S\u{1B}[14t\u{1B}[16t\u{1B}[18t\u{1B}[>0q".utf8)
        if multiplexer == .tmux { q = Passthrough.wrap(q, for: .tmux) }
        return q + Array("\u{1B}[c".utf8)
    }

    /// Default overall query timeout; `SIXRAY_QUERY_TIMEOUT_MS` overrides.
    public static func timeoutMilliseconds(environment env: [String: String]) -> Int {
        if let s = env["SIXRAY_QUERY_TIMEOUT_MS"], let v = Int(s), v >= 0 { return min(v, 10_000) }
        return 250
    }

    /// Opens the controlling terminal, puts it in raw mode (restored on every path), sends the
    /// queries and collects replies until DA1 arrives or the timeout passes. A terminal that says
    /// nothing costs at most the timeout.
    public static func detect(environment env: [String: String], ttyPath: String = "/dev/tty",
                              passthroughAllowed: Bool = true) throws(GraphicsError) -> TerminalCapabilities {
        let mux = Passthrough.multiplexer(environment: env)
        let fd = open(ttyPath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw GraphicsError(.terminalUnavailable, "\(ttyPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // Ctrl-C, kill or a hang-up during the (bounded) query must not leave the terminal in
        // raw mode: hold those signals until the modes are restored. This defer is declared
        // before the one that restores the modes, so it runs after it, and a pending signal is
        // then delivered to a terminal that is already sane. No handler, no global state.
        var held = sigset_t(), previous = sigset_t()
        sigemptyset(&held)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP] { sigaddset(&held, s) }
        pthread_sigmask(SIG_BLOCK, &held, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else {
            throw GraphicsError(.terminalUnavailable, "\(ttyPath): tcgetattr: \(String(cString: strerror(errno)))")
        }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else {
            throw GraphicsError(.terminalUnavailable, "\(ttyPath): tcsetattr: \(String(cString: strerror(errno)))")
        }
        defer { _ = tcsetattr(fd, TCSANOW, &saved) }
        let reply = try exchange(readFD: fd, writeFD: fd, queries: queries(multiplexer: mux),
                                 timeoutMilliseconds: timeoutMilliseconds(environment: env))
        return TerminalCapabilities(replies: ReplyParser.parse(reply), environment: env,
                                    passthroughAllowed: passthroughAllowed)
    }

    /// Writes `queries` and reads until the replies are complete (DA1 seen) or the overall
    /// timeout expires. Works on any descriptors (tests use pipes).
    public static func exchange(readFD: Int32, writeFD: Int32, queries: [UInt8],
                                timeoutMilliseconds: Int) throws(GraphicsError) -> [UInt8] {
        try FileOutput.write(queries, to: writeFD)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        let deadline = GraphicsBenchmark.monotonicMicroseconds() + Double(timeoutMilliseconds) * 1000
        while true {
            let left = Int((deadline - GraphicsBenchmark.monotonicMicroseconds()) / 1000)
            if left <= 0 { break }
            var p = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(left))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { break }
            let n = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n <= 0 { break }  // EOF or error: nothing more will come
            buffer.append(contentsOf: chunk[0..<n])
            if ReplyParser.parse(buffer).isComplete { break }
        }
        return buffer
    }
}
