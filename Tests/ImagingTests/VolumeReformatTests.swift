import Testing
@testable import Imaging

/// A volume of deterministic pseudo-random Int16 values on an axial grid.
private func randomVolume(columns: Int = 7, rows: Int = 5, slices: Int = 6,
                          sliceStep: Vector3 = Vector3(0, 0, 2.5)) -> Volume<Int16> {
    let g = VolumeGeometry(columns: columns, rows: rows, slices: slices, firstPosition: Vector3(-10, 20, -30),
                           rowCosines: Vector3(1, 0, 0), columnCosines: Vector3(0, 1, 0),
                           pixelSpacing: (0.8, 0.6), sliceStep: sliceStep)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let samples = (0..<(columns * rows * slices)).map { _ -> Int16 in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int16(truncatingIfNeeded: Int(state >> 33) % 4000 - 1000)
    }
    return Volume(geometry: g, samples: samples)
}

/// Literal trilinear interpolation in Double at a voxel position (the reference).
private func trilinear(_ v: Volume<Int16>, _ p: Vector3) -> Double? {
    let n = [v.columns, v.rows, v.slices]
    let c = [p.x, p.y, p.z]
    for a in 0..<3 where c[a] < -1e-9 || c[a] > Double(n[a] - 1) + 1e-9 { return nil }
    let i0 = c.indices.map { a in Swift.min(Swift.max(Int(c[a].rounded(.down)), 0), Swift.max(n[a] - 2, 0)) }
    let f = c.indices.map { a in n[a] == 1 ? 0 : c[a] - Double(i0[a]) }
    var sum = 0.0
    for dz in 0...1 { for dy in 0...1 { for dx in 0...1 {
        let w = (dx == 1 ? f[0] : 1 - f[0]) * (dy == 1 ? f[1] : 1 - f[1]) * (dz == 1 ? f[2] : 1 - f[2])
        if w == 0 { continue }
        sum += w * Double(v[i0[0] + dx, i0[1] + dy, i0[2] + dz])
    } } }
    return sum
}

@Suite struct VolumeGeometryTests {
    @Test func voxelAndPatientPositionsRoundTripOnAShearedGrid() throws {
        let g = VolumeGeometry(columns: 10, rows: 8, slices: 5, firstPosition: Vector3(1, 2, 3),
                               rowCosines: Vector3(1, 0, 0), columnCosines: Vector3(0, 0.8, -0.6),
                               pixelSpacing: (0.5, 0.7), sliceStep: Vector3(0, 0.8, 1.6))
        let p = g.patientPosition(column: 3.25, row: 1.5, slice: 2.75)
        let v = try #require(g.voxelPosition(p))
        #expect(abs(v.x - 3.25) < 1e-12 && abs(v.y - 1.5) < 1e-12 && abs(v.z - 2.75) < 1e-12)
        // Normal = row × column cosines = (0, 0.6, 0.8); the step (0, 0.8, 1.6) leaves it by
        // acos((0.48 + 1.28) / |step|) = acos(1.76 / 1.78885) ≈ 10.30°.
        #expect(abs(g.normal.y - 0.6) < 1e-12 && abs(g.normal.z - 0.8) < 1e-12)
        #expect(abs(g.sliceSpacing - 1.76) < 1e-12)
        #expect(abs(g.shearDegrees - 10.3048) < 1e-3)
        #expect(g.isSheared)
    }

    @Test(arguments: [
        (Vector3(1, 0, 0), "L"), (Vector3(-1, 0, 0), "R"), (Vector3(0, 1, 0), "P"), (Vector3(0, -1, 0), "A"),
        (Vector3(0, 0, 1), "S"), (Vector3(0, 0, -1), "I"), (Vector3(0.8, 0, -0.6), "LI"),
        (Vector3(-0.3, 0.5, 0.81), "SPR"), (Vector3(1, -0.0001, 0), "L"),
    ])
    func orientationLabels(direction: Vector3, label: String) {
        #expect(orientationLabel(direction) == label)
    }
}

