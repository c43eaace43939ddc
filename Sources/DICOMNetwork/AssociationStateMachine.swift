/// The DICOM upper layer state machine (PS3.8 §9.2, Tables 9-9 and 9-10) as a pure value:
/// `(state, event) -> (state, actions)`. It does no I/O; the channel driver performs the
/// actions it returns (send a PDU, start the ARTIM timer, close the transport, ...).
public struct AssociationStateMachine: Sendable, Equatable {
    /// States Sta1–Sta13 (PS3.8 Table 9-1).
    public enum State: Int, Sendable, Equatable, CaseIterable {
        case idle = 1                         // Sta1
        case awaitingAssociateRQ = 2          // Sta2: transport open, awaiting A-ASSOCIATE-RQ PDU
        case awaitingLocalAssociateResponse   // Sta3
        case awaitingTransportOpen            // Sta4
        case awaitingAssociateACorRJ          // Sta5
        case established                      // Sta6: data transfer
        case awaitingReleaseRP                // Sta7
        case awaitingLocalReleaseResponse     // Sta8
        case collisionRequestorAwaitingLocalResponse // Sta9
        case collisionAcceptorAwaitingReleaseRP      // Sta10
        case collisionRequestorAwaitingReleaseRP     // Sta11
        case collisionAcceptorAwaitingLocalResponse  // Sta12
        case awaitingTransportClose           // Sta13

        public var name: String { "Sta\(rawValue)" }
    }

    /// Events Evt1–Evt19 (PS3.8 Table 9-2).
    public enum Event: Int, Sendable, Equatable, CaseIterable {
        case associateRequest = 1        // Evt1: A-ASSOCIATE request (local user)
        case transportConnectConfirm     // Evt2
        case associateACReceived         // Evt3
        case associateRJReceived         // Evt4
        case transportConnectIndication  // Evt5
        case associateRQReceived         // Evt6
        case associateAcceptResponse     // Evt7: A-ASSOCIATE response primitive (accept)
        case associateRejectResponse     // Evt8: A-ASSOCIATE response primitive (reject)
        case pDataRequest                // Evt9
        case pDataReceived               // Evt10
        case releaseRequest              // Evt11
        case releaseRQReceived           // Evt12
        case releaseRPReceived           // Evt13
        case releaseResponse             // Evt14
        case abortRequest                // Evt15
        case abortReceived               // Evt16
        case transportClosed             // Evt17
        case artimExpired                // Evt18
        case invalidPDU                  // Evt19: unrecognized or invalid PDU

        public var name: String { "Evt\(rawValue)" }
    }

    /// What the driver must do (PS3.8 Table 9-6 to 9-9, actions AE-n, DT-n, AR-n, AA-n).
    public enum Action: Sendable, Equatable {
        case openTransport
        case closeTransport
        case acceptTransport
        case startARTIM
        case stopARTIM
        case sendAssociateRQ
        case sendAssociateAC
        case sendAssociateRJ
        case sendPData
        case sendReleaseRQ
        case sendReleaseRP
        /// A-ABORT PDU; source 0 = service user, 2 = service provider (PS3.8 Table 9-26).
        case sendAbort(source: UInt8)
        case indicateAssociateAccepted
        case indicateAssociateRejected
        /// An A-ASSOCIATE-RQ arrived; the driver decides to accept (Evt7) or reject (Evt8).
        case indicateAssociateRequest
        case indicatePData
        case indicateRelease
        case confirmRelease
        case indicateAbort
        case indicateProviderAbort
        case ignore
    }

    public struct Transition: Sendable, Equatable {
        /// The action's name in PS3.8 (e.g. "AE-2"), or nil if the event is not valid in the state.
        public var name: String?
        public var next: State
        public var actions: [Action]
    }

    public private(set) var state: State
    /// Whether this side requested the association (decides release collisions, AR-8).
    public let isRequestor: Bool

    public init(isRequestor: Bool, state: State = .idle) {
        self.isRequestor = isRequestor
        self.state = state
    }

    /// Apply `event`. An event the table does not define for the current state (a local
    /// primitive issued out of turn) leaves the state unchanged and returns a transition
    /// with `name == nil`.
    @discardableResult
    public mutating func handle(_ event: Event) -> Transition {
        let t = Self.transition(from: state, on: event, isRequestor: isRequestor)
        state = t.next
        return t
    }

