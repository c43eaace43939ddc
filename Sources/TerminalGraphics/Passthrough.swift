/// Terminal multiplexers that sit between Sixray and the real terminal.
public enum Multiplexer: Sendable, Equatable {
    case none
    /// tmux forwards `ESC P tmux; … ESC \` with inner ESCs doubled, if `allow-passthrough` is on
    /// (tmux ≥ 3.3; default off).
    case tmux
    /// GNU screen forwards the body of each DCS string; long strings must be split (its buffer
    /// is 768 bytes). Not verified against a real screen (not installed where this was written):
    /// the inner sequence's own ST (`ESC \`) may end screen's string early; prefer tmux.
    case screen
}

/// DCS passthrough wrapping so graphics reach the outer terminal.
public enum Passthrough {
    public static let screenChunk = 768

    public static func wrap(_ payload: [UInt8], for multiplexer: Multiplexer) -> [UInt8] {
        switch multiplexer {
        case .none:
            return payload
        case .tmux:
            var out: [UInt8] = [0x1B, 0x50]
            out.append(contentsOf: "tmux;".utf8)
            out.reserveCapacity(payload.count + payload.count / 16 + 10)
            for b in payload {
                if b == 0x1B { out.append(0x1B) }
                out.append(b)
            }
            out.append(contentsOf: [0x1B, 0x5C])
            return out
        case .screen:
            // Each ≤ 768-byte piece goes in its own ESC P … ESC \. A piece never ends on an ESC,
            // so an inner escape sequence introducer is never separated from its next byte.
            var out: [UInt8] = []
            out.reserveCapacity(payload.count + (payload.count / screenChunk + 1) * 4)
            var start = 0
            while start < payload.count {
                var end = min(payload.count, start + screenChunk)
                if end < payload.count && payload[end - 1] == 0x1B && end - 1 > start { end -= 1 }
                out.append(contentsOf: [0x1B, 0x50])
                out.append(contentsOf: payload[start..<end])
                out.append(contentsOf: [0x1B, 0x5C])
                start = end
            }
            return out
        }
    }

    /// The multiplexer implied by the environment (`TMUX`, `STY`, `TERM`).
    public static func multiplexer(environment env: [String: String]) -> Multiplexer {
        if let t = env["TMUX"], !t.isEmpty { return .tmux }
        let term = env["TERM"] ?? ""
        if term.hasPrefix("tmux") { return .tmux }
        if let s = env["STY"], !s.isEmpty { return .screen }
        if term.hasPrefix("screen") { return .screen }
        return .none
    }

    /// Interprets the output of `tmux show-options -gqv allow-passthrough` (global) and
    /// `tmux show-options -pqv allow-passthrough` (pane, overrides when non-empty):
    /// "on" or "all" allow passthrough; "off", empty or an error (tmux < 3.3, which lacks the
    /// option and always passed DCS through only with ≤ 3.2 behaviour) mean it is blocked.
    public static func tmuxAllowsPassthrough(globalValue: String?, paneValue: String?) -> Bool {
        func norm(_ s: String?) -> String? {
            guard let s else { return nil }
            let t = s.filter { !$0.isWhitespace }.lowercased()
            return t.isEmpty ? nil : t
        }
        let v = norm(paneValue) ?? norm(globalValue) ?? "off"
        return v == "on" || v == "all"
    }

    public static let tmuxPassthroughHint =
        "tmux is blocking graphics: run `tmux set -g allow-passthrough on` (tmux ≥ 3.3), or use --protocol blocks"
}
