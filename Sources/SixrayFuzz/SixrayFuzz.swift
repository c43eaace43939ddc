// libFuzzer targets for the parsers that read outside data (Scripts/fuzz TARGET SECONDS).
// One binary, the target chosen by SIXRAY_FUZZ_TARGET: part10, codecs, toml, dicomweb-json,
// multipart.
// Built normally (without -DFUZZING) this is a replay tool: `SixrayFuzz TARGET FILE...` runs
// each file through the target once (regression tests replay the committed crash inputs).
import DICOMCodecs
import DICOMCore
import DICOMwebCore
import SixrayConfig

enum FuzzTarget: String, CaseIterable {
    case part10, codecs, toml
    case dicomwebJSON = "dicomweb-json"
    case multipart

    /// Whatever the bytes, the target returns (errors are fine); a trap or sanitizer report
    /// is a bug.
    func run(_ data: UnsafeRawBufferPointer) {
        switch self {
        case .part10: fuzzPart10(data)
        case .codecs: fuzzCodecs(data)
        case .toml: fuzzTOML(data)
        case .dicomwebJSON: fuzzDICOMwebJSON(data)
        case .multipart: fuzzMultipart(data)
        }
    }
}

/// The Part 10 reader (lenient and strict), then what is shown of a file: the JSON model, the
/// dump and the de-identified copy.
func fuzzPart10(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    for strict in [false, true] {
        var options = ReadOptions(strict: strict)
        options.bulkDataThreshold = 64
        options.maxInflatedSize = 16 << 20  // deflate bombs: a bounded error, not an OOM
        let (file, _) = Part10Reader.read(source: ByteSource(bytes: bytes, name: "fuzz"), options: options)
        guard let file else { continue }
        _ = DICOMJSONEncoder(bulkData: .inline, indent: 0).encode(file.dataSet)
        _ = DumpFormatter(maxValueLength: 64, hideBulk: false).format(file)
        _ = file.deidentified(with: ConfidentialityProfile()).dataSet.count
    }
}

/// Codec wrappers through the frame decoder: byte 0 picks the transfer syntax, bytes 1–3 the
/// pixel description (small frames), the rest is the codestream.
func fuzzCodecs(_ data: UnsafeRawBufferPointer) {
    guard data.count >= 4 else { return }
    let syntaxes = [
        "1.2.840.10008.1.2.5",      // RLE
        "1.2.840.10008.1.2.4.50",   // JPEG baseline (libjpeg-turbo)
        "1.2.840.10008.1.2.4.51",   // JPEG extended 12-bit
        "1.2.840.10008.1.2.4.70",   // JPEG lossless (Swift)
        "1.2.840.10008.1.2.4.80",   // JPEG-LS (CharLS)
        "1.2.840.10008.1.2.4.90",   // JPEG 2000 (OpenJPEG)
        "1.2.840.10008.1.2.1",      // native
    ]
    let uid = syntaxes[Int(data[0]) % syntaxes.count]
    let rows = Int(data[1] & 0x3F) + 1, columns = Int(data[2] & 0x3F) + 1
    let colour = data[3] & 1 == 1
    let bits = [8, 12, 16][Int(data[3] >> 1) % 3]
    let description = PixelDescription(
        rows: rows, columns: columns, samplesPerPixel: colour ? 3 : 1,
        bitsAllocated: bits > 8 ? 16 : 8, bitsStored: bits, pixelRepresentation: Int(data[3] >> 3) & 1,
        photometricInterpretation: colour ? (data[3] & 0x40 != 0 ? "YBR_FULL_422" : "RGB") : "MONOCHROME2",
        planarConfiguration: Int(data[3] >> 7))
    let stream = UnsafeRawBufferPointer(rebasing: data[4...])
    _ = try? decodeFrame(stream, frameIndex: 0, transferSyntaxUID: uid, description: description)
}

