import DICOMCodecs
import Foundation
import Testing

/// Cases written by `Scripts/fixtures/make-codec-fixtures.py` (pydicom 3 is the reference).
/// Location: `$SIXRAY_CODEC_FIXTURES`, else `<package>/TestData/generated/codecs`.
enum CodecFixtures {
    struct Meta: Decodable {
        struct Description: Decodable {
            var rows, columns, samplesPerPixel, bitsAllocated, bitsStored, highBit: Int
            var pixelRepresentation: Int
            var photometricInterpretation: String
            var planarConfiguration, numberOfFrames: Int
        }
        var source: String
        var note: String
        var transferSyntaxUID: String
        var description: Description
        var bigEndian: Bool
        var pixelVR: String?
        var encapsulated: Bool
        var frames: [Int]
        var dtype: String
        var frameShape: [Int]
        var fragmentLengths: [Int]?
        var pydicomGrouping: [[Int]]?
        /// pydicom could not decode this file; we must throw a CodecError.
        var expectError: Bool?
        /// 12-bit JPEG: expected_ijg_K.bin holds DCMTK dcmdjpeg's (IJG) decode.
        var ijgReference: Bool?

        var pixelDescription: PixelDescription {
            let d = description
            return PixelDescription(
                rows: d.rows, columns: d.columns, samplesPerPixel: d.samplesPerPixel, bitsAllocated: d.bitsAllocated,
                bitsStored: d.bitsStored, highBit: d.highBit, pixelRepresentation: d.pixelRepresentation,
                photometricInterpretation: d.photometricInterpretation, planarConfiguration: d.planarConfiguration,
                numberOfFrames: d.numberOfFrames)
        }
    }

    static let directory: URL = {
        if let env = ProcessInfo.processInfo.environment["SIXRAY_CODEC_FIXTURES"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TestData/generated/codecs")
    }()

    static let available: Bool = FileManager.default.fileExists(atPath: directory.appendingPathComponent("log.txt").path)

    static let skipMessage: Comment =
        "codec fixtures missing: run `/tmp/pv/bin/python Scripts/fixtures/make-codec-fixtures.py` first"

    /// Every case folder, sorted.
    static let caseNames: [String] = {
        guard available, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            return []
        }
        return names.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent("meta.json").path)
        }.sorted()
    }()

    static func meta(_ name: String) throws -> Meta {
        let data = try Data(contentsOf: directory.appendingPathComponent(name).appendingPathComponent("meta.json"))
        return try JSONDecoder().decode(Meta.self, from: data)
    }

    static func bytes(_ name: String, _ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name).appendingPathComponent(file)))
    }

    /// The fragments of an encapsulated case, in order.
    static func fragments(_ name: String, _ meta: Meta) throws -> [[UInt8]] {
        let all = try bytes(name, "fragments.bin")
        var out: [[UInt8]] = []
        var offset = 0
        for length in meta.fragmentLengths ?? [] {
            out.append(Array(all[offset..<(offset + length)]))
            offset += length
        }
        return out
    }
}
