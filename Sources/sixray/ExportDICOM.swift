import SixrayCLI
import ArgumentParser
import AuditTrail
import DICOMCore
import Foundation
import StudyStore
import Workstation

extension Export {
    /// `export INPUT... --dicom DIR [--deidentify]`: Part 10 files, one per instance, named by
    /// their (new) SOP Instance UID. With --deidentify every file goes through one
    /// `ConfidentialityProfile` (PS3.15 E.1.1 Basic Profile), so the replaced Study, Series,
    /// Frame of Reference and referenced UIDs stay consistent across the files of the run. The
    /// File Meta Information is regenerated with its group length (PS3.10 §7.1) and no Source AE
    /// Title; group lengths of the data set (retired, PS3.5 §7.2) are dropped, as the values they
    /// measured changed. Pixel data is written as read (encapsulated fragments too).
    func runDICOM(_ outDir: String) throws {
        var files: [String] = []
        var byPath: [String] = []
        var store: StudyStore?
        for key in [input] + more {
            var st = stat()
            if stat(key, &st) == 0 {
                collectFiles(key, into: &byPath)
                continue
            }
            let s = try store ?? location.open()
            store = s
            files += try storedInstances(key, store: s)
        }
        files += byPath
        guard !files.isEmpty else {
            Output.error("export: no files found in \(([input] + more).joined(separator: " "))")
            throw ExitCode(1)
        }
        // Files named by path inside the store: a confidential study needs --show-confidential.
        // (Studies named by UID were checked, and their access recorded, by storedInstances.)
        try auditStoredFileAccess(byPath, event: nil, showConfidential: showConfidential)
        do { try makePrivateDirectory(outDir, tightenExisting: false) } catch {
            Output.error("export: \(error)")
            throw ExitCode(1)
        }

        let profile = deidentify ? ConfidentialityProfile() : nil
        var order: [String] = []
        var tally: [String: (written: Int, failed: Int)] = [:]
        var usedNames = Set<String>()
        var burnedIn = 0
        for path in files {
            var sourceStudy = ""
            do {
                var file = try Part10Reader.read(path: path)
                sourceStudy = file.dataSet.string(Tag(0x0020, 0x000D)) ?? ""
                if file.dataSet.string(.sopClassUID) == "1.2.840.10008.1.3.10" {
                    Output.error("export: \(path): a DICOMDIR (media directory) is not exported; its instances are")
                    continue
                }
                if let profile { file = file.deidentified(with: profile) }
                var ds = file.dataSet
                for e in ds.elements where e.tag.element == 0x0000 { _ = ds.remove(e.tag) }
                if profile != nil, ds.string(Tag(0x0028, 0x0301))?.uppercased() == "YES" { burnedIn += 1 }
                let syntax = file.transferSyntax.isBigEndian ? TransferSyntax.explicitVRLittleEndian : file.transferSyntax
                var name = StoreLayout.fileName(forUID: ds.string(.sopInstanceUID) ?? "instance")
                if usedNames.contains(name) {
                    var k = 2
                    while usedNames.contains(name + "-\(k)") { k += 1 }
                    name += "-\(k)"
                }
                usedNames.insert(name)
                try Part10Writer(transferSyntax: syntax).write(ds, to: outDir + "/" + name + ".dcm",
                                                              fileMetaInformation: file.fileMetaInformation)
                if tally[sourceStudy] == nil { order.append(sourceStudy) }
                tally[sourceStudy, default: (0, 0)].written += 1
            } catch {
                Output.error("export: \(path): \(error)")
                if tally[sourceStudy] == nil { order.append(sourceStudy) }
                tally[sourceStudy, default: (0, 0)].failed += 1
            }
        }
        let log = try? location.auditLog()
        let how = deidentify ? "dicom, deidentified" : "dicom"
        var written = 0
        var failed = 0
        for uid in order {
            let t = tally[uid] ?? (0, 0)
            written += t.written
            failed += t.failed
            auditRecord(log, .export, study: uid.isEmpty ? nil : uid, outcome: t.failed == 0 ? .success : .failure,
                        instances: t.written, detail: how + (t.failed == 0 ? "" : ", \(t.failed) failed"))
        }
        if burnedIn > 0 {
            Output.error("warning: \(burnedIn) images say Burned In Annotation (0028,0301) YES: text in their pixels is not removed")
        }
        Output.write("exported \(written) files to \(outDir)\(deidentify ? " (de-identified, PS3.15 Basic Profile)" : "")"
                     + (failed > 0 ? "; \(failed) failed" : "") + "\n", to: 2)
        if failed > 0 { throw ExitCode(1) }
    }

    /// The stored files of a Study Instance UID, accession number or Series Instance UID.
    func storedInstances(_ key: String, store: StudyStore) throws -> [String] {
        var study: String?
        var paths: [String] = []
        if let s = try storeCall("export", { () throws(StoreError) in try store.findStudy(key) }) {
            study = s.studyInstanceUID
            paths = try storeCall("export") { () throws(StoreError) in try store.instances(ofStudy: s.studyInstanceUID).map(\.path) }
        } else {
            let instances = try storeCall("export") { () throws(StoreError) in try store.instances(ofSeries: key) }
            study = instances.first?.studyInstanceUID
            paths = instances.map(\.path)
        }
        guard let study, !paths.isEmpty else {
            Output.error("export: \(key): no such file, nor a study or series of that UID (or accession) in the store")
            throw ExitCode(1)
        }
        if try storeCall("export", { () throws(StoreError) in try store.isConfidential(study: study) }) {
            try guardConfidential(store.auditLog, study: study, showConfidential: showConfidential, command: "export")
        }
        return paths
    }

    /// The pixel export's audit record: the source study (from INPUT's header), what was written.
    func auditExport(outcome: AuditRecord.Outcome) {
        var first = input
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue {
            var all: [String] = []
            collectFiles(input, into: &all)
            first = all.first ?? input
        }
        let study = (try? Part10Reader.read(path: first))?.dataSet.string(Tag(0x0020, 0x000D))
        let ext = out.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        let what = "pixels, \(stage.rawValue) stage, \(ext)" + (mpr.map { ", mpr \($0.rawValue)" } ?? "")
        auditRecord(try? location.auditLog(), .export, study: study, outcome: outcome, instances: mpr == nil ? 1 : nil, detail: what)
    }
}
