import CReference
import Imaging

/// The MPR benchmark: Sixray's reformat kernels against plain C references compiled `-O3` for
/// the same CPU target, on one Int16 volume (512×512×300 by default): coronal and sagittal
/// planes of the raw grid, a 512×512 oblique plane by trilinear interpolation, and a 20 mm axial
/// MIP slab. Both sides write into buffers allocated once; each result is checked equal to C's.
public enum MPRBenchmark {
    public struct Result: Sendable {
        public var name: String
        /// Median times.
        public var swiftMicroseconds: Double
        public var cMicroseconds: Double
        /// Best times (less disturbed by other processes on a shared machine).
        public var swiftBest: Double = 0
        public var cBest: Double = 0
        /// Swift's output equals the C reference's (bit for bit; trilinear within 1e-3 relative).
        public var agrees: Bool
        public var ratio: Double { swiftMicroseconds / cMicroseconds }
    }

    /// A CT-like volume: soft tissue with structure, bone, air; deterministic.
    public static func syntheticVolume(columns: Int = 512, rows: Int = 512, slices: Int = 300) -> Volume<Int16> {
        let g = VolumeGeometry(columns: columns, rows: rows, slices: slices, firstPosition: Vector3(-179, -179, -150),
                               rowCosines: Vector3(1, 0, 0), columnCosines: Vector3(0, 1, 0),
                               pixelSpacing: (0.7, 0.7), sliceStep: Vector3(0, 0, 1))
        let plane = columns * rows
        var samples = [Int16](repeating: 0, count: plane * slices)
        var h: UInt32 = 2_463_534_242
        for k in 0..<slices { for j in 0..<rows { for i in 0..<columns {
            h ^= h << 13; h ^= h >> 17; h ^= h << 5
            let dx = i - columns / 2, dy = j - rows / 2
            let r2 = dx * dx + dy * dy
            var v = r2 < (columns * columns) / 5 ? 1064 : 24
            if (dx + 60) * (dx + 60) + (dy - 40) * (dy - 40) < 900 + (k % 50) * 4 { v = 1800 }
            samples[k * plane + j * columns + i] = Int16(v + Int(h % 40))
        } } }
        return Volume(geometry: g, samples: samples)
    }

