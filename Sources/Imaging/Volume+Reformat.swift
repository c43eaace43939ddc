/// How a plane is made from a volume.
enum PlanePlan: Sendable, Equatable {
    /// Every pixel is a voxel: the raw grid, walked with element strides; slab layers are
    /// further steps of `layerStride` from `base` (layer indices along the normal axis).
    case grid(GridPlan)
    /// Pixels interpolated at arbitrary positions; one plane per slab layer, shifted by each vector.
    case sampled(PlaneGeometry, shifts: [Vector3])
}

struct GridPlan: Sendable, Equatable {
    var geometry: PlaneGeometry
    /// Element index of the first pixel in layer 0 of the normal axis.
    var base: Int
    var rowStride: Int
    var columnStride: Int
    var layerStride: Int
    /// Layer indices along the normal axis (the plane's own index first when thin).
    var layers: Range<Int>
    /// The plane's own index along the normal axis.
    var index: Int
}

extension VolumeGeometry {
    /// For a raw-grid plane across the slices (an axial plane of an axial stack, thin or a
    /// slab): the slices it reads and the plane's own slice index. A caller can then decode
    /// just those slices (`subvolume(slices:)`) instead of the whole series. Nil for any other plane.
    public func slicesRead(by request: PlaneRequest) throws(ImagingError) -> (slices: Range<Int>, index: Int)? {
        guard !request.resample, case .grid(let p) = try MPRPlanner.plan(self, request),
              p.layerStride == columns * rows, rows * columns > 1 || slices == 1 else { return nil }
        return (p.layers, p.index)
    }

    /// The geometry of slices `range` alone.
    public func subvolume(slices range: Range<Int>) -> VolumeGeometry {
        var g = self
        g.origin = patientPosition(column: 0, row: 0, slice: Double(range.lowerBound))
        g.slices = range.count
        return g
    }
}

/// `floor(v) + 1` samples as an Int, or nil when that is not finite or exceeds `limit` (a plane
/// from absurd header values must be refused, not trap or allocate without bound).
func sampleCount(_ v: Double, limit: Int = 16384) -> Int? {
    guard v.isFinite, v >= 0, v < Double(limit) else { return nil }
    return Int(v.rounded(.down)) + 1
}

/// Chooses the plane for a request (pure geometry, no pixels).
enum MPRPlanner {
    static let axisNames = ["column", "row", "slice"]

