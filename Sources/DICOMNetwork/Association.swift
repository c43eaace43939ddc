import DICOMCore
import NIOCore

/// Identity of this application entity on associations it requests or accepts.
public struct LocalAE: Sendable {
    public var aeTitle: String
    /// Largest P-DATA-TF PDU we accept (our Maximum Length sub-item, PS3.8 §D.1).
    public var maxPDULength: UInt32
    public init(aeTitle: String = "SIXRAY", maxPDULength: UInt32 = 1 << 20) {
        self.aeTitle = aeTitle
        self.maxPDULength = maxPDULength
    }

    /// PS3.7 Annex D.3.3.2 implementation identification (shared with Part10Writer).
    public static let implementationClassUID = Part10Writer.implementationClassUID
    public static let implementationVersionName = Part10Writer.implementationVersionName
}

/// A presentation context the acceptor accepted: its abstract syntax and the transfer syntax chosen.
public struct AcceptedContext: Sendable, Equatable {
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntax: String
}

/// One association, requestor or acceptor side, over an `NIOAsyncChannel` of PDUs. Every PDU
/// in or out goes through `AssociationStateMachine`; the machine's actions decide what is
/// sent and when the transport closes. Not Sendable: one task drives it.
public final class Association {
    public typealias Inbound = NIOAsyncChannelInboundStream<PDU>
    public typealias Outbound = NIOAsyncChannelOutboundWriter<PDU>

    var iterator: Inbound.AsyncIterator
    let outbound: Outbound
    let channel: any Channel
    public private(set) var machine: AssociationStateMachine
    var assembler = DIMSEAssembler()
    var pendingPDVs: [PDV] = []
    var pendingIndex = 0
    public internal(set) var peer: String
    /// The peer released the association (A-RELEASE-RQ answered); ends an SCP's loop.
    public internal(set) var releasedByPeer = false
    public let local: LocalAE
    /// Largest PDU the peer accepts (0: unlimited).
    public internal(set) var peerMaxPDULength: UInt32 = 16384
    public internal(set) var accepted: [UInt8: AcceptedContext] = [:]
    public internal(set) var peerAETitle = ""
    public internal(set) var peerImplementation = ""
    public internal(set) var roleSelections: [RoleSelection] = []
    var nextID: UInt16 = 1
    var artim: Scheduled<Void>?
    let artimTimeout: TimeAmount

    init(channel: any Channel, inbound: Inbound, outbound: Outbound, isRequestor: Bool, peer: String, local: LocalAE,
         artimTimeout: TimeAmount) {
        self.channel = channel
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.machine = AssociationStateMachine(isRequestor: isRequestor)
        self.peer = peer
        self.local = local
        self.artimTimeout = artimTimeout
    }

    public func nextMessageID() -> UInt16 {
        defer { nextID = nextID &+ 1; if nextID == 0 { nextID = 1 } }
        return nextID
    }

    func error(_ kind: NetworkError.Kind) -> NetworkError { NetworkError(kind, peer: peer) }

    // MARK: - State machine plumbing

    /// Feed an event to the state machine and perform the actions that need no PDU argument.
    /// Returns the transition (its actions may include sends the caller performs).
    @discardableResult
    func fire(_ event: AssociationStateMachine.Event, abortReason: UInt8 = 0) async -> AssociationStateMachine.Transition {
        let t = machine.handle(event)
        for action in t.actions {
            switch action {
            case .startARTIM:
                artim?.cancel()
                let ch = channel
                artim = channel.eventLoop.scheduleTask(in: artimTimeout) { ch.close(promise: nil) }
            case .stopARTIM:
                artim?.cancel()
                artim = nil
            case .sendAbort(let source):
                try? await outbound.write(.abort(source: source, reason: source == 2 ? abortReason : 0))
            case .closeTransport:
                channel.close(promise: nil)
            default: break
            }
        }
        return t
    }

    /// Abort the association (A-ABORT, service user) and close.
    public func abort() async {
        await fire(.abortRequest)
        channel.close(promise: nil)
    }

    // MARK: - Receiving

