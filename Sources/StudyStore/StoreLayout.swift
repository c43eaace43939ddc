/// Where things live under a store's root:
///
///     ROOT/index.sqlite            the GRDB index (WAL mode: also -wal and -shm)
///     ROOT/objects/SS/STUDY/       one folder per study, SS = shard (FNV-1a of the Study UID)
///     ROOT/objects/SS/STUDY/SOP.dcm   the instance, byte for byte as received
///     ROOT/objects/SS/STUDY/study.json  user annotations, so a rebuilt index keeps them
///     ROOT/tmp/PID-START-N.part   files being written (renamed into objects/ when complete)
///     ROOT/writers/PID-START      present while a process may write; left by a crash
///     ROOT/writer.lock            flock(2): one writer at a time across processes
///
/// File and folder names are UIDs when they are plain UIDs (digits and dots, PS3.5 §9.1),
/// otherwise "x" and the UID's bytes in hex, so no UID from outside can name a path.
public struct StoreLayout: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public var indexPath: String { root + "/index.sqlite" }
    public var objectsDirectory: String { root + "/objects" }
    public var temporaryDirectory: String { root + "/tmp" }
    public var writersDirectory: String { root + "/writers" }
    public var lockPath: String { root + "/writer.lock" }

    /// Shard folder name: the low byte of FNV-1a over the Study UID, two hex digits
    /// (256 shards keep every folder small even with hundreds of thousands of studies).
    public static func shard(of studyUID: String) -> String {
        var h: UInt32 = 2_166_136_261
        for b in studyUID.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return hex2(UInt8(truncatingIfNeeded: h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)))
    }

    /// A UID as a file name component.
    public static func fileName(forUID uid: String) -> String {
        if !uid.isEmpty, uid.utf8.count <= 64, uid.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }),
           uid.first != "." {
            return uid
        }
        return "x" + uid.utf8.map(hex2).joined()
    }

    /// The UID a file name component stands for (inverse of `fileName(forUID:)`).
    public static func uid(fromFileName name: String) -> String? {
        if name.hasPrefix("x") {
            let hex = Array(name.utf8.dropFirst())
            guard hex.count % 2 == 0 else { return nil }
            var bytes: [UInt8] = []
            var i = 0
            while i < hex.count {
                guard let hi = nibble(hex[i]), let lo = nibble(hex[i + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
                i += 2
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return name.isEmpty ? nil : name
    }

    /// Study folder, relative to the root.
    public static func studyDirectory(studyUID: String) -> String {
        "objects/" + shard(of: studyUID) + "/" + fileName(forUID: studyUID)
    }

    /// Instance file, relative to the root.
    public static func instancePath(studyUID: String, sopInstanceUID: String) -> String {
        studyDirectory(studyUID: studyUID) + "/" + fileName(forUID: sopInstanceUID) + ".dcm"
    }

    public func absolute(_ relative: String) -> String { root + "/" + relative }

    private static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