/// The TOML reader and the credential scan every config loader runs.
func fuzzTOML(_ data: UnsafeRawBufferPointer) {
    let text = String(decoding: data, as: UTF8.self)
    if let table = try? TOMLParser.parse(text, source: "fuzz.toml") {
        _ = table.value(at: "a.b.c")
    }
    _ = try? ConfigSection.parse(text, file: "fuzz.toml").section("cache")
    _ = CredentialPolicy.credentialKeys(in: text)
}

/// The PS3.18 JSON reader (QIDO-RS and metadata answers), then what is done with its data
/// sets: encoded back to JSON, which must read again to the same number of data sets; and the
/// Part 10 header scan WADO-RS parts go through.
func fuzzDICOMwebJSON(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    if let sets = try? DICOMJSONReader.dataSets(bytes, url: "http://fuzz/") {
        let encoder = DICOMJSONEncoder(bulkData: .inline, indent: nil)
        let text = "[" + sets.map { encoder.encode($0) }.joined(separator: ",") + "]"
        guard let again = try? DICOMJSONReader.dataSets(Array(text.utf8)), again.count == sets.count else {
            fatalError("DICOM JSON written from \(sets.count) data sets does not read back")
        }
    }
    _ = try? Part10Header.scan(bytes, isComplete: false)
    _ = try? Part10Header.scan(bytes, isComplete: true)
}

/// The multipart/related parser, differentially: byte 0 picks a piece size, the rest is the
/// body (boundary "XyZ"). Fed whole and fed in pieces it must agree on the parts (headers and
/// content) or on failing; the hold-back stays within one piece plus a header block.
func fuzzMultipart(_ data: UnsafeRawBufferPointer) {
    guard data.count >= 1 else { return }
    let piece = Int(data[0]) % 97 + 1
    let body = Array(data[1...])
    func run(_ size: Int) -> [MultipartParser.Event]? {
        guard var p = try? MultipartParser(boundary: "XyZ") else { return nil }
        p.maxHeaderBytes = 512
        var events: [MultipartParser.Event] = []
        var i = 0
        do {
            while i < body.count {
                let end = min(body.count, i + size)
                for e in try p.feed(body[i..<end]) {
                    // Merge adjacent content so that the split points do not show.
                    if case .body(let b) = e, case .body(let a)? = events.last {
                        events[events.count - 1] = .body(a + b)
                    } else if case .body(let b) = e, b.isEmpty {
                        continue
                    } else {
                        events.append(e)
                    }
                }
                i = end
            }
            if p.maxHeldBytes > size + 512 + 80 + 1024 { fatalError("multipart parser held \(p.maxHeldBytes) bytes with pieces of \(size)") }
            try p.finish()
        } catch {
            return nil
        }
        return events
    }
    let whole = run(max(body.count, 1))
    let pieces = run(piece)
    if whole != pieces {
        fatalError("multipart parser: fed whole and in pieces of \(piece) it disagrees")
    }
}

#if FUZZING
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) var selected: FuzzTarget = .part10

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

public typealias FuzzArgv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<FuzzArgv?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point as `SixrayFuzz_main`; hand control to libFuzzer.
@_cdecl("SixrayFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: FuzzArgv?) -> Int32 {
    let name = getenv("SIXRAY_FUZZ_TARGET").map { String(cString: $0) } ?? "part10"
    guard let target = FuzzTarget(rawValue: name) else {
        print("SIXRAY_FUZZ_TARGET=\(name): expected one of " + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
        return 64
    }
    selected = target
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { data, size in LLVMFuzzerTestOneInput(data, size) }
}
#else
import Foundation

@main
struct SixrayFuzzReplay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let name = args.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: SixrayFuzz " + FuzzTarget.allCases.map(\.rawValue).joined(separator: "|") + " FILE...")
            exit(64)
        }
        for path in args.dropFirst() {
            guard let d = FileManager.default.contents(atPath: path) else { print("\(path): cannot read"); exit(1) }
            d.withUnsafeBytes { target.run($0) }
            print("\(path): ok")
        }
    }
}
#endif
