import Testing
@testable import Imaging

@Suite("Segmented LUT expansion, PS3.3 C.7.9.2")
struct SegmentedLUTTests {
    @Test func discreteSegment() throws {
        #expect(try SegmentedLUT.expand([0, 3, 10, 20, 30]) == [10, 20, 30])
    }

    /// Linear segment: n values from the previous value (exclusive) to y1 (inclusive).
    @Test func linearSegment() throws {
        #expect(try SegmentedLUT.expand([0, 1, 0, 1, 4, 100]) == [0, 25, 50, 75, 100])
        // Descending, with rounding: 100 → 0 over 3 = 66.67, 33.33, 0.
        #expect(try SegmentedLUT.expand([0, 1, 100, 1, 3, 0]) == [100, 67, 33, 0])
        // Ties round to even, as pydicom does: 0 → 1 over 2 = 0.5 → 0, 1.
        #expect(try SegmentedLUT.expand([0, 1, 0, 1, 2, 1]) == [0, 0, 1])
    }

    /// Indirect segment: copy n segments from a word offset (low word first).
    @Test func indirectSegment() throws {
        let data: [UInt16] = [0, 2, 0, 100, 1, 2, 200, 2, 2, 0, 0]
        #expect(try SegmentedLUT.expand(data) == [0, 100, 150, 200, 0, 100, 150, 200])
        // The copied linear segment starts from the value before the copy (200 → 100: 150, 100).
        let data2: [UInt16] = [0, 1, 50, 1, 2, 100, 0, 1, 200, 2, 1, 3, 0]
        #expect(try SegmentedLUT.expand(data2) == [50, 75, 100, 200, 150, 100])
    }

    @Test func trailingPadWordIsIgnored() throws {
        #expect(try SegmentedLUT.expand([0, 2, 7, 8, 0]) == [7, 8])
    }

    @Test(arguments: [
        ([1, 2, 100] as [UInt16], "linear segment without a previous value"),
        ([0, 5, 1, 2], "overruns"),
        ([0, 1, 1, 2, 1, 500, 0], "indirect offset"),
        ([0, 1, 1, 7, 1], "unknown segment type 7"),
        ([0, 1, 1, 2, 1, 7, 0, 2, 1, 3, 0], "nested too deeply"),
    ])
    func malformedDataThrowsWithTheOffset(data: [UInt16], reason: String) {
        do {
            _ = try SegmentedLUT.expand(data)
            Issue.record("accepted \(data)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func expansionIsBounded() {
        #expect(throws: ImagingError.self) { try SegmentedLUT.expand([0, 1, 0, 1, 65535, 9, 1, 65535, 9], maxEntries: 65536) }
    }
}

@Suite("Palette colour LUT, PS3.3 C.7.6.3.1.5")
struct PaletteColorLUTTests {
    @Test func sixteenBitEntriesScaleTo8Bit() throws {
        let red = try LUTTable(firstMapped: 0, bits: 16, data: [0, 65535, 32896, 257])
        let green = try LUTTable(firstMapped: 0, bits: 16, data: [65535, 0, 0, 0])
        let blue = try LUTTable(firstMapped: 0, bits: 16, data: [0, 0, 65535, 128])
        let palette = try PaletteColorLUT(red: red, green: green, blue: blue, bitsStored: 8)
        let image = palette.render([UInt8(0), 1, 2, 3, 200], width: 5, height: 1)
        #expect(image.channels == 3)
        // 32896/257 = 128; 128/257 = 0.498 → 0; indices past the table clamp to the last entry.
        #expect(image.pixels == [0, 255, 0, 255, 0, 0, 128, 0, 255, 1, 0, 0, 1, 0, 0])
    }

    @Test func firstMappedOffsetsIndices() throws {
        let t = try LUTTable(firstMapped: 10, bits: 8, data: [1, 2, 3])
        let palette = try PaletteColorLUT(red: t, green: t, blue: t, bitsStored: 16)
        #expect(palette.apply([UInt16(0), 10, 11, 12, 13]) == [1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3])
        #expect(palette.color(of: 11) == (2, 2, 2))
    }

    @Test func segmentedPaletteEndToEnd() throws {
        // A 256-entry ramp described in 5 words: 0 then linear to 65535 over 255 entries.
        let expanded = try SegmentedLUT.expand([0, 1, 0, 1, 255, 65535])
        #expect(expanded.count == 256)
        let ramp = try LUTTable(descriptor: (entries: 256, firstMapped: 0, bits: 16), data: expanded)
        let palette = try PaletteColorLUT(red: ramp, green: ramp, blue: ramp, bitsStored: 8)
        let out = palette.apply((0...255).map { UInt8($0) })
        #expect(stride(from: 0, to: out.count, by: 3).map { out[$0] } == (0...255).map { UInt8($0) })
    }
}
