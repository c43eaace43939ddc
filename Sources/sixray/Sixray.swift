import ArgumentParser

struct Sixray: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixray",
        abstract: "A diagnostic reading workstation in the terminal.",
        discussion: """
            Exit codes: 0 success; 1 an input could not be read completely (the error is printed \
            on stderr, one line, with file, byte offset and tag path); 64 usage error. import \
            and cache also use 3: the study store failed (see `sixray cache --help`).
            """,
        subcommands: [Worklist.self, Demo.self, Open.self, View.self, Export.self, Dump.self, Inspect.self, Import.self, Cache.self,
                      Echo.self, Query.self, Retrieve.self, Send.self, Listen.self, Audit.self, Bench.self],
        defaultSubcommand: Worklist.self)
}

@main
enum Main {
    /// One-shot commands (`view`, `dump`) are judged as whole processes, so the subcommand
    /// named by the first argument is run directly: building ArgumentParser's whole command
    /// tree by reflection costs more than a sixel frame. Help and anything else go through
    /// the root command.
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        let direct: [String: any ParsableCommand.Type] = ["view": View.self, "dump": Dump.self, "export": Export.self]
        if let first = args.first, let command = direct[first],
           !args.contains(where: { $0 == "-h" || $0 == "--help" || $0 == "help" || $0.hasPrefix("--generate-completion") }) {
            do {
                var parsed = try command.parse(Array(args.dropFirst()))
                try parsed.run()
            } catch {
                command.exit(withError: error)
            }
        } else {
            Sixray.main()
        }
    }
}