    static func plan(_ g: VolumeGeometry, _ r: PlaneRequest) throws(ImagingError) -> PlanePlan {
        func fail(_ reason: String) -> ImagingError { .reformat(reason, context: r.context) }
        let counts = [g.columns, g.rows, g.slices]
        guard counts.allSatisfy({ $0 > 0 }) else { throw fail("the volume is empty") }
        guard let _ = g.inverseMatrix else { throw fail("degenerate geometry: slice, row and column steps are not independent") }
        let steps = [g.columnStep, g.rowStep, g.sliceStep]
        let dirs = [g.rowDirection, g.columnDirection, g.normal]
        let spacing = [g.columnSpacing, g.rowSpacing, Swift.max(g.sliceSpacing, 1e-6)]
        if let t = r.slabThickness, !(t >= 0 && t.isFinite) { throw fail("slab thickness \(t) mm must be a positive number") }
        let slab = (r.slabThickness ?? 0) > 0 ? r.slabThickness : nil
        func layerCount(_ stepAlongNormal: Double) -> Int {
            guard let slab else { return 1 }
            return Swift.max(1, sampleCount((slab / stepAlongNormal).rounded(), limit: 4096).map { $0 - 1 } ?? 4096)
        }

        if r.orientation == .oblique { return try oblique(g, r, dirs: dirs, spacing: spacing, layerCount: layerCount) }
        if r.normal != nil { throw fail("--normal defines oblique planes; ask for --mpr oblique") }
        if r.center != nil && (r.index != nil || r.position != nil) {
            throw fail("give one of --index, --position and --center for an orthogonal plane")
        }
        if let c = r.center, !g.contains(c) { throw fail("centre \(c.shortDescription) mm is outside the volume") }

        let (N, H, D) = r.orientation.references
        var normalAxis = 0
        for a in 1..<3 where Swift.abs(dot(dirs[a], N)) > Swift.abs(dot(dirs[normalAxis], N)) { normalAxis = a }
        let rest = [0, 1, 2].filter { $0 != normalAxis }
        let hAxis = Swift.abs(dot(dirs[rest[0]], H)) >= Swift.abs(dot(dirs[rest[1]], H)) ? rest[0] : rest[1]
        let vAxis = hAxis == rest[0] ? rest[1] : rest[0]
        let hSign: Double = dot(dirs[hAxis], H) < 0 ? -1 : 1
        let vSign: Double = dot(dirs[vAxis], D) < 0 ? -1 : 1
        if counts[hAxis] < 2 || counts[vAxis] < 2 {
            let what = g.slices == 1 ? "the series has a single slice" : "the volume is one voxel thick across this plane"
            throw fail("\(what): no \(r.orientation.rawValue) plane can be made (it needs at least two slices)")
        }
        let n = counts[normalAxis]
        let normalRange: ClosedRange<Double> = {
            let a = dot(g.origin, N), b = dot(g.origin + steps[normalAxis] * Double(n - 1), N)
            return Swift.min(a, b)...Swift.max(a, b)
        }()
        let axisLetter = r.orientation == .axial ? "z" : (r.orientation == .coronal ? "y" : "x")
        func outside(_ p: Double) -> ImagingError {
            fail("position \(formatMillimetres(p)) mm is outside the volume (\(axisLetter) from "
                 + "\(formatMillimetres(normalRange.lowerBound)) to \(formatMillimetres(normalRange.upperBound)) mm)")
        }

        if !r.resample {
            let K: Int
            if let index = r.index {
                guard (0..<n).contains(index) else {
                    throw fail("index \(index) is outside the volume: 0...\(n - 1) along its \(axisNames[normalAxis]) axis")
                }
                K = index
            } else if let p = r.position {
                let denom = dot(steps[normalAxis], N)
                guard Swift.abs(denom) > 1e-9 else { throw outside(p) }
                let kf = (p - dot(g.origin, N)) / denom
                guard kf >= -0.5, kf <= Double(n) - 0.5 else { throw outside(p) }
                K = Swift.min(n - 1, Swift.max(0, Int(kf.rounded())))
            } else if let c = r.center, let v = g.voxelPosition(c) {
                K = Swift.min(n - 1, Swift.max(0, Int(v[normalAxis].rounded())))
            } else {
                K = n / 2
            }
            var first = [0, 0, 0]
            first[normalAxis] = K
            first[hAxis] = hSign < 0 ? counts[hAxis] - 1 : 0
            first[vAxis] = vSign < 0 ? counts[vAxis] - 1 : 0
            let strides = [1, g.columns, g.columns * g.rows]
            let origin = g.patientPosition(column: Double(first[0]), row: Double(first[1]), slice: Double(first[2]))
            let geometry = PlaneGeometry(
                width: counts[hAxis], height: counts[vAxis], origin: origin,
                rowDirection: normalized(steps[hAxis]) * hSign, columnDirection: normalized(steps[vAxis]) * vSign,
                rowSpacing: length(steps[vAxis]), columnSpacing: length(steps[hAxis]))
            let c = layerCount(spacing[normalAxis])
            let lo = Swift.max(0, K - (c - 1) / 2), hi = Swift.min(n, K - (c - 1) / 2 + c)
            var base = 0
            for a in 0..<3 where a != normalAxis { base += first[a] * strides[a] }
            return .grid(GridPlan(geometry: geometry, base: base, rowStride: strides[vAxis] * Int(vSign),
                                  columnStride: strides[hAxis] * Int(hSign), layerStride: strides[normalAxis],
                                  layers: lo..<hi, index: K))
        }

        // Resampled onto the volume's orthonormal frame (row, column, normal directions), the
        // axes without voxels of their own (the slice normal) at the in-plane spacing.
        let rowDir = dirs[hAxis] * hSign, colDir = dirs[vAxis] * vSign, nDir = dirs[normalAxis]
        let hSp = hAxis == 2 ? spacing[vAxis] : spacing[hAxis]
        let vSp = vAxis == 2 ? spacing[hAxis] : spacing[vAxis]
        let corners = g.corners.map { $0 - g.origin }
        func extent(_ d: Vector3) -> (Double, Double) {
            let p = corners.map { dot($0, d) }
            return (p.min() ?? 0, p.max() ?? 0)
        }
        let (minH, maxH) = extent(rowDir), (minV, maxV) = extent(colDir), (minN, maxN) = extent(nDir)
        let t: Double
        if let index = r.index {
            guard (0..<n).contains(index) else {
                throw fail("index \(index) is outside the volume: 0...\(n - 1) along its \(axisNames[normalAxis]) axis")
            }
            t = dot(steps[normalAxis] * Double(index), nDir)
        } else if let p = r.position {
            let denom = dot(nDir, N)
            guard Swift.abs(denom) > 1e-9 else { throw outside(p) }
            t = (p - dot(g.origin, N)) / denom
            let margin = spacing[normalAxis] / 2
            guard t >= minN - margin, t <= maxN + margin else { throw outside(p) }
        } else if let c = r.center {
            t = dot(c - g.origin, nDir)
        } else {
            t = dot(steps[normalAxis] * Double(n / 2), nDir)
        }
        guard let width = sampleCount((maxH - minH) / hSp + 1e-6), let height = sampleCount((maxV - minV) / vSp + 1e-6) else {
            throw fail("the plane would exceed 16384 pixels a side (check Pixel Spacing and positions)")
        }
        let geometry = PlaneGeometry(width: width, height: height,
                                     origin: g.origin + rowDir * minH + colDir * minV + nDir * t,
                                     rowDirection: rowDir, columnDirection: colDir, rowSpacing: vSp, columnSpacing: hSp)
        let c = layerCount(spacing[normalAxis])
        let shifts = (0..<c).map { nDir * (Double($0 - (c - 1) / 2) * spacing[normalAxis]) }
        return .sampled(geometry, shifts: shifts)
    }

