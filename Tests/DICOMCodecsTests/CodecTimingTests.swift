import DICOMCodecs
import Foundation
import Testing

/// Decode speed per frame, printed, not asserted (numbers depend on the machine).
/// Run with `SIXRAY_CODEC_TIMING=1 swift test -c release --filter CodecTiming`.
@Suite("codec timing")
struct CodecTimingTests {
    static let enabled = CodecFixtures.available && ProcessInfo.processInfo.environment["SIXRAY_CODEC_TIMING"] == "1"

    @Test(
        "µs per frame", .enabled(if: enabled, "set SIXRAY_CODEC_TIMING=1 (and build with -c release)"),
        arguments: [
            "var_CT_small_dcmcjpls", "var_RG1_UNCR_dcmcjpls", "file_MR2_J2KR", "var_RG1_UNCR_gdcm_j2k",
            "var_CT_small_htj2k", "var_RG1_UNCR_dcmcjpeg_sv1", "var_RG1_UNCR_dcmcrle", "file_SC_rgb_jpeg_gdcm",
            "var_US1_UNCR_gdcm_j2k", "file_RG1_UNCR", "file_JPGExtended", "var_RG1_UNCR_dcmcjpeg_ee",
        ])
    func timing(_ name: String) throws {
        let meta = try CodecFixtures.meta(name)
        let input = meta.encapsulated
            ? try CodecFixtures.bytes(name, "frame_\(meta.frames[0]).bin") : try CodecFixtures.bytes(name, "pixeldata.bin")
        let d = meta.pixelDescription
        let clock = ContinuousClock()
        var best = Duration.seconds(1000)
        var checksum: Int = 0
        for _ in 0..<7 {
            let t = clock.measure {
                if let f = try? decodeFrame(input, frameIndex: 0, transferSyntaxUID: meta.transferSyntaxUID, description: d) {
                    checksum &+= Int(f.bytes[f.bytes.count / 2])
                }
            }
            best = min(best, t)
        }
        let micros = Double(best.components.attoseconds) / 1e12 + Double(best.components.seconds) * 1e6
        print("TIMING \(name) \(d.columns)x\(d.rows)x\(d.samplesPerPixel) \(d.bitsAllocated)-bit: \(Int(micros)) µs/frame (best of 7) [\(checksum)]")
        #expect(checksum >= 0)
    }
}
