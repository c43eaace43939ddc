import ArgumentParser

@main
struct Sixray: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixray",
        abstract: "A diagnostic reading workstation in the terminal.",
        discussion: """
            Exit codes: 0 success; 1 an input could not be read completely (the error is printed \
            on stderr, one line, with file, byte offset and tag path); 64 usage error.
            """,
        subcommands: [Demo.self, View.self, Export.self, Dump.self, Bench.self])
}
