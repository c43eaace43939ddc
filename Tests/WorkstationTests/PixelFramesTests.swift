import DICOMCodecs
import DICOMCore
import Imaging
import Testing
import TestSupport
@testable import Workstation

#if canImport(Glibc)
import Glibc
#endif

private let rle = "1.2.840.10008.1.2.5"

/// One RLE Lossless frame of 8-bit grey pixels (PS3.5 Annex G): header with one segment,
/// then the segment as literal runs of at most 128 bytes.
private func rleFrame(_ pixels: [UInt8]) -> [UInt8] {
    var header = [UInt8](repeating: 0, count: 64)
    header[0] = 1
    header[4] = 64
    var segment: [UInt8] = []
    var i = 0
    while i < pixels.count {
        let n = min(128, pixels.count - i)
        segment.append(UInt8(n - 1))
        segment += pixels[i..<i + n]
        i += n
    }
    if segment.count & 1 == 1 { segment.append(0) }
    return header + segment
}

private func image(frames: [[UInt8]], rows: Int = 2, columns: Int = 2, offsetTable: [UInt32],
                   extendedOffsets: [UInt64]? = nil, splitFirstFrame: Bool = false,
                   extra: (inout DICOMBuilder) -> Void = { _ in }) -> [UInt8] {
    var b = DICOMBuilder()
    b.text(Tag(0x0008, 0x0016), .UI, "1.2.840.10008.5.1.4.1.1.7")
    b.us(Tag(0x0028, 0x0002), 1)
    b.text(Tag(0x0028, 0x0004), .CS, "MONOCHROME2")
    b.text(Tag(0x0028, 0x0008), .IS, String(frames.count))
    b.us(Tag(0x0028, 0x0010), UInt16(rows))
    b.us(Tag(0x0028, 0x0011), UInt16(columns))
    b.us(Tag(0x0028, 0x0100), 8)
    b.us(Tag(0x0028, 0x0101), 8)
    b.us(Tag(0x0028, 0x0102), 7)
    b.us(Tag(0x0028, 0x0103), 0)
    extra(&b)
    if let extendedOffsets {
        var bytes: [UInt8] = []
        for o in extendedOffsets { for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: o >> (8 * UInt64(k)))) } }
        b.element(Tag(0x7FE0, 0x0001), .OV, bytes)
    }
    var fragments: [[UInt8]] = []
    for (i, f) in frames.enumerated() {
        let codestream = rleFrame(f)
        if splitFirstFrame && i == 0 {
            fragments.append(Array(codestream[0..<64]))
            fragments.append(Array(codestream[64...]))
        } else {
            fragments.append(codestream)
        }
    }
    b.encapsulatedPixelData(offsetTable: offsetTable, fragments: fragments)
    return DICOMBuilder.part10(transferSyntax: rle, dataSet: b.bytes)
}

