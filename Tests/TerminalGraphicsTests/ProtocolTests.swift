#if canImport(Glibc)
import Glibc
#endif
import Imaging
import Testing
@testable import TerminalGraphics

/// Splits a stream into APC (ESC _ … ESC \) bodies.
private func apcBodies(_ s: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var i = 0
    while i + 1 < s.count {
        if s[i] == 0x1B && s[i + 1] == 0x5F {
            var j = i + 2
            while j + 1 < s.count && !(s[j] == 0x1B && s[j + 1] == 0x5C) { j += 1 }
            out.append(Array(s[(i + 2)..<j]))
            i = j + 2
        } else { i += 1 }
    }
    return out
}

/// Reassembles a kitty transmission: (control keys of the first chunk, decoded payload, chunk count).
private func parseKitty(_ s: [UInt8]) -> (keys: [String: String], payload: [UInt8], chunks: [[UInt8]])? {
    let bodies = apcBodies(s)
    guard let first = bodies.first else { return nil }
    var keys: [String: String] = [:]
    var b64: [UInt8] = []
    for (k, body) in bodies.enumerated() {
        guard body.first == 0x47, let semi = body.firstIndex(of: 0x3B) else { return nil }
        let control = String(decoding: body[1..<semi], as: UTF8.self)
        if k == 0 {
            for kv in control.split(separator: ",") {
                let parts = kv.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { keys[String(parts[0])] = String(parts[1]) }
            }
        } else {
            let more = k < bodies.count - 1
            if control != (more ? "m=1" : "m=0") { return nil }
        }
        b64 += body[(semi + 1)...]
    }
    _ = first
    guard let payload = Base64.decode(b64) else { return nil }
    return (keys, payload, bodies)
}

@Suite("kitty, iTerm2, text fallbacks, passthrough, PNG")
struct ProtocolTests {
    @Test("kitty raw: chunks ≤ 4096 base64 bytes, keys present, pixels bit for bit (grey → RGB)")
    func kittyRaw() throws {
        let image = TestImages.ctLike(width: 100, height: 70)
        var out: [UInt8] = []
        KittyEncoder(options: .init(imageID: 7, placementID: 3)).encode(image, into: &out)
        let parsed = try #require(parseKitty(out))
        #expect(parsed.keys["a"] == "T" && parsed.keys["f"] == "24" && parsed.keys["q"] == "2" && parsed.keys["C"] == "1")
        #expect(parsed.keys["s"] == "100" && parsed.keys["v"] == "70" && parsed.keys["i"] == "7" && parsed.keys["p"] == "3")
        #expect(parsed.keys["m"] == "1")
        #expect(parsed.chunks.count == (Base64.encodedCount(100 * 70 * 3) + 4095) / 4096)
        for chunk in parsed.chunks {
            let semi = try #require(chunk.firstIndex(of: 0x3B))
            #expect(chunk.count - semi - 1 <= 4096)
        }
        #expect(parsed.payload == TestImages.toRGB(image).pixels)
    }

    @Test("kitty PNG: f=100 and the PNG decodes to the same grey pixels")
    func kittyPNG() throws {
        let image = TestImages.ctLike(width: 64, height: 33)
        var out: [UInt8] = []
        KittyEncoder(options: .init(format: .png)).encode(image, into: &out)
        let parsed = try #require(parseKitty(out))
        #expect(parsed.keys["f"] == "100")
        #expect(try PNGCodec.decode(parsed.payload) == image)
    }