    static func oblique(_ g: VolumeGeometry, _ r: PlaneRequest, dirs: [Vector3], spacing: [Double],
                        layerCount: (Double) -> Int) throws(ImagingError) -> PlanePlan {
        func fail(_ reason: String) -> ImagingError { .reformat(reason, context: r.context) }
        guard let given = r.normal else { throw fail("an oblique plane needs --normal X,Y,Z") }
        guard given.x.isFinite, given.y.isFinite, given.z.isFinite, length(given) > 1e-9 else {
            throw fail("the oblique normal \(given.shortDescription) has zero length")
        }
        if r.index != nil { throw fail("--index applies to axial, coronal and sagittal planes; place an oblique plane with --center and --position") }
        let n = normalized(given)
        let (_, H, D) = PlaneOrientation.nearest(to: n).references
        var rowDir = H - n * dot(H, n)
        if length(rowDir) < 1e-6 { rowDir = D - n * dot(D, n) }
        rowDir = normalized(rowDir)
        var colDir = normalized(cross(n, rowDir))
        if dot(colDir, D) < 0 { colDir = -colDir }
        let corners = g.corners
        var center = r.center ?? corners.reduce(Vector3(0, 0, 0), +) / Double(corners.count)
        guard g.contains(center) else { throw fail("centre \(center.shortDescription) mm is outside the volume") }
        if let p = r.position {
            center += n * p
            guard g.contains(center) else {
                throw fail("position \(formatMillimetres(p)) mm along the normal puts the plane outside the volume")
            }
        }
        let sp = Swift.min(spacing[0], spacing[1])
        func extent(_ d: Vector3) -> (Double, Double) {
            let p = corners.map { dot($0 - center, d) }
            return (((p.min() ?? 0) / sp).rounded(.down) * sp, ((p.max() ?? 0) / sp).rounded(.up) * sp)
        }
        let (minH, maxH) = extent(rowDir), (minV, maxV) = extent(colDir)
        guard let width = sampleCount(((maxH - minH) / sp).rounded()), let height = sampleCount(((maxV - minV) / sp).rounded()) else {
            throw fail("the plane would exceed 16384 pixels a side (check Pixel Spacing and positions)")
        }
        let geometry = PlaneGeometry(width: width, height: height, origin: center + rowDir * minH + colDir * minV,
                                     rowDirection: rowDir, columnDirection: colDir, rowSpacing: sp, columnSpacing: sp)
        var nearest = 0
        for a in 1..<3 where Swift.abs(dot(dirs[a], n)) > Swift.abs(dot(dirs[nearest], n)) { nearest = a }
        let stepN = spacing[nearest]
        let c = layerCount(stepN)
        let shifts = (0..<c).map { n * (Double($0 - (c - 1) / 2) * stepN) }
        return .sampled(geometry, shifts: shifts)
    }
}

