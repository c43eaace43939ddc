import DICOMCore
@testable import DICOMNetwork
import DICOMweb
import Foundation
import NIOCore
import StudyStore
import Testing
@testable import Workstation

/// WADO-RS parts streamed into the same `InstanceSink` a DIMSE retrieve uses: files equal the
/// parts, a part cut short leaves nothing, and an instance is never held whole.
@Suite struct WADOSinkTests {
    static func instance(_ uid: String, pixels n: Int) throws -> [UInt8] {
        var ds = DataSet()
        func ui(_ s: String) -> [UInt8] { Array(s.utf8) + (s.utf8.count & 1 == 1 ? [0] : []) }
        ds.set(DataElement(tag: Tag(0x0008, 0x0016), vr: .UI, bytes: ui("1.2.840.10008.5.1.4.1.1.7")))
        ds.set(DataElement(tag: Tag(0x0008, 0x0018), vr: .UI, bytes: ui(uid)))
        ds.set(DataElement(tag: Tag(0x0010, 0x0020), vr: .LO, bytes: Array("PID1".utf8)))
        ds.set(DataElement(tag: Tag(0x7FE0, 0x0010), vr: .OB, bytes: (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 7) }))
        return try Part10Writer().encode(ds)
    }

    static func multipart(_ parts: [[UInt8]], boundary: String = "b0undary") -> [UInt8] {
        var b: [UInt8] = []
        for p in parts { b += Array("--\(boundary)\r\nContent-Type: application/dicom\r\n\r\n".utf8) + p + [13, 10] }
        return b + Array("--\(boundary)--\r\n".utf8)
    }

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "sixray-wado-\(UUID().uuidString)"
        return d
    }

    /// Feed `body` in pieces of `size` through the parser into `handler`, as the client does.
    static func feed(_ body: [UInt8], pieces size: Int, into handler: SinkPartHandler, boundary: String = "b0undary") throws -> MultipartParser {
        var p = try MultipartParser(boundary: boundary)
        var i = 0
        while i < body.count {
            let end = min(body.count, i + size)
            try body.withUnsafeBytes { raw in
                try p.feed(UnsafeRawBufferPointer(rebasing: raw[i..<end])) { e throws(DICOMwebError) in
                    switch e {
                    case .partBegin(let h): try handler.partBegin(headers: h)
                    case .body(let b): try handler.partBody(b)
                    case .partEnd: try handler.partEnd()
                    }
                }
            }
            i = end
        }
        return p
    }

    static func dataSet(ofFile path: String) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let h = try Part10Header.parse(bytes)
        return Array(bytes[h.dataSetOffset...])
    }

    @Test(arguments: [1, 7, 100, 4096, 65536])
    func partsBecomeFilesEqualToThem(pieceSize: Int) throws {
        let uids = ["1.2.3.100", "1.2.3.101", "1.2.3.102"]
        let parts = try uids.enumerated().map { try Self.instance($0.element, pixels: 3000 + 5000 * $0.offset) }
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let handler = SinkPartHandler(sink: try DirectorySink(directory: dir))
        let p = try Self.feed(Self.multipart(parts), pieces: pieceSize, into: handler)
        try p.finish()
        #expect(handler.received.map(\.sopInstanceUID) == uids)
        for (uid, part) in zip(uids, parts) {
            let path = dir + "/\(uid).dcm"
            let h = try Part10Header.parse(part)
            #expect(try Self.dataSet(ofFile: path) == Array(part[h.dataSetOffset...]), "\(uid)")
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
        // Only the meta-group prefix (at most one piece) was ever held.
        #expect(handler.maxHeldBytes <= max(pieceSize, 400))
    }

    @Test func partCutShortIsDiscardedAndTheRestKept() throws {
        let uids = ["1.2.3.200", "1.2.3.201", "1.2.3.202"]
        let parts = try uids.map { try Self.instance($0, pixels: 20000) }
        let body = Self.multipart(parts)
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let handler = SinkPartHandler(sink: try DirectorySink(directory: dir))
        let p = try Self.feed(Array(body.prefix(body.count - 5000)), pieces: 4096, into: handler)
        #expect(throws: DICOMwebError.self) { try p.finish() }
        handler.partAbandoned()  // what the client does when the body breaks off inside a part
        #expect(handler.received.map(\.sopInstanceUID) == Array(uids.prefix(2)))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["1.2.3.200.dcm", "1.2.3.201.dcm"])  // no .partial-* left behind
    }

    @Test func instancesTheSinkHoldsAreSkipped() throws {
        let parts = try ["1.2.3.300", "1.2.3.301"].map { try Self.instance($0, pixels: 100) }
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sink = try DirectorySink(directory: dir)
        _ = try Self.feed(Self.multipart([parts[0]]), pieces: 50, into: SinkPartHandler(sink: sink))
        let handler = SinkPartHandler(sink: sink)
        try Self.feed(Self.multipart(parts), pieces: 50, into: handler).finish()
        #expect(handler.skipped == 1)
        #expect(handler.received.map(\.sopInstanceUID) == ["1.2.3.301"])
    }

    /// Only the study store's commits (an SQLite adopt each) are worth a writer thread.
    @Test func onlyTheStoreAsksForAWriterThread() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(!SinkPartHandler(sink: try DirectorySink(directory: dir)).wantsWriterThread)
        let store = try StudyStore.open(root: dir + "/store")
        let storeSink = try StoreSink(store: store, source: "test")
        #expect(SinkPartHandler(sink: storeSink).wantsWriterThread)
        #expect(SinkPartHandler(sink: CancellableSink(inner: storeSink, isCancelled: { false })).wantsWriterThread)
    }

    @Test func aPartThatIsNotPart10IsRefusedWithWords() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let handler = SinkPartHandler(sink: try DirectorySink(directory: dir))
        #expect { _ = try Self.feed(Self.multipart([Array(repeating: 65, count: 300)]), pieces: 64, into: handler) } throws: { e in
            (e as? DICOMwebError)?.message.contains("no 'DICM' at byte 128") ?? false
        }
    }

    /// A 50 MB instance streamed in 64 KiB pieces: the sink's writer sees chunks of at most a
    /// piece, the handler holds at most one piece, and every byte arrives in order.
    @Test func fiftyMegabyteInstanceIsNeverHeldWhole() throws {
        let stats = CountingSink.Stats()
        let handler = SinkPartHandler(sink: CountingSink(stats: stats))
        var p = try MultipartParser(boundary: "b0undary")
        let pixels = 50_000_000
        var start = try Self.instance("1.2.3.400", pixels: 0)
        start.removeLast(12)  // drop the empty (7FE0,0010) OB element header: 12 bytes
        start += [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x42, 0, 0]
        withUnsafeBytes(of: UInt32(pixels).littleEndian) { start += $0 }
        let head = Array("--b0undary\r\nContent-Type: application/dicom\r\n\r\n".utf8) + start
        func handle(_ e: MultipartParser.Piece) throws(DICOMwebError) {
            switch e {
            case .partBegin(let h): try handler.partBegin(headers: h)
            case .body(let b): try handler.partBody(b)
            case .partEnd: try handler.partEnd()
            }
        }
        try head.withUnsafeBytes { try p.feed($0, handle) }
        var piece = [UInt8](repeating: 0, count: 65536)
        var sent = 0
        while sent < pixels {
            let n = min(piece.count, pixels - sent)
            piece.withUnsafeMutableBytes { m in
                var k = 0
                while k < n {  // runs of 256 equal bytes: b[i] = i >> 8
                    let run = min(n - k, 256 - (sent + k) & 255)
                    memset(m.baseAddress! + k, Int32(truncatingIfNeeded: (sent + k) >> 8 & 255), run)
                    k += run
                }
            }
            try piece.withUnsafeBytes { try p.feed(UnsafeRawBufferPointer(rebasing: $0[..<n]), handle) }
            sent += n
        }
        try Array("\r\n--b0undary--\r\n".utf8).withUnsafeBytes { try p.feed($0, handle) }
        try p.finish()
        #expect(handler.received.count == 1)
        #expect(stats.total == start.count - (try Part10Header.parse(start).dataSetOffset) + pixels)
        #expect(stats.pixelsSeen == pixels)
        #expect(stats.maxChunk <= 65536)
        #expect(stats.inOrder)
        #expect(handler.maxHeldBytes <= 65536)
        #expect(p.maxHeldBytes <= 65536 + 64)
    }
}

