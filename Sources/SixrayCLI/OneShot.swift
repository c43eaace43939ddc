import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-shot commands (`view`, `dump`; `export` and `inspect` in `sixray-workstation`) are judged as whole processes, so the
/// subcommand named by the first argument is run directly: building ArgumentParser's whole
/// command tree by reflection costs more than a sixel frame. Help and anything else go
/// through the root command of `sixray-workstation`.
public enum OneShot {
    public static let commands: [String: any ParsableCommand.Type] = ["view": View.self, "dump": Dump.self]

    /// The command to run directly for these arguments (without the program name), or nil
    /// when they ask for help or name another command.
    public static func command(for args: [String], among commands: [String: any ParsableCommand.Type] = OneShot.commands) -> (any ParsableCommand.Type)? {
        guard let first = args.first, let command = commands[first] else { return nil }
        if args.contains(where: { $0 == "-h" || $0 == "--help" || $0 == "help" || $0.hasPrefix("--generate-completion") }) {
            return nil
        }
        return command
    }

    /// Parse and run `command` with `args` (the first being its name); exits on failure as
    /// ArgumentParser does (1 for errors, 64 for usage).
    public static func run(_ command: any ParsableCommand.Type, _ args: [String]) -> Never {
        do {
            var parsed = try command.parse(Array(args.dropFirst()))
            try parsed.run()
        } catch {
            command.exit(withError: error)
        }
        command.exit()
    }
}

/// Reading files of the local study store is audited, and a confidential study refused without
/// `--show-confidential`, by `sixray-workstation`, which links the store and installs `check`
/// when it starts. The launcher never runs `view`/`dump` on such files itself: it hands them
/// to `sixray-workstation` (`touchesStore`).
public enum StoredFileAccess {
    public enum Kind: String, Sendable { case view, dump }

    /// (paths, what, --show-confidential, de-identified output); throws to refuse.
    nonisolated(unsafe) public static var check: ((_ paths: [String], _ kind: Kind, _ showConfidential: Bool, _ deidentified: Bool) throws -> Void)?

    /// Whether any of `args` is a file or folder inside a study store (every stored object
    /// lies under `…/objects/`): one realpath per argument.
    public static func touchesStore(_ args: some Sequence<String>) -> Bool {
        for arg in args where !arg.hasPrefix("-") {
            guard let real = realpath(arg, nil) else { continue }
            defer { free(real) }
            if String(cString: real).contains("/objects/") { return true }
        }
        return false
    }
}