private func frames(_ bytes: [UInt8]) throws -> PixelFrames {
    let (file, error) = readBytes(bytes)
    #expect(error == nil)
    return try PixelFrames(file: try #require(file))
}

private let pixels: [[UInt8]] = [[1, 2, 3, 4], [10, 20, 30, 40], [100, 110, 120, 130]]

@Test func framesFollowTheBasicOffsetTableWhenAFrameSpansFragments() throws {
    // Frame 0 is split over two fragments (8 + 64 bytes of item header + data each): the BOT
    // points at the item of each frame's first fragment.
    let f0 = 8 + 64 + 8 + (rleFrame(pixels[0]).count - 64)
    let f1 = f0 + 8 + rleFrame(pixels[1]).count
    let pf = try frames(image(frames: pixels, offsetTable: [0, UInt32(f0), UInt32(f1)], splitFirstFrame: true))
    for k in 0..<3 {
        #expect(try pf.decode(frame: k).bytes == pixels[k], "frame \(k)")
    }
}

@Test func framesFollowTheExtendedOffsetTable() throws {
    let f0 = UInt64(8 + 64 + 8 + (rleFrame(pixels[0]).count - 64))
    let f1 = f0 + 8 + UInt64(rleFrame(pixels[1]).count)
    let pf = try frames(image(frames: pixels, offsetTable: [], extendedOffsets: [0, f0, f1], splitFirstFrame: true))
    #expect(try pf.decode(frame: 2).bytes == pixels[2])
    #expect(try pf.decode(frame: 0).bytes == pixels[0])
}

@Test func framesAreFoundWithoutAnyOffsetTable() throws {
    let pf = try frames(image(frames: pixels, offsetTable: []))
    #expect(try (0..<3).map { try pf.decode(frame: $0).bytes } == pixels)
}

@Test func aCorruptFrameIsATypedErrorAndTheOtherFramesStillDecode() throws {
    var bytes = image(frames: pixels, offsetTable: [])
    // Break frame 1's RLE header: claim 9 segments.
    let frame1 = rleFrame(pixels[1])
    let at = try #require((0...(bytes.count - frame1.count)).first { Array(bytes[$0..<$0 + frame1.count]) == frame1 })
    bytes[at] = 9
    let pf = try frames(bytes)
    #expect(try pf.decode(frame: 0).bytes == pixels[0])
    #expect(try pf.decode(frame: 2).bytes == pixels[2])
    do {
        _ = try pf.decode(frame: 1)
        Issue.record("a corrupt RLE header decoded")
    } catch {
        #expect(error.description.contains("test.dcm"), "names the file: \(error)")
        #expect(error.description.contains("RLE"), "names the transfer syntax: \(error)")
        #expect(error.frame == 1)
    }
}

@Test func anUnknownTransferSyntaxIsRefusedNamingTheUID() throws {
    var b = DICOMBuilder()
    b.us(Tag(0x0028, 0x0010), 1)
    b.us(Tag(0x0028, 0x0011), 1)
    b.us(Tag(0x0028, 0x0100), 8)
    b.element(.pixelData, .OB, [0, 0])
    let (file, _) = readBytes(DICOMBuilder.part10(transferSyntax: "1.2.3.4.999", dataSet: b.bytes))
    #expect(throws: WorkstationError.self) { try PixelFrames(file: try #require(file)) }
    let parsed = try #require(file)
    do { _ = try PixelFrames(file: parsed) } catch {
        #expect(error.description.contains("1.2.3.4.999"))
    }
}

@Test func aPaletteWithAWrongDescriptorIsATypedError() throws {
    var b = DICOMBuilder()
    b.us(Tag(0x0028, 0x0002), 1)
    b.text(Tag(0x0028, 0x0004), .CS, "PALETTE COLOR")
    b.us(Tag(0x0028, 0x0010), 1)
    b.us(Tag(0x0028, 0x0011), 2)
    b.us(Tag(0x0028, 0x0100), 8)
    b.us(Tag(0x0028, 0x0101), 8)
    b.us(Tag(0x0028, 0x0102), 7)
    // Descriptors say 256 entries; the data holds 4.
    for t: UInt16 in [0x1101, 0x1102, 0x1103] { b.us(Tag(0x0028, t), 256, 0, 16) }
    for t: UInt16 in [0x1201, 0x1202, 0x1203] { b.element(Tag(0x0028, t), .OW, [0, 0, 255, 255, 0, 0, 255, 255]) }
    b.element(.pixelData, .OB, [0, 1])
    let (file, _) = readBytes(DICOMBuilder.part10(transferSyntax: "1.2.840.10008.1.2.1", dataSet: b.bytes))
    let renderer = try FrameRenderer(file: try #require(file))
    #expect(throws: WorkstationError.self) { try renderer.render(frame: 0) }
}

@Test func theDemoStudiesAreRealCTSeriesThatRenderWithTheirWindow() throws {
    let dir = "/tmp/sixray-demo-test-\(getpid())"
    defer { _ = system("rm -rf '\(dir)'") }
    let demo = DemoStudies()
    let written = try demo.write(to: dir)
    #expect(written.map { String($0.split(separator: "/").last!) } == ["current", "prior", "mr"])
    var st = stat()
    #expect(stat(dir, &st) == 0 && st.st_mode & 0o777 == 0o700, "the demo directory is private")
    let file = try Part10Reader.read(path: written[0] + "/CT024.dcm")
    #expect(stat(written[0] + "/CT024.dcm", &st) == 0 && st.st_mode & 0o777 == 0o600, "demo files are private")
    let renderer = try FrameRenderer(file: file)
    let attrs = try renderer.attributes(frame: 0)
    #expect(attrs.modality == .rescale(slope: 1, intercept: -1024))
    #expect(attrs.voi.windows.first == VOIWindow(center: 40, width: 400))
    let image = try renderer.render(frame: 0)
    #expect(image.width == demo.columns && image.height == demo.rows)
    // Corner: air (−1000 HU) is below the 40/400 window: black. Vertebral body (~700 HU) is
    // above it: white.
    #expect(image.pixels[0] == 0)
    let half = Double(demo.columns) * demo.pixelSpacing / 2
    let c = Int((0 + half) / demo.pixelSpacing), r = Int((55 + half) / demo.pixelSpacing)
    #expect(image.pixels[r * demo.columns + c] == 255)
    // The prior has a different slice thickness and start: position-based sync has work to do.
    let prior = try Part10Reader.read(path: written[1] + "/CT001.dcm")
    #expect(prior.dataSet.double(Tag(0x0018, 0x0050)) != file.dataSet.double(Tag(0x0018, 0x0050)))
    // Each exam has its own Frame of Reference (other days), as real ones do.
    #expect(prior.dataSet.string(Tag(0x0020, 0x0052)) != file.dataSet.string(Tag(0x0020, 0x0052)))
    // The MR: MR Image Storage, T2 contrast: the cystic lesion is brighter than the liver.
    let mr = try Part10Reader.read(path: written[2] + "/MR011.dcm")
    #expect(mr.dataSet.string(Tag(0x0008, 0x0016))?.hasPrefix("1.2.840.10008.5.1.4.1.1.4") == true)
    #expect(demo.t2Signal(x: -60, y: -25, z: 0, lesionRadius: 13) > 2 * demo.t2Signal(x: -30, y: -40, z: 0, lesionRadius: 13))
    // The lesion grows between the prior and the current exam.
    #expect(demo.series[0].lesionRadius > demo.series[1].lesionRadius)
}
