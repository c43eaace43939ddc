import AuditTrail
import DICOMCore
import DICOMNetwork
import DICOMweb
import Dispatch
import NIOConcurrencyHelpers
import StudyStore

/// What the workstation asks of the configured archive: the worklist query and a retrieve
/// into the local store. Blocking calls, made from background work (the inbox), never from
/// the loop.
public protocol ArchiveService: Sendable {
    var name: String { get }
    /// Studies at the archive from `dateFrom` (YYYYMMDD) on, of one patient when `patientID` is
    /// given, at most `limit`.
    func findStudies(dateFrom: String?, patientID: String?, limit: Int) throws(WorkstationError) -> [StudySummary]
    /// Fetches a study into the store; `progress(received, remaining)` after each instance.
    /// `isCancelled` is checked as instances arrive: once true, the rest are refused.
    func retrieve(study: String, isCancelled: @escaping @Sendable () -> Bool,
                  progress: @escaping @Sendable (Int, Int?) -> Void) throws(WorkstationError) -> RetrieveSummary
}

public struct RetrieveSummary: Sendable, Equatable {
    public var received: Int
    public var skipped: Int
    public var complete: Bool
    public var message: String?
}

/// The archive over DIMSE: C-FIND at study level, C-GET or C-MOVE into the store.
public struct DIMSEArchiveService: ArchiveService {
    public let archive: ArchiveConfig.Archive
    public let local: LocalAE
    public let ownPort: Int
    public let store: StudyStore

    public init(archive: ArchiveConfig.Archive, local: LocalAE, ownPort: Int, store: StudyStore) {
        self.archive = archive
        self.local = local
        self.ownPort = ownPort
        self.store = store
    }

    public var name: String { archive.name }

    public func findStudies(dateFrom: String?, patientID: String?, limit: Int) throws(WorkstationError) -> [StudySummary] {
        let client = DICOMClient(remote: archive.remote(), local: local)
        let request = studyKeys(dateFrom: dateFrom, patientID: patientID)
        let matches: [DataSet] = try blocking(archive.name) { try await client.find(model: .studyRoot, level: .study, identifier: request, limit: limit) }
        return matches.map { studySummary($0, source: archive.name) }.filter { !$0.id.isEmpty }
    }

    public func retrieve(study: String, isCancelled: @escaping @Sendable () -> Bool,
                         progress: @escaping @Sendable (Int, Int?) -> Void) throws(WorkstationError) -> RetrieveSummary {
        let sink: CancellableSink
        do { sink = CancellableSink(inner: try StoreSink(store: store, source: archive.name), isCancelled: isCancelled) } catch {
            throw WorkstationError("\(error)")
        }
        var request = RetrieveRequest(studyInstanceUID: study, method: archive.retrieve == .get ? .get : .move,
                                      moveDestination: archive.moveDestination ?? local.aeTitle, movePort: archive.movePort ?? ownPort)
        request.moveListenHost = "0.0.0.0"
        let client = DICOMClient(remote: archive.remote(), local: local)
        let req = request
        let counter = NIOLockedValueBox(0)
        let peer = "\(archive.name) \(archive.calledAETitle)@\(archive.host):\(archive.port)"
        let report: RetrieveReport
        do {
            report = try blocking(archive.name) {
                try await client.retrieve(req, sink: sink) { p, instance in
                    guard instance != nil else { return }
                    let n = counter.withLockedValue { $0 += 1; return $0 }
                    progress(n, p.remaining)
                }
            }
        } catch {
            try? store.audit(.retrieve, study: study, outcome: .failure, peer: peer, detail: "workstation, not retrieved")
            throw error
        }
        let r = report.result
        let complete = report.isComplete && !isCancelled()
        if complete { try? store.markComplete(study: study) } else { try? store.markPartial(study: study) }
        try? store.audit(.retrieve, study: study, outcome: complete ? .success : .failure,
                         peer: peer, instances: r.progress.received, detail: "workstation, \(request.method.rawValue)")
        var message: String?
        if isCancelled() {
            message = "retrieve cancelled after \(r.progress.received) instances; the study stays partial"
        } else if !report.isComplete {
            var why: [String] = []
            if let e = r.error { why.append(e.description) }
            if r.progress.failed > 0 { why.append("\(r.progress.failed) failed at the archive") }
            if !report.missing.isEmpty { why.append("\(report.missing.count) instances missing") }
            message = "retrieve incomplete: " + why.joined(separator: "; ")
        }
        return RetrieveSummary(received: r.progress.received, skipped: r.progress.skipped, complete: complete, message: message)
    }

}

/// The study-level keys of the worklist query (C-FIND identifier; QIDO-RS takes the same).
func studyKeys(dateFrom: String?, patientID: String?) -> Identifier {
    var keys = Identifier()
    for t in [Tag.patientName, .patientBirthDate, .patientSex, .studyTime, .accessionNumber,
              .modalitiesInStudy, .studyDescription, .studyInstanceUID, .numberOfStudyRelatedInstances, Tag(0x0020, 0x1206)] {
        keys.set(t)
    }
    keys.set(.studyDate, dateFrom.map { $0 + "-" } ?? "")
    keys.set(.patientID, patientID ?? "")
    return keys
}

