import ArgumentParser

@main
struct Sixray: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixray",
        abstract: "A diagnostic reading workstation in the terminal.",
        subcommands: [])
}
