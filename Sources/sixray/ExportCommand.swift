import ArgumentParser
import Foundation
import DICOMCodecs
import DICOMCore
import Imaging
import TerminalGraphics
import Workstation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a frame's pixels as .npy, .png or .pgm at the stored, modality or display stage.",
        discussion: """
            The format comes from the extension of --out: .npy (stored stage: the stored dtype, \
            <i2, <u2, |u1 ..., colour frames H×W×3; modality stage: <f8; display stage: |u1), \
            .png (8-bit grey or RGB display; stored 8/16-bit grey too) or .pgm (8-bit display or \
            16-bit stored grey).

            --frame is 0-based. Without it the stored and modality stages write every frame \
            (frames × rows × columns [× 3] when there is more than one, as pydicom's pixel_array) \
            and the display stage writes frame 0. Colour comes out as RGB (YBR converted). The \
            display stage uses the file's first window (or VOI LUT), else the frame's value \
            range; --window C,W or --preset NAME override it.

            Files are written private to the user (0600). Exit codes: 0; 1 unreadable input or a \
            frame that cannot be decoded (one line naming file, frame and transfer syntax); 64 usage.
            """)

    @Argument(help: "A DICOM file.") var input: String
    @Option(help: "Output file (.npy, .png or .pgm).") var out: String
    @Option(help: "Frame number, 0-based.") var frame: Int?
    @Option(help: "stored, modality or display.") var stage: PixelStage = .display
    @Option(help: "Window centre and width, e.g. 40,400.") var window: String?
    @Option(help: "A window preset: ct-brain, ct-subdural, ct-stroke, ct-bone, ct-lung, ct-mediastinum, ct-abdomen, ct-liver, mr-auto, or one from ~/.config/sixray/windows.toml.") var preset: String?

    func validate() throws {
        let ext = out.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        guard ["npy", "png", "pgm"].contains(ext) else {
            throw ValidationError("--out must end in .npy, .png or .pgm")
        }
        if window != nil && preset != nil { throw ValidationError("give --window or --preset, not both") }
        if let window, parseWindow(window) == nil { throw ValidationError("--window takes CENTER,WIDTH with WIDTH > 0, e.g. 40,400") }
        if let frame, frame < 0 { throw ValidationError("--frame is 0-based and cannot be negative") }
    }

    func run() throws {
        let ext = out.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        do {
            let file = try Part10Reader.read(path: input)
            let renderer = try FrameRenderer(file: file)
            let frames = renderer.frames
            let selection = try voiSelection(window: window, preset: preset, modality: nil)
            let frameList: [Int]
            if let frame {
                guard frame < frames.frameCount else {
                    throw WorkstationError("frame \(frame) does not exist (the object has \(frames.frameCount))", file: input)
                }
                frameList = [frame]
            } else {
                frameList = stage == .display ? [0] : Array(0..<frames.frameCount)
            }
            let bytes: [UInt8]
            switch stage {
            case .display:
                let image = try renderer.render(frame: frameList[0], voi: selection)
                switch ext {
                case "npy":
                    let shape = image.channels == 3 ? [image.height, image.width, 3] : [image.height, image.width]
                    bytes = ArrayFiles.npy(descr: "|u1", shape: shape, data: image.pixels)
                case "png": bytes = try PNGCodec.encode(image)
                default:
                    guard image.channels == 1 else { throw WorkstationError("PGM holds grey images only; use .png for colour") }
                    bytes = ArrayFiles.pgm(width: image.width, height: image.height, maxValue: 255, samples: image.pixels)
                }
            case .stored, .modality:
                var decoded: [DecodedFrame] = []
                for f in frameList { decoded.append(try frames.decode(frame: f)) }
                let first = decoded[0]
                var shape = [first.rows, first.columns]
                if first.samplesPerPixel == 3 { shape.append(3) }
                if frameList.count > 1 { shape.insert(frameList.count, at: 0) }
                if stage == .stored {
                    switch ext {
                    case "npy":
                        bytes = ArrayFiles.npy(descr: dtype(first.sampleType), shape: shape, data: decoded.flatMap(\.bytes))
                    default:
                        guard frameList.count == 1, first.samplesPerPixel == 1,
                              first.sampleType == .uint8 || first.sampleType == .uint16 else {
                            throw WorkstationError("\(ext.uppercased()) holds one unsigned 8/16-bit grey frame; use .npy")
                        }
                        bytes = try greyFile(ext, first)
                    }
                } else {
                    guard ext == "npy" else { throw WorkstationError("the modality stage is Double: use .npy") }
                    var values: [Double] = []
                    for (i, d) in decoded.enumerated() { values += try renderer.modalityValues(d, frame: frameList[i]) }
                    bytes = ArrayFiles.npy(descr: "<f8", shape: shape, data: ArrayFiles.float64LE(values))
                }
            }
            try writeFileAtomically(bytes, to: out)
        } catch {
            throw reportFailure(error, input: input)
        }
    }

    private func greyFile(_ ext: String, _ f: DecodedFrame) throws -> [UInt8] {
        if f.sampleType == .uint8 {
            let image = DisplayImage(width: f.columns, height: f.rows, channels: 1, pixels: f.bytes)
            return ext == "png" ? try PNGCodec.encode(image)
                : ArrayFiles.pgm(width: f.columns, height: f.rows, maxValue: 255, samples: f.bytes)
        }
        let samples = (0..<f.sampleCount).map { UInt16(f.bytes[2 * $0]) | UInt16(f.bytes[2 * $0 + 1]) << 8 }
        if ext == "png" { return try PNGCodec.encodeGrey16(width: f.columns, height: f.rows, samples: samples) }
        return ArrayFiles.pgm(width: f.columns, height: f.rows, maxValue: 65535,
                              samples: samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }
}

extension PixelStage: ExpressibleByArgument {}

func dtype(_ t: DecodedFrame.SampleType) -> String {
    t.byteWidth == 1 ? "|" + t.rawValue : "<" + t.rawValue
}

func parseWindow(_ s: String) -> (Double, Double)? {
    let parts = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let c = parts[0], let w = parts[1], w > 0 else { return nil }
    return (c, w)
}

/// --window / --preset to a VOI selection. Presets: built-in, then ~/.config/sixray/windows.toml.
func voiSelection(window: String?, preset: String?, modality: String?) throws -> VOISelection {
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
func reportFailure(_ error: any Error, input: String) -> any Error {
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
