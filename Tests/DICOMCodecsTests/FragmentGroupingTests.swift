import DICOMCodecs
import Testing

@Suite("grouping fragments into frames")
struct FragmentGroupingTests {
    /// Real encapsulated files: our grouping equals pydicom's (which used the offset table when
    /// the file has one, so this checks the marker rules against ground truth).
    @Test(
        "grouping equals pydicom's", .enabled(if: CodecFixtures.available, CodecFixtures.skipMessage),
        arguments: CodecFixtures.caseNames)
    func matchesPydicom(_ name: String) throws {
        let meta = try CodecFixtures.meta(name)
        guard meta.encapsulated, let expected = meta.pydicomGrouping else { return }
        let fragments = try CodecFixtures.fragments(name, meta)
        let groups = FragmentGrouping.groupFragments(
            fragments, frameCount: meta.description.numberOfFrames, transferSyntaxUID: meta.transferSyntaxUID)
        #expect(groups == expected, "\(name): \(fragments.count) fragments, \(meta.description.numberOfFrames) frames")
    }

    @Test("JPEG start markers split fragments; continuation fragments stay with their frame")
    func jpegStarts() {
        let fragments: [[UInt8]] = [
            [0xFF, 0xD8, 0xFF, 0xC3, 1], [9, 9, 9, 9], [0xFF, 0xD8, 0xFF, 0xC3, 2], [8, 8, 0xFF, 0xD9],
            [0xFF, 0xD8, 0xFF, 0xC3, 3],
        ]
        let groups = FragmentGrouping.groupFragments(fragments, frameCount: 3, transferSyntaxUID: "1.2.840.10008.1.2.4.57")
        #expect(groups == [[0, 1], [2, 3], [4]])
    }

    @Test("J2K SOC+SIZ and JP2 signature start frames")
    func j2kStarts() {
        let jp2: [UInt8] = [0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0]
        let fragments: [[UInt8]] = [[0xFF, 0x4F, 0xFF, 0x51, 0], [1, 2, 3, 4], jp2, [5, 6, 7, 8], [7, 7, 7, 7]]
        let groups = FragmentGrouping.groupFragments(fragments, frameCount: 2, transferSyntaxUID: "1.2.840.10008.1.2.4.90")
        #expect(groups == [[0, 1], [2, 3, 4]])
    }

    @Test("RLE headers start frames")
    func rleStarts() {
        var header = [UInt8](repeating: 0, count: 64)
        header[0] = 1
        header[4] = 64
        let fragments: [[UInt8]] = [header, [0, 0, 0, 0, 0, 0, 0, 0], header, header]
        let groups = FragmentGrouping.groupFragments(fragments, frameCount: 3, transferSyntaxUID: "1.2.840.10008.1.2.5")
        #expect(groups == [[0, 1], [2], [3]])
    }

    @Test("one fragment per frame, and all fragments for one frame")
    func trivialCases() {
        let f: [[UInt8]] = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 9, 9, 9]]
        #expect(FragmentGrouping.groupFragments(f, frameCount: 3, transferSyntaxUID: "1.2.840.10008.1.2.4.50") == [[0], [1], [2]])
        #expect(FragmentGrouping.groupFragments(f, frameCount: 1, transferSyntaxUID: "1.2.840.10008.1.2.4.50") == [[0, 1, 2]])
    }
}
