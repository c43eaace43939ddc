import Foundation
import Testing
@testable import Imaging

/// Real frames from pydicom-data whose Pixel Data element is the file's tail (native, one
/// frame), so the test can take the stored values without a DICOM parser (Imaging must not
/// import one). Attributes are copied from the files (checked with pydicom).
struct RealFrame: Sendable, CustomTestStringConvertible {
    var file: String
    var width: Int, height: Int
    var bitsStored: Int, isSigned: Bool
    var slope: Double, intercept: Double
    var windows: [(Double, Double)]
    var photometric: String
    var testDescription: String { file }

    var path: String { "/tmp/pv/lib/python3.11/site-packages/data_store/data/" + file }

    /// Stored values, masked / sign-extended to Bits Stored as a decoder would.
    func samples() -> [Int32]? {
        let count = width * height
        guard let data = FileManager.default.contents(atPath: path), data.count > count * 2 else { return nil }
        let tail = data.suffix(count * 2)
        let mask = (1 << bitsStored) - 1
        return tail.withUnsafeBytes { raw in
            (0..<count).map {
                let word = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) & mask
                let value = isSigned && word >= 1 << (bitsStored - 1) ? word - (1 << bitsStored) : word
                return Int32(value)
            }
        }
    }
}

let realFrames: [RealFrame] = [
    RealFrame(file: "693_UNCI.dcm", width: 512, height: 512, bitsStored: 14, isSigned: true,
              slope: 1, intercept: -1024, windows: [(40, 100)], photometric: "MONOCHROME2"),
    RealFrame(file: "MR2_UNCI.dcm", width: 1024, height: 1024, bitsStored: 12, isSigned: false,
              slope: 3.774114, intercept: 0.000061, windows: [(1000, 2000)], photometric: "MONOCHROME2"),
    RealFrame(file: "RG3_UNCI.dcm", width: 1760, height: 1760, bitsStored: 10, isSigned: false,
              slope: 1, intercept: 0, windows: [(550, 1024)], photometric: "MONOCHROME1"),
    RealFrame(file: "MR-SIEMENS-DICOM-WithOverlays.dcm", width: 484, height: 484, bitsStored: 12, isSigned: false,
              slope: 1, intercept: 0, windows: [(450, 790), (200, 443)], photometric: "MONOCHROME2"),
]

let pydicomDataInstalled = FileManager.default.fileExists(atPath: realFrames[0].path)

@Suite("Real frames (pydicom-data)")
struct RealFrameTests {
    /// Each frame, under its own windows, its min–max default and (CT) every CT preset, in every
    /// storage type the decoder may hand over: fast kernels == scalar reference == oracle.
    @Test(.enabled(if: pydicomDataInstalled, "pydicom-data not installed"), arguments: realFrames)
    func everyKernelEqualsTheReferenceAndTheOracle(frame: RealFrame) throws {
        let values = try #require(frame.samples())
        let modality = ModalityLUT.rescale(slope: frame.slope, intercept: frame.intercept)
        let shape = PresentationLUTShape.implied(byPhotometricInterpretation: frame.photometric)
        var windows = frame.windows.map { VOIWindow(center: $0.0, width: $0.1) }
        if frame.intercept == -1024 {  // CT: every CT preset too
            windows += WindowPresets.builtIn.compactMap { if case let .fixed(w) = $0.kind { w } else { nil } }
        }
        windows.append(try #require(WindowEstimate.fromFrame(values, modality: modality)))
        for window in windows {
            let p = try DisplayPipeline(bitsStored: frame.bitsStored, isSigned: frame.isSigned, modality: modality,
                                        voi: .window(window), presentation: shape)
            // Output is a function of the stored value: compare the literal reference and the
            // oracle over the whole stored range, then the kernels over every pixel.
            let range = p.storedRange
            let oracle = range.map {
                Oracle.display(stored: $0, slope: frame.slope, intercept: frame.intercept, center: window.center,
                               width: window.width, function: .linear, inverse: shape == .inverse)
            }
            #expect(range.map { p.referenceValue(stored: $0) } == oracle, "\(frame.file) c=\(window.center) w=\(window.width)")
            let reference = values.map { oracle[Int($0) - range.lowerBound] }
            let as16 = frame.isSigned ? Samples16.signed(values.map { Int16($0) }) : .unsigned(values.map { UInt16($0) })
            for kernel in [DisplayPipeline.Kernel.fixedPoint, .floatingPoint, .lookupTable] {
                guard let k = p.using(kernel) else { continue }
                #expect(as16.apply(k) == reference, "\(frame.file) c=\(window.center) w=\(window.width) kernel \(kernel)")
            }
            #expect(p.apply(values) == reference, "\(frame.file) Int32 storage")
        }
    }

    /// The min–max default window shows the frame's full range: darkest pixel black, brightest
    /// white (inverted for MONOCHROME1).
    @Test(.enabled(if: pydicomDataInstalled, "pydicom-data not installed"), arguments: realFrames)
    func defaultWindowSpansTheFrame(frame: RealFrame) throws {
        let values = try #require(frame.samples())
        let modality = ModalityLUT.rescale(slope: frame.slope, intercept: frame.intercept)
        let window = try #require(WindowEstimate.fromFrame(values, modality: modality))
        let p = try DisplayPipeline(bitsStored: frame.bitsStored, isSigned: frame.isSigned, modality: modality,
                                    voi: .window(window))
        let out = p.apply(values)
        #expect(out.min() == 0 && out.max() == 255)
    }
}

enum Samples16 {
    case signed([Int16]), unsigned([UInt16])
    func apply(_ p: DisplayPipeline) -> [UInt8] {
        switch self {
        case let .signed(v): p.apply(v)
        case let .unsigned(v): p.apply(v)
        }
    }
}
