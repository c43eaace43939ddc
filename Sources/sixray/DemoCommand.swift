import SixrayCLI
import ArgumentParser
import DICOMCore
import Foundation
import TerminalGraphics
import StudyStore
import Workstation
#if canImport(Glibc)
import Glibc
#endif

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the workstation on the built-in demo: a synthetic current and prior CT and an MR.",
        discussion: """
            The demo studies are written once to $XDG_CACHE_HOME/sixray/demo (default \
            ~/.cache/sixray/demo), private to the user. They are synthetic: no patient data.
            """)

    @Option(help: "Where the demo studies live.")
    var dir: String?

    @Flag(help: "Write the demo studies again even if they exist.")
    var regenerate = false

    @OptionGroup var options: WorkstationOptions
    @OptionGroup var location: StoreLocation

    @Flag(help: "Only write the demo studies and print a comparison image; do not open the workstation.")
    var noOpen = false

    var graphics: String { options.graphics }

    func run() throws {
        let root = dir ?? defaultDemoDirectory()
        let current = root + "/current"
        if regenerate || access(current + "/CT001.dcm", R_OK) != 0 || access(root + "/mr/MR001.dcm", R_OK) != 0 {
            Output.write("Writing the demo studies to \(root) ...\n", to: 2)
            do { _ = try DemoStudies().write(to: root) } catch {
                Output.error(error.description)
                throw ExitCode(1)
            }
        }
        // Into the local store (once: the second time every instance is a duplicate).
        let store = try location.open()
        let report = store.importFiles([root + "/current", root + "/prior", root + "/mr"], source: "demo")
        if let e = report.storeError {
            Output.error("demo: the study store failed: \(e)")
            throw ExitCode(StoreExit.storeError)
        }
        if report.imported > 0 { Output.write("Stored \(report.imported) demo instances in the local study store.\n", to: 2) }
        if !noOpen, isatty(0) == 1, isatty(1) == 1 {
            let code = try openWorkstation(library: StoreLibrary(store: store), options: options, store: store)
            if code != 0 { throw ExitCode(code) }
            return
        }
        var summaries: [String] = []
        for name in ["current", "prior", "mr"] {
            let path = root + "/" + name
            let files = (try? listDirectory(path)) ?? []
            let first = files.first.flatMap { try? Part10Reader.read(path: path + "/" + $0) }
            let desc = first?.dataSet.string(Tag(0x0008, 0x103E)) ?? "?"
            let date = first?.dataSet.string(Tag(0x0008, 0x0020)) ?? "?"
            let thick = first?.dataSet.string(Tag(0x0018, 0x0050)) ?? "?"
            summaries.append("\(desc)  \(date)  \(files.count) slices of \(thick) mm  \(path)")
        }
        // Until the reading workstation's TUI lands, the demo shows what a clinician compares:
        // the current slice through the liver lesion beside the prior slice nearest to it in
        // patient position (the prior has other slice thickness and start, so the slice
        // numbers differ).
        signal(SIGPIPE, SIG_IGN)
        do {
            let current = try SeriesListing(directory: root + "/current")
            let prior = try SeriesListing(directory: root + "/prior")
            guard let target = current.files.min(by: { abs(sliceZ($0) - 0) < abs(sliceZ($1) - 0) }),
                  let match = prior.files.min(by: { abs(sliceZ($0) - sliceZ(target)) < abs(sliceZ($1) - sliceZ(target)) }) else {
                throw WorkstationError("the demo series are empty", file: root)
            }
            let left = try FrameRenderer(file: target).render(frame: 0)
            let right = try FrameRenderer(file: match).render(frame: 0)
            let sheet = montage([left, right], columns: 2, cell: (left.width, left.height), gap: 8)
            try printImage(sheet, graphics: graphics, width: nil, size: nil, maxFrameBytes: nil)
            Output.write(String(format: "current z = %.1f mm (left) · prior z = %.1f mm (right), window 40/400\n",
                                sliceZ(target), sliceZ(match)))
        } catch {
            throw reportFailure(error, input: root)
        }
        for s in summaries { Output.write(s + "\n") }
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

/// Slice position along z (Image Position (Patient), PS3.3 C.7.6.2.1.1).
func sliceZ(_ file: DICOMFile) -> Double {
    file.dataSet.doubles(Tag(0x0020, 0x0032)).flatMap { $0.count == 3 ? $0[2] : nil } ?? 0
}
