import DICOMCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Receiving one C-STORE (PS3.4 Annex B, PS3.7 §9.1.1): the data set is streamed to the sink's
/// writer fragment by fragment and committed only when its last fragment has arrived.
enum StorageService {
    enum Outcome: Sendable { case stored(ReceivedInstance), failed(String) }

    static func receive(_ cmd: DIMSECommand, contextID: UInt8, on a: Association, sink: any InstanceSink) async throws(NetworkError) -> Outcome {
        let sopClass = cmd.affectedSOPClassUID ?? ""
        let sopInstance = cmd.affectedSOPInstanceUID ?? ""
        var rsp = DIMSECommand(.cStoreRSP)
        rsp.affectedSOPClassUID = sopClass
        rsp.affectedSOPInstanceUID = sopInstance
        rsp.messageIDBeingRespondedTo = cmd.messageID
        guard let ctx = a.accepted[contextID] else {
            throw a.error(.dimse("C-STORE-RQ on unknown presentation context \(contextID)"))
        }
        var failure: (DIMSEStatus, String)?
        if !cmd.hasDataSet {
            failure = (.processingFailure, "C-STORE-RQ without a data set")
        } else if ctx.abstractSyntax != sopClass {
            // PS3.4 B.2.3: SOP class not supported (the context was negotiated for another class).
            failure = (.sopClassNotSupported, "SOP class \(sopClass) sent on the context for \(ctx.abstractSyntax)")
        }
        var writer: (any InstanceWriter)?
        if failure == nil {
            do { writer = try sink.begin(sopClassUID: sopClass, sopInstanceUID: sopInstance, transferSyntaxUID: ctx.transferSyntax) } catch {
                failure = (.outOfResources, error.kind.description)
            }
        }
        do throws(NetworkError) {
            try await a.receiveDataSet { (fragment) throws(NetworkError) in
                guard let w = writer else { return }
                do throws(NetworkError) { try w.write(fragment) } catch {
                    w.discard()
                    writer = nil
                    failure = (.outOfResources, error.kind.description)
                }
            }
        } catch {
            writer?.discard()
            throw error
        }
        var outcome: Outcome
        if let w = writer, failure == nil {
            do {
                let inst = try w.commit()
                outcome = .stored(inst)
                rsp.status = .success
            } catch {
                failure = (.outOfResources, error.kind.description)
                outcome = .failed(error.kind.description)
            }
        } else {
            outcome = .failed(failure?.1 ?? "not stored")
        }
        if let failure {
            rsp.status = failure.0
            rsp.errorComment = failure.1
            outcome = .failed("\(sopInstance): \(failure.1)")
        }
        try await a.send(rsp, contextID: contextID)
        return outcome
    }
}

/// Storage and Verification SCP (PS3.4 Annex A and B): accepts associations, answers C-ECHO,
/// stores C-STORE data sets through an `InstanceSink`. Used by `sixray listen` and, during a
/// C-MOVE, as the move destination.
public final class StorageSCP: Sendable {
    public struct Configuration: Sendable {
        public var local: LocalAE
        public var host: String = "0.0.0.0"
        public var port: Int
        public var tls: TLSSettings?
        /// Refuse associations whose Called AE Title is not ours (PS3.8 Table 9-21, reason 7).
        public var requireCalledAETitle = true
        public var dimseTimeout: TimeAmount = .seconds(60)
        public var artimTimeout: TimeAmount = .seconds(30)
        public init(local: LocalAE, port: Int) {
            self.local = local
            self.port = port
        }
    }

    public struct Event: Sendable {
        public enum Kind: Sendable { case associated, stored(ReceivedInstance), failed(String), echoed, released, aborted(String), rejected(String) }
        public var peer: String
        public var kind: Kind
    }

