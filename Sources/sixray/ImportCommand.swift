import ArgumentParser
import Foundation
import StudyStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy DICOM files, folders and CDs (DICOMDIR) into the local study store.",
        discussion: """
            Folders are searched recursively; a folder with a DICOMDIR at its top (a CD or \
            USB medium, PS3.10) is imported through the DICOMDIR only. Instances already in \
            the store (same SOP Instance UID) are counted as duplicates. Unreadable files are \
            listed with the reason and the import carries on.

            When a study arrives with a Patient ID the store does not know, local patients \
            with the same name, birth date and sex are listed; import again with \
            `sixray cache attach STUDY ID` to attach the study to one of them, or give \
            --as-patient ID on import (the files' own identifiers are kept in the index).

            Progress is shown on stderr when it is a terminal. Exit codes: 0 everything \
            imported or already there; 1 some inputs were rejected; 3 the store failed (disk \
            full, damaged index: what was stored before stays stored); 64 usage error.
            """)

    @Argument(help: "Files, folders or DICOMDIR files.")
    var paths: [String]

    @Option(help: "Attach the imported studies to the local patient with this Patient ID.")
    var asPatient: String?

    @Option(help: "Where the studies came from, shown in the worklist (default: import:PATH).")
    var source: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @OptionGroup var location: StoreLocation

    func run() throws {
        let store = try location.open()
        defer { store.close() }
        if let asPatient {
            let found: [PatientRecord]
            do { found = try store.patients(withID: asPatient) } catch {
                Output.error("import: \(error)")
                throw ExitCode(StoreExit.storeError)
            }
            guard !found.isEmpty else {
                Output.error("import: no local patient with the Patient ID given to --as-patient (see `sixray cache ls --id ID`)")
                throw ExitCode(StoreExit.problems)
            }
        }
        var progress = ProgressLine(label: "importing")
        let report = store.importFiles(paths.map(absolutePath), source: source, asPatient: asPatient) { done, total in
            progress.update(done, total)
        }
        progress.finish()
        if json {
            Output.write(jsonText([
                "imported": report.imported,
                "duplicates": report.duplicates,
                "rejected": report.rejected.map { ["path": $0.path, "reason": $0.reason] },
                "skipped": report.skipped,
                "studies": report.studies,
                "patientMatches": report.patientMatches.map { m in
                    ["studyInstanceUID": m.studyInstanceUID, "patientID": m.patientID,
                     "candidates": m.candidates.map { ["patientID": $0.patientID, "issuer": $0.issuer, "name": $0.name,
                                                       "birthDate": $0.birthDate, "sex": $0.sex] }] as [String: Any]
                },
                "storeError": report.storeError.map { $0.description } as Any,
            ] as [String: Any]) + "\n")
        } else {
            var text = "imported \(report.imported), duplicates \(report.duplicates), rejected \(report.rejected.count)"
            text += " (\(report.studies.count) \(report.studies.count == 1 ? "study" : "studies"))\n"
            for r in report.rejected { text += "rejected \(r.path): \(r.reason)\n" }
            for m in report.patientMatches {
                text += "study \(m.studyInstanceUID) came with Patient ID \(m.patientID); local patients with the same name, birth date and sex:\n"
                for c in m.candidates {
                    text += "  \(pad(c.patientID, 16)) \(pad(displayName(c.name), 28)) \(c.birthDate) \(c.sex)\n"
                }
                text += "  to attach it: sixray cache attach \(m.studyInstanceUID) \(m.candidates[0].patientID)\n"
            }
            Output.write(text)
        }
        if let e = report.storeError {
            Output.error("import: \(e) (stopped; \(report.imported) instances stored before it remain)")
            throw ExitCode(StoreExit.storeError)
        }
        if !report.rejected.isEmpty { throw ExitCode(StoreExit.problems) }
    }
}