    @Test("kitty golden: a 1×1 grey frame and the delete command")
    func kittyGolden() {
        var out: [UInt8] = []
        KittyEncoder().encode(DisplayImage(width: 1, height: 1, channels: 1, pixels: [255]), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\u{1B}_Ga=T,f=24,s=1,v=1,i=1,p=1,q=2,C=1;////\u{1B}\\")
        #expect(String(decoding: KittyEncoder.delete(imageID: 9), as: UTF8.self) == "\u{1B}_Ga=d,d=I,i=9,q=2\u{1B}\\")
    }

    @Test("iTerm2: OSC 1337 header fields and PNG payload bit for bit (RGB)")
    func iterm2() throws {
        let image = TestImages.rgbGradient(width: 21, height: 13)
        var out: [UInt8] = []
        try ITerm2Encoder().encode(image, into: &out)
        let s = String(decoding: out, as: UTF8.self)
        #expect(s.hasPrefix("\u{1B}]1337;File=inline=1;size="))
        #expect(s.contains(";width=21px;height=13px;preserveAspectRatio=0:"))
        #expect(out.last == 0x07)
        let colon = try #require(out.firstIndex(of: 0x3A))
        let png = try #require(Base64.decode(out[(colon + 1)..<(out.count - 1)]))
        #expect(s.contains("size=\(png.count);"))
        #expect(try PNGCodec.decode(png) == image)
    }

    @Test("Half-blocks golden: 2×2 grey, colours only re-sent on change, reset at line end")
    func halfBlockGolden() {
        var out: [UInt8] = []
        let image = DisplayImage(width: 2, height: 2, channels: 1, pixels: [10, 10, 200, 0])
        HalfBlockEncoder().encode(image, into: &out)
        #expect(String(decoding: out, as: UTF8.self)
                == "\u{1B}[38;2;10;10;10m\u{1B}[48;2;200;200;200m▀\u{1B}[48;2;0;0;0m▀\u{1B}[0m")
        HalfBlockEncoder(options: .init(colorMode: .palette256, origin: (row: 3, column: 5))).encode(image, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\u{1B}[3;5H\u{1B}[38;5;232m\u{1B}[48;5;251m▀\u{1B}[48;5;16m▀\u{1B}[0m")
    }

    @Test("Half-block cells: an odd last row gets a black bottom")
    func halfBlockCells() {
        let image = DisplayImage(width: 1, height: 3, channels: 1, pixels: [1, 2, 3])
        let cells = HalfBlockEncoder.cells(image)
        #expect(cells.count == 2)
        #expect(cells[1].top == (3, 3, 3) && cells[1].bottom == (0, 0, 0))
    }

    @Test("xterm-256 mapping picks exact cube and grey-ramp entries")
    func xterm256() {
        #expect(HalfBlockEncoder.xterm256((255, 0, 0)) == 196)
        #expect(HalfBlockEncoder.xterm256((0, 0, 0)) == 16)
        #expect(HalfBlockEncoder.xterm256((128, 128, 128)) == 244)
        #expect(HalfBlockEncoder.xterm256((95, 135, 175)) == 67)
    }

    @Test("ASCII ramp: black is space, white is @, rows separated by LF")
    func ascii() {
        var out: [UInt8] = []
        ASCIIEncoder().encode(DisplayImage(width: 3, height: 2, channels: 1, pixels: [0, 128, 255, 255, 0, 60]), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == " +@\n@ :")
    }

    @Test("tmux wrapping doubles every ESC, byte for byte")
    func tmuxWrap() {
        let payload = Array("\u{1B}Pq#0!3~\u{1B}\\".utf8)
        #expect(Passthrough.wrap(payload, for: .tmux)
                == Array("\u{1B}Ptmux;\u{1B}\u{1B}Pq#0!3~\u{1B}\u{1B}\\\u{1B}\\".utf8))
        #expect(Passthrough.wrap(payload, for: .none) == payload)
    }

    @Test("screen wrapping: 768-byte pieces, never split after an ESC, byte for byte")
    func screenWrap() {
        let payload = [UInt8](repeating: 0x7E, count: 767) + [0x1B, 0x5C] + [UInt8](repeating: 0x3F, count: 800)
        let wrapped = Passthrough.wrap(payload, for: .screen)
        let expected: [UInt8] = [0x1B, 0x50] + [UInt8](repeating: 0x7E, count: 767) + [0x1B, 0x5C]
            + [0x1B, 0x50] + [0x1B, 0x5C] + [UInt8](repeating: 0x3F, count: 766) + [0x1B, 0x5C]
            + [0x1B, 0x50] + [UInt8](repeating: 0x3F, count: 34) + [0x1B, 0x5C]
        #expect(wrapped == expected)
        #expect(Passthrough.wrap(Array("ab".utf8), for: .screen) == Array("\u{1B}Pab\u{1B}\\".utf8))
    }

    @Test("Multiplexer detection and tmux allow-passthrough interpretation")
    func multiplexer() {
        #expect(Passthrough.multiplexer(environment: ["TMUX": "/tmp/x,1,0", "TERM": "screen-256color"]) == .tmux)
        #expect(Passthrough.multiplexer(environment: ["TERM": "tmux-256color"]) == .tmux)
        #expect(Passthrough.multiplexer(environment: ["STY": "123.pts-0.host", "TERM": "screen"]) == .screen)
        #expect(Passthrough.multiplexer(environment: ["TERM": "xterm-kitty"]) == .none)
        #expect(Passthrough.tmuxAllowsPassthrough(globalValue: "on\n", paneValue: ""))
        #expect(Passthrough.tmuxAllowsPassthrough(globalValue: "off", paneValue: "all"))
        #expect(!Passthrough.tmuxAllowsPassthrough(globalValue: "on", paneValue: "off"))
        #expect(!Passthrough.tmuxAllowsPassthrough(globalValue: nil, paneValue: nil))
    }

    @Test("Real tmux (if installed): allow-passthrough off, then on, is read back",
          .enabled(if: access("/usr/bin/tmux", X_OK) == 0))
    func realTmux() throws {
        let socket = "sixray-test-\(getpid())"
        func tmux(_ args: String...) -> Int32 {
            var pid = pid_t()
            let argv = (["tmux", "-L", socket, "-f", "/dev/null"] + args).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            guard posix_spawn(&pid, "/usr/bin/tmux", nil, nil, argv, environ) == 0 else { return -1 }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            return status
        }
        #expect(tmux("new-session", "-d", "-s", "t", "sleep 30") == 0)
        defer { _ = tmux("kill-server") }
        #expect(!Passthrough.queryTmuxPassthrough(socketName: socket, target: "t"))
        #expect(tmux("set-option", "-g", "allow-passthrough", "on") == 0)
        #expect(Passthrough.queryTmuxPassthrough(socketName: socket, target: "t"))
        #expect(tmux("set-option", "-p", "-t", "t", "allow-passthrough", "off") == 0)
        #expect(!Passthrough.queryTmuxPassthrough(socketName: socket, target: "t"))
    }

    @Test("PNG round trip: grey, RGB, 1×1; 16-bit grey keeps its samples")
    func png() throws {
        for image in [TestImages.ctLike(width: 37, height: 19), TestImages.rgbGradient(width: 5, height: 9),
                      DisplayImage(width: 1, height: 1, channels: 1, pixels: [77])] {
            let bytes = try PNGCodec.encode(image)
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(try PNGCodec.decode(bytes) == image)
        }
        let png16 = try PNGCodec.encodeGrey16(width: 3, height: 1, samples: [0, 1000, 65535])
        // IHDR: bit depth 16, colour type 0 (grey).
        #expect(png16[24] == 16 && png16[25] == 0)
        #expect(throws: GraphicsError.self) { try PNGCodec.decode([1, 2, 3]) }
    }

    @Test("Writing to a pipe whose reader is gone is a typed brokenPipe error, not SIGPIPE death")
    func brokenPipe() throws {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        do {
            try FileOutput.write([UInt8](repeating: 0x41, count: 100_000), to: fds[1])
            Issue.record("expected brokenPipe")
        } catch {
            #expect(error.code == .brokenPipe)
            #expect(error.description.contains("reader closed"))
        }
    }

    @Test("Large writes through a pipe arrive complete (partial writes are continued)")
    func partialWrites() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let data = (0..<300_000).map { UInt8($0 % 251) }
        // The pipe holds 64 KiB: a reader thread must drain it while the writer blocks.
        let reader = ReaderBox(fd: fds[0])
        var thread = pthread_t()
        pthread_create(&thread, nil, { arg in
            guard let arg else { return nil }
            let box = Unmanaged<ReaderBox>.fromOpaque(arg).takeUnretainedValue()
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buf.withUnsafeMutableBytes { read(box.fd, $0.baseAddress, 777) }
                if n <= 0 { break }
                box.data += buf[0..<n]
            }
            return nil
        }, Unmanaged.passUnretained(reader).toOpaque())
        try FileOutput.write(data, to: fds[1])
        close(fds[1])
        pthread_join(thread, nil)
        let received = reader.data
        #expect(received == data)
    }
}

private final class ReaderBox: @unchecked Sendable {
    let fd: Int32
    var data: [UInt8] = []
    init(fd: Int32) { self.fd = fd }
}
