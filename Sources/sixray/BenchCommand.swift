import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks that compare Sixray's hot paths with reference tools in the same run.",
        subcommands: [])
}