    public static func run(volume v: Volume<Int16>, minimumIterations: Int = 10, targetSeconds: Double = 0.4) -> [Result] {
        let nx = v.columns, ny = v.rows, nz = v.slices
        var results: [Result] = []
        // Swift and C run alternately, one call each per round, so that both see the same
        // disturbance from other processes; medians and bests are then comparable.
        func pair(_ swift: () -> Void, _ c: () -> Void) -> (s: Double, c: Double, sBest: Double, cBest: Double) {
            let clock = ContinuousClock()
            func us(_ d: Duration) -> Double { Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12 }
            swift(); c()
            var ts: [Double] = [], tc: [Double] = []
            var total = 0.0
            while ts.count < minimumIterations || (total < 2 * targetSeconds && ts.count < 100_000) {
                let a = us(clock.measure(swift)), b = us(clock.measure(c))
                ts.append(a); tc.append(b)
                total += (a + b) / 1e6
            }
            return (VOIBenchmark.median(ts), VOIBenchmark.median(tc), ts.min() ?? 0, tc.min() ?? 0)
        }
        v.samples.withUnsafeBufferPointer { volBuffer in
            guard let vol = volBuffer.baseAddress else { return }
            // Coronal and sagittal of the raw grid.
            for (name, orientation, count) in [("coronal 512×300 (raw grid)", PlaneOrientation.coronal, nx * nz),
                                               ("sagittal 512×300 (raw grid)", .sagittal, ny * nz)] {
                var swiftOut = [Int16](repeating: 0, count: count)
                var cOut = [Int16](repeating: 0, count: count)
                let request = PlaneRequest(orientation: orientation, index: 256, resample: false)
                let t = swiftOut.withUnsafeMutableBufferPointer { sdst in
                    cOut.withUnsafeMutableBufferPointer { dst in
                        pair({ _ = try? v.rawGridPlane(request, into: sdst) }, {
                            if orientation == .coronal { sixray_mpr_coronal_i16(vol, Int32(nx), Int32(ny), Int32(nz), 256, dst.baseAddress) }
                            else { sixray_mpr_sagittal_i16(vol, Int32(nx), Int32(ny), Int32(nz), 256, dst.baseAddress) }
                        })
                    }
                }
                results.append(Result(name: name, swiftMicroseconds: t.s, cMicroseconds: t.c, swiftBest: t.sBest, cBest: t.cBest,
                                      agrees: swiftOut == cOut))
            }
            // 512×512 oblique plane through the centre, trilinear.
            let center = v.geometry.patientPosition(column: Double(nx - 1) / 2, row: Double(ny - 1) / 2, slice: Double(nz - 1) / 2)
            let n = Vector3(0.3, -0.5, 0.81) / (0.09 + 0.25 + 0.6561).squareRoot()
            let rowDir = Vector3(1, 0, 0) - n * n.x
            let rd = rowDir / (rowDir * rowDir).sum().squareRoot()
            let cd = Vector3(n.y * rd.z - n.z * rd.y, n.z * rd.x - n.x * rd.z, n.x * rd.y - n.y * rd.x)
            let sp = 0.7
            let plane = PlaneGeometry(width: 512, height: 512, origin: center - rd * (255.5 * sp) - cd * (255.5 * sp),
                                      rowDirection: rd, columnDirection: cd, rowSpacing: sp, columnSpacing: sp)
            var swiftOut = [Float](repeating: 0, count: 512 * 512)
            var cOut = [Float](repeating: 0, count: 512 * 512)
            // The same plane in voxel space for C.
            let inv = v.geometry.inverseMatrix ?? (Vector3(1, 0, 0), Vector3(0, 1, 0), Vector3(0, 0, 1))
            func vox(_ d: Vector3) -> [Double] { [(inv.0 * d).sum(), (inv.1 * d).sum(), (inv.2 * d).sum()] }
            let o = vox(plane.origin - v.geometry.origin), dc = vox(rd * sp), dr = vox(cd * sp)
            let t = swiftOut.withUnsafeMutableBufferPointer { sdst in
                cOut.withUnsafeMutableBufferPointer { dst in
                    pair({ v.resliceTrilinear(plane, into: sdst, outside: -1) },
                         { sixray_mpr_trilinear_i16(vol, Int32(nx), Int32(ny), Int32(nz), o, dc, dr, 512, 512, -1, dst.baseAddress) })
                }
            }
            var agrees = true
            for i in 0..<swiftOut.count where abs(swiftOut[i] - cOut[i]) > 1e-3 * max(1, abs(cOut[i])) {
                // C tests bounds without the 1e-6 tolerance Swift allows at the volume's faces.
                if cOut[i] == -1 || swiftOut[i] == -1 { continue }
                agrees = false
            }
            results.append(Result(name: "oblique 512×512 trilinear", swiftMicroseconds: t.s, cMicroseconds: t.c,
                                  swiftBest: t.sBest, cBest: t.cBest, agrees: agrees))
            // 20 mm axial MIP slab (20 slices of 1 mm).
            var swiftMIP = [Int16](repeating: 0, count: nx * ny)
            var cMIP = [Int16](repeating: 0, count: nx * ny)
            let request = PlaneRequest(orientation: .axial, index: 150, slabThickness: 20, slabMode: .mip, resample: false)
            let tm = swiftMIP.withUnsafeMutableBufferPointer { sdst in
                cMIP.withUnsafeMutableBufferPointer { dst in
                    pair({ _ = try? v.rawGridPlane(request, into: sdst) },
                         { sixray_mpr_mip_axial_i16(vol, Int32(nx), Int32(ny), 150 - 9, 150 - 9 + 20, dst.baseAddress) })
                }
            }
            results.append(Result(name: "axial MIP slab 20 mm (20 slices)", swiftMicroseconds: tm.s, cMicroseconds: tm.c,
                                  swiftBest: tm.sBest, cBest: tm.cBest, agrees: swiftMIP == cMIP))
        }
        return results
    }

    public static func report(_ results: [Result]) -> String {
        var out = pad("kernel", 36) + pad("Swift µs", 12) + pad("C -O3 µs", 12) + pad("ratio", 8)
            + pad("best Swift", 12) + pad("best C", 10) + pad("ratio", 8) + "agrees\n"
        for r in results {
            out += pad(r.name, 36) + pad(fmt1(r.swiftMicroseconds), 12) + pad(fmt1(r.cMicroseconds), 12)
                + pad(fmt2(r.ratio), 8) + pad(fmt1(r.swiftBest), 12) + pad(fmt1(r.cBest), 10)
                + pad(fmt2(r.cBest > 0 ? r.swiftBest / r.cBest : 0), 8) + (r.agrees ? "yes" : "NO") + "\n"
        }
        out += "ratio = Swift time / C time (median, then best of the runs); target <= 1.0\n"
        return out
    }
}

func fmt1(_ v: Double) -> String { let r = (v * 10).rounded() / 10; return String(r) }
func fmt2(_ v: Double) -> String { let r = (v * 100).rounded() / 100; return String(r) }
