import DICOMCore

/// A DICOMDIR (PS3.10 §8.6, PS3.3 F.3 Basic Directory IOD): the index of a CD or other
/// removable medium. Only the file references are used: each directory record's Referenced
/// File ID (0004,1500) gives a path relative to the DICOMDIR's folder, one value per
/// component (PS3.10 §8.5), in upper case on ISO 9660 media.
public struct MediaDirectory: Sendable, Equatable {
    public struct Reference: Sendable, Equatable {
        /// The path the DICOMDIR names, joined to its folder.
        public var expectedPath: String
        /// The file found for it (matched without regard to case, as mounted CDs are often
        /// lower-cased), or nil when it is missing.
        public var resolvedPath: String?
    }

    public var path: String
    public var references: [Reference]

    /// Read a DICOMDIR and resolve its references on the file system.
    public static func read(path: String) throws(StoreError) -> MediaDirectory {
        let file: DICOMFile
        do {
            file = try Part10Reader.read(path: path)
        } catch {
            var e = error
            e.file = nil
            throw StoreError(.notDICOM(e.description), path: path)
        }
        let sopClass = (file.fileMetaInformation.string(.mediaStorageSOPClassUID) ?? "").trimming(" \0")
        guard let records = file.dataSet[Tag(0x0004, 0x1220)]?.items else {
            throw StoreError(.notDICOM("no Directory Record Sequence (0004,1220)"), path: path)
        }
        guard sopClass.isEmpty || sopClass == mediaStorageDirectorySOPClassUID else {
            throw StoreError(.notDICOM("Media Storage SOP Class \(sopClass) is not a DICOMDIR"), path: path)
        }
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        var references: [Reference] = []
        var seen = Set<String>()
        for record in records {
            guard let components = record.strings(Tag(0x0004, 0x1500)), !components.isEmpty else { continue }
            let parts = components.map { $0.trimming(" \0") }.filter { !$0.isEmpty }
            // A reference may not leave the medium (PS3.10 §8.5: components are file IDs).
            guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." || $0.contains("/") }) else { continue }
            let expected = folder + "/" + parts.joined(separator: "/")
            guard seen.insert(expected).inserted else { continue }
            references.append(Reference(expectedPath: expected, resolvedPath: resolve(folder: folder, parts: parts)))
        }
        return MediaDirectory(path: path, references: references)
    }

    /// Find `parts` under `folder`, each component matched exactly or else without regard to case.
    static func resolve(folder: String, parts: [String]) -> String? {
        var current = folder
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            var candidate = current + "/" + part
            if !FileSystem.exists(candidate) {
                let upper = part.uppercased()
                // ISO 9660 names may carry a ";1" version suffix.
                guard let match = FileSystem.entries(current).first(where: {
                    $0.uppercased() == upper || $0.uppercased() == upper + ";1" || $0.uppercased() == upper + "."
                }) else { return nil }
                candidate = current + "/" + match
            }
            if last {
                guard FileSystem.fileSize(candidate) != nil else { return nil }
            } else {
                guard FileSystem.isDirectory(candidate) else { return nil }
            }
            current = candidate
        }
        return current
    }
}
