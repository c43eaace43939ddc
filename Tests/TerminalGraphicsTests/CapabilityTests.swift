#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TerminalGraphics

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("Capability replies")
struct CapabilityTests {
    /// Captured from XTerm(379) under Xvfb, `xterm -ti vt340`, in answer to exactly
    /// `TerminalCapabilities.queries(multiplexer: .none)` (Scripts/e2e-xterm-sixel.sh setup).
    static let xtermVT340 = "\u{1B}[?1;0;1024S\u{1B}[?2;0;480;312S\u{1B}P>|XTerm(379)\u{1B}\\\u{1B}[?63;1;2;4;6;9;15;16;22;28c"
    /// Same xterm without `-ti vt340` (VT420 mode, no sixel; XTSMGRAPHICS answers "error" 3).
    static let xtermDefault = "\u{1B}[?1;3S\u{1B}[?2;3S\u{1B}P>|XTerm(379)\u{1B}\\\u{1B}[?64;1;2;6;9;15;16;17;18;21;22;28c"
    /// foot with sixel enabled (reply string from foot's csi.c).
    static let foot = "\u{1B}[?1;0;1024S\u{1B}[6;20;10t\u{1B}P>|foot(1.16.2)\u{1B}\\\u{1B}[?62;4;22;28c"
    /// kitty: graphics OK, no sixel in DA1.
    static let kitty = "\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[4;1080;1920t\u{1B}[6;20;10t\u{1B}P>|kitty(0.35.2)\u{1B}\\\u{1B}[?62;c"
    /// WezTerm 20240203: sixel in DA1 and 65536 registers; no kitty reply in this build.
    static let wezterm = "\u{1B}[6;19;10t\u{1B}[?1;0;65536S\u{1B}[?2;0;1000;570S\u{1B}P>|WezTerm 20240203-110809-5046fc22\u{1B}\\\u{1B}[?65;4;6;18;22c"
    /// mlterm-style VT320 reply with sixel (4) and no XTSMGRAPHICS.
    static let mlterm = "\u{1B}[?63;1;2;3;4;7;29c"

    @Test("xterm -ti vt340: sixel, 1024 registers, version, no kitty")
    func xterm() {
        let r = ReplyParser.parse(b(Self.xtermVT340))
        #expect(r.isComplete && r.sixel && !r.kittyGraphics)
        #expect(r.colorRegisters == 1024)
        #expect(r.sixelMaxPixels == PixelSize(width: 480, height: 312))
        #expect(r.version == "XTerm(379)")
        #expect(r.deviceAttributes == [63, 1, 2, 4, 6, 9, 15, 16, 22, 28])
        let caps = TerminalCapabilities(replies: r, environment: ["TERM": "xterm"])
        #expect(caps.bestProtocol == .sixel)
        #expect(caps.colorRegisters == 1024)
    }

    @Test("xterm in VT420 mode: no sixel, XTSMGRAPHICS error ignored, falls back to blocks")
    func xtermDefault() {
        let r = ReplyParser.parse(b(Self.xtermDefault))
        #expect(r.isComplete && !r.sixel && r.colorRegisters == nil)
        #expect(TerminalCapabilities(replies: r, environment: ["TERM": "xterm-256color"]).bestProtocol == .blocks)
    }

    @Test("foot: sixel, registers and cell size")
    func footReply() {
        let r = ReplyParser.parse(b(Self.foot))
        #expect(r.sixel && r.colorRegisters == 1024 && r.cellPixels == PixelSize(width: 10, height: 20))
        #expect(r.version == "foot(1.16.2)")
    }

    @Test("kitty: graphics OK wins over everything; text area and cell pixels")
    func kittyReply() {
        let r = ReplyParser.parse(b(Self.kitty))
        #expect(r.kittyGraphics && !r.sixel && r.isComplete)
        #expect(r.textAreaPixels == PixelSize(width: 1920, height: 1080))
        #expect(r.cellPixels == PixelSize(width: 10, height: 20))
        #expect(TerminalCapabilities(replies: r, environment: ["TERM": "xterm-kitty"]).bestProtocol == .kitty)
    }

    @Test("WezTerm: sixel; iTerm2 announced by TERM_PROGRAM is second choice")
    func weztermReply() {
        let r = ReplyParser.parse(b(Self.wezterm))
        #expect(r.sixel && r.colorRegisters == 65536 && r.cellPixels == PixelSize(width: 10, height: 19))
        let caps = TerminalCapabilities(replies: r, environment: ["TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"])
        #expect(caps.bestProtocol == .sixel && caps.iterm2 && caps.trueColor)
    }

    @Test("mlterm: sixel from DA1 alone; registers default to 256")
    func mltermReply() {
        let r = ReplyParser.parse(b(Self.mlterm))
        #expect(r.sixel)
        #expect(TerminalCapabilities(replies: r, environment: ["TERM": "mlterm"]).colorRegisters == 256)
    }

