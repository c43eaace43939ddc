import Foundation

@main struct Bench {
    static func time(_ label: String, bytes: Int, iterations: Int, _ body: () -> Int) {
        var sink = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { sink &+= body() }
        let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations)
        print(String(format: "%-44@ %8.1f ns/value  %7.1f MB/s  (sink %d)", label as NSString, ns, Double(bytes) / ns * 1000, sink))
    }

    static func main() {
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = SpecificCharacterSet(["", "ISO 2022 IR 87"]).decode(Array("\u{1B}$B;3ED\u{1B}(B".utf8), vr: .PN)
        print("first JIS X 0208 use (table init):", Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6, "ms")
        let t1 = DispatchTime.now().uptimeNanoseconds
        _ = SpecificCharacterSet(["GB18030"]).decode([0xCD, 0xF5], vr: .PN)
        print("first GB18030 use (table init):", Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e6, "ms")

        let ascii = Array("DOE^JOHN^^^".utf8) + Array(repeating: UInt8(0x41), count: 21)
        let latin = Array("Müller^Jürgen Ä".utf8.map { $0 }).count > 0 ? [UInt8]([0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x5E, 0x4A, 0xFC, 0x72, 0x67, 0x65, 0x6E]) + Array(repeating: UInt8(0x41), count: 19) : []
        let utf8 = Array("Wang^XiaoDong=王^小東=".utf8)
        let jis: [UInt8] = [0x59,0x61,0x6d,0x61,0x64,0x61,0x5e,0x54,0x61,0x72,0x6f,0x75,0x3d,0x1b,0x24,0x42,0x3b,0x33,0x45,0x44,0x1b,0x28,0x42,0x5e,0x1b,0x24,0x42,0x42,0x40,0x4f,0x3a,0x1b,0x28,0x42]
        let def = SpecificCharacterSet.default
        let l1 = SpecificCharacterSet(["ISO_IR 100"])
        let u8 = SpecificCharacterSet(["ISO_IR 192"])
        let jp = SpecificCharacterSet(["", "ISO 2022 IR 87"])
        let n = 1_000_000
        time("default, 32 B ASCII LO", bytes: ascii.count, iterations: n) { def.decode(ascii, vr: .LO).utf8.count }
        time("ISO_IR 100, 32 B ASCII LO", bytes: ascii.count, iterations: n) { l1.decode(ascii, vr: .LO).utf8.count }
        time("ISO_IR 100, 32 B with umlauts", bytes: latin.count, iterations: n) { l1.decode(latin, vr: .LO).utf8.count }
        time("ISO_IR 192, 26 B CJK PN", bytes: utf8.count, iterations: n) { u8.decode(utf8, vr: .PN).utf8.count }
        time("ISO 2022 IR 87, 34 B PN", bytes: jis.count, iterations: n) { jp.decode(jis, vr: .PN).utf8.count }
        time("decodeValues default PN", bytes: ascii.count, iterations: n) { def.decodeValues(ascii, vr: .PN).count }
        time("decodeValues default LO", bytes: ascii.count, iterations: n) { def.decodeValues(ascii, vr: .LO).count }
        time("baseline String(decoding:as: UTF8)", bytes: ascii.count, iterations: n) { String(decoding: ascii, as: UTF8.self).utf8.count }
    }
}
