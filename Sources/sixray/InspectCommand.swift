import SixrayCLI
import ArgumentParser
import DICOMCore
import Foundation
import Imaging
import Workstation

/// `sixray inspect PATH…`: what arrived and what is broken, per study and series.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise the studies and series under PATHs: instances, transfer syntaxes, sizes, geometry problems.",
        discussion: """
            For support staff: reads every file's header (no pixel decoding) and reports, per \\
            study and series, the instance and frame counts, transfer syntaxes, image sizes, the \\
            stacks a series splits into (by orientation, size, temporal position, echo, position \\
            set), geometry findings (missing slices, irregular spacing, duplicate positions, gantry \\
            tilt, mixed orientations), duplicate SOP Instance UIDs, and every file that fails to \\
            parse with its error. A problem is reported and the rest is still inspected.

            Exit codes: 0 every file was read; 1 some files could not be read (listed); 64 usage.
            """)

    @Argument(help: "Files or directories (searched recursively).") var paths: [String]
    @Flag(help: "Print JSON instead of text.") var json = false
    @Flag(help: "De-identify the report (PS3.15 Basic Profile): UIDs replaced consistently, series descriptions left out.")
    var deidentify = false

    func run() throws {
        var catalog = SeriesCatalog.scan(paths)
        if deidentify { catalog.series = catalog.series.map(Self.deidentified(UIDReplacement())) }
        var studies: [(uid: String, series: [[String: Any]])] = []
        var text = ""
        for s in catalog.series {
            let (stacks, seriesFindings) = SeriesStacking.stacks(of: s)
            var entry: [String: Any] = [
                "seriesInstanceUID": s.seriesInstanceUID, "name": s.name, "modality": s.modality,
                "instances": s.files.count, "frames": s.records.count,
                "transferSyntaxes": s.transferSyntaxes.map { ["uid": $0, "name": TransferSyntax.lookup($0).name] },
                "duplicateSOPInstanceUIDs": s.duplicateSOPInstanceUIDs,
            ]
            if let n = s.seriesNumber { entry["seriesNumber"] = n }
            let sizes = Array(Set(s.records.map { "\($0.columns)x\($0.rows)" })).sorted()
            entry["sizes"] = sizes
            entry["findings"] = seriesFindings.map { ["kind": $0.kind.rawValue, "message": $0.message] }
            entry["stacks"] = stacks.enumerated().map { i, st -> [String: Any] in
                let g = st.geometry
                func num(_ d: Double) -> Any { d.isFinite ? d : NSNull() }
                return [
                    "index": i, "label": st.label, "slices": st.slices.count, "gridSlices": g.slices,
                    "orientation": SeriesStacking.orientationName(g.normal),
                    "size": "\(g.columns)x\(g.rows)",
                    "pixelSpacing": [num(g.rowSpacing), num(g.columnSpacing)],
                    "sliceSpacing": num(g.sliceSpacing),
                    "firstPosition": num(st.positions.first ?? 0), "lastPosition": num(st.positions.last ?? 0),
                    "tiltDegrees": num(g.shearDegrees),
                    "findings": st.findings.map { ["kind": $0.kind.rawValue, "message": $0.message] },
                ]
            }
            if let i = studies.firstIndex(where: { $0.uid == s.studyInstanceUID }) {
                studies[i].series.append(entry)
            } else {
                studies.append((s.studyInstanceUID, [entry]))
            }
        }
        if json {
            let object: [String: Any] = [
                "studies": studies.map { ["studyInstanceUID": $0.uid, "series": $0.series] },
                "failures": catalog.failures.map { ["path": $0.path, "error": $0.error] },
                "nonImageFiles": catalog.nonImages,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            Output.write(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            for study in studies {
                text += "study \(study.uid.isEmpty ? "(no Study Instance UID)" : study.uid)\n"
                for e in study.series {
                    let ts = (e["transferSyntaxes"] as? [[String: String]] ?? []).map { $0["name"] ?? "" }.joined(separator: ", ")
                    text += "  \(e["name"] ?? "") [\(e["modality"] ?? "")] \(e["instances"] ?? 0) instances, \(e["frames"] ?? 0) frames, "
                        + "\((e["sizes"] as? [String] ?? []).joined(separator: ", ")); \(ts)\n"
                    for st in e["stacks"] as? [[String: Any]] ?? [] {
                        let label = (st["label"] as? String).flatMap { $0.isEmpty ? nil : " (\($0))" } ?? ""
                        let count = st["slices"] as? Int ?? 0
                        let extent = count < 2 ? "at \(formatMillimetres(st["firstPosition"] as? Double ?? 0)) mm"
                            : "spacing \(formatMillimetres(st["sliceSpacing"] as? Double ?? 0)) mm, "
                                + "from \(formatMillimetres(st["firstPosition"] as? Double ?? 0)) to \(formatMillimetres(st["lastPosition"] as? Double ?? 0)) mm"
                        text += "    stack \(st["index"] ?? 0)\(label): \(count) slice\(count == 1 ? "" : "s"), \(st["orientation"] ?? ""), "
                            + "\(st["size"] ?? ""), \(extent)\n"
                        for f in st["findings"] as? [[String: String]] ?? [] { text += "      ! \(f["message"] ?? "")\n" }
                    }
                    for f in e["findings"] as? [[String: String]] ?? [] { text += "    ! \(f["message"] ?? "")\n" }
                    let dups = e["duplicateSOPInstanceUIDs"] as? [String] ?? []
                    if !dups.isEmpty {
                        text += "    ! \(dups.count) SOP Instance UIDs occur in more than one file: \(dups.prefix(5).joined(separator: ", "))\(dups.count > 5 ? ", …" : "")\n"
                    }
                }
            }
            if !catalog.nonImages.isEmpty { text += "\(catalog.nonImages.count) DICOM files without images\n" }
            if !catalog.failures.isEmpty {
                text += "\(catalog.failures.count) files could not be read:\n"
                for f in catalog.failures { text += "  " + (f.error.hasPrefix(f.path) ? f.error : "\(f.path): \(f.error)") + "\n" }
            }
            if catalog.series.isEmpty && catalog.failures.isEmpty { text += "no DICOM files found\n" }
            Output.write(text)
        }
        if !catalog.failures.isEmpty { throw ExitCode(1) }
    }
}

extension Inspect {
    /// A series as the PS3.15 Basic Profile leaves it: Study/Series/SOP Instance UIDs replaced
    /// (action U, one mapping per run), Series Description (0008,103E) removed (action X).
    static func deidentified(_ uids: UIDReplacement) -> (SeriesCatalog.Series) -> SeriesCatalog.Series {
        { s in
            var s = s
            s.studyInstanceUID = s.studyInstanceUID.isEmpty ? "" : uids.replacement(for: s.studyInstanceUID)
            s.seriesInstanceUID = s.seriesInstanceUID.isEmpty ? "" : uids.replacement(for: s.seriesInstanceUID)
            s.duplicateSOPInstanceUIDs = s.duplicateSOPInstanceUIDs.map(uids.replacement(for:))
            s.description = ""
            return s
        }
    }
}
