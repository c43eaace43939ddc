import DICOMCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Counts from pending and final C-GET/C-MOVE responses (PS3.4 C.4.2.1.6–9).
public struct RetrieveProgress: Sendable, Equatable {
    public var remaining: Int?
    public var completed = 0
    public var failed = 0
    public var warning = 0
    /// Instances written and committed by the sink on our side.
    public var received = 0
    /// Instances skipped because the sink already held them (resume).
    public var skipped = 0
    public init() {}
}

/// The outcome of a retrieve: what arrived, the final status, and whether the set is complete.
public struct RetrieveResult: Sendable {
    public var progress = RetrieveProgress()
    public var instances: [ReceivedInstance] = []
    public var finalStatus: DIMSEStatus?
    /// Failed sub-operations on our side (sink errors), with reasons.
    public var failures: [String] = []
    /// The error that ended the retrieve early, if any; then the result is incomplete.
    public var error: NetworkError?
    /// Seconds from the request to the first committed instance.
    public var timeToFirstInstance: Double?
    public var isComplete: Bool {
        error == nil && (finalStatus?.isSuccess ?? false) && progress.failed == 0 && failures.isEmpty
    }
    public init() {}
}

public struct StoreResult: Sendable {
    public var sent: [String] = []
    public var failures: [(path: String, reason: String)] = []
}

public struct EchoResult: Sendable {
    public var status: DIMSEStatus
    public var peerImplementation: String
    public var seconds: Double
}

/// Monotonic seconds, for reported durations only (no logic depends on it).
func now() -> Double { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }

/// The SCU side of the services: C-ECHO, C-FIND, C-GET, C-MOVE, C-STORE, C-CANCEL.
public struct DICOMClient: Sendable {
    public var remote: RemoteAE
    public var local: LocalAE
    public var group: any EventLoopGroup

