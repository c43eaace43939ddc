import Foundation
import Testing
@testable import Imaging

/// pydicom-data's 693_UNCR.dcm: a real 512×512 CT slice, Explicit VR Little Endian, signed
/// 16-bit, Rescale Intercept −1024, Window 40/100; its Pixel Data element is the file's tail,
/// so the test can take the frame without a DICOM parser (Imaging must not import one).
let realCTPath = "/tmp/pv/lib/python3.11/site-packages/data_store/data/693_UNCR.dcm"

func realCTFrame() -> [Int16]? {
    guard let data = FileManager.default.contents(atPath: realCTPath), data.count > 512 * 512 * 2 else { return nil }
    let tail = data.suffix(512 * 512 * 2)
    return tail.withUnsafeBytes { raw in
        (0..<(512 * 512)).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
    }
}

@Suite("Real CT frame")
struct RealFrameTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: realCTPath), "pydicom-data not installed"),
          arguments: WindowPresets.builtIn.filter { $0.modality == "CT" })
    func everyKernelEqualsTheReferenceAndTheOracle(preset: WindowPreset) throws {
        let frame = try #require(realCTFrame())
        guard case let .fixed(window) = preset.kind else { return }
        for shape in PresentationLUTShape.allCases {
            let p = try DisplayPipeline(bitsStored: 16, isSigned: true, modality: .rescale(slope: 1, intercept: -1024),
                                        voi: .window(window), presentation: shape)
            let reference = p.applyReference(frame)
            let oracle = frame.map {
                Oracle.display(stored: Int($0), slope: 1, intercept: -1024, center: window.center, width: window.width,
                               function: .linear, inverse: shape == .inverse)
            }
            #expect(reference == oracle)
            for kernel in DisplayPipeline.Kernel.allCases {
                guard let k = p.using(kernel) else { continue }
                #expect(k.apply(frame) == reference, "\(preset.id) \(kernel) \(shape)")
            }
        }
        // The frame's own range gives the default window, which shows its full range.
        let estimate = try #require(WindowEstimate.fromFrame(frame, modality: .rescale(slope: 1, intercept: -1024)))
        let p = try DisplayPipeline(bitsStored: 16, isSigned: true, modality: .rescale(slope: 1, intercept: -1024),
                                    voi: .window(estimate))
        let out = p.apply(frame)
        #expect(out.min() == 0 && out.max() == 255)
    }
}
