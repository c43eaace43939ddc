import Foundation

extension Passthrough {
    /// Asks the running tmux whether `allow-passthrough` is on, via
    /// `tmux show-options -gqv allow-passthrough` and `-pqv` (pane level, which overrides).
    /// Returns false when tmux cannot be run (not installed, server gone): the caller then shows
    /// `tmuxPassthroughHint` rather than sending graphics that tmux would swallow.
    /// - Parameter socketName: tmux `-L` socket (tests use a private server); nil: the current one.
    public static func queryTmuxPassthrough(tmuxPath: String = "/usr/bin/env", socketName: String? = nil,
                                            target: String? = nil) -> Bool {
        func run(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tmuxPath)
            p.arguments = (tmuxPath.hasSuffix("env") ? ["tmux"] : []) + (socketName.map { ["-L", $0] } ?? []) + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            do { try p.run() } catch { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
        return tmuxAllowsPassthrough(globalValue: run(["show-options", "-gqv", "allow-passthrough"]),
                                     paneValue: run(["show-options", "-pqv"] + (target.map { ["-t", $0] } ?? []) + ["allow-passthrough"]))
    }
}