/// A worklist row from a study-level match.
func studySummary(_ ds: DataSet, source: String) -> StudySummary {
    func s(_ t: Tag) -> String { ds.string(t).map(trimSpaces) ?? "" }
    return StudySummary(id: s(.studyInstanceUID), patientName: s(.patientName), patientID: s(.patientID),
                        birthDate: s(.patientBirthDate), sex: s(.patientSex), studyDate: s(.studyDate), studyTime: s(.studyTime),
                        modalities: s(.modalitiesInStudy).split(separator: "\\").map { trimSpaces(String($0)) }.filter { !$0.isEmpty },
                        description: s(.studyDescription), accession: s(.accessionNumber),
                        seriesCount: ds.int(Tag(0x0020, 0x1206)) ?? 0,
                        instanceCount: ds.int(.numberOfStudyRelatedInstances) ?? 0, source: source, state: .remote)
}

/// Runs async network code to completion from a background thread.
func blocking<T: Sendable>(_ archiveName: String, _ body: @escaping @Sendable () async throws -> T) throws(WorkstationError) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = NIOLockedValueBox<Result<T, any Error>?>(nil)
    Task {
        do { let v = try await body(); box.withLockedValue { $0 = .success(v) } } catch {
            box.withLockedValue { $0 = .failure(error) }
        }
        done.signal()
    }
    done.wait()
    switch box.withLockedValue({ $0 }) {
    case .success(let v)?: return v
    case .failure(let e)?: throw WorkstationError("\(archiveName): \(e)")
    case nil: throw WorkstationError("\(archiveName): no answer")
    }
}

/// The archive over DICOMweb: QIDO-RS for the worklist, WADO-RS into the store.
public struct DICOMwebArchiveService: ArchiveService {
    public let name: String
    public let client: DICOMwebClient
    public let store: StudyStore

    public init(name: String, client: DICOMwebClient, store: StudyStore) {
        self.name = name
        self.client = client
        self.store = store
    }

    public func findStudies(dateFrom: String?, patientID: String?, limit: Int) throws(WorkstationError) -> [StudySummary] {
        let query = qidoQuery(level: .studies, identifier: studyKeys(dateFrom: dateFrom, patientID: patientID).dataSet, limit: limit)
        let client = self.client
        let matches: [DataSet] = try blocking(name) { try await client.search(query) }
        return matches.map { studySummary($0, source: name) }.filter { !$0.id.isEmpty }
    }

    public func retrieve(study: String, isCancelled: @escaping @Sendable () -> Bool,
                         progress: @escaping @Sendable (Int, Int?) -> Void) throws(WorkstationError) -> RetrieveSummary {
        let sink: CancellableSink
        do { sink = CancellableSink(inner: try StoreSink(store: store, source: name), isCancelled: isCancelled) } catch {
            throw WorkstationError("\(error)")
        }
        let client = self.client
        let report: WebRetrieveReport
        do {
            report = try blocking(name) {
                await retrieveDICOMweb(client: client, study: study, series: nil, sink: sink) { n in progress(n, nil) }
            }
        } catch {
            try? store.audit(.retrieve, study: study, outcome: .failure, peer: name + " " + AuditLog.peerName("\(client.baseURL)"),
                             detail: "workstation, not retrieved")
            throw error
        }
        let complete = report.isComplete && !isCancelled()
        if complete { try? store.markComplete(study: study) } else { try? store.markPartial(study: study) }
        try? store.audit(.retrieve, study: study, outcome: complete ? .success : .failure,
                         peer: name + " " + AuditLog.peerName("\(client.baseURL)"), instances: report.received.count,
                         detail: "workstation, wado-rs")
        var message: String?
        if isCancelled() {
            message = "retrieve cancelled after \(report.received.count) instances; the study stays partial"
        } else if !report.isComplete {
            message = "retrieve incomplete: " + [report.error.map { "\($0)" }, report.missing.isEmpty ? nil : "\(report.missing.count) instances missing"]
                .compactMap { $0 }.joined(separator: "; ")
        }
        return RetrieveSummary(received: report.received.count, skipped: report.skipped, complete: complete, message: message)
    }
}

/// Refuses further instances once the user cancelled (Esc): the archive's remaining
/// sub-operations fail fast and the retrieve ends; nothing half-written is kept.
struct CancellableSink: InstanceSink {
    let inner: any InstanceSink
    let isCancelled: @Sendable () -> Bool

    func contains(sopInstanceUID: String) -> Bool { inner.contains(sopInstanceUID: sopInstanceUID) }
    var hasCostlyCommit: Bool { inner.hasCostlyCommit }

    func begin(sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String) throws(NetworkError) -> any InstanceWriter {
        if isCancelled() { throw NetworkError(.file("retrieve cancelled by the user")) }
        return try inner.begin(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, transferSyntaxUID: transferSyntaxUID)
    }
}