    let server: NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never>
    let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)
    let state = NIOLockedValueBox((active: 0, received: [ReceivedInstance](), failures: [String]()))
    public let port: Int

    init(server: NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never>, port: Int) {
        self.server = server
        self.port = port
    }

    /// Bind and start serving. `onEvent` sees each association's progress (for logs).
    public static func start(_ config: Configuration, sink: any InstanceSink,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             onEvent: @escaping @Sendable (Event) -> Void = { _ in }) async throws(NetworkError) -> StorageSCP {
        let sslContext: NIOSSLContext?
        if let tls = config.tls {
            do { sslContext = try NIOSSLContext(configuration: try tls.configuration(server: true)) } catch let e as NetworkError {
                throw e
            } catch { throw NetworkError(.tls("\(error)")) }
        } else { sslContext = nil }
        let timeout = config.dimseTimeout
        let server: NIOAsyncChannel<NIOAsyncChannel<PDU, PDU>, Never>
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: config.host, port: config.port) { ch in
                    ch.eventLoop.makeCompletedFuture {
                        if let sslContext { try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext)) }
                        try ch.pipeline.syncOperations.addHandlers(Association.pipelineHandlers(timeout: timeout, what: "peer silent for \(timeout.seconds) s", local: config.local))
                        return try NIOAsyncChannel<PDU, PDU>(wrappingChannelSynchronously: ch)
                    }
                }
        } catch {
            throw NetworkError(.connection("cannot listen on \(config.host):\(config.port): \(describe(error))"))
        }
        let scp = StorageSCP(server: server, port: server.channel.localAddress?.port ?? config.port)
        let t = Task {
            _ = try? await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await child in inbound {
                        group.addTask {
                            scp.state.withLockedValue { $0.active += 1 }
                            defer { scp.state.withLockedValue { $0.active -= 1 } }
                            await scp.serve(child, config: config, sink: sink, onEvent: onEvent)
                        }
                    }
                }
            }
        }
        scp.task.withLockedValue { $0 = t }
        return scp
    }

    public var received: [ReceivedInstance] { state.withLockedValue { $0.received } }
    public var failures: [String] { state.withLockedValue { $0.failures } }
    public var activeAssociations: Int { state.withLockedValue { $0.active } }

    /// Wait until no association is open (or `timeout` passes); a C-MOVE's final response can
    /// arrive before the archive has released its storage association.
    public func waitUntilIdle(timeout: Double) async {
        let deadline = now() + timeout
        while activeAssociations > 0 && now() < deadline {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    public func stop() async {
        server.channel.close(promise: nil)
        let t = task.withLockedValue { $0 }
        t?.cancel()
        await t?.value
    }

    public func wait() async {
        let t = task.withLockedValue { $0 }
        await t?.value
    }

    func serve(_ child: NIOAsyncChannel<PDU, PDU>, config: Configuration, sink: any InstanceSink,
               onEvent: @Sendable (Event) -> Void) async {
        let remote = child.channel.remoteAddress
        let peer = "\(remote?.ipAddress ?? "?"):\(remote?.port ?? 0)"
        try? await child.executeThenClose { inbound, outbound in
            let a = Association(channel: child.channel, inbound: inbound, outbound: outbound, isRequestor: false,
                                peer: peer, local: config.local, artimTimeout: config.artimTimeout)
            do throws(NetworkError) {
                guard try await a.accept(config: config) else {
                    onEvent(Event(peer: peer, kind: .rejected("association rejected")))
                    return
                }
                onEvent(Event(peer: a.peer, kind: .associated))
                while true {
                    let (cid, cmd) = try await a.receiveCommand()
                    switch cmd.commandField {
                    case .cEchoRQ:
                        var rsp = DIMSECommand(.cEchoRSP)
                        rsp.affectedSOPClassUID = cmd.affectedSOPClassUID
                        rsp.messageIDBeingRespondedTo = cmd.messageID
                        rsp.status = .success
                        try await a.send(rsp, contextID: cid)
                        onEvent(Event(peer: a.peer, kind: .echoed))
                    case .cStoreRQ:
                        let outcome = try await StorageService.receive(cmd, contextID: cid, on: a, sink: sink)
                        switch outcome {
                        case .stored(let inst):
                            self.state.withLockedValue { $0.received.append(inst) }
                            onEvent(Event(peer: a.peer, kind: .stored(inst)))
                        case .failed(let why):
                            self.state.withLockedValue { $0.failures.append(why) }
                            onEvent(Event(peer: a.peer, kind: .failed(why)))
                        }
                    default:
                        // PS3.7 C.4.2: unrecognized operation.
                        if cmd.hasDataSet { try await a.receiveDataSet { _ in } }
                        var rsp = DIMSECommand(CommandField(rawValue: cmd.commandField.rawValue | 0x8000) ?? .cEchoRSP)
                        rsp.affectedSOPClassUID = cmd.affectedSOPClassUID
                        rsp.messageIDBeingRespondedTo = cmd.messageID
                        rsp.status = DIMSEStatus(0x0211)
                        try await a.send(rsp, contextID: cid)
                    }
                }
            } catch {
                if a.releasedByPeer {
                    onEvent(Event(peer: a.peer, kind: .released))
                } else {
                    onEvent(Event(peer: a.peer, kind: .aborted(error.kind.description)))
                }
            }
        }
    }
}

extension Association {
    /// Acceptor side (AE-5, AE-6, AE-7/AE-8): read the A-ASSOCIATE-RQ and answer it.
    /// Returns false when the association was rejected.
    func accept(config: StorageSCP.Configuration) async throws(NetworkError) -> Bool {
        await fire(.transportConnectIndication)
        let pdu = try await nextPDU()
        guard case .associateRQ(let rq) = pdu else {
            await fire(event(for: pdu))
            throw error(.unexpectedPDU("\(pdu.name) where A-ASSOCIATE-RQ was expected"))
        }
        await fire(.associateRQReceived)
        peerAETitle = rq.callingAETitle
        peer = "\(rq.callingAETitle)@\(peer)"
        peerImplementation = rq.userInformation.implementationClassUID
        var rejection: AssociationRejection?
        if rq.protocolVersion & 1 == 0 {
            rejection = AssociationRejection(result: 1, source: 2, reason: 2)
        } else if rq.applicationContext != dicomApplicationContext {
            rejection = AssociationRejection(result: 1, source: 1, reason: 2)
        } else if config.requireCalledAETitle && rq.calledAETitle != config.local.aeTitle {
            rejection = AssociationRejection(result: 1, source: 1, reason: 7)
        }
        if let rejection {
            await fire(.associateRejectResponse)
            try? await outbound.write(.associateRJ(rejection))
            return false
        }
        var results: [PresentationContextResult] = []
        for pc in rq.presentationContexts {
            let supported = pc.abstractSyntax == SOPClass.verification || SOPClass.isStorage(pc.abstractSyntax)
            guard supported else {
                results.append(PresentationContextResult(id: pc.id, result: .abstractSyntaxNotSupported, transferSyntax: ""))
                continue
            }
            // The proposer's order, except that retired explicit VR big endian goes last.
            let candidates = pc.transferSyntaxes.filter { uid in
                let ts = TransferSyntax.lookup(uid)
                return ts.isKnown && (pc.abstractSyntax != SOPClass.verification || !ts.isEncapsulated)
            }
            let usable = candidates.first { !TransferSyntax.lookup($0).isBigEndian } ?? candidates.first
            if let usable {
                results.append(PresentationContextResult(id: pc.id, result: .acceptance, transferSyntax: usable))
                accepted[pc.id] = AcceptedContext(id: pc.id, abstractSyntax: pc.abstractSyntax, transferSyntax: usable)
            } else {
                results.append(PresentationContextResult(id: pc.id, result: .transferSyntaxesNotSupported, transferSyntax: ""))
            }
        }
        peerMaxPDULength = rq.userInformation.maxPDULength ?? 0
        let user = UserInformation(maxPDULength: local.maxPDULength, implementationClassUID: LocalAE.implementationClassUID,
                                   implementationVersionName: LocalAE.implementationVersionName)
        let ac = AssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle,
                             presentationContexts: results, userInformation: user)
        await fire(.associateAcceptResponse)
        do { try await outbound.write(.associateAC(ac)) } catch { throw self.error(.connection("send failed: \(describe(error))")) }
        return true
    }
}