    @Test("kitty error reply is recorded, not mistaken for support")
    func kittyError() {
        let r = ReplyParser.parse(b("\u{1B}_Gi=31;ENOTSUPPORTED:bad format\u{1B}\\\u{1B}[?62;c"))
        #expect(!r.kittyGraphics && r.kittyError == "ENOTSUPPORTED:bad format")
    }

    @Test("Garbage, keystrokes and unknown sequences around the replies are skipped")
    func garbage() {
        let noisy = "abc\u{1B}[1;5Ax\u{1B}]11;rgb:0000/0000/0000\u{07}\u{1B}Pjunk\u{1B}\\\u{1B}Z\u{1B}[?1;0;256S\u{1B}[?62;4c"
        let r = ReplyParser.parse(b(noisy))
        #expect(r.sixel && r.colorRegisters == 256)
        let nonsense = ReplyParser.parse([0x1B, 0x1B, 0x5B, 0xFF, 0x00, 0x9B, 0x3F, 0x63, 0x1B])
        #expect(!nonsense.isComplete && !nonsense.sixel)
    }

    @Test("A reply cut off mid-sequence is incomplete until the rest arrives")
    func partial() {
        let full = b(Self.foot)
        for cut in [1, 5, full.count - 1] {
            let r = ReplyParser.parse(Array(full[0..<cut]))
            #expect(!r.isComplete, "cut at \(cut)")
        }
        #expect(ReplyParser.parse(full).isComplete)
    }

    @Test("Nothing: no reply means no graphics; dumb TERM means ASCII")
    func nothing() {
        let r = ReplyParser.parse([])
        #expect(!r.isComplete)
        #expect(TerminalCapabilities(replies: r, environment: ["TERM": "xterm-256color"]).bestProtocol == .blocks)
        #expect(TerminalCapabilities(replies: r, environment: ["TERM": "dumb"]).bestProtocol == .ascii)
        #expect(TerminalCapabilities(replies: r, environment: [:]).bestProtocol == .ascii)
        #expect(TerminalCapabilities(replies: r, environment: ["TERM_PROGRAM": "iTerm.app", "TERM": "xterm"]).bestProtocol == .iterm2)
    }

    @Test("tmux without passthrough: graphics are not chosen even if the outer terminal has them")
    func tmuxBlocked() {
        let r = ReplyParser.parse(b(Self.kitty))
        let env = ["TERM": "tmux-256color", "TMUX": "/tmp/tmux-1000/default,123,0"]
        #expect(TerminalCapabilities(replies: r, environment: env, passthroughAllowed: false).bestProtocol == .blocks)
        #expect(TerminalCapabilities(replies: r, environment: env, passthroughAllowed: true).bestProtocol == .kitty)
    }

    @Test("--protocol override parsing")
    func overrides() {
        #expect(GraphicsProtocol.parseOverride("auto") == (true, nil))
        #expect(GraphicsProtocol.parseOverride("Sixel") == (true, .sixel))
        #expect(GraphicsProtocol.parseOverride("iterm2") == (true, .iterm2))
        #expect(GraphicsProtocol.parseOverride("png").valid == false)
    }

    @Test("Queries end with DA1 so its reply is the sentinel; under tmux the rest is wrapped")
    func queryOrder() {
        let q = TerminalCapabilities.queries(multiplexer: .none)
        #expect(q.suffix(3) == [0x1B, 0x5B, 0x63])
        #expect(q.starts(with: KittyEncoder.query()))
        let t = TerminalCapabilities.queries(multiplexer: .tmux)
        #expect(t.starts(with: Array("\u{1B}Ptmux;\u{1B}\u{1B}_G".utf8)))
        #expect(t.suffix(5) == [0x1B, 0x5C, 0x1B, 0x5B, 0x63])
    }

    @Test("A silent terminal costs at most the timeout")
    func silentTimeout() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let devnull = open("/dev/null", O_WRONLY)
        defer { close(fds[0]); close(fds[1]); close(devnull) }
        let t0 = GraphicsBenchmark.monotonicMicroseconds()
        let reply = try TerminalCapabilities.exchange(readFD: fds[0], writeFD: devnull,
                                                      queries: TerminalCapabilities.queries(multiplexer: .none),
                                                      timeoutMilliseconds: 150)
        let ms = (GraphicsBenchmark.monotonicMicroseconds() - t0) / 1000
        #expect(reply.isEmpty)
        #expect(ms >= 140 && ms < 400, "took \(ms) ms")
    }

    @Test("A terminal that answers returns as soon as DA1 arrives, long before the timeout")
    func answeringTerminal() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let devnull = open("/dev/null", O_WRONLY)
        defer { close(fds[0]); close(fds[1]); close(devnull) }
        try FileOutput.write(b(Self.xtermVT340), to: fds[1])
        let t0 = GraphicsBenchmark.monotonicMicroseconds()
        let reply = try TerminalCapabilities.exchange(readFD: fds[0], writeFD: devnull, queries: [0x1B, 0x5B, 0x63],
                                                      timeoutMilliseconds: 5000)
        #expect((GraphicsBenchmark.monotonicMicroseconds() - t0) / 1000 < 1000)
        #expect(ReplyParser.parse(reply).colorRegisters == 1024)
    }

    @Test("Timeout environment override, clamped")
    func timeoutEnv() {
        #expect(TerminalCapabilities.timeoutMilliseconds(environment: [:]) == 250)
        #expect(TerminalCapabilities.timeoutMilliseconds(environment: ["SIXRAY_QUERY_TIMEOUT_MS": "80"]) == 80)
        #expect(TerminalCapabilities.timeoutMilliseconds(environment: ["SIXRAY_QUERY_TIMEOUT_MS": "x"]) == 250)
        #expect(TerminalCapabilities.timeoutMilliseconds(environment: ["SIXRAY_QUERY_TIMEOUT_MS": "99999"]) == 10_000)
    }

    @Test("detect() on a path that is not a terminal fails with a typed error")
    func detectNoTTY() {
        do {
            _ = try TerminalCapabilities.detect(environment: [:], ttyPath: "/dev/null")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .terminalUnavailable)
        }
    }
}


