import ArgumentParser
import SixrayCLI

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
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        StoredFileAccess.check = { paths, kind, showConfidential, deidentified in
            switch kind {
            case .view: try auditView(paths, showConfidential: showConfidential)
            case .dump: try auditDump(paths, showConfidential: showConfidential, deidentified: deidentified)
            }
        }
        let direct = OneShot.commands.merging(["export": Export.self, "inspect": Inspect.self]) { a, _ in a }
        if let command = OneShot.command(for: args, among: direct) {
            OneShot.run(command, args)
        }
        Sixray.main()
    }
}