extension Volume {
    /// The plane a request asks for (PS3.3 C.7.6.2.1.1 geometry): orthogonal planes on the raw
    /// voxel grid or resampled to the in-plane spacing, oblique planes by trilinear
    /// interpolation, thick slabs combined by MIP, MinIP or mean. Pixels outside the volume
    /// take the volume's minimum.
    @_specialize(exported: true, where Sample == Int16)
    @_specialize(exported: true, where Sample == UInt16)
    @_specialize(exported: true, where Sample == UInt8)
    @_specialize(exported: true, where Sample == Int8)
    @_specialize(exported: true, where Sample == Int32)
    public func reformat(_ request: PlaneRequest) throws(ImagingError) -> Reformat {
        let plan = try MPRPlanner.plan(geometry, request)
        let outside = minimum
        switch plan {
        case .grid(let p):
            let count = p.geometry.width * p.geometry.height
            if p.layers.count == 1 || request.slabMode != .avg {
                var out = [Sample](repeating: 0, count: count)
                out.withUnsafeMutableBufferPointer { dst in
                    extractGrid(p, layer: p.layers.lowerBound, into: dst)
                    combineLayers(p, p.layers.dropFirst(), into: dst, max: request.slabMode == .mip)
                }
                return Reformat(geometry: p.geometry, pixels: Sample.planePixels(out), slabLayers: p.layers.count,
                                outsideValue: Double(outside))
            }
            var sum = [Float](repeating: 0, count: count)
            var layer = [Sample](repeating: 0, count: count)
            for k in p.layers {
                layer.withUnsafeMutableBufferPointer { extractGrid(p, layer: k, into: $0) }
                for i in 0..<count { sum[i] += Float(layer[i]) }
            }
            let scale = 1 / Float(p.layers.count)
            return Reformat(geometry: p.geometry, pixels: .float(sum.map { $0 * scale }), slabLayers: p.layers.count,
                            outsideValue: Double(outside))
        case .sampled(let plane, let shifts):
            let count = plane.width * plane.height
            var out = [Float](repeating: .nan, count: count)
            if shifts.count == 1 {
                out.withUnsafeMutableBufferPointer { resliceTrilinear(plane, shift: shifts[0], into: $0, outside: .nan) }
            } else {
                var layer = [Float](repeating: .nan, count: count)
                var n = [Float](repeating: 0, count: count)
                for shift in shifts {
                    layer.withUnsafeMutableBufferPointer { resliceTrilinear(plane, shift: shift, into: $0, outside: .nan) }
                    for i in 0..<count where !layer[i].isNaN {
                        let v = layer[i], o = out[i]
                        switch request.slabMode {
                        case .mip: out[i] = o.isNaN ? v : Swift.max(o, v)
                        case .minip: out[i] = o.isNaN ? v : Swift.min(o, v)
                        case .avg: out[i] = o.isNaN ? v : o + v
                        }
                        n[i] += 1
                    }
                }
                if request.slabMode == .avg { for i in 0..<count where n[i] > 0 { out[i] /= n[i] } }
            }
            let fill = Float(outside)
            for i in 0..<count where out[i].isNaN { out[i] = fill }
            return Reformat(geometry: plane, pixels: .float(out), slabLayers: shifts.count, outsideValue: Double(outside))
        }
    }