    public init(remote: RemoteAE, local: LocalAE = LocalAE(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.remote = remote
        self.local = local
        self.group = group
    }

    // MARK: C-ECHO

    /// C-ECHO (PS3.7 §9.1.5; Verification Service Class, PS3.4 Annex A).
    public func echo() async throws(NetworkError) -> EchoResult {
        var p = AssociationProposal()
        p.add(SOPClass.verification, [TransferSyntaxUID.implicitLE])
        let start = now()
        return try await Association.withAssociation(to: remote, local: local, proposal: p, group: group) { (a) throws(NetworkError) in
            guard let ctx = a.context(for: SOPClass.verification) else {
                throw a.error(.noPresentationContext("Verification (\(SOPClass.verification))"))
            }
            var rq = DIMSECommand(.cEchoRQ)
            rq.affectedSOPClassUID = SOPClass.verification
            rq.messageID = a.nextMessageID()
            try await a.send(rq, contextID: ctx.id)
            let (_, rsp) = try await a.receiveCommand()
            guard rsp.commandField == .cEchoRSP else { throw a.error(.dimse("expected C-ECHO-RSP, got \(rsp.commandField.name)")) }
            return EchoResult(status: rsp.status ?? .success, peerImplementation: a.peerImplementation, seconds: now() - start)
        }
    }

    // MARK: C-FIND

    /// C-FIND (PS3.7 §9.1.2; PS3.4 C.4.1 and K.4.1). Each match is passed to `onMatch` as it
    /// arrives; after `limit` matches a C-CANCEL-RQ is sent (PS3.7 §9.3.2.3).
    public func find(model: InformationModel, level: QueryLevel?, identifier: Identifier, limit: Int? = nil,
                     onMatch: @Sendable (DataSet) -> Void = { _ in }) async throws(NetworkError) -> [DataSet] {
        var p = AssociationProposal()
        p.add(model.findUID, TransferSyntaxUID.uncompressed)
        var id = identifier
        if let level { id.set(.queryRetrieveLevel, level.rawValue) }
        let keys = id
        return try await Association.withAssociation(to: remote, local: local, proposal: p, group: group) { (a) throws(NetworkError) in
            guard let ctx = a.context(for: model.findUID) else {
                throw a.error(.noPresentationContext("\(model.rawValue) C-FIND (\(model.findUID))"))
            }
            var rq = DIMSECommand(.cFindRQ)
            rq.affectedSOPClassUID = model.findUID
            let messageID = a.nextMessageID()
            rq.messageID = messageID
            rq.priority = .medium
            var data = ByteBuffer()
            data.writeBytes(try keys.encoded(ctx.transferSyntax))
            try await a.send(rq, contextID: ctx.id, dataSet: data)
            var matches: [DataSet] = []
            var cancelled = false
            while true {
                let (_, rsp) = try await a.receiveCommand()
                guard rsp.commandField == .cFindRSP else { throw a.error(.dimse("expected C-FIND-RSP, got \(rsp.commandField.name)")) }
                let status = rsp.status ?? .success
                if rsp.hasDataSet {
                    let bytes = try await a.receiveDataSetBytes()
                    if status.isPending && !cancelled {
                        let ds: DataSet
                        do { ds = try DataSet.decode(raw: bytes, transferSyntax: TransferSyntax.lookup(ctx.transferSyntax), name: "C-FIND match \(matches.count + 1)") } catch {
                            throw a.error(.dimse("C-FIND match \(matches.count + 1): \(error)"))
                        }
                        matches.append(ds)
                        onMatch(ds)
                    }
                }
                if !status.isPending {
                    if status.isFailure { throw a.error(.status(status, comment: rsp.errorComment)) }
                    return matches
                }
                if let limit, matches.count >= limit, !cancelled {
                    cancelled = true
                    var cancel = DIMSECommand(.cCancelRQ)
                    cancel.messageIDBeingRespondedTo = messageID
                    try await a.send(cancel, contextID: ctx.id)
                }
            }
        }
    }

    // MARK: C-GET

    /// Presentation contexts for receiving instances as storage SCP: for the given SOP classes
    /// (all storage classes if none known) uncompressed, plus one context per compressed
    /// syntax for classes we know are coming or the common image classes, within 128 contexts.
    public static func storageContexts(for sopClasses: [String]?, into p: inout AssociationProposal, reserve: Int = 1) {
        let budget = 128 - reserve - p.contexts.count
        var wanted: [(String, [String])] = []
        if let known = sopClasses.map({ Array(Set($0)).sorted() }) {
            // The classes that are coming: explicit and implicit VR and every compressed
            // syntax get a context each, so every instance can arrive as stored (the acceptor
            // picks one syntax per context, PS3.8 §9.3.3.2). Trimmed to the budget per class.
            let perClass = TransferSyntaxUID.uncompressed.map { [$0] } + TransferSyntaxUID.compressed.map { [$0] }
            let fit = max(1, min(perClass.count, budget / max(1, known.count)))
            for c in known { for ts in perClass.prefix(fit) { wanted.append((c, ts)) } }
        } else {
            // Unknown: the common image classes with the usual compressed syntaxes first, then
            // every other storage class uncompressed while contexts remain.
            let common = SOPClass.commonImageStorage
            for c in common { wanted.append((c, TransferSyntaxUID.uncompressed)) }
            for c in common { for ts in TransferSyntaxUID.compressed.prefix(4) { wanted.append((c, [ts])) } }
            for c in SOPClass.storage where !common.contains(c) { wanted.append((c, TransferSyntaxUID.uncompressed)) }
        }
        for (c, ts) in wanted.prefix(budget) { p.add(c, ts) }
        let roles = Set(p.contexts.map(\.abstractSyntax)).filter(SOPClass.isStorage).sorted()
        p.roleSelections = roles.map { RoleSelection(sopClassUID: $0, scu: false, scp: true) }
    }

    /// C-GET (PS3.7 §9.1.3; PS3.4 C.4.3) with storage sub-operations on the same association
    /// (SCP role selected, PS3.7 §D.3.3.4). Never throws for a failure after the association
    /// is up: the result then carries the error and `isComplete == false`.
    public func get(model: InformationModel = .studyRoot, level: QueryLevel, identifier: Identifier, sink: any InstanceSink,
                    sopClasses: [String]? = nil,
                    onProgress: @Sendable (RetrieveProgress, ReceivedInstance?) -> Void = { _, _ in }) async throws(NetworkError) -> RetrieveResult {
        guard let getUID = model.getUID else { throw NetworkError(.config("C-GET is not defined for \(model.rawValue)")) }
        var p = AssociationProposal()
        p.add(getUID, TransferSyntaxUID.uncompressed)
        Self.storageContexts(for: sopClasses, into: &p)
        var id = identifier
        id.set(.queryRetrieveLevel, level.rawValue)
        let keys = id
        let start = now()
        let box = NIOLockedValueBox(RetrieveResult())
        do {
            try await Association.withAssociation(to: remote, local: local, proposal: p, group: group) { (a) throws(NetworkError) in
                guard let ctx = a.context(for: getUID) else {
                    throw a.error(.noPresentationContext("C-GET (\(getUID))"))
                }
                var rq = DIMSECommand(.cGetRQ)
                rq.affectedSOPClassUID = getUID
                rq.messageID = a.nextMessageID()
                rq.priority = .medium
                var data = ByteBuffer()
                data.writeBytes(try keys.encoded(ctx.transferSyntax))
                try await a.send(rq, contextID: ctx.id, dataSet: data)
                while true {
                    let (cid, cmd) = try await a.receiveCommand()
                    switch cmd.commandField {
                    case .cStoreRQ:
                        let outcome = try await StorageService.receive(cmd, contextID: cid, on: a, sink: sink)
                        box.withLockedValue { r in
                            switch outcome {
                            case .stored(let inst):
                                r.instances.append(inst)
                                r.progress.received += 1
                                if r.timeToFirstInstance == nil { r.timeToFirstInstance = now() - start }
                            case .failed(let why): r.failures.append(why)
                            }
                        }
                        let (prog, inst) = box.withLockedValue { r in (r.progress, r.instances.last) }
                        if case .stored = outcome { onProgress(prog, inst) }
                    case .cGetRSP:
                        let status = cmd.status ?? .success
                        let prog = box.withLockedValue { r -> RetrieveProgress in
                            r.progress.update(from: cmd)
                            if !status.isPending { r.finalStatus = status }
                            return r.progress
                        }
                        if cmd.hasDataSet { _ = try await a.receiveDataSetBytes() }
                        onProgress(prog, nil)
                        if !status.isPending {
                            if status.isFailure { throw a.error(.status(status, comment: cmd.errorComment)) }
                            return
                        }
                    default:
                        throw a.error(.dimse("unexpected \(cmd.commandField.name) during C-GET"))
                    }
                }
            }
        } catch {
            box.withLockedValue { $0.error = error }
        }
        return box.withLockedValue { $0 }
    }

    // MARK: C-MOVE

    /// C-MOVE (PS3.7 §9.1.4; PS3.4 C.4.2): asks the archive to send the instances to
    /// `destination` (our storage SCP, which must already listen and be known to the archive).
    /// The SCP's received instances are counted by the caller; this returns the archive's view.
    public func move(model: InformationModel = .studyRoot, level: QueryLevel, identifier: Identifier, destination: String,
                     onProgress: @Sendable (RetrieveProgress) -> Void = { _ in }) async throws(NetworkError) -> RetrieveResult {
        guard let moveUID = model.moveUID else { throw NetworkError(.config("C-MOVE is not defined for \(model.rawValue)")) }
        var p = AssociationProposal()
        p.add(moveUID, TransferSyntaxUID.uncompressed)
        var id = identifier
        id.set(.queryRetrieveLevel, level.rawValue)
        let keys = id
        let box = NIOLockedValueBox(RetrieveResult())
        do {
            try await Association.withAssociation(to: remote, local: local, proposal: p, group: group) { (a) throws(NetworkError) in
                guard let ctx = a.context(for: moveUID) else {
                    throw a.error(.noPresentationContext("C-MOVE (\(moveUID))"))
                }
                var rq = DIMSECommand(.cMoveRQ)
                rq.affectedSOPClassUID = moveUID
                rq.messageID = a.nextMessageID()
                rq.priority = .medium
                rq.moveDestination = destination
                var data = ByteBuffer()
                data.writeBytes(try keys.encoded(ctx.transferSyntax))
                try await a.send(rq, contextID: ctx.id, dataSet: data)
                while true {
                    let (_, cmd) = try await a.receiveCommand()
                    guard cmd.commandField == .cMoveRSP else {
                        throw a.error(.dimse("unexpected \(cmd.commandField.name) during C-MOVE"))
                    }
                    let status = cmd.status ?? .success
                    let prog = box.withLockedValue { r -> RetrieveProgress in
                        r.progress.update(from: cmd)
                        if !status.isPending { r.finalStatus = status }
                        return r.progress
                    }
                    if cmd.hasDataSet { _ = try await a.receiveDataSetBytes() }
                    onProgress(prog)
                    if !status.isPending {
                        if status.isFailure { throw a.error(.status(status, comment: cmd.errorComment)) }
                        return
                    }
                }
            }
        } catch {
            box.withLockedValue { $0.error = error }
        }
        return box.withLockedValue { $0 }
    }

    // MARK: C-STORE

    /// C-STORE (PS3.7 §9.1.1; PS3.4 Annex B) of Part 10 files. Each file's data set is sent as
    /// stored when its transfer syntax was accepted, otherwise re-encoded in an accepted
    /// uncompressed syntax (native pixel data only).
    public func store(paths: [String], onSent: @Sendable (String, DIMSEStatus) -> Void = { _, _ in }) async throws(NetworkError) -> StoreResult {
        var result = StoreResult()
        var files: [(String, DICOMFile)] = []
        for path in paths {
            do { files.append((path, try Part10Reader.read(path: path))) } catch {
                result.failures.append((path, "\(error)"))
            }
        }
        if files.isEmpty { return result }
        var p = AssociationProposal()
        var seen = Set<String>()
        for (_, f) in files {
            let sop = f.fileMetaInformation.string(.mediaStorageSOPClassUID).map(trimUID) ?? f.dataSet.string(.sopClassUID).map(trimUID) ?? ""
            // One context with the file's own syntax, so it is sent as stored (the acceptor
            // picks one syntax per context), and for native data one uncompressed fallback.
            if seen.insert(sop + "|" + f.transferSyntax.uid).inserted { p.add(sop, [f.transferSyntax.uid]) }
            if !f.transferSyntax.isEncapsulated, seen.insert(sop + "|native").inserted {
                p.add(sop, TransferSyntaxUID.uncompressed)
            }
        }
        let list = files
        let partial = result
        return try await Association.withAssociation(to: remote, local: local, proposal: p, group: group) { (a) throws(NetworkError) in
            var result = partial
            for (path, f) in list {
                let sop = f.fileMetaInformation.string(.mediaStorageSOPClassUID).map(trimUID) ?? f.dataSet.string(.sopClassUID).map(trimUID) ?? ""
                let inst = f.fileMetaInformation.string(.mediaStorageSOPInstanceUID).map(trimUID) ?? f.dataSet.string(.sopInstanceUID).map(trimUID) ?? ""
                var rq = DIMSECommand(.cStoreRQ)
                rq.affectedSOPClassUID = sop
                rq.affectedSOPInstanceUID = inst
                rq.messageID = a.nextMessageID()
                rq.priority = .medium
                if let ctx = a.context(for: sop, transferSyntax: f.transferSyntax.uid),
                   let offset = Part10Writer.dataSetOffset(of: f), offset <= f.source.count {
                    try await a.send(rq, contextID: ctx.id, source: f.source, range: offset..<f.source.count)
                } else if let ctx = a.context(for: sop), !f.transferSyntax.isEncapsulated {
                    let bytes: [UInt8]
                    do { bytes = try f.dataSet.encodedRaw(transferSyntax: TransferSyntax.lookup(ctx.transferSyntax)) } catch {
                        result.failures.append((path, "cannot re-encode: \(error)"))
                        continue
                    }
                    var buf = ByteBuffer()
                    buf.writeBytes(bytes)
                    try await a.send(rq, contextID: ctx.id, dataSet: buf)
                } else {
                    result.failures.append((path, "no accepted presentation context for SOP class \(sop) in \(f.transferSyntax.name)"))
                    continue
                }
                let (_, rsp) = try await a.receiveCommand()
                guard rsp.commandField == .cStoreRSP else { throw a.error(.dimse("expected C-STORE-RSP, got \(rsp.commandField.name)")) }
                let status = rsp.status ?? .success
                onSent(path, status)
                if status.isFailure {
                    result.failures.append((path, "\(status)" + (rsp.errorComment.map { ": \($0)" } ?? "")))
                } else {
                    result.sent.append(path)
                }
            }
            return result
        }
    }
}

func trimUID(_ s: String) -> String {
    var s = Substring(s)
    while let l = s.last, l == "\0" || l == " " { s = s.dropLast() }
    return String(s)
}


extension RetrieveProgress {
    mutating func update(from rsp: DIMSECommand) {
        if let v = rsp.remaining { remaining = Int(v) }
        if let v = rsp.completed { completed = Int(v) }
        if let v = rsp.failed { failed = Int(v) }
        if let v = rsp.warning { warning = Int(v) }
    }
}

/// A tiny lock box (NIOLockedValueBox with a narrower API).
final class NIOLockedValueBoxLite<T: Sendable>: Sendable {
    private let box: NIOLockedValueBox<T>
    init(_ v: T) { box = NIOLockedValueBox(v) }
    func update(_ f: (inout T) -> Void) { box.withLockedValue { f(&$0) } }
    func get() -> T { box.withLockedValue { $0 } }
}
