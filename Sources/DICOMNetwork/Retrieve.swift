import DICOMCore
import NIOCore

/// How instances are fetched (PS3.4 C.4.2 C-MOVE, C.4.3 C-GET).
public enum RetrieveMethod: String, Sendable { case move, get }

/// A study or series retrieve with resume: the archive is asked (C-FIND at IMAGE level) which
/// instances exist; those the sink already holds are skipped, and only the rest is fetched.
public struct RetrieveRequest: Sendable {
    public var studyInstanceUID: String
    public var seriesInstanceUID: String?
    public var method: RetrieveMethod
    /// C-MOVE: AE title the archive sends to (ours) and the port our storage SCP listens on.
    public var moveDestination: String
    public var movePort: Int
    public var moveListenHost = "0.0.0.0"

    public init(studyInstanceUID: String, seriesInstanceUID: String? = nil, method: RetrieveMethod,
                moveDestination: String, movePort: Int) {
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.method = method
        self.moveDestination = moveDestination
        self.movePort = movePort
    }
}

public struct RetrieveReport: Sendable {
    public var result: RetrieveResult
    /// Instances the archive listed (nil if it could not say).
    public var expected: Int?
    /// SOP Instance UIDs listed by the archive and not held at the end.
    public var missing: [String]
    public var isComplete: Bool { result.error == nil && result.failures.isEmpty && result.progress.failed == 0 && missing.isEmpty
        && (result.finalStatus.map { $0.isSuccess || $0.isWarning } ?? true) }
}

extension DICOMClient {
    public func retrieve(_ request: RetrieveRequest, sink: any InstanceSink,
                         onProgress: @escaping @Sendable (RetrieveProgress, ReceivedInstance?) -> Void = { _, _ in }) async throws(NetworkError) -> RetrieveReport {
        // 1. What the archive holds (PS3.4 C.6.2.1.4 IMAGE level of the Study Root model).
        var keys = Identifier()
        keys.set(.studyInstanceUID, request.studyInstanceUID)
        keys.set(.seriesInstanceUID, request.seriesInstanceUID ?? "")
        keys.set(.sopInstanceUID, "")
        keys.set(.sopClassUID, "")
        var listed: [(series: String, instance: String, sopClass: String)]?
        do {
            let matches = try await find(model: .studyRoot, level: .image, identifier: keys)
            listed = matches.compactMap { m in
                guard let i = m.string(.sopInstanceUID).map(trimUID), !i.isEmpty else { return nil }
                return (m.string(.seriesInstanceUID).map(trimUID) ?? "", i, m.string(.sopClassUID).map(trimUID) ?? "")
            }
        } catch {
            if error.kind.isRejection { throw error }
            listed = nil // the archive cannot list instances: fetch everything
        }
        let start = now()
        var skipped = 0
        var todo = listed ?? []
        if let l = listed {
            todo = l.filter { !sink.contains(sopInstanceUID: $0.instance) }
            skipped = l.count - todo.count
        }
        var result = RetrieveResult()
        result.progress.skipped = skipped
        if let listed, todo.isEmpty {
            result.finalStatus = .success
            return RetrieveReport(result: result, expected: listed.count, missing: [])
        }
        let sopClasses: [String]? = listed.map { Array(Set($0.map(\.sopClass).filter { !$0.isEmpty })) }.flatMap { $0.isEmpty ? nil : $0 }

        // 2. Requests: the whole study/series when nothing is held, else the missing instances
        // per series (IMAGE level needs a single series UID, PS3.4 C.4.2.2.1).
        var requests: [(QueryLevel, Identifier)] = []
        if skipped == 0 {
            var id = Identifier()
            id.set(.studyInstanceUID, request.studyInstanceUID)
            if let s = request.seriesInstanceUID { id.set(.seriesInstanceUID, s) }
            requests.append((request.seriesInstanceUID == nil ? .study : .series, id))
        } else {
            var bySeries: [String: [String]] = [:]
            for t in todo { bySeries[t.series, default: []].append(t.instance) }
            for (series, instances) in bySeries.sorted(by: { $0.key < $1.key }) {
                var id = Identifier()
                id.set(.studyInstanceUID, request.studyInstanceUID)
                id.set(.seriesInstanceUID, series)
                id.set(.sopInstanceUID, instances.joined(separator: "\\"))
                requests.append((.image, id))
            }
        }

        // 3. Fetch.
        var scp: StorageSCP?
        if request.method == .move {
            var config = StorageSCP.Configuration(local: LocalAE(aeTitle: request.moveDestination, maxPDULength: local.maxPDULength),
                                                  port: request.movePort)
            config.host = request.moveListenHost
            config.requireCalledAETitle = false
            let firstAt = FirstInstanceClock()
            scp = try await StorageSCP.start(config, sink: sink, group: group) { event in
                if case .stored(let inst) = event.kind {
                    firstAt.mark(now() - start)
                    onProgress(RetrieveProgress(), inst)
                }
            }
            for (level, id) in requests {
                let r = try await move(level: level, identifier: id, destination: request.moveDestination) { p in onProgress(p, nil) }
                result.merge(r)
                if r.error != nil { break }
            }
            if let scp {
                await scp.waitUntilIdle(timeout: 10)
                result.instances = scp.received
                result.progress.received = scp.received.count
                result.failures += scp.failures
                result.timeToFirstInstance = firstAt.value
                await scp.stop()
            }
        } else {
            for (level, id) in requests {
                let r = try await get(level: level, identifier: id, sink: sink, sopClasses: sopClasses, onProgress: onProgress)
                if result.timeToFirstInstance == nil, let t = r.timeToFirstInstance { result.timeToFirstInstance = t }
                result.instances += r.instances
                result.progress.received += r.progress.received
                result.merge(r)
                if r.error != nil { break }
            }
        }
        let missing = (listed ?? []).map(\.instance).filter { !sink.contains(sopInstanceUID: $0) }
        return RetrieveReport(result: result, expected: listed?.count, missing: missing)
    }
}

extension RetrieveResult {
    mutating func merge(_ r: RetrieveResult) {
        progress.completed += r.progress.completed
        progress.failed += r.progress.failed
        progress.warning += r.progress.warning
        progress.remaining = r.progress.remaining
        failures += r.failures
        if let s = r.finalStatus, finalStatus == nil || !(s.isSuccess) { finalStatus = s }
        if let e = r.error { error = e }
    }
}

/// Seconds to the first stored instance, set once from the SCP's event callback.
final class FirstInstanceClock: Sendable {
    private let box = NIOLockedValueBoxLite<Double?>(nil)
    func mark(_ t: Double) { box.update { if $0 == nil { $0 = t } } }
    var value: Double? { box.get() }
}