    /// A raw-grid plane (`resample: false`; thin, or a MIP/MinIP slab) written into a buffer the
    /// caller keeps (a viewer scrolling through planes reuses one). Returns its geometry.
    /// - Throws: `ImagingError` for a request that is not a raw-grid plane or a buffer too small.
    @_specialize(exported: true, where Sample == Int16)
    @_specialize(exported: true, where Sample == UInt16)
    @_specialize(exported: true, where Sample == UInt8)
    @_specialize(exported: true, where Sample == Int8)
    @_specialize(exported: true, where Sample == Int32)
    public func rawGridPlane(_ request: PlaneRequest, into dst: UnsafeMutableBufferPointer<Sample>) throws(ImagingError) -> PlaneGeometry {
        guard case .grid(let p) = try MPRPlanner.plan(geometry, request), p.layers.count == 1 || request.slabMode != .avg else {
            throw .reformat("not a raw-grid plane (resampled, oblique or averaged)", context: request.context)
        }
        guard dst.count >= p.geometry.width * p.geometry.height else {
            throw .reformat("buffer of \(dst.count) samples is smaller than the \(p.geometry.width)×\(p.geometry.height) plane", context: request.context)
        }
        extractGrid(p, layer: p.layers.lowerBound, into: dst)
        combineLayers(p, p.layers.dropFirst(), into: dst, max: request.slabMode == .mip)
        return p.geometry
    }

    /// Folds more layers into `dst` by max (or min). A plane that is contiguous in the volume
    /// (an axial slab of an axial stack) is folded four layers per pass over `dst`, so the
    /// output is read and written a quarter as often as layer by layer.
    func combineLayers(_ p: GridPlan, _ layers: Range<Int>, into dst: UnsafeMutableBufferPointer<Sample>, max: Bool) {
        let n = p.geometry.width * p.geometry.height
        guard p.columnStride == 1, p.rowStride == p.geometry.width, let out = dst.baseAddress else {
            for layer in layers { combineGrid(p, layer: layer, into: dst, max: max) }
            return
        }
        samples.withUnsafeBufferPointer { srcBuffer in
            guard let src = srcBuffer.baseAddress else { return }
            var k = layers.lowerBound
            while k < layers.upperBound {
                let m = Swift.min(4, layers.upperBound - k)
                let a = src + (p.base + k * p.layerStride)
                let b = m > 1 ? a + p.layerStride : a, c = m > 2 ? b + p.layerStride : a, d = m > 3 ? c + p.layerStride : a
                if max {
                    for i in 0..<n { out[i] = Swift.max(Swift.max(out[i], Swift.max(a[i], b[i])), Swift.max(c[i], d[i])) }
                } else {
                    for i in 0..<n { out[i] = Swift.min(Swift.min(out[i], Swift.min(a[i], b[i])), Swift.min(c[i], d[i])) }
                }
                k += m
            }
        }
    }

    /// The geometry of the plane a request gives, without sampling it.
    public func planeGeometry(_ request: PlaneRequest) throws(ImagingError) -> PlaneGeometry {
        switch try MPRPlanner.plan(geometry, request) {
        case .grid(let p): return p.geometry
        case .sampled(let g, _): return g
        }
    }

    /// Copies one layer of a raw-grid plane: rows of contiguous voxels with memcpy, reversed
    /// rows by a backward walk, anything else (a sagittal column of each slice) by a strided gather.
    func extractGrid(_ p: GridPlan, layer: Int, into dst: UnsafeMutableBufferPointer<Sample>) {
        let w = p.geometry.width, h = p.geometry.height
        let start = p.base + layer * p.layerStride
        samples.withUnsafeBufferPointer { srcBuffer in
            guard let src = srcBuffer.baseAddress, let out = dst.baseAddress else { return }
            if p.columnStride == 1 {
                for r in 0..<h { (out + r * w).update(from: src + (start + r * p.rowStride), count: w) }
                return
            }
            // A strided gather (a sagittal column of each slice): every voxel is in its own cache
            // line, so the time is memory latency. Four output rows at once keep four independent
            // streams of misses in flight instead of one.
            let s = p.columnStride
            var r = 0
            while r + 4 <= h {
                let r0 = src + (start + r * p.rowStride), r1 = r0 + p.rowStride, r2 = r1 + p.rowStride, r3 = r2 + p.rowStride
                let o0 = out + r * w, o1 = o0 + w, o2 = o1 + w, o3 = o2 + w
                for c in 0..<w {
                    let k = c * s
                    o0[c] = r0[k]; o1[c] = r1[k]; o2[c] = r2[k]; o3[c] = r3[k]
                }
                r += 4
            }
            while r < h {
                let row = src + (start + r * p.rowStride), o = out + r * w
                for c in 0..<w { o[c] = row[c * s] }
                r += 1
            }
        }
    }

