#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Passthrough {
    /// Asks the running tmux whether `allow-passthrough` is on, via
    /// `tmux show-options -gqv allow-passthrough` and `-pqv` (pane level, which overrides).
    /// Returns false when tmux cannot be run (not installed, server gone): the caller then shows
    /// `tmuxPassthroughHint` rather than sending graphics that tmux would swallow.
    /// - Parameter socketName: tmux `-L` socket (tests use a private server); nil: the current one.
    public static func queryTmuxPassthrough(tmuxPath: String = "/usr/bin/env", socketName: String? = nil,
                                            target: String? = nil) -> Bool {
        func run(_ args: [String]) -> String? {
            let argv = [tmuxPath] + (tmuxPath.hasSuffix("env") ? ["tmux"] : []) + (socketName.map { ["-L", $0] } ?? []) + args
            return captureOutput(argv)
        }
        return tmuxAllowsPassthrough(globalValue: run(["show-options", "-gqv", "allow-passthrough"]),
                                     paneValue: run(["show-options", "-pqv"] + (target.map { ["-t", $0] } ?? []) + ["allow-passthrough"]))
    }

    /// Runs `argv` (argv[0] a path) with stdin and stderr on /dev/null and returns its stdout,
    /// or nil when it cannot be started or exits non-zero. posix_spawn rather than Foundation's
    /// Process keeps `sixray view` free of Foundation's start-up cost.
    static func captureOutput(_ argv: [String]) -> String? {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { return nil }
        defer { close(pipeFDs[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        close(pipeFDs[1])
        guard spawned == 0 else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(pipeFDs[0], &buffer, buffer.count)
            if n > 0 { output += buffer[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