/// Opens a pseudo-terminal pair through /dev/ptmx (posix_openpt/grantpt are not exported by
/// Swift's Glibc module): returns the master fd and the slave's path.
private func openPTY() -> (master: Int32, slave: String)? {
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    guard master >= 0 else { return nil }
    var unlock: Int32 = 0
    var number: UInt32 = 0
    // TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, unsigned int) (asm-generic
    // ioctl numbering, x86-64 and aarch64); the macros are not imported into Swift.
    let tiocsptlck: UInt = 0x4004_5431, tiocgptn: UInt = 0x8004_5430
    guard ioctl(master, tiocsptlck, &unlock) == 0, ioctl(master, tiocgptn, &number) == 0 else {
        close(master); return nil
    }
    return (master, "/dev/pts/\(number)")
}

private final class FakeTerminal: @unchecked Sendable {
    let master: Int32
    let reply: [UInt8]
    var received: [UInt8] = []
    init(master: Int32, reply: [UInt8]) { self.master = master; self.reply = reply }
}

@Suite("Capability detection on a pseudo-terminal")
struct PTYDetectionTests {
    @Test("detect() sends the queries in raw mode, parses an xterm answer, and restores termios")
    func detectOnPTY() throws {
        let (master, slaveName) = try #require(openPTY())
        defer { close(master) }
        let keep = open(slaveName, O_RDWR | O_NOCTTY)  // holds the slave's settings for the check
        defer { close(keep) }
        var before = termios()
        tcgetattr(keep, &before)
        #expect(before.c_lflag & tcflag_t(ICANON) != 0)

        let terminal = FakeTerminal(master: master, reply: Array(CapabilityTests.xtermVT340.utf8))
        var thread = pthread_t()
        pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let t = Unmanaged<FakeTerminal>.fromOpaque(arg).takeUnretainedValue()
            var buf = [UInt8](repeating: 0, count: 512)
            // Answer only once the DA1 query has arrived, as a real terminal would.
            while !t.received.suffix(3).elementsEqual([0x1B, 0x5B, 0x63]) {
                var p = pollfd(fd: t.master, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 2000) > 0 else { return nil }
                let n = buf.withUnsafeMutableBytes { read(t.master, $0.baseAddress, $0.count) }
                guard n > 0 else { return nil }
                t.received += buf[0..<n]
            }
            _ = t.reply.withUnsafeBytes { write(t.master, $0.baseAddress, $0.count) }
            return nil
        }, Unmanaged.passUnretained(terminal).toOpaque())

        let caps = try TerminalCapabilities.detect(environment: ["TERM": "xterm", "SIXRAY_QUERY_TIMEOUT_MS": "2000"],
                                                   ttyPath: slaveName)
        pthread_join(thread, nil)
        #expect(terminal.received == TerminalCapabilities.queries(multiplexer: .none))
        #expect(caps.sixel && caps.colorRegisters == 1024 && caps.bestProtocol == .sixel)
        var after = termios()
        tcgetattr(keep, &after)
        #expect(after.c_lflag == before.c_lflag)
        #expect(after.c_lflag & tcflag_t(ICANON | ECHO) == tcflag_t(ICANON | ECHO))
    }

    @Test("detect() on a silent pseudo-terminal returns no graphics within the timeout")
    func silentPTY() throws {
        let (master, slaveName) = try #require(openPTY())
        defer { close(master) }
        let t0 = GraphicsBenchmark.monotonicMicroseconds()
        let caps = try TerminalCapabilities.detect(environment: ["TERM": "xterm-256color", "SIXRAY_QUERY_TIMEOUT_MS": "120"],
                                                   ttyPath: slaveName)
        let ms = (GraphicsBenchmark.monotonicMicroseconds() - t0) / 1000
        #expect(ms < 400, "took \(ms) ms")
        #expect(!caps.replies.isComplete && caps.bestProtocol == .blocks)
    }
}
