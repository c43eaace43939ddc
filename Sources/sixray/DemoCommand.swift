import ArgumentParser
import DICOMCore
import Workstation
#if canImport(Glibc)
import Glibc
#endif

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the workstation on the built-in demo: a synthetic current and prior CT.",
        discussion: """
            The demo studies are written once to $XDG_CACHE_HOME/sixray/demo (default \
            ~/.cache/sixray/demo), private to the user. They are synthetic: no patient data.
            """)

    @Option(help: "Where the demo studies live.")
    var dir: String?

    @Flag(help: "Write the demo studies again even if they exist.")
    var regenerate = false

    func run() throws {
        let root = dir ?? defaultDemoDirectory()
        let current = root + "/current"
        if regenerate || access(current + "/CT001.dcm", R_OK) != 0 {
            Output.write("Writing the demo studies to \(root) ...\n", to: 2)
            do { _ = try DemoStudies().write(to: root) } catch {
                Output.error(error.description)
                throw ExitCode(1)
            }
        }
        for name in ["current", "prior"] {
            let path = root + "/" + name
            let files = (try? listDirectory(path)) ?? []
            let first = files.first.flatMap { try? Part10Reader.read(path: path + "/" + $0) }
            let desc = first?.dataSet.string(Tag(0x0008, 0x103E)) ?? "?"
            let date = first?.dataSet.string(Tag(0x0008, 0x0020)) ?? "?"
            let thick = first?.dataSet.string(Tag(0x0018, 0x0050)) ?? "?"
            Output.write("\(desc)  \(date)  \(files.count) slices of \(thick) mm  \(path)\n")
        }
    }
}

func defaultDemoDirectory() -> String {
    if let x = getenv("XDG_CACHE_HOME"), x.pointee != 0 { return String(cString: x) + "/sixray/demo" }
    let home = getenv("HOME").map { String(cString: $0) } ?? "/tmp"
    return home + "/.cache/sixray/demo"
}

func listDirectory(_ path: String) throws -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: e.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if !name.hasPrefix(".") { names.append(name) }
    }
    return names.sorted()
}