    /// The next PDU, or an error for an abort, a closed transport, a malformed PDU or a timeout.
    func nextPDU() async throws(NetworkError) -> PDU {
        let pdu: PDU?
        do {
            pdu = try await iterator.next()
        } catch let e as NetworkError {
            if e.kind.isMalformed {
                // Evt19: unrecognized or invalid PDU → AA-8 (A-ABORT, provider, reason per Table 9-26).
                let reason: UInt8 = { if case .unknownPDUType = e.kind.base { return 1 } else { return 6 } }()
                await fire(.invalidPDU, abortReason: reason)
                channel.close(promise: nil)
            } else {
                await fire(.transportClosed)
            }
            throw NetworkError(e.kind, peer: peer, offset: e.offset, pduType: e.pduType)
        } catch {
            await fire(.transportClosed)
            throw self.error(.connection(describe(error)))
        }
        guard let pdu else {
            let state = machine.state
            await fire(.transportClosed)
            throw error(.connection("peer closed the connection (\(state.name))"))
        }
        return pdu
    }

    /// Next PDV of an established association, answering release and abort on the way.
    func nextPDV() async throws(NetworkError) -> PDV {
        if pendingIndex < pendingPDVs.count {
            defer { pendingIndex += 1 }
            return pendingPDVs[pendingIndex]
        }
        while true {
            let pdu = try await nextPDU()
            switch pdu {
            case .pData(let pdvs):
                let t = await fire(.pDataReceived)
                guard t.actions.contains(.indicatePData) else {
                    throw error(.unexpectedPDU("P-DATA-TF in state \(machine.state.name)"))
                }
                for p in pdvs where accepted[p.contextID] == nil {
                    await fire(.invalidPDU, abortReason: 6)
                    throw error(.malformedPDU("PDV on presentation context \(p.contextID), which was not accepted"))
                }
                if pdvs.count == 1 { return pdvs[0] }
                pendingPDVs = pdvs
                pendingIndex = 1
                return pdvs[0]
            case .abort(let source, let reason):
                await fire(.abortReceived)
                throw error(.aborted(source: source, reason: reason))
            case .releaseRQ:
                await fire(.releaseRQReceived)
                if machine.state == .awaitingLocalReleaseResponse {
                    await fire(.releaseResponse)
                    try? await outbound.write(.releaseRP)
                }
                releasedByPeer = true
                throw error(.connection("peer released the association"))
            default:
                await fire(event(for: pdu))
                throw error(.unexpectedPDU("\(pdu.name) in state \(machine.state.name)"))
            }
        }
    }

    func event(for pdu: PDU) -> AssociationStateMachine.Event {
        switch pdu {
        case .associateRQ: return .associateRQReceived
        case .associateAC: return .associateACReceived
        case .associateRJ: return .associateRJReceived
        case .pData: return .pDataReceived
        case .releaseRQ: return .releaseRQReceived
        case .releaseRP: return .releaseRPReceived
        case .abort: return .abortReceived
        }
    }

    /// The next DIMSE command on the association.
    public func receiveCommand() async throws(NetworkError) -> (contextID: UInt8, command: DIMSECommand) {
        while true {
            let pdv = try await nextPDV()
            let out: DIMSEAssembler.Output?
            do { out = try assembler.feed(pdv) } catch { throw NetworkError(error.kind, peer: peer) }
            switch out {
            case .command(let id, let c)?: return (id, c)
            case .dataFragment?:
                throw self.error(.dimse("data set fragment where a command was expected"))
            case nil: continue
            }
        }
    }

    /// Read the data set that follows the last command, fragment by fragment.
    public func receiveDataSet(_ body: (ByteBuffer) throws(NetworkError) -> Void) async throws(NetworkError) {
        while assembler.isAwaitingDataSet {
            let pdv = try await nextPDV()
            let out: DIMSEAssembler.Output?
            do { out = try assembler.feed(pdv) } catch { throw NetworkError(error.kind, peer: peer) }
            if case .dataFragment(_, let data, _)? = out { try body(data) }
        }
    }

    /// Read the data set that follows the last command into memory (identifiers; small).
    public func receiveDataSetBytes(limit: Int = 64 << 20) async throws(NetworkError) -> [UInt8] {
        var all = [UInt8]()
        try await receiveDataSet { (b) throws(NetworkError) in
            if all.count + b.readableBytes > limit {
                throw NetworkError(.dimse("identifier larger than \(limit) bytes"))
            }
            b.withUnsafeReadableBytes { all.append(contentsOf: $0) }
        }
        return all
    }

