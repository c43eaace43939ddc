// voi-bench: the Swift VOI stage against plain C references (-O3, same CPU target).
//
//   voi-bench                              synthetic 512×512 CT and 4096×3328 16-bit frames
//   voi-bench --raw FILE W H [signed|unsigned] [slope intercept]
//                                          a real frame as little-endian 16-bit stored values
import Foundation
import Imaging
import SixrayBench

var frames: [VOIBenchmark.Frame] = []
let args = CommandLine.arguments
if args.count >= 5, args[1] == "--raw" {
    let url = URL(fileURLWithPath: args[2])
    guard let w = Int(args[3]), let h = Int(args[4]), let data = try? Data(contentsOf: url), data.count >= w * h * 2 else {
        FileHandle.standardError.write("voi-bench: cannot read \(w_h(args)) 16-bit samples from \(args[2])\n".data(using: .utf8)!)
        exit(2)
    }
    let signed = args.count > 5 ? args[5] == "signed" : true
    let slope = args.count > 7 ? Double(args[6]) ?? 1 : 1
    let intercept = args.count > 7 ? Double(args[7]) ?? 0 : 0
    let words: [UInt16] = data.withUnsafeBytes { raw in
        (0..<(w * h)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
    }
    let samples: VOIBenchmark.Samples = signed ? .signed(words.map { Int16(bitPattern: $0) }) : .unsigned(words)
    let base = VOIBenchmark.Frame(name: url.lastPathComponent, width: w, height: h, samples: samples,
                                  slope: slope, intercept: intercept, windowCenter: 40, windowWidth: 80)
    // Large frames (DX/MG) have no CT window: use the frame's min–max default window.
    let modality = ModalityLUT.rescale(slope: slope, intercept: intercept)
    let estimate: VOIWindow? = switch samples {
    case let .signed(v): WindowEstimate.fromFrame(v, modality: modality)
    case let .unsigned(v): WindowEstimate.fromFrame(v, modality: modality)
    }
    if w * h > 1 << 20, let estimate {
        frames = [base.windowed(center: estimate.center, width: estimate.width)]
    } else {
        frames = [base]
    }
}

func w_h(_ a: [String]) -> String { a.count >= 5 ? "\(a[3])×\(a[4])" : "?" }

// A 512×512 frame given on the command line replaces the synthetic CT; a larger one the
// synthetic 4096×3328 frame.
let given = frames.first
let all = VOIBenchmark.runStandardSuite(
    ct: given.flatMap { $0.width * $0.height <= 1 << 20 ? $0 : nil },
    large: given.flatMap { $0.width * $0.height > 1 << 20 ? $0 : nil })
print(VOIBenchmark.report(all))
let cpu = ProcessInfo.processInfo.environment["SIXRAY_TARGET_CPU"] ?? "(default)"
print("SIXRAY_TARGET_CPU at build time is what matters; at run time it is \(cpu).")
