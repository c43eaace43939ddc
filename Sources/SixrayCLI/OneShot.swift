import ArgumentParser

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
