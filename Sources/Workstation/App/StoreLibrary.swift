import AuditTrail
import StudyStore

/// The worklist's studies from the local study store (and what the viewer reads: the store's
/// files, in place). Read state and pins go back to the store; a study open in the viewer is
/// leased so that eviction leaves it alone.
///
/// StudyStore has types of the same names as Workstation's (`StudySummary`, `SeriesSummary`);
/// here the unqualified names are Workstation's and the store's values are converted by field.
public final class StoreLibrary: StudyLibrary, @unchecked Sendable {
    public let store: StudyStore
    /// Most studies listed at once; the worklist filters and sorts them in memory.
    public var limit = 5000
    /// `--show-confidential`: list confidential studies too (the store audits each one).
    public var showConfidential = false
    private let lock = Mutex()
    private var leases: [String: StudyLease] = [:]

    public init(store: StudyStore) {
        self.store = store
    }

    func summary(_ s: StoreStudySummary) -> StudySummary {
        StudySummary(id: s.studyInstanceUID, patientName: s.patient.name, patientID: s.patient.patientID,
                     birthDate: s.patient.birthDate, sex: s.patient.sex, studyDate: s.studyDate, studyTime: s.studyTime,
                     modalities: s.modalities, description: s.studyDescription, accession: s.accessionNumber,
                     bodyPart: s.bodyParts.first ?? "", seriesCount: s.seriesCount, instanceCount: s.instanceCount,
                     source: s.source.isEmpty ? "local" : s.source, state: s.state == .complete ? .complete : .partial,
                     isRead: s.isRead, isPinned: s.pinned, keywords: s.keywords)
    }

    public func studies() throws(WorkstationError) -> [StudySummary] {
        var q = WorklistQuery()
        q.limit = limit
        q.showConfidential = showConfidential
        do { return try store.worklist(q).map { summary($0) } } catch {
            throw WorkstationError("study store: \(error)")
        }
    }

    /// A confidential study is not read without `--show-confidential` (a prior, a study named
    /// by UID), whatever the worklist showed.
    func checkConfidential(_ id: String) throws(WorkstationError) {
        guard !showConfidential else { return }
        if (try? store.isConfidential(study: id)) ?? true {
            throw WorkstationError("study \(id) is confidential: start sixray with --show-confidential to open it (the access is audited)")
        }
    }

    public func series(ofStudy id: String) throws(WorkstationError) -> [SeriesSummary] {
        try checkConfidential(id)
        do {
            return try store.series(ofStudy: id).map { s in
                let files = try store.instances(ofSeries: s.seriesInstanceUID).map(\.path)
                return SeriesSummary(id: s.seriesInstanceUID, studyID: s.studyInstanceUID, number: s.seriesNumber,
                                     modality: s.modality, description: s.seriesDescription, bodyPart: s.bodyPart,
                                     instanceCount: s.instanceCount, files: files)
            }
        } catch {
            throw WorkstationError("study store: \(error)")
        }
    }

    public func setRead(_ read: Bool, study id: String) { try? store.setRead(read, study: id) }
    public func setPinned(_ pinned: Bool, study id: String) { try? store.setPinned(pinned, study: id) }

    public func priors(of study: StudySummary) throws(WorkstationError) -> [StudySummary] {
        do {
            return try store.priors(of: study.id).compactMap { p in
                if !showConfidential, try store.isConfidential(study: p.candidate.studyInstanceUID) { return nil }
                return try store.study(p.candidate.studyInstanceUID).map { summary($0) }
            }
        } catch {
            throw WorkstationError("study store: \(error)")
        }
    }

    public func attachCandidates(study id: String) -> [(patientID: String, label: String)] {
        ((try? store.candidatePatients(forStudy: id)) ?? []).map {
            ($0.patientID, "\($0.patientID) \(displayName($0.name)) \(formatDate($0.birthDate)) \($0.sex)")
        }
    }

    public func attach(study id: String, toPatientID patientID: String) throws(WorkstationError) {
        do { try store.attach(study: id, toPatientID: patientID) } catch { throw WorkstationError("study store: \(error)") }
    }

    public func viewing(_ studyIDs: Set<String>) {
        releaseAll(except: studyIDs)
        for id in studyIDs { hold(study: id) }
    }

    /// Keeps `id` from eviction while it is on screen, and records the opening in the audit
    /// log (`open`; `access-confidential` too for a confidential study).
    public func hold(study id: String) {
        lock.withLock {
            guard leases[id] == nil, let lease = try? store.lease(study: id) else { return }
            leases[id] = lease
            if (try? store.isConfidential(study: id)) == true {
                try? store.audit(.accessConfidential, study: id, detail: "workstation")
            }
            try? store.audit(.open, study: id, detail: "workstation")
        }
    }

    public func releaseAll(except keep: Set<String> = []) {
        lock.withLock {
            for (id, lease) in leases where !keep.contains(id) {
                try? store.release(lease)
                leases[id] = nil
            }
        }
    }
}