@Suite struct ReformatTests {
    /// Raw-grid planes are plain index slicing of the volume (with the display flips).
    @Test func rawGridPlanesEqualIndexSlicing() throws {
        let v = randomVolume()
        let sag = try v.reformat(PlaneRequest(orientation: .sagittal, index: 4, resample: false))
        // Sagittal of an axial stack: columns along rows j (anterior left), rows from the last
        // slice (superior) down: out[r][c] = vol[k = slices-1-r][j = c][i = 4].
        guard case .int16(let s) = sag.pixels else { Issue.record("expected Int16 pixels"); return }
        #expect(sag.geometry.width == v.rows && sag.geometry.height == v.slices)
        for r in 0..<v.slices { for c in 0..<v.rows { #expect(s[r * v.rows + c] == v[4, c, v.slices - 1 - r]) } }
        #expect(sag.geometry.labels == EdgeLabels(left: "A", right: "P", top: "S", bottom: "I"))

        let cor = try v.reformat(PlaneRequest(orientation: .coronal, index: 2, resample: false))
        guard case .int16(let c2) = cor.pixels else { Issue.record("expected Int16 pixels"); return }
        for r in 0..<v.slices { for c in 0..<v.columns { #expect(c2[r * v.columns + c] == v[c, 2, v.slices - 1 - r]) } }
        #expect(cor.geometry.labels == EdgeLabels(left: "R", right: "L", top: "S", bottom: "I"))

        let ax = try v.reformat(PlaneRequest(orientation: .axial, index: 3, resample: false))
        guard case .int16(let a) = ax.pixels else { Issue.record("expected Int16 pixels"); return }
        #expect(Array(a) == Array(v.samples[3 * v.rows * v.columns..<4 * v.rows * v.columns]))
        // Every pixel's stated patient position is its voxel's.
        for (r, c) in [(0, 0), (1, 3), (v.slices - 1, v.rows - 1)] {
            let p = sag.geometry.patientPosition(column: Double(c), row: Double(r))
            let q = v.geometry.patientPosition(column: 4, row: Double(c), slice: Double(v.slices - 1 - r))
            #expect(length(p - q) < 1e-9)
        }
    }

    /// Resampled orthogonal planes land on voxel centres in-plane; the slice axis is resampled
    /// to the in-plane spacing by linear interpolation.
    @Test func resampledCoronalInterpolatesBetweenSlices() throws {
        let v = randomVolume()
        let cor = try v.reformat(PlaneRequest(orientation: .coronal, index: 2))
        let g = cor.geometry
        #expect(g.columnSpacing == 0.6 && g.rowSpacing == 0.6)
        // 5 slice gaps of 2.5 mm = 12.5 mm at 0.6 mm: 21 rows (12.0 mm) + 1.
        #expect(g.width == 7 && g.height == 21)
        guard case .float(let f) = cor.pixels else { Issue.record("expected Float pixels"); return }
        for r in 0..<g.height { for c in 0..<g.width {
            let p = g.patientPosition(column: Double(c), row: Double(r))
            let vox = try #require(v.geometry.voxelPosition(p))
            let expected = try #require(trilinear(v, vox))
            #expect(abs(Double(f[r * g.width + c]) - expected) <= 1e-3 * max(1, abs(expected)))
        } }
        // Row 0 is the top: the last (most superior) slice.
        #expect(f[3] == Float(v[3, 2, v.slices - 1]))
    }

    @Test func obliqueTrilinearMatchesTheScalarReference() throws {
        let v = randomVolume(columns: 9, rows: 8, slices: 7, sliceStep: Vector3(0, 0.4, 1.5))
        let center = v.geometry.patientPosition(column: 4.3, row: 3.7, slice: 3.1)
        let plane = try v.reformat(PlaneRequest(orientation: .oblique, normal: Vector3(0.3, -0.5, 0.8), center: center))
        guard case .float(let f) = plane.pixels else { Issue.record("expected Float pixels"); return }
        let g = plane.geometry
        var inside = 0
        for r in 0..<g.height { for c in 0..<g.width {
            let vox = try #require(v.geometry.voxelPosition(g.patientPosition(column: Double(c), row: Double(r))))
            let got = Double(f[r * g.width + c])
            if let expected = trilinear(v, vox) {
                inside += 1
                #expect(abs(got - expected) <= 1e-3 * max(1, abs(expected)))
            } else {
                #expect(got == Double(v.minimum))
            }
        } }
        #expect(inside > 20)
        // In-plane axes are orthonormal and perpendicular to the requested normal.
        #expect(abs(dot(g.rowDirection, g.columnDirection)) < 1e-12)
        #expect(abs(abs(dot(g.normal, normalized(Vector3(0.3, -0.5, 0.8)))) - 1) < 1e-12)
    }

    @Test func slabsCombineLayersAlongTheNormal() throws {
        let v = randomVolume()
        // 7.5 mm at 2.5 mm spacing: three slices centred on slice 3 (2, 3, 4).
        let mip = try v.reformat(PlaneRequest(orientation: .axial, index: 3, slabThickness: 7.5, slabMode: .mip, resample: false))
        let minip = try v.reformat(PlaneRequest(orientation: .axial, index: 3, slabThickness: 7.5, slabMode: .minip, resample: false))
        let avg = try v.reformat(PlaneRequest(orientation: .axial, index: 3, slabThickness: 7.5, slabMode: .avg, resample: false))
        #expect(mip.slabLayers == 3)
        guard case .int16(let mx) = mip.pixels, case .int16(let mn) = minip.pixels, case .float(let av) = avg.pixels else {
            Issue.record("unexpected pixel types"); return
        }
        for j in 0..<v.rows { for i in 0..<v.columns {
            let vals = (2...4).map { v[i, j, $0] }
            let idx = j * v.columns + i
            #expect(mx[idx] == vals.max() && mn[idx] == vals.min())
            #expect(abs(Double(av[idx]) - Double(vals.map(Int.init).reduce(0, +)) / 3) < 1e-3)
        } }
        // Resampled slab: same layers (they fall on slices), values in Float.
        let rmip = try v.reformat(PlaneRequest(orientation: .axial, index: 3, slabThickness: 7.5, slabMode: .mip))
        guard case .float(let rm) = rmip.pixels else { Issue.record("expected Float"); return }
        #expect(rm.map { Int16($0) } == mx)
    }

    @Test func referenceLineOfAnAxialPlaneOnACoronalPlane() throws {
        let v = randomVolume()
        let cor = try v.reformat(PlaneRequest(orientation: .coronal, index: 2)).geometry
        let ax = try v.reformat(PlaneRequest(orientation: .axial, index: 1)).geometry
        let line = try #require(cor.referenceLine(of: ax))
        // Slice 1 is at z = -27.5; the coronal top row is z = -17.5 (slice 5), rows 0.6 mm apart.
        #expect(abs(line.start.row - 10 / 0.6) < 1e-9 && abs(line.end.row - 10 / 0.6) < 1e-9)
        #expect(Set([line.start.column, line.end.column]) == [0, 6])
        #expect(cor.referenceLine(of: cor) == nil)
    }

    @Test func badRequestsAreClearErrors() {
        let single = randomVolume(slices: 1)
        #expect(throws: ImagingError.reformat("the series has a single slice: no sagittal plane can be made (it needs at least two slices)", context: "series 3")) {
            try single.reformat(PlaneRequest(orientation: .sagittal, context: "series 3"))
        }
        let v = randomVolume()
        #expect(throws: ImagingError.reformat("the oblique normal 0,0,0 has zero length", context: "S")) {
            try v.reformat(PlaneRequest(orientation: .oblique, normal: Vector3(0, 0, 0), context: "S"))
        }
        #expect(throws: ImagingError.reformat("position 40 mm is outside the volume (z from -30 to -17.5 mm)", context: "S")) {
            try v.reformat(PlaneRequest(orientation: .axial, position: 40, context: "S"))
        }
        #expect(throws: ImagingError.reformat("index 9 is outside the volume: 0...6 along its column axis", context: "S")) {
            try v.reformat(PlaneRequest(orientation: .sagittal, index: 9, resample: false, context: "S"))
        }
        #expect(throws: ImagingError.reformat("centre 100,0,0 mm is outside the volume", context: "S")) {
            try v.reformat(PlaneRequest(orientation: .oblique, normal: Vector3(0, 0, 1), center: Vector3(100, 0, 0), context: "S"))
        }
    }
}
