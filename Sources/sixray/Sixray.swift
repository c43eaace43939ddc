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
        // The subcommand named first is parsed on its own: ArgumentParser's whole tree (16
        // commands and their subcommands) costs a third of a command's start-up in protocol
        // conformance lookups over this large binary. Help, and any argument the subcommand
        // refuses, go through the root so that messages read as `sixray …` always.
        let direct: [String: any ParsableCommand.Type] = [
            "worklist": Worklist.self, "demo": Demo.self, "open": Open.self, "view": View.self, "export": Export.self,
            "dump": Dump.self, "inspect": Inspect.self, "import": Import.self, "cache": Cache.self, "echo": Echo.self,
            "query": Query.self, "retrieve": Retrieve.self, "send": Send.self, "listen": Listen.self, "audit": Audit.self,
            "bench": Bench.self,
        ]
        if let command = OneShot.command(for: args, among: direct) {
            var parsed: any ParsableCommand
            do {
                parsed = try command.parseAsRoot(Array(args.dropFirst()))
            } catch {
                Sixray.main()  // parses again and reports the error as `sixray …`
                Sixray.exit(withError: error)
            }
            do { try parsed.run() } catch { Sixray.exit(withError: error) }
            Sixray.exit()
        }
        Sixray.main()
    }
}
