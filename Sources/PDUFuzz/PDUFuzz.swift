// Fuzz target for the PDU decoder and DIMSE command parser (libFuzzer).
//   Scripts/fuzz-pdu [seconds]     builds with -sanitize=fuzzer,address and runs
// Built normally (without -DFUZZING) this is a replay tool: `pdu-fuzz FILE...` decodes each file.
import DICOMNetwork
import NIOCore

/// Decode every PDU in `data`; whatever the bytes, the decoder must return or throw, never
/// crash, and whatever decodes must re-encode to a PDU that decodes to the same value.
func fuzzOne(_ data: UnsafeRawBufferPointer) {
    var buffer = ByteBuffer(bytes: data)
    while true {
        let pdu: PDU?
        do { pdu = try PDUCodec.decode(&buffer, maximumLength: 1 << 20) } catch { return }
        guard let pdu else { return }
        var again = PDUCodec.encode(pdu)
        if let round = try? PDUCodec.decode(&again, maximumLength: 1 << 30), round != pdu {
            // Round-trip mismatch is a bug: crash so libFuzzer keeps the input.
            preconditionFailure("PDU round trip changed \(pdu.name)")
        }
        if case .pData(let pdvs) = pdu {
            var assembler = DIMSEAssembler()
            for p in pdvs { _ = try? assembler.feed(p) }
            for p in pdvs where p.isCommand { _ = try? DIMSECommand.decode(p.data) }
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

public typealias FuzzArgv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<FuzzArgv?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point as `PDUFuzz_main`; hand control to libFuzzer's driver.
@_cdecl("PDUFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: FuzzArgv?) -> Int32 {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { data, size in LLVMFuzzerTestOneInput(data, size) }
}
#else
import Foundation

@main
struct PDUFuzzReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let d = FileManager.default.contents(atPath: path) else { print("\(path): cannot read"); continue }
            d.withUnsafeBytes { fuzzOne($0) }
            print("\(path): ok")
        }
    }
}
#endif
