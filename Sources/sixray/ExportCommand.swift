import SixrayCLI
import ArgumentParser
import AuditTrail
import Foundation
import DICOMCodecs
import DICOMCore
import Imaging
import TerminalGraphics
import Workstation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a frame's pixels as .npy, .png or .pgm at the stored, modality or display stage, or DICOM files (--dicom, --deidentify).",
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

            With --mpr, INPUT is a series (a directory or one of several files given as INPUT) and \
            the output is a reformatted plane: axial, coronal or sagittal (radiological \
            convention: the patient's right on the left, superior at the top), resampled to the \
            in-plane spacing unless --no-resample keeps the raw voxel grid; or oblique through \
            --center X,Y,Z with --normal X,Y,Z (LPS mm). --index K is 0-based in the volume's grid \
            along the plane's normal; --position MM places the plane on the patient axis of its \
            normal (axial z, coronal y, sagittal x; for oblique planes, along the normal from the \
            centre). --slab MM with --mode mip|minip|avg makes a thick slab. Stored-stage planes \
            keep the stored dtype when every pixel is a voxel, else <f4. A JSON sidecar (FILE.json) \
            gives the plane's origin (LPS mm of the first pixel's centre), row and column direction \
            cosines, pixel spacing and edge orientation labels.

            With --dicom DIR, INPUT (and more) are files, folders, or Study / Series Instance UIDs \
            (or an accession) of the local store, written as Part 10 files DIR/SOPUID.dcm; with \
            --deidentify through one PS3.15 Basic Profile for the run, so the new UIDs stay linked \
            across the files. A confidential study needs --show-confidential. Every export is \
            recorded in the audit log (`sixray audit`).

            Files are written private to the user (0600). Exit codes: 0; 1 unreadable input or a \
            frame that cannot be decoded (one line naming file, frame and transfer syntax), or a \
            plane that cannot be made (naming the series and why); 64 usage.
            """)

    @Argument(help: "A DICOM file (with --mpr: a series directory or file).") var input: String
    @Argument(help: "More files of the series (with --mpr).") var more: [String] = []
    @Option(help: "Reformat the series: axial, coronal, sagittal or oblique.") var mpr: PlaneOrientation?
    @Option(help: "Plane index along its normal, 0-based in the volume's voxel grid (--mpr).") var index: Int?
    @Option(parsing: .unconditional, help: "Plane position in mm along its normal's patient axis (--mpr).") var position: Double?
    @Option(parsing: .unconditional, help: "Oblique plane normal X,Y,Z (LPS).") var normal: String?
    @Option(parsing: .unconditional, help: "Oblique plane centre X,Y,Z (LPS mm; default the volume's centre); for axial/coronal/sagittal, a point the plane passes through.") var center: String?
    @Option(help: "Slab thickness in mm (--mpr).") var slab: Double?
    @Option(help: "Slab mode: mip, minip or avg.") var mode: SlabMode = .mip
    @Flag(help: "Keep the raw voxel grid for orthogonal planes (one output row per slice).") var noResample = false
    @Option(help: "Which stack of a series with several (0-based; see `sixray inspect`).") var stack: Int?
    @Option(name: .customLong("out"), help: "Output file (.npy, .png or .pgm).") var outOption: String?
    var out: String { outOption ?? "" }
    @Option(help: ArgumentHelp("Write DICOM Part 10 files into this folder instead (created 0700); INPUT may then also be a folder, or a Study or Series Instance UID (or accession) of the local store.", valueName: "dir"))
    var dicom: String?
    @Flag(help: "Export a confidential study of the local store (the access is recorded in the audit log).") var showConfidential = false
    @OptionGroup var location: StoreLocation
    @Option(help: "Frame number, 0-based.") var frame: Int?
    @Option(help: "stored, modality or display.") var stage: PixelStage = .display
    @Option(help: "Window centre and width, e.g. 40,400.") var window: String?
    @Flag(help: "With --dicom: write de-identified files (PS3.15 Basic Profile, UIDs replaced consistently across the run). With --mpr: de-identify the JSON sidecar and messages (series UID replaced, description and source file names left out).")
    var deidentify = false
    @Option(help: "A window preset: ct-brain, ct-subdural, ct-stroke, ct-bone, ct-lung, ct-mediastinum, ct-abdomen, ct-liver, mr-auto, or one from ~/.config/sixray/windows.toml.") var preset: String?

    func validate() throws {
        if dicom != nil {
            if outOption != nil || mpr != nil { throw ValidationError("--dicom writes DICOM files; it does not go with --out or --mpr") }
            return
        }
        guard outOption != nil else { throw ValidationError("give --out FILE (.npy, .png or .pgm), or --dicom DIR") }
        let ext = out.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        guard ["npy", "png", "pgm"].contains(ext) else {
            throw ValidationError("--out must end in .npy, .png or .pgm")
        }
        if window != nil && preset != nil { throw ValidationError("give --window or --preset, not both") }
        if let window, parseWindow(window) == nil { throw ValidationError("--window takes CENTER,WIDTH with WIDTH > 0, e.g. 40,400") }
        if let frame, frame < 0 { throw ValidationError("--frame is 0-based and cannot be negative") }
        if mpr == nil {
            if !more.isEmpty { throw ValidationError("one input file, or --mpr for a series") }
            if index != nil || position != nil || normal != nil || center != nil || slab != nil || noResample || stack != nil {
                throw ValidationError("--index, --position, --normal, --center, --slab, --no-resample and --stack need --mpr")
            }
        } else {
            if frame != nil { throw ValidationError("--frame does not apply to --mpr") }
            if index != nil && position != nil { throw ValidationError("give --index or --position, not both") }
            if let normal, parseVector(normal) == nil { throw ValidationError("--normal takes X,Y,Z, e.g. 0,0.6,0.8") }
            if let center, parseVector(center) == nil { throw ValidationError("--center takes X,Y,Z in mm, e.g. 0,-20,35") }
            if let slab, !(slab >= 0 && slab.isFinite) { throw ValidationError("--slab takes a thickness in mm >= 0") }
        }
    }

    func run() throws {
        if let dicom {
            try runDICOM(dicom)
            return
        }
        try auditStoredFileAccess([input] + more, event: nil, showConfidential: showConfidential)
        if let mpr {
            do {
                try runMPR(mpr)
            } catch {
                auditExport(outcome: .failure)
                throw reportFailure(error, input: input)
            }
            auditExport(outcome: .success)
            return
        }
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
            auditExport(outcome: .failure)
            throw reportFailure(error, input: input)
        }
        auditExport(outcome: .success)
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
extension PlaneOrientation: ExpressibleByArgument {}
extension SlabMode: ExpressibleByArgument {}

func parseVector(_ s: String) -> Vector3? {
    let parts = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 3, let x = parts[0], let y = parts[1], let z = parts[2], x.isFinite, y.isFinite, z.isFinite else { return nil }
    return Vector3(x, y, z)
}

extension Export {
    /// --mpr: open the series, make the plane, write it and its JSON sidecar.
    func runMPR(_ orientation: PlaneOrientation) throws {
        let ext = out.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        let request = PlaneRequest(orientation: orientation, index: index, position: position,
                                   normal: normal.flatMap(parseVector), center: center.flatMap(parseVector),
                                   slabThickness: slab, slabMode: mode, resample: !noResample)
        // An axial raw-grid plane of an axial stack decodes only the slices it reads.
        let series = try SeriesVolume.open([input] + more, stackIndex: stack, for: request)
        let seriesName = deidentify ? Inspect.deidentified(UIDReplacement())(series.series).name : series.series.name
        for w in series.warnings { Output.error("warning: \(seriesName): \(w.message)") }
        if noResample, series.stack.geometry.isSheared {
            Output.error("warning: \(seriesName): --no-resample keeps the sheared (tilted) grid")
        }
        let plane = try series.reformat(series.planeRequest ?? request)
        let g = plane.geometry
        let bytes: [UInt8]
        var dtypeName: String
        switch stage {
        case .display:
            let image = try series.render(plane, voi: try voiSelection(window: window, preset: preset, modality: nil))
            dtypeName = "|u1"
            switch ext {
            case "npy": bytes = ArrayFiles.npy(descr: "|u1", shape: [g.height, g.width], data: image.pixels)
            case "png": bytes = try PNGCodec.encode(image)
            default: bytes = ArrayFiles.pgm(width: g.width, height: g.height, maxValue: 255, samples: image.pixels)
            }
        case .stored:
            dtypeName = plane.pixels.numpyDescr
            switch (ext, plane.pixels) {
            case ("npy", _):
                bytes = ArrayFiles.npy(descr: plane.pixels.numpyDescr, shape: [g.height, g.width], data: plane.pixels.littleEndianBytes)
            case (_, .uint8(let v)):
                bytes = ext == "png" ? try PNGCodec.encode(DisplayImage(width: g.width, height: g.height, channels: 1, pixels: v))
                    : ArrayFiles.pgm(width: g.width, height: g.height, maxValue: 255, samples: v)
            case (_, .uint16(let v)):
                bytes = ext == "png" ? try PNGCodec.encodeGrey16(width: g.width, height: g.height, samples: v)
                    : ArrayFiles.pgm(width: g.width, height: g.height, maxValue: 65535, samples: v.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
            default:
                throw WorkstationError("\(ext.uppercased()) holds unsigned 8/16-bit stored planes only (this one is \(plane.pixels.numpyDescr)); use .npy")
            }
        case .modality:
            guard ext == "npy" else { throw WorkstationError("the modality stage is Double: use .npy") }
            dtypeName = "<f8"
            bytes = ArrayFiles.npy(descr: "<f8", shape: [g.height, g.width], data: ArrayFiles.float64LE(series.modalityValues(plane)))
        }
        try writeFileAtomically(bytes, to: out)
        let sidecar = sidecarPath(out)
        try writeFileAtomically(Array(planeJSON(plane, orientation: orientation, series: series, dtype: dtypeName).utf8), to: sidecar)
    }

    func planeJSON(_ plane: Reformat, orientation: PlaneOrientation, series: SeriesVolume, dtype: String) throws -> String {
        let g = plane.geometry
        let labels = g.labels
        // JSON has no inf/NaN: absurd header geometry gives null rather than no sidecar.
        func num(_ d: Double) -> Any { d.isFinite ? d + 0 : NSNull() }
        func v(_ x: Vector3) -> [Any] { [num(x.x), num(x.y), num(x.z)] }
        let vg = series.stack.geometry
        var object: [String: Any] = [
            "series": series.series.name,
            "seriesInstanceUID": series.series.seriesInstanceUID,
            "orientation": orientation.rawValue,
            "stage": stage.rawValue,
            "dtype": dtype,
            "rows": g.height, "columns": g.width,
            "origin": v(g.origin),
            "rowDirection": v(g.rowDirection),
            "columnDirection": v(g.columnDirection),
            "normal": v(g.normal),
            "pixelSpacing": [num(g.rowSpacing), num(g.columnSpacing)],
            "labels": ["left": labels.left, "right": labels.right, "top": labels.top, "bottom": labels.bottom],
            "resampled": !(noResample && orientation != .oblique),
            "slabLayers": plane.slabLayers,
            "outsideValue": num(plane.outsideValue),
            "volume": [
                "columns": vg.columns, "rows": vg.rows, "slices": vg.slices,
                "origin": v(vg.origin), "columnStep": v(vg.columnStep), "rowStep": v(vg.rowStep), "sliceStep": v(vg.sliceStep),
                "files": series.stack.slices.map(\.path), "frames": series.stack.slices.map(\.frame),
            ] as [String: Any],
            "warnings": series.warnings.map { ["kind": $0.kind.rawValue, "message": $0.message] },
        ]
        if let slab, slab > 0 { object["slab"] = ["thickness": slab, "mode": mode.rawValue] }
        if deidentify {
            let s = Inspect.deidentified(UIDReplacement())(series.series)
            object["series"] = s.name
            object["seriesInstanceUID"] = s.seriesInstanceUID
            object["deidentified"] = ConfidentialityProfile.methodDescription
            if var volume = object["volume"] as? [String: Any] {
                volume["files"] = nil
                object["volume"] = volume
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// FILE.npy → FILE.json.
func sidecarPath(_ out: String) -> String {
    guard let dot = out.lastIndex(of: "."), !out[dot...].contains("/") else { return out + ".json" }
    return String(out[..<dot]) + ".json"
}

func dtype(_ t: DecodedFrame.SampleType) -> String {
    t.byteWidth == 1 ? "|" + t.rawValue : "<" + t.rawValue
}
