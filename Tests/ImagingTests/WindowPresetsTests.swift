import Testing
@testable import Imaging

@Suite("Window presets (data, TOML)")
struct WindowPresetsTests {
    @Test func builtInPresetsParseWithTheExpectedValues() throws {
        let presets = try WindowPresets.parse(WindowPresets.builtInTOML)
        #expect(WindowPresets.builtIn == presets)
        let byID = Dictionary(uniqueKeysWithValues: presets.map { ($0.id, $0) })
        let expected: [(String, Double, Double)] = [
            ("ct-brain", 40, 80), ("ct-subdural", 75, 215), ("ct-stroke", 40, 40), ("ct-bone", 400, 1800),
            ("ct-lung", -600, 1500), ("ct-mediastinum", 50, 350), ("ct-abdomen", 40, 400), ("ct-liver", 60, 160),
        ]
        for (id, c, w) in expected {
            guard case let .fixed(window)? = byID[id]?.kind else {
                Issue.record("missing fixed preset \(id)")
                continue
            }
            #expect(window.center == c && window.width == w && window.function == .linear, "\(id)")
            #expect(byID[id]?.modality == "CT")
        }
        #expect(byID["mr-auto"]?.kind == .auto(lowPercentile: 0.005, highPercentile: 0.995))
        #expect(WindowPresets.applicable(presets, modality: "MR").map(\.id) == ["mr-auto"])
    }

    @Test func userFileOverridesByIDAndAdds() throws {
        let user = try WindowPresets.parse("""
        # my windows
        [[preset]]
        id = "ct-brain"   # narrower brain
        name = "Brain (narrow)"
        modality = "CT"
        center = 35
        width = 70.5
        [[preset]]
        id = "ct-temporal-bone"
        name = "Temporal bone"
        center = 700
        width = 4000
        function = "LINEAR_EXACT"
        description = "Ossicles \\"and\\" # not a comment"
        """, source: "windows.toml")
        let merged = WindowPresets.merged(WindowPresets.builtIn, overrides: user)
        #expect(merged.count == WindowPresets.builtIn.count + 1)
        #expect(merged.first { $0.id == "ct-brain" }?.kind == .fixed(VOIWindow(center: 35, width: 70.5, explanation: "Brain (narrow)")))
        let temporal = merged.last
        #expect(temporal?.description == "Ossicles \"and\" # not a comment")
        #expect(temporal?.modality == nil)
        if case let .fixed(w)? = temporal?.kind { #expect(w.function == .linearExact) } else { Issue.record("not fixed") }
    }

    @Test(arguments: [
        ("[[preset]]\nid = \"a\"\nname = \"A\"\ncenter = 1\n", 1, "needs numeric center and width"),
        ("[[preset]]\nid = \"a\"\nname = \"A\"\ncenter = 1\nwidth = 0.5\n", 1, "invalid for LINEAR"),
        ("[[preset]]\nid = \"a\"\nname = \"A\"\ncenter = x1\nwidth = 5\n", 4, "invalid value 'x1'"),
        ("[[preset]]\nid = \"a\"\nname = \"A\nwidth = 5\n", 3, "unterminated string"),
        ("[window]\nid = \"a\"\n", 1, "expected [[preset]]"),
        ("[[preset]]\nid = \"a\"\nid = \"b\"\n", 3, "duplicate key"),
    ])
    func malformedFilesReportTheLine(text: String, line: Int, reason: String) {
        do {
            _ = try WindowPresets.parse(text, source: "windows.toml")
            Issue.record("accepted malformed presets")
        } catch {
            #expect(error.description.contains("line \(line)"), "\(error)")
            #expect(error.description.contains(reason), "\(error)")
            #expect(error.description.contains("windows.toml"), "\(error)")
        }
    }

    @Test func mrAutoUsesPercentilesOfTheFrame() {
        // 1000 values 0…999 plus two hot outliers: 0.5–99.5 % ignores the outliers.
        var values = (0..<1000).map { UInt16($0) }
        values += [60000, 61000]
        let auto = WindowPreset(id: "mr-auto", name: "MR auto", modality: "MR",
                                kind: .auto(lowPercentile: 0.005, highPercentile: 0.995))
        guard case let .window(w) = auto.transform(for: values, modality: .identity) else {
            Issue.record("expected a window")
            return
        }
        // ceil(0.005·1002) = 6th smallest = 5; ceil(0.995·1002) = 997th = 996.
        #expect(w == VOIWindow(center: (5 + 996 + 1) / 2, width: 996 - 5 + 1, explanation: "AUTO"))
    }
}

@Suite("Default window and frame statistics")
struct WindowEstimateTests {
    @Test func rangeWindowMapsMinToBlackAndMaxToWhite() throws {
        let values: [Int16] = [-1024, -1000, 0, 500, 3071]
        guard let w = WindowEstimate.fromFrame(values, modality: .rescale(slope: 1, intercept: -1024)) else {
            Issue.record("no window")
            return
        }
        #expect(w.center == (-2048 + 2047 + 1) / 2 && w.width == 4096)
        let p = try DisplayPipeline(bitsStored: 16, isSigned: true, modality: .rescale(slope: 1, intercept: -1024),
                                    voi: .window(w))
        let out = p.apply(values)
        #expect(out.first == 0 && out.last == 255)
        #expect(WindowEstimate.fromFrame([Int16](), modality: .identity) == nil)
    }

    @Test func minMaxOfEveryType() {
        #expect(FrameStatistics.minMax([Int16(5), -7, 300, 2]) ?? (0, 0) == (-7, 300))
        #expect(FrameStatistics.minMax([UInt16(5), 65535, 0]) ?? (1, 1) == (0, 65535))
        #expect(FrameStatistics.minMax([Int8(-128), 127]) ?? (0, 0) == (-128, 127))
        #expect(FrameStatistics.minMax([Int32]()) == nil)
        // Large buffer, extremes in the vector tail.
        var big = [Int16](repeating: 100, count: 100_003)
        big[100_001] = -32768
        big[100_002] = 32767
        #expect(FrameStatistics.minMax(big) ?? (0, 0) == (-32768, 32767))
    }
}
