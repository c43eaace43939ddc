import ArgumentParser
import DICOMCore
import Imaging
import Rendering
import TerminalGraphics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Window options shared by view and export: CENTER,WIDTH.
public func parseWindow(_ s: String) -> (Double, Double)? {
    let parts = s.split(separator: ",").map { Double($0.filter { $0 != " " && $0 != "\t" }) }
    guard parts.count == 2, let c = parts[0], let w = parts[1], w > 0 else { return nil }
    return (c, w)
}

/// --window / --preset to a VOI selection. Presets: built-in, then ~/.config/sixray/windows.toml.
public func voiSelection(window: String?, preset: String?, modality: String?) throws -> VOISelection {
    if let window, let (c, w) = parseWindow(window) { return .window(center: c, width: w) }
    if let preset {
        let all = loadPresets()
        guard let p = all.first(where: { $0.id.lowercased() == preset.lowercased() || $0.name.lowercased() == preset.lowercased() }) else {
            throw WorkstationError("unknown preset '\(preset)'; known: \(all.map(\.id).joined(separator: ", "))")
        }
        return .preset(p)
    }
    return .fromFile
}

func loadPresets() -> [WindowPreset] {
    let base = WindowPresets.builtIn
    let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
    let path = (ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"] ?? home + "/.config") + "/sixray/windows.toml"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return base }
    do {
        return WindowPresets.merged(base, overrides: try WindowPresets.parse(text, source: path))
    } catch {
        Output.error("\(error) (ignoring \(path))")
        return base
    }
}

/// One readable line on stderr for a failed command, and exit status 1. Usage errors are
/// ArgumentParser's own (64) and pass through.
public func reportFailure(_ error: any Error, input: String) -> any Error {
    switch error {
    case let e as ExitCode: return e
    case let e as GraphicsError where e.code == .brokenPipe:
        Output.error("\(input): output closed before the image was written")
    case let e as DICOMError: Output.error(e.description)
    case let e as WorkstationError: Output.error(e.description)
    case let e as GraphicsError: Output.error("\(input): \(e)")
    default: Output.error("\(input): \(error)")
    }
    return ExitCode(1)
}
