import DICOMCodecs
import Testing

/// Damaged codestreams give a typed error (or, where the codec itself tolerates damage like
/// OpenJPEG with truncated tile data, a frame of the right size) and never crash.
@Suite("corrupt and truncated input")
struct CorruptInputTests {
    /// One real case per decoder.
    static let cases = [
        "var_emri_small_dcmcrle", "file_SC_rgb_jpeg_gdcm", "file_JPEG-LL", "var_SC_rgb_dcmcjpeg_p4",
        "var_CT_small_dcmcjpls", "file_JPEGLSNearLossless_16", "file_MR2_J2KR", "var_CT_small_htj2k",
        "file_US1_J2KI", "file_JPGExtended", "var_emri_small_dcmcjpeg_ee",
    ]

    /// Syntaxes whose decoder must report truncation as an error (OpenJPEG decodes what it has).
    static func truncationIsError(_ uid: String) -> Bool {
        !["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201",
          "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"].contains(uid)
    }

    @Test(
        "truncated codestreams", .enabled(if: CodecFixtures.available, CodecFixtures.skipMessage),
        arguments: cases)
    func truncated(_ name: String) throws {
        let meta = try CodecFixtures.meta(name)
        let full = try CodecFixtures.bytes(name, "frame_\(meta.frames[0]).bin")
        for cut in [0, 3, 20, full.count / 4, full.count / 2, full.count * 3 / 4] {
            let data = Array(full.prefix(cut))
            do {
                let frame = try decodeFrame(
                    data, frameIndex: 0, transferSyntaxUID: meta.transferSyntaxUID, description: meta.pixelDescription)
                #expect(!Self.truncationIsError(meta.transferSyntaxUID) && cut > full.count / 8,
                        "\(name) cut to \(cut) of \(full.count) bytes decoded without error")
                #expect(frame.sampleCount == meta.pixelDescription.samplesPerFrame)
            } catch {
                #expect(error.isCorruptData, "\(name) cut to \(cut): \(error)")
                #expect(error.transferSyntaxUID == meta.transferSyntaxUID)
            }
        }
    }

    @Test(
        "bytes flipped inside the codestream", .enabled(if: CodecFixtures.available, CodecFixtures.skipMessage),
        arguments: cases)
    func flipped(_ name: String) throws {
        let meta = try CodecFixtures.meta(name)
        let full = try CodecFixtures.bytes(name, "frame_\(meta.frames[0]).bin")
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<8 {
            var data = full
            for _ in 0..<8 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let at = Int((seed >> 33) % UInt64(data.count))
                data[at] ^= UInt8(truncatingIfNeeded: seed >> 20) | 1
            }
            do {
                let frame = try decodeFrame(
                    data, frameIndex: 0, transferSyntaxUID: meta.transferSyntaxUID, description: meta.pixelDescription)
                #expect(frame.sampleCount == meta.pixelDescription.samplesPerFrame)
                #expect(frame.bytes.count == frame.sampleCount * frame.sampleType.byteWidth)
            } catch {
                #expect(error.transferSyntaxUID == meta.transferSyntaxUID, "\(error)")
            }
        }
    }

    @Test(
        "a description that disagrees with the codestream is refused before decoding",
        .enabled(if: CodecFixtures.available, CodecFixtures.skipMessage), arguments: cases)
    func mismatch(_ name: String) throws {
        let meta = try CodecFixtures.meta(name)
        let data = try CodecFixtures.bytes(name, "frame_\(meta.frames[0]).bin")
        var wrong = meta.pixelDescription
        wrong.rows += 1
        #expect {
            try decodeFrame(data, frameIndex: 4, transferSyntaxUID: meta.transferSyntaxUID, description: wrong)
        } throws: { error in
            guard let e = error as? CodecError else { return false }
            return e.isCorruptData && e.frameIndex == 4
        }
    }
}