    /// Table 9-10, the state transition table.
    public static func transition(from state: State, on event: Event, isRequestor: Bool) -> Transition {
        func t(_ name: String, _ next: State, _ actions: [Action]) -> Transition {
            Transition(name: name, next: next, actions: actions)
        }
        // Shared actions (PS3.8 Table 9-9).
        let aa1 = t("AA-1", .awaitingTransportClose, [.sendAbort(source: 0), .startARTIM])
        let aa2 = t("AA-2", .idle, [.stopARTIM, .closeTransport])
        let aa3 = t("AA-3", .idle, [.indicateAbort, .closeTransport])
        let aa4 = t("AA-4", .idle, [.indicateProviderAbort])
        let aa5 = t("AA-5", .idle, [.stopARTIM])
        let aa6 = t("AA-6", .awaitingTransportClose, [.ignore])
        let aa7 = t("AA-7", .awaitingTransportClose, [.sendAbort(source: 2)])
        let aa8 = t("AA-8", .awaitingTransportClose, [.sendAbort(source: 2), .indicateProviderAbort, .startARTIM])
        let invalid = Transition(name: nil, next: state, actions: [])

        switch (state, event) {
        // Sta1: idle.
        case (.idle, .associateRequest): return t("AE-1", .awaitingTransportOpen, [.openTransport])
        case (.idle, .transportConnectIndication): return t("AE-5", .awaitingAssociateRQ, [.acceptTransport, .startARTIM])
        case (.idle, _): return invalid

        // Sta2: transport open, awaiting A-ASSOCIATE-RQ.
        case (.awaitingAssociateRQ, .associateRQReceived):
            return t("AE-6", .awaitingLocalAssociateResponse, [.stopARTIM, .indicateAssociateRequest])
        case (.awaitingAssociateRQ, .associateACReceived), (.awaitingAssociateRQ, .associateRJReceived),
             (.awaitingAssociateRQ, .pDataReceived), (.awaitingAssociateRQ, .releaseRQReceived),
             (.awaitingAssociateRQ, .releaseRPReceived), (.awaitingAssociateRQ, .invalidPDU):
            return aa1
        case (.awaitingAssociateRQ, .abortReceived), (.awaitingAssociateRQ, .artimExpired): return aa2
        case (.awaitingAssociateRQ, .transportClosed): return aa5
        case (.awaitingAssociateRQ, _): return invalid

        // Sta3: awaiting the local A-ASSOCIATE response.
        case (.awaitingLocalAssociateResponse, .associateAcceptResponse): return t("AE-7", .established, [.sendAssociateAC])
        case (.awaitingLocalAssociateResponse, .associateRejectResponse):
            return t("AE-8", .awaitingTransportClose, [.sendAssociateRJ, .startARTIM])

        // Sta4: awaiting transport connection opening.
        case (.awaitingTransportOpen, .transportConnectConfirm): return t("AE-2", .awaitingAssociateACorRJ, [.sendAssociateRQ])
        case (.awaitingTransportOpen, .abortRequest): return t("AA-2", .idle, [.stopARTIM, .closeTransport])
        case (.awaitingTransportOpen, .transportClosed): return aa4
        case (.awaitingTransportOpen, _): return invalid

        // Sta5: awaiting A-ASSOCIATE-AC or -RJ.
        case (.awaitingAssociateACorRJ, .associateACReceived): return t("AE-3", .established, [.indicateAssociateAccepted])
        case (.awaitingAssociateACorRJ, .associateRJReceived):
            return t("AE-4", .idle, [.indicateAssociateRejected, .closeTransport])

        // Sta6: association established.
        case (.established, .pDataRequest): return t("DT-1", .established, [.sendPData])
        case (.established, .pDataReceived): return t("DT-2", .established, [.indicatePData])
        case (.established, .releaseRequest): return t("AR-1", .awaitingReleaseRP, [.sendReleaseRQ])
        case (.established, .releaseRQReceived): return t("AR-2", .awaitingLocalReleaseResponse, [.indicateRelease])

        // Sta7: awaiting A-RELEASE-RP.
        case (.awaitingReleaseRP, .pDataReceived): return t("AR-6", .awaitingReleaseRP, [.indicatePData])
        case (.awaitingReleaseRP, .releaseRQReceived):
            return t("AR-8", isRequestor ? .collisionRequestorAwaitingLocalResponse : .collisionAcceptorAwaitingReleaseRP,
                     [.indicateRelease])
        case (.awaitingReleaseRP, .releaseRPReceived): return t("AR-3", .idle, [.confirmRelease, .closeTransport])

        // Sta8: awaiting the local A-RELEASE response.
        case (.awaitingLocalReleaseResponse, .pDataRequest): return t("AR-7", .awaitingLocalReleaseResponse, [.sendPData])
        case (.awaitingLocalReleaseResponse, .releaseResponse):
            return t("AR-4", .awaitingTransportClose, [.sendReleaseRP, .startARTIM])

        // Sta9–Sta12: release collision.
        case (.collisionRequestorAwaitingLocalResponse, .releaseResponse):
            return t("AR-9", .collisionRequestorAwaitingReleaseRP, [.sendReleaseRP])
        case (.collisionAcceptorAwaitingReleaseRP, .releaseRPReceived):
            return t("AR-10", .collisionAcceptorAwaitingLocalResponse, [.confirmRelease])
        case (.collisionRequestorAwaitingReleaseRP, .releaseRPReceived):
            return t("AR-3", .idle, [.confirmRelease, .closeTransport])
        case (.collisionAcceptorAwaitingLocalResponse, .releaseResponse):
            return t("AR-4", .awaitingTransportClose, [.sendReleaseRP, .startARTIM])

        // Sta13: awaiting transport close.
        case (.awaitingTransportClose, .associateACReceived), (.awaitingTransportClose, .associateRJReceived),
             (.awaitingTransportClose, .pDataReceived), (.awaitingTransportClose, .releaseRQReceived),
             (.awaitingTransportClose, .releaseRPReceived):
            return aa6
        case (.awaitingTransportClose, .associateRQReceived), (.awaitingTransportClose, .invalidPDU): return aa7
        case (.awaitingTransportClose, .abortReceived), (.awaitingTransportClose, .artimExpired): return aa2
        case (.awaitingTransportClose, .transportClosed): return t("AR-5", .idle, [.stopARTIM])
        case (.awaitingTransportClose, _): return invalid

        // Common rows of Sta3 and Sta5–Sta12 (PS3.8 Table 9-10).
        case (_, .abortRequest): return aa1
        case (_, .abortReceived): return aa3
        case (_, .transportClosed): return aa4
        case (_, .associateACReceived), (_, .associateRJReceived), (_, .associateRQReceived), (_, .pDataReceived),
             (_, .releaseRQReceived), (_, .releaseRPReceived), (_, .invalidPDU):
            return aa8
        default: return invalid
        }
    }
}