/// A sink that keeps nothing: it counts bytes, the largest chunk, and checks that the pixel
/// bytes (b[i] = i >> 8 from the pixel data's start) arrive in order.
struct CountingSink: InstanceSink {
    final class Stats: @unchecked Sendable {
        var total = 0
        var maxChunk = 0
        var inOrder = true
        var pixelsSeen = -1
    }
    let stats: Stats

    func contains(sopInstanceUID: String) -> Bool { false }
    func begin(sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String) throws(NetworkError) -> any InstanceWriter {
        Writer(stats: stats)
    }

    final class Writer: InstanceWriter {
        let stats: Stats
        var seen: [UInt8] = []
        init(stats: Stats) { self.stats = stats }
        func write(_ fragment: ByteBuffer) throws(NetworkError) {
            try write(contentsOf: UnsafeRawBufferPointer(start: nil, count: 0))
            stats.inOrder = false  // the WADO path must not come through ByteBuffers
        }
        func write(contentsOf bytes: UnsafeRawBufferPointer) throws(NetworkError) {
            stats.maxChunk = max(stats.maxChunk, bytes.count)
            var i = 0
            while stats.pixelsSeen < 0 && i < bytes.count {
                // Until the pixel data element's header (E0 7F 10 00 'OB' 00 00 + length) has passed.
                seen.append(bytes[i])
                i += 1
                if seen.count >= 12, Array(seen.suffix(12).prefix(6)) == [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x42] { stats.pixelsSeen = 0 }
            }
            if stats.pixelsSeen >= 0 && i < bytes.count {
                // Pixel bytes: sample the first, middle and last of the chunk.
                let n = bytes.count - i
                for k in [0, n / 2, n - 1] where bytes[i + k] != UInt8(truncatingIfNeeded: (stats.pixelsSeen + k) >> 8) {
                    stats.inOrder = false
                }
                stats.pixelsSeen += n
            }
            stats.total += bytes.count
        }
        func commit() throws(NetworkError) -> ReceivedInstance {
            ReceivedInstance(sopClassUID: "", sopInstanceUID: "1.2.3.400", transferSyntaxUID: "", location: "", bytes: stats.total)
        }
        func discard() {}
    }
}