    // MARK: - Sending

    func sendPDUs(_ pdus: [PDU]) async throws(NetworkError) {
        let t = await fire(.pDataRequest)
        guard t.actions.contains(.sendPData) else {
            throw error(.unexpectedPDU("P-DATA request in state \(machine.state.name)"))
        }
        do { try await outbound.write(contentsOf: pdus) } catch {
            throw self.error(.connection("send failed: \(describe(error))"))
        }
    }

    /// Send a command and, if given, its data set, fragmented to the peer's maximum PDU.
    public func send(_ command: DIMSECommand, contextID: UInt8, dataSet: ByteBuffer? = nil) async throws(NetworkError) {
        var command = command
        command.hasDataSet = dataSet != nil
        var pdus = PDUCodec.fragment(command.encoded(), contextID: contextID, isCommand: true, maxPDULength: peerMaxPDULength)
        if let dataSet {
            pdus += PDUCodec.fragment(dataSet, contextID: contextID, isCommand: false, maxPDULength: peerMaxPDULength)
        }
        try await sendPDUs(pdus)
    }

    /// Send a command whose data set is `range` of `source` (a mapped Part 10 file), in
    /// batches so that a large instance is never copied whole.
    public func send(_ command: DIMSECommand, contextID: UInt8, source: ByteSource, range: Range<Int>) async throws(NetworkError) {
        var command = command
        command.hasDataSet = true
        try await sendPDUs(PDUCodec.fragment(command.encoded(), contextID: contextID, isCommand: true, maxPDULength: peerMaxPDULength))
        let chunk = peerMaxPDULength == 0 ? 1 << 20 : max(Int(peerMaxPDULength) - 6, 1)
        var at = range.lowerBound
        let allocator = channel.allocator
        if range.isEmpty {
            try await sendPDUs([.pData([PDV(contextID: contextID, isCommand: false, isLast: true, data: ByteBuffer())])])
            return
        }
        while at < range.upperBound {
            var batch: [PDU] = []
            var batchBytes = 0
            while at < range.upperBound && batchBytes < 1 << 20 {
                let n = min(chunk, range.upperBound - at)
                var buf = allocator.buffer(capacity: n)
                _ = source.withUnsafeBytes { raw in
                    buf.writeBytes(UnsafeRawBufferPointer(rebasing: raw[at..<at + n]))
                }
                at += n
                batchBytes += n
                batch.append(.pData([PDV(contextID: contextID, isCommand: false, isLast: at == range.upperBound, data: buf)]))
            }
            try await sendPDUs(batch)
        }
    }

    // MARK: - Release

    /// A-RELEASE (requestor side): send A-RELEASE-RQ, wait for A-RELEASE-RP (PS3.8 §7.2).
    public func release() async throws(NetworkError) {
        let t = await fire(.releaseRequest)
        guard t.actions.contains(.sendReleaseRQ) else { return }
        do { try await outbound.write(.releaseRQ) } catch { throw self.error(.connection("send failed: \(describe(error))")) }
        while true {
            let pdu = try await nextPDU()
            switch pdu {
            case .releaseRP:
                await fire(.releaseRPReceived)
                return
            case .pData:
                await fire(.pDataReceived) // AR-6: late data is indicated and ignored here
            case .abort(let s, let r):
                await fire(.abortReceived)
                throw error(.aborted(source: s, reason: r))
            case .releaseRQ:
                await fire(.releaseRQReceived) // collision (AR-8)
                if machine.state == .collisionRequestorAwaitingLocalResponse {
                    await fire(.releaseResponse)
                    try? await outbound.write(.releaseRP)
                } else if machine.state == .collisionAcceptorAwaitingReleaseRP {
                    continue
                }
            default:
                await fire(event(for: pdu))
                throw error(.unexpectedPDU("\(pdu.name) while awaiting A-RELEASE-RP"))
            }
        }
    }

    /// Find the accepted context for an abstract syntax (optionally with a transfer syntax).
    public func context(for abstractSyntax: String, transferSyntax: String? = nil) -> AcceptedContext? {
        accepted.values.sorted { $0.id < $1.id }.first {
            $0.abstractSyntax == abstractSyntax && (transferSyntax == nil || $0.transferSyntax == transferSyntax)
        }
    }
}
