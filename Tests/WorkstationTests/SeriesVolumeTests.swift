import DICOMCore
import Imaging
import Testing
import TestSupport
@testable import Workstation

#if canImport(Glibc)
import Glibc
#endif

/// Centroid (LPS) of the pixels of a plane brighter than `threshold` within `radius` mm of `near`.
private func brightCentroid(_ r: Reformat, threshold: Double, near: Vector3, radius: Double) -> Vector3? {
    let g = r.geometry
    let v = r.pixels.doubles
    var sum = Vector3(0, 0, 0), weight = 0.0
    for row in 0..<g.height { for c in 0..<g.width {
        let p = g.patientPosition(column: Double(c), row: Double(row))
        let d = p - near
        guard (d * d).sum() <= radius * radius, v[row * g.width + c] > threshold else { continue }
        sum += p
        weight += 1
    } }
    return weight > 0 ? sum / weight : nil
}

private func distance(_ a: Vector3, _ b: Vector3) -> Double { ((a - b) * (a - b)).sum().squareRoot() }

@Suite struct SeriesVolumeTests {
    /// Each sphere lands at its true position, within half a voxel, in axial, coronal and
    /// sagittal planes through its centre: shuffled files, tilted gantry, a missing slice.
    @Test(arguments: ["plain", "tilted", "missing", "enhanced", "oblique-stack"])
    func spheresLandAtTheirTruePositions(kind: String) throws {
        var phantom = SeriesPhantom()
        var skip: Set<Int> = []
        switch kind {
        case "tilted": phantom.tiltDegrees = 15
        case "missing": skip = [17]
        case "oblique-stack":
            // Slices tilted 20° about the x axis (an oblique acquisition, not sheared).
            phantom.columnCosines = Vector3(0, 0.9396926207859084, -0.3420201433256687)
        default: break
        }
        let dir = temporaryDirectory("mpr-\(kind)")
        if kind == "enhanced" {
            try phantom.writeEnhanced(to: dir + "/enhanced.dcm")
        } else {
            try phantom.writeSeries(to: dir, shuffle: true, skip: skip)
        }
        let series = try SeriesVolume.open([dir])
        let findings = Set(series.warnings.map(\.kind))
        #expect(findings.contains(.gantryTilt) == (kind == "tilted"))
        #expect(findings.contains(.missingSlices) == (kind == "missing"))
        #expect(series.stack.geometry.slices == phantom.slices)
        let halfVoxel = 0.5 * max(phantom.pixelSpacing.row, phantom.pixelSpacing.column, phantom.sliceSpacing)
        for sphere in phantom.spheres {
            let c = sphere.center
            for (orientation, position) in [(PlaneOrientation.axial, c.z), (.coronal, c.y), (.sagittal, c.x)] {
                // An oblique stack's planes follow its own grid: place them through the centre.
                let plane = try series.reformat(kind == "oblique-stack"
                    ? PlaneRequest(orientation: orientation, center: c)
                    : PlaneRequest(orientation: orientation, position: position))
                let found = try #require(brightCentroid(plane, threshold: Double(sphere.value + phantom.background) / 2,
                                                        near: c, radius: sphere.radius + 2))
                #expect(distance(found, c) <= halfVoxel, "\(kind) \(orientation): found \(found), expected \(c)")
            }
            // An oblique plane through the centre finds it too.
            let oblique = try series.reformat(PlaneRequest(orientation: .oblique, normal: Vector3(0.2, 0.6, 0.77), center: c))
            let found = try #require(brightCentroid(oblique, threshold: Double(sphere.value + phantom.background) / 2,
                                                    near: c, radius: sphere.radius + 2))
            #expect(distance(found, c) <= halfVoxel)
        }
    }

    @Test func slicesAreOrderedByPositionNotByFileNameOrInstanceNumber() throws {
        let phantom = SeriesPhantom()
        let dir = temporaryDirectory("mpr-order")
        try phantom.writeSeries(to: dir, shuffle: true)
        let catalog = SeriesCatalog.scan([dir])
        let (stacks, _) = SeriesStacking.stacks(of: try #require(catalog.series.first))
        let stack = try #require(stacks.first)
        let z = stack.slices.map { $0.position?.z ?? .nan }
        #expect(z == (0..<phantom.slices).map { phantom.position(ofSlice: $0).z })
        #expect(stack.isRegular)
        // The loaded volume's slice k is the phantom's slice k, bit for bit.
        let volume = try SeriesVolumeLoader(stack: stack, seriesName: "t").load()
        guard case .int16(let v) = volume else { Issue.record("expected Int16"); return }
        let n = phantom.rows * phantom.columns
        for k in [0, 13, phantom.slices - 1] { #expect(Array(v.samples[k * n..<(k + 1) * n]) == phantom.slicePixels(k)) }
        #expect(v.byteCount == n * phantom.slices * 2)
    }

    @Test func tiltedStackKeepsItsShearedAffineAndLabelsOrthogonalPlanes() throws {
        var phantom = SeriesPhantom()
        phantom.tiltDegrees = 15
        let dir = temporaryDirectory("mpr-tilt")
        try phantom.writeSeries(to: dir)
        let series = try SeriesVolume.open([dir])
        let g = series.stack.geometry
        #expect(abs(g.shearDegrees - 15) < 0.01)
        #expect(distance(g.sliceStep, phantom.sliceStep) < 1e-4)
        let sag = try series.reformat(PlaneRequest(orientation: .sagittal))
        #expect(sag.geometry.labels == EdgeLabels(left: "A", right: "P", top: "S", bottom: "I"))
        let message = try #require(series.warnings.first { $0.kind == .gantryTilt }?.message)
        #expect(message.contains("15°"))
        // An oblique plane's labels combine axes, largest first.
        let obl = try series.reformat(PlaneRequest(orientation: .oblique, normal: Vector3(0, -0.5, 0.866)))
        #expect(obl.geometry.labels.top == "AI" && obl.geometry.labels.right == "L")
    }

    @Test func missingSliceIsReportedWithPositionsAndFilled() throws {
        let phantom = SeriesPhantom()
        let dir = temporaryDirectory("mpr-missing")
        try phantom.writeSeries(to: dir, skip: [10])
        let (stacks, _) = SeriesStacking.stacks(of: try #require(SeriesCatalog.scan([dir]).series.first))
        let stack = try #require(stacks.first)
        let finding = try #require(stack.findings.first { $0.kind == .missingSlices })
        #expect(finding.message.contains("1 between -12.75 and -10.25 mm"))
        #expect(stack.geometry.slices == phantom.slices && stack.slices.count == phantom.slices - 1)
        #expect(stack.gridSources[10].count == 2 && stack.gridSources[10][0].weight == 0.5)
    }

    @Test func stacksSplitByOrientationTemporalPositionAndPositionSet() throws {
        // Two temporal positions in one series: two stacks.
        var a = SeriesPhantom(), b = SeriesPhantom()
        a.slices = 6; b.slices = 6
        a.temporalPosition = 1; b.temporalPosition = 2
        let dir = temporaryDirectory("mpr-temporal")
        try a.writeSeries(to: dir + "/a")
        b.seriesUID = a.seriesUID
        b.instanceUIDRoot = "2.25.4242.2"
        try b.writeSeries(to: dir + "/b")
        let (stacks, findings) = SeriesStacking.stacks(of: try #require(SeriesCatalog.scan([dir]).series.first))
        #expect(stacks.count == 2 && stacks.allSatisfy { $0.slices.count == 6 })
        #expect(findings.contains { $0.kind == .multipleStacks })
        #expect(Set(stacks.map(\.label)) == ["temporal position 1", "temporal position 2"])

        // The same positions twice without anything else to tell them apart: two position sets.
        a.temporalPosition = nil; b.temporalPosition = nil
        let dir2 = temporaryDirectory("mpr-sets")
        try a.writeSeries(to: dir2 + "/a")
        try b.writeSeries(to: dir2 + "/b")
        let (sets, _) = SeriesStacking.stacks(of: try #require(SeriesCatalog.scan([dir2]).series.first))
        #expect(sets.count == 2 && sets.allSatisfy { $0.slices.count == 6 })
    }

    @Test func slicesDisagreeingInOrientationOrSizeAreAClearError() throws {
        var phantom = SeriesPhantom()
        phantom.slices = 8
        let dir = temporaryDirectory("mpr-mixed")
        try phantom.writeSeries(to: dir, orientationOverride: [3: (Vector3(0, 1, 0), Vector3(0, 0, -1))])
        #expect {
            try SeriesVolume.open([dir])
        } throws: { error in
            let text = "\(error)"
            return text.contains("series 7 \"PHANTOM\": slices disagree (2 different Image Orientations (Patient)")
                && text.contains("choose one with --stack N")
        }
        // The larger stack can still be chosen.
        let chosen = try SeriesVolume.open([dir], stackIndex: 0)
        #expect(chosen.stack.slices.count == 7)

        let dir2 = temporaryDirectory("mpr-size")
        try phantom.writeSeries(to: dir2, sizeOverride: [5: (32, 32)])
        #expect {
            try SeriesVolume.open([dir2])
        } throws: { error in "\(error)".contains("2 different image sizes: 32x32, 48x64") }
    }

    @Test func singleSliceHasNoSagittal() throws {
        var phantom = SeriesPhantom()
        phantom.slices = 1
        let dir = temporaryDirectory("mpr-single")
        try phantom.writeSeries(to: dir)
        let series = try SeriesVolume.open([dir])
        #expect {
            try series.reformat(PlaneRequest(orientation: .sagittal))
        } throws: { error in
            "\(error)" == "series 7 \"PHANTOM\": the series has a single slice: no sagittal plane can be made (it needs at least two slices)"
        }
        // The axial plane of a single slice is the slice.
        let axial = try series.reformat(PlaneRequest(orientation: .axial, resample: false))
        #expect(axial.pixels == .int16(phantom.slicePixels(0)))
    }

    @Test func enhancedMultiFrameEqualsTheSingleFrameSeries() throws {
        let phantom = SeriesPhantom()
        let dir = temporaryDirectory("mpr-enh")
        try phantom.writeEnhanced(to: dir + "/e.dcm")
        try phantom.writeSeries(to: dir + "/single")
        let enhanced = try SeriesVolume.open([dir + "/e.dcm"])
        let single = try SeriesVolume.open([dir + "/single"])
        #expect(enhanced.stack.geometry == single.stack.geometry)
        guard case .int16(let e) = enhanced.volume, case .int16(let s) = single.volume else { Issue.record("expected Int16"); return }
        #expect(e.samples == s.samples)
        #expect(enhanced.stack.slices.map(\.frame) == Array((0..<phantom.slices).reversed()))
    }

    @Test func displayOfAPlaneUsesTheSeriesWindow() throws {
        let phantom = SeriesPhantom()
        let dir = temporaryDirectory("mpr-display")
        try phantom.writeSeries(to: dir)
        let series = try SeriesVolume.open([dir])
        let plane = try series.reformat(PlaneRequest(orientation: .coronal, resample: false))
        let image = try series.render(plane, voi: .fromFile)
        // Window 40/400 on HU = stored − 1024: background 100 → −924 HU → 0; sphere 1000 → −24 HU → 108.
        let values = plane.pixels.doubles
        for (i, v) in values.enumerated() {
            if v == 100 { #expect(image.pixels[i] == 0) }
            if v == 1000 { #expect(image.pixels[i] == 108) }
        }
        #expect(series.modalityValues(plane).first == values.first.map { $0 - 1024 })
    }
}

@Suite struct PartialLoadingTests {
    /// An axial raw-grid plane decodes only the slices it reads, and equals the full volume's plane.
    @Test(arguments: [(nil as Double?, 7), (5.0, 7), (5.0, 0), (5.0, 39)])
    func axialPlanesLoadOnlyTheirSlices(slab: Double?, index: Int) throws {
        let phantom = SeriesPhantom()
        let dir = temporaryDirectory("mpr-partial")
        try phantom.writeSeries(to: dir)
        let request = PlaneRequest(orientation: .axial, index: index, slabThickness: slab, slabMode: .minip, resample: false)
        let partial = try SeriesVolume.open([dir], for: request)
        let full = try SeriesVolume.open([dir])
        // 5 mm at 1.25 mm: four slices, from one before the plane; clipped at the ends.
        let expected = slab == nil ? 1 : min(phantom.slices, index - 1 + 4) - max(0, index - 1)
        #expect(partial.volume.geometry.slices == expected)
        #expect(partial.volume.byteCount == expected * phantom.rows * phantom.columns * 2)
        let a = try partial.reformat(try #require(partial.planeRequest))
        let b = try full.reformat(request)
        #expect(a.pixels == b.pixels)
        #expect(a.geometry == b.geometry)
    }
}

@Suite struct DuplicateInstanceTests {
    @Test func copiedFilesAreReportedAndCountedOnce() throws {
        var phantom = SeriesPhantom()
        phantom.slices = 6
        let dir = temporaryDirectory("mpr-dup")
        try phantom.writeSeries(to: dir + "/a")
        try phantom.writeSeries(to: dir + "/b", skip: [0, 1, 2, 3])
        let series = try #require(SeriesCatalog.scan([dir]).series.first)
        #expect(series.files.count == 8)
        #expect(series.duplicateSOPInstanceUIDs == ["2.25.4242.1.5", "2.25.4242.1.6"])
        let (stacks, _) = SeriesStacking.stacks(of: series)
        #expect(stacks.count == 1 && stacks[0].slices.count == 6)
        #expect(stacks[0].findings.isEmpty)
    }
}
