/// A stored sample type a volume can hold: the integer types decoded frames come in.
public protocol VolumeSample: StoredSample {
    /// Numpy's dtype string for the type ("<i2", "|u1", ...).
    static var numpyDescr: String { get }
}

extension UInt8: VolumeSample { public static var numpyDescr: String { "|u1" } }
extension Int8: VolumeSample { public static var numpyDescr: String { "|i1" } }
extension UInt16: VolumeSample { public static var numpyDescr: String { "<u2" } }
extension Int16: VolumeSample { public static var numpyDescr: String { "<i2" } }
extension Int32: VolumeSample { public static var numpyDescr: String { "<i4" } }

extension VolumeSample {
    /// The nearest value of this type to `v` (half away from zero), clamped to the type's range.
    @inlinable
    public static func nearest(_ v: Float) -> Self {
        guard v.isFinite else { return v > 0 ? .max : (v < 0 ? .min : 0) }
        let r = v.rounded()
        if r <= Float(Self.min) { return .min }
        if r >= Float(Self.max) { return .max }
        return Self(r)
    }
}

/// A stack of slices on a regular grid, stored once in the samples' own type (an Int16 CT is
/// 2 bytes per voxel, not 4), slice after slice, row after row: voxel (i, j, k) is at
/// `(k · rows + j) · columns + i`. `geometry` places every voxel in the patient.
public struct Volume<Sample: VolumeSample>: Sendable {
    public let geometry: VolumeGeometry
    public let samples: [Sample]
    /// The smallest sample: what reformats show outside the volume.
    public let minimum: Sample

    /// - Precondition: `samples.count == columns · rows · slices`.
    @inlinable
    public init(geometry: VolumeGeometry, samples: [Sample]) {
        precondition(samples.count == geometry.columns * geometry.rows * geometry.slices, "sample count does not match the geometry")
        self.geometry = geometry
        self.samples = samples
        self.minimum = Self.smallest(samples)
    }

    /// Builds the volume in one allocation: `fill(k, buffer)` writes slice k (rows · columns
    /// samples) into its place. A failing slice stops the build and its error is rethrown.
    @inlinable
    public init<E: Error>(geometry: VolumeGeometry,
                          fill: (Int, UnsafeMutableBufferPointer<Sample>) throws(E) -> Void) throws(E) {
        let perSlice = geometry.columns * geometry.rows
        let total = perSlice * geometry.slices
        var failure: E?
        let samples = [Sample](unsafeUninitializedCapacity: total) { buffer, count in
            buffer.initialize(repeating: 0)
            for k in 0..<geometry.slices {
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[k * perSlice..<(k + 1) * perSlice])
                do throws(E) { try fill(k, slice) } catch { failure = error; break }
            }
            count = total
        }
        if let failure { throw failure }
        self.init(geometry: geometry, samples: samples)
    }

    /// The smallest sample, by a plain loop over the buffer (vectorised once specialised).
    @inlinable
    static func smallest(_ samples: [Sample]) -> Sample {
        samples.withUnsafeBufferPointer { b in
            guard var m = b.first else { return 0 }
            for v in b where v < m { m = v }
            return m
        }
    }

    public var columns: Int { geometry.columns }
    public var rows: Int { geometry.rows }
    public var slices: Int { geometry.slices }

    @inlinable
    public subscript(i: Int, j: Int, k: Int) -> Sample {
        samples[(k * geometry.rows + j) * geometry.columns + i]
    }

    /// Bytes of pixel data held.
    public var byteCount: Int { samples.count * MemoryLayout<Sample>.stride }
}

/// A volume of whichever sample type its series has.
public enum AnyVolume: Sendable {
    case uint8(Volume<UInt8>)
    case int8(Volume<Int8>)
    case uint16(Volume<UInt16>)
    case int16(Volume<Int16>)
    case int32(Volume<Int32>)

    public var geometry: VolumeGeometry {
        switch self {
        case .uint8(let v): v.geometry
        case .int8(let v): v.geometry
        case .uint16(let v): v.geometry
        case .int16(let v): v.geometry
        case .int32(let v): v.geometry
        }
    }

    public var byteCount: Int {
        switch self {
        case .uint8(let v): v.byteCount
        case .int8(let v): v.byteCount
        case .uint16(let v): v.byteCount
        case .int16(let v): v.byteCount
        case .int32(let v): v.byteCount
        }
    }

    /// Reformat: see `Volume.reformat`.
    public func reformat(_ request: PlaneRequest) throws(ImagingError) -> Reformat {
        switch self {
        case .uint8(let v): try v.reformat(request)
        case .int8(let v): try v.reformat(request)
        case .uint16(let v): try v.reformat(request)
        case .int16(let v): try v.reformat(request)
        case .int32(let v): try v.reformat(request)
        }
    }
}
