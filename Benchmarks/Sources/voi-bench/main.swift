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
    frames = [base, base.windowed(center: -600, width: 1500)]
} else {
    let ct = VOIBenchmark.syntheticCT()
    frames = [ct, ct.windowed(center: -600, width: 1500), VOIBenchmark.syntheticLargeFrame()]
}

func w_h(_ a: [String]) -> String { a.count >= 5 ? "\(a[3])×\(a[4])" : "?" }

var all: [VOIBenchmarkResult] = []
for frame in frames {
    all += VOIBenchmark.run(frame: frame)
}
print(VOIBenchmark.report(all))
let cpu = ProcessInfo.processInfo.environment["SIXRAY_TARGET_CPU"] ?? "(default)"
print("SIXRAY_TARGET_CPU at build time is what matters; at run time it is \(cpu).")
