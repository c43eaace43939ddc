import Testing
@testable import DICOMNetwork

typealias SM = AssociationStateMachine

@Suite("Association state machine (PS3.8 §9.2, Table 9-10)")
struct StateMachineTests {
    func run(_ events: [SM.Event], requestor: Bool = true, from: SM.State = .idle) -> (SM, [SM.Transition]) {
        var m = SM(isRequestor: requestor, state: from)
        var ts: [SM.Transition] = []
        for e in events { ts.append(m.handle(e)) }
        return (m, ts)
    }

    @Test("requestor: connect, associate, transfer, release (AE-1, AE-2, AE-3, DT-1, DT-2, AR-1, AR-3)")
    func requestorHappyPath() {
        let (m, ts) = run([.associateRequest, .transportConnectConfirm, .associateACReceived, .pDataRequest,
                           .pDataReceived, .releaseRequest, .releaseRPReceived])
        #expect(ts.map(\.name) == ["AE-1", "AE-2", "AE-3", "DT-1", "DT-2", "AR-1", "AR-3"])
        #expect(ts.map(\.next) == [.awaitingTransportOpen, .awaitingAssociateACorRJ, .established, .established,
                                   .established, .awaitingReleaseRP, .idle])
        #expect(ts[1].actions == [.sendAssociateRQ])
        #expect(ts[6].actions == [.confirmRelease, .closeTransport])
        #expect(m.state == .idle)
    }

    @Test("acceptor: ARTIM runs while awaiting the A-ASSOCIATE-RQ (AE-5, AE-6, AE-7, AR-2, AR-4, AR-5)")
    func acceptorHappyPath() {
        let (m, ts) = run([.transportConnectIndication, .associateRQReceived, .associateAcceptResponse,
                           .releaseRQReceived, .releaseResponse, .transportClosed], requestor: false)
        #expect(ts.map(\.name) == ["AE-5", "AE-6", "AE-7", "AR-2", "AR-4", "AR-5"])
        #expect(ts[0].actions == [.acceptTransport, .startARTIM])
        #expect(ts[1].actions == [.stopARTIM, .indicateAssociateRequest])
        #expect(ts[4].actions == [.sendReleaseRP, .startARTIM])
        #expect(ts[5].actions == [.stopARTIM])
        #expect(m.state == .idle)
    }

    @Test("ARTIM expiry: Sta2 and Sta13 close the transport (AA-2)")
    func artim() {
        let sta2 = SM.transition(from: .awaitingAssociateRQ, on: .artimExpired, isRequestor: false)
        #expect(sta2.name == "AA-2" && sta2.next == .idle && sta2.actions == [.stopARTIM, .closeTransport])
        let sta13 = SM.transition(from: .awaitingTransportClose, on: .artimExpired, isRequestor: true)
        #expect(sta13.name == "AA-2" && sta13.next == .idle)
        // ARTIM is not defined in Sta6: the event is invalid there and changes nothing.
        let sta6 = SM.transition(from: .established, on: .artimExpired, isRequestor: true)
        #expect(sta6.name == nil && sta6.next == .established)
    }

    @Test("rejection: AE-4 for the requestor, AE-8 then ARTIM for the acceptor")
    func rejection() {
        let (m, ts) = run([.associateRequest, .transportConnectConfirm, .associateRJReceived])
        #expect(ts[2].name == "AE-4" && ts[2].actions == [.indicateAssociateRejected, .closeTransport])
        #expect(m.state == .idle)
        let (m2, ts2) = run([.transportConnectIndication, .associateRQReceived, .associateRejectResponse], requestor: false)
        #expect(ts2[2].name == "AE-8" && ts2[2].actions == [.sendAssociateRJ, .startARTIM])
        #expect(m2.state == .awaitingTransportClose)
    }

    @Test("invalid PDU: AA-1 in Sta2, AA-8 when associated, AA-7 in Sta13")
    func invalidPDU() {
        #expect(SM.transition(from: .awaitingAssociateRQ, on: .invalidPDU, isRequestor: false).name == "AA-1")
        for s in [SM.State.awaitingLocalAssociateResponse, .awaitingAssociateACorRJ, .established, .awaitingReleaseRP,
                  .awaitingLocalReleaseResponse, .collisionRequestorAwaitingLocalResponse, .collisionAcceptorAwaitingReleaseRP,
                  .collisionRequestorAwaitingReleaseRP, .collisionAcceptorAwaitingLocalResponse] {
            let t = SM.transition(from: s, on: .invalidPDU, isRequestor: true)
            #expect(t.name == "AA-8", "\(s.name)")
            #expect(t.actions == [.sendAbort(source: 2), .indicateProviderAbort, .startARTIM])
            #expect(t.next == .awaitingTransportClose)
        }
        let t13 = SM.transition(from: .awaitingTransportClose, on: .invalidPDU, isRequestor: true)
        #expect(t13.name == "AA-7" && t13.actions == [.sendAbort(source: 2)])
    }

    @Test("abort: AA-1 on local request, AA-3 on A-ABORT received, AA-4 on transport loss")
    func abort() {
        let a1 = SM.transition(from: .established, on: .abortRequest, isRequestor: true)
        #expect(a1.name == "AA-1" && a1.actions == [.sendAbort(source: 0), .startARTIM] && a1.next == .awaitingTransportClose)
        let a3 = SM.transition(from: .established, on: .abortReceived, isRequestor: true)
        #expect(a3.name == "AA-3" && a3.actions == [.indicateAbort, .closeTransport] && a3.next == .idle)
        let a4 = SM.transition(from: .awaitingReleaseRP, on: .transportClosed, isRequestor: true)
        #expect(a4.name == "AA-4" && a4.next == .idle)
        let sta4 = SM.transition(from: .awaitingTransportOpen, on: .abortRequest, isRequestor: true)
        #expect(sta4.name == "AA-2" && sta4.next == .idle)
        // Sta13 ignores late PDUs (AA-6).
        #expect(SM.transition(from: .awaitingTransportClose, on: .pDataReceived, isRequestor: true).name == "AA-6")
    }

    @Test("release collision: requestor Sta7→Sta9→Sta11→Sta1, acceptor Sta7→Sta10→Sta12→Sta13")
    func collision() {
        let (m, ts) = run([.releaseRQReceived, .releaseResponse, .releaseRPReceived], requestor: true, from: .awaitingReleaseRP)
        #expect(ts.map(\.name) == ["AR-8", "AR-9", "AR-3"])
        #expect(ts.map(\.next) == [.collisionRequestorAwaitingLocalResponse, .collisionRequestorAwaitingReleaseRP, .idle])
        #expect(m.state == .idle)
        let (m2, ts2) = run([.releaseRQReceived, .releaseRPReceived, .releaseResponse], requestor: false, from: .awaitingReleaseRP)
        #expect(ts2.map(\.name) == ["AR-8", "AR-10", "AR-4"])
        #expect(m2.state == .awaitingTransportClose)
    }

    @Test("P-DATA in Sta7 is indicated (AR-6); in Sta8 it may still be sent (AR-7)")
    func dataDuringRelease() {
        #expect(SM.transition(from: .awaitingReleaseRP, on: .pDataReceived, isRequestor: true).name == "AR-6")
        #expect(SM.transition(from: .awaitingLocalReleaseResponse, on: .pDataRequest, isRequestor: false).name == "AR-7")
        // Sending data before the association is accepted is a local error: no transition.
        let early = SM.transition(from: .awaitingAssociateACorRJ, on: .pDataRequest, isRequestor: true)
        #expect(early.name == nil && early.next == .awaitingAssociateACorRJ)
    }

    @Test("every (state, event) pair yields a defined transition or an explicit no-op")
    func totality() {
        var defined = 0
        for s in SM.State.allCases {
            for e in SM.Event.allCases {
                let t = SM.transition(from: s, on: e, isRequestor: true)
                if t.name != nil { defined += 1 } else { #expect(t.next == s && t.actions.isEmpty) }
            }
        }
        // Table 9-10's non-blank cells: Sta1 2, Sta2 10, Sta3 12, Sta4 3, Sta5 10, Sta6 12,
        // Sta7 10, Sta8 12, Sta9 11, Sta10 10, Sta11 10, Sta12 11, Sta13 10.
        #expect(defined == 123)
    }
}