    /// Max (or min) of `dst` and one more layer, element by element.
    func combineGrid(_ p: GridPlan, layer: Int, into dst: UnsafeMutableBufferPointer<Sample>, max: Bool) {
        let w = p.geometry.width, h = p.geometry.height
        let start = p.base + layer * p.layerStride
        samples.withUnsafeBufferPointer { srcBuffer in
            guard let src = srcBuffer.baseAddress, let out = dst.baseAddress else { return }
            for r in 0..<h {
                let row = src + (start + r * p.rowStride)
                let o = out + r * w
                let s = p.columnStride
                if max {
                    if s == 1 { for c in 0..<w { o[c] = Swift.max(o[c], row[c]) } } else { for c in 0..<w { o[c] = Swift.max(o[c], row[c * s]) } }
                } else {
                    if s == 1 { for c in 0..<w { o[c] = Swift.min(o[c], row[c]) } } else { for c in 0..<w { o[c] = Swift.min(o[c], row[c * s]) } }
                }
            }
        }
    }

    /// Trilinear interpolation of the volume on a plane shifted by `shift` (mm). Each row's
    /// start and step are computed once in voxel space (Double), converted to fixed point with
    /// 32 fractional bits, and each pixel's position is start + c·step in integers (no float →
    /// int conversion per pixel; position error below 2⁻³² voxel per step). Each row is first
    /// clipped analytically to the part inside the volume, so the inner loop has no bounds
    /// tests; weights and the eight-voxel blend are in Float.
    /// Points outside [0, n−1] on any axis get `outside`.
    @inlinable
    public func resliceTrilinear(_ plane: PlaneGeometry, shift: Vector3 = Vector3(0, 0, 0),
                                 into dst: UnsafeMutableBufferPointer<Float>, outside: Float) {
        let g = geometry
        guard let inv = g.inverseMatrix, dst.count >= plane.width * plane.height else { return }
        func toVoxel(_ d: Vector3) -> Vector3 { Vector3(dot(inv.0, d), dot(inv.1, d), dot(inv.2, d)) }
        let v0 = toVoxel(plane.origin + shift - g.origin)
        let dc = toVoxel(plane.rowDirection * plane.columnSpacing)
        let dr = toVoxel(plane.columnDirection * plane.rowSpacing)
        let nx = g.columns, ny = g.rows, nz = g.slices
        let maxX = Double(nx - 1), maxY = Double(ny - 1), maxZ = Double(nz - 1)
        let ix = Swift.max(nx - 2, 0), iy = Swift.max(ny - 2, 0), iz = Swift.max(nz - 2, 0)
        let sj = nx, sk = nx * ny
        let oi = nx > 1 ? 1 : 0, oj = ny > 1 ? sj : 0, ok = nz > 1 ? sk : 0
        let w = plane.width
        let eps = 1e-6
        let fxMax = Int64(nx - 1) << 32, fyMax = Int64(ny - 1) << 32, fzMax = Int64(nz - 1) << 32
        // Pass 1, per row: the columns inside the volume (analytic clip; outside filled) and the
        // row start in fixed point with 32 fractional bits, so that pass 2 has no float → int
        // conversions (and no traps): positions are integer steps from the row start.
        let h = plane.height
        // Degenerate header geometry (steps of 1e200 mm…) can make these non-finite: nothing
        // of the volume can then be placed on the plane.
        guard [v0, dc, dr].allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else {
            dst.baseAddress?.update(repeating: outside, count: plane.width * plane.height)
            return
        }
        let one = 4294967296.0
        // Steps of more than 2^30 voxels per pixel leave at most one pixel per row inside the
        // volume, so clamping them changes nothing and keeps the fixed point in range.
        func fixedStep(_ v: Double) -> Int64 { Int64((Swift.min(Swift.max(v, -1_073_741_824), 1_073_741_824) * one).rounded()) }
        let dx = fixedStep(dc.x), dy = fixedStep(dc.y), dz = fixedStep(dc.z)
        var spans = [(lo: Int, hi: Int, x: Int64, y: Int64, z: Int64)](repeating: (1, 0, 0, 0, 0), count: h)
        guard let out = dst.baseAddress else { return }
        for r in 0..<h {
            let s = v0 + dr * Double(r)
            let o = out + r * w
            var lo = 0.0, hi = Double(w - 1)
            for (sa, da, na) in [(s.x, dc.x, maxX), (s.y, dc.y, maxY), (s.z, dc.z, maxZ)] {
                if Swift.abs(da) < 1e-12 {
                    if sa < -eps || sa > na + eps { lo = 1; hi = 0 }
                } else {
                    var a = (-eps - sa) / da, b = (na + eps - sa) / da
                    if a > b { swap(&a, &b) }
                    lo = Swift.max(lo, a)
                    hi = Swift.min(hi, b)
                }
            }
            guard lo <= hi, lo.rounded(.up) <= hi.rounded(.down) else {
                o.update(repeating: outside, count: w)
                continue
            }
            let cLo = Int(lo.rounded(.up)), cHi = Int(hi.rounded(.down))
            if cLo > 0 { o.update(repeating: outside, count: cLo) }
            if cHi < w - 1 { (o + cHi + 1).update(repeating: outside, count: w - 1 - cHi) }
            // Fixed point of the first inside pixel (bounded by the volume), minus cLo steps, so
            // that start + c·step is exact integer arithmetic for c in cLo...cHi.
            let first = s + dc * Double(cLo)
            guard first.x.isFinite, first.y.isFinite, first.z.isFinite else {
                o.update(repeating: outside, count: w)
                continue
            }
            func fixed(_ v: Double) -> Int64 { Int64((Swift.min(Swift.max(v, -1), 70_000) * one).rounded()) }
            spans[r] = (cLo, cHi, fixed(first.x) &- Int64(cLo) &* dx, fixed(first.y) &- Int64(cLo) &* dy,
                        fixed(first.z) &- Int64(cLo) &* dz)
        }
        let scale: Float = 1 / 4294967296
        // Pass 2, in blocks of 64 columns down all rows: a block touches a compact part of the
        // volume (a few slices), so its pages stay in the TLB and its lines in cache, where a
        // whole row would cross up to every slice.
        let block = 64
        samples.withUnsafeBufferPointer { srcBuffer in
            guard let src = srcBuffer.baseAddress else { return }
            var c0 = 0
            while c0 < w {
                let c1 = Swift.min(w - 1, c0 + block - 1)
                for r in 0..<h {
                    let span = spans[r]
                    let a = Swift.max(span.lo, c0), b = Swift.min(span.hi, c1)
                    guard a <= b else { continue }
                    let o = out + r * w
                    let xs = span.x, ys = span.y, zs = span.z
                    for c in a...b {
                        let cc = Int64(c)
                        let x = Swift.min(Swift.max(xs &+ cc &* dx, 0), fxMax)
                        let y = Swift.min(Swift.max(ys &+ cc &* dy, 0), fyMax)
                        let z = Swift.min(Swift.max(zs &+ cc &* dz, 0), fzMax)
                        let i0 = Swift.min(Int(truncatingIfNeeded: x >> 32), ix)
                        let j0 = Swift.min(Int(truncatingIfNeeded: y >> 32), iy)
                        let k0 = Swift.min(Int(truncatingIfNeeded: z >> 32), iz)
                        let fx = Float(x &- (Int64(i0) << 32)) * scale
                        let fy = Float(y &- (Int64(j0) << 32)) * scale
                        let fz = Float(z &- (Int64(k0) << 32)) * scale
                        let p = src + (k0 * sk + j0 * sj + i0)
                        let v000 = Float(p[0]), v100 = Float(p[oi])
                        let v010 = Float(p[oj]), v110 = Float(p[oj + oi])
                        let v001 = Float(p[ok]), v101 = Float(p[ok + oi])
                        let v011 = Float(p[ok + oj]), v111 = Float(p[ok + oj + oi])
                        let a00 = v000 + fx * (v100 - v000), a10 = v010 + fx * (v110 - v010)
                        let a01 = v001 + fx * (v101 - v001), a11 = v011 + fx * (v111 - v011)
                        let b0 = a00 + fy * (a10 - a00), b1 = a01 + fy * (a11 - a01)
                        o[c] = b0 + fz * (b1 - b0)
                    }
                }
                c0 += block
            }
        }
    }
}
