import DICOMCore
@testable import StudyStore

#if canImport(Glibc)
import Glibc
#endif

/// A fresh private temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/sixray-store-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buf in buf.baseAddress.flatMap { mkdtemp($0) } }
        path = made.map { String(cString: $0) } ?? "/tmp/sixray-store-test-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        mkdir(path, 0o700)
    }

    var store: String { path + "/store" }
    var inputs: String { path + "/in" }

    func cleanup() { FileSystem.removeTree(path) }
}

/// Write one instance under `directory`; returns its path.
@discardableResult
func writeInstance(_ i: SyntheticInstance, to directory: String, name: String? = nil) throws -> String {
    try FileSystem.makePrivateDirectory(directory)
    let path = directory + "/" + (name ?? i.sopInstanceUID + ".dcm")
    let fd = try FileSystem.createPrivateFileReplacing(path)
    defer { FileSystem.closeDescriptor(fd) }
    try FileSystem.writeAll(fd, bytes: try i.encode(), path: path)
    return path
}

/// A study of `count` instances in one series.
func writeStudy(_ base: SyntheticInstance, count: Int, to directory: String) throws -> [String] {
    var paths: [String] = []
    var i = base
    for k in 0..<count {
        i.sopInstanceUID = "\(base.seriesInstanceUID).\(k + 1)"
        i.instanceNumber = k + 1
        paths.append(try writeInstance(i, to: directory))
    }
    return paths
}

func readAll(_ path: String) -> [UInt8]? { try? SmallFile.read(path) }

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    let fd = try FileSystem.createPrivateFileReplacing(path)
    defer { FileSystem.closeDescriptor(fd) }
    try FileSystem.writeAll(fd, bytes: bytes, path: path)
}

/// A controllable clock for least-recently-used tests.
final class TestClock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var now: Double = 1_700_000_000
    init() { pthread_mutex_init(&mutex, nil) }
    func advance(_ seconds: Double) { pthread_mutex_lock(&mutex); now += seconds; pthread_mutex_unlock(&mutex) }
    func read() -> Double { pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }; return now }
}

func options(clock: TestClock? = nil, batchSize: Int = 200) -> StudyStore.Options {
    var o = StudyStore.Options()
    o.batchSize = batchSize
    if let clock { o.clock = { clock.read() } }
    return o
}

func instance(patient: String = "P1", name: String = "DOE^JANE", birth: String = "19700101", sex: String = "F",
              study: String, date: String = "20240101", modality: String = "CT", bodyPart: String = "CHEST",
              accession: String = "ACC") -> SyntheticInstance {
    var i = SyntheticInstance()
    i.patientID = patient
    i.patientName = name
    i.birthDate = birth
    i.sex = sex
    i.studyInstanceUID = study
    i.seriesInstanceUID = study + ".1"
    i.sopInstanceUID = study + ".1.1"
    i.studyDate = date
    i.modality = modality
    i.bodyPart = bodyPart
    i.accessionNumber = accession
    return i
}
