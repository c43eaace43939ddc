import DICOMCodecs
import DICOMCore
import Foundation
import Testing

/// Every fixture frame decodes to exactly pydicom 3's `pixel_array` frame (same dtype, same
/// bytes). Variants made by lossless compression (DCMTK / GDCM) must reproduce the uncompressed
/// source's pixels.
@Suite("pydicom parity on real files")
struct PydicomParityTests {
    /// Cases decoded by pydicom (through pylibjpeg) that this build refuses with a typed error.
    static let knownRefusals: [String: String] = [
        // 16-bit RGB compressed by dcmcjpeg +ee to 12-bit YCbCr 4:2:2 (pydicom refuses it too;
        // DCMTK decodes it): chroma-subsampled 12-bit colour is not implemented.
        "var_SC_rgb_16bit_dcmcjpeg_ee": "12-bit JPEG with subsampled chroma"
    ]

    static func isKnownRefusal(_ name: String, _ meta: CodecFixtures.Meta) -> Bool {
        knownRefusals[name] != nil
    }

    /// 12-bit JPEG: pydicom decodes with pylibjpeg-libjpeg, whose IDCT rounds differently from
    /// IJG's; the decoder matches DCMTK's dcmdjpeg (IJG) exactly and pydicom within this bound.
    static let twelveBitJPEGTolerance: Int64 = 1

    @Test(
        "frames equal pydicom's pixel_array", .enabled(if: CodecFixtures.available, CodecFixtures.skipMessage),
        arguments: CodecFixtures.caseNames)
    func frameMatchesPydicom(_ name: String) throws {
        let meta = try CodecFixtures.meta(name)
        let native = meta.encapsulated ? nil : try CodecFixtures.bytes(name, "pixeldata.bin")
        if meta.expectError == true {
            let input = try native ?? CodecFixtures.bytes(name, "frame_0.bin")
            #expect(throws: CodecError.self, "\(name): pydicom refuses it (\(meta.note))") {
                try decodeFrame(
                    input, frameIndex: 0, transferSyntaxUID: meta.transferSyntaxUID, description: meta.pixelDescription,
                    bigEndian: meta.bigEndian, pixelDataVR: meta.pixelVR.flatMap(VR.init(rawValue:)) ?? .OW)
            }
            return
        }
        for k in meta.frames {
            let input = try native ?? CodecFixtures.bytes(name, "frame_\(k).bin")
            let expectedFile = meta.ijgReference == true && meta.expectError == false ? "expected_ijg_\(k).bin" : "expected_\(k).bin"
            var expected = try CodecFixtures.bytes(name, expectedFile)
            if meta.ijgReference == true && meta.expectError != false {
                // exact against IJG, bounded against pydicom
                let pydicom = expected
                expected = try CodecFixtures.bytes(name, "expected_ijg_\(k).bin")
                if let frame = try? decodeFrame(
                    input, frameIndex: k, transferSyntaxUID: meta.transferSyntaxUID, description: meta.pixelDescription),
                    frame.bytes.count == pydicom.count
                {
                    let reference = DecodedFrame(
                        rows: frame.rows, columns: frame.columns, samplesPerPixel: frame.samplesPerPixel,
                        sampleType: frame.sampleType, photometricInterpretation: "", bytes: pydicom)
                    let maxDiff = (0..<frame.sampleCount).map { abs(frame.value(at: $0) - reference.value(at: $0)) }.max() ?? 0
                    #expect(maxDiff <= Self.twelveBitJPEGTolerance, "\(name) frame \(k): max |Δ| vs pydicom \(maxDiff)")
                }
            }
            let frame: DecodedFrame
            do {
                frame = try decodeFrame(
                    input, frameIndex: k, transferSyntaxUID: meta.transferSyntaxUID, description: meta.pixelDescription,
                    bigEndian: meta.bigEndian, pixelDataVR: meta.pixelVR.flatMap(VR.init(rawValue:)) ?? .OW)
            } catch {
                if Self.isKnownRefusal(name, meta) {
                    #expect(error.isUnsupportedFeature, "\(name): \(error)")
                } else {
                    Issue.record("\(name) frame \(k): \(error)")
                }
                continue
            }
            #expect(!Self.isKnownRefusal(name, meta), "\(name) was expected to be refused")
            #expect(frame.sampleType.rawValue == meta.dtype, "\(name) frame \(k): dtype")
            #expect(frame.bytes.count == expected.count, "\(name) frame \(k): byte count")
            if frame.bytes != expected, frame.bytes.count == expected.count {
                let reference = DecodedFrame(
                    rows: frame.rows, columns: frame.columns, samplesPerPixel: frame.samplesPerPixel,
                    sampleType: frame.sampleType, photometricInterpretation: "", bytes: expected)
                var differing = 0
                var maxDiff: Int64 = 0
                var first = -1
                for i in 0..<frame.sampleCount {
                    let d = abs(frame.value(at: i) - reference.value(at: i))
                    if d != 0 {
                        differing += 1
                        maxDiff = max(maxDiff, d)
                        if first < 0 { first = i }
                    }
                }
                Issue.record(
                    "\(name) frame \(k): \(differing) of \(frame.sampleCount) samples differ, max |Δ| \(maxDiff), first at \(first): got \(frame.value(at: max(first, 0))) want \(reference.value(at: max(first, 0)))")
            }
        }
    }
}
