import Foundation
import DICOMCore
import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// TLS settings for a peer (PS3.15 Annex B.1, the TLS secure transport connection profile).
/// Certificate verification is on unless explicitly turned off.
public struct TLSSettings: Sendable {
    /// PEM file of trusted CA certificates; nil uses the system trust store.
    public var caFile: String?
    /// Our certificate chain and key (PEM), as a client certificate or as the server's.
    public var certificateFile: String?
    public var privateKeyFile: String?
    public var verifyPeer: Bool = true
    /// Host name to verify the server certificate against (defaults to the peer host).
    public var serverName: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, privateKeyFile: String? = nil, verifyPeer: Bool = true) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.verifyPeer = verifyPeer
    }

    func configuration(server: Bool) throws(NetworkError) -> TLSConfiguration {
        do {
            var chain: [NIOSSLCertificateSource] = []
            var key: NIOSSLPrivateKeySource?
            if let certificateFile {
                chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            }
            if let privateKeyFile { key = .privateKey(try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)) }
            var c: TLSConfiguration
            if server {
                guard let key, !chain.isEmpty else {
                    throw NetworkError(.tls("a TLS listener needs a certificate and a private key"))
                }
                c = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
                // Client certificates are requested and verified when a CA file is given.
                c.certificateVerification = caFile != nil && verifyPeer ? .fullVerification : .none
            } else {
                c = TLSConfiguration.makeClientConfiguration()
                c.certificateChain = chain
                c.privateKey = key
                c.certificateVerification = verifyPeer ? .fullVerification : .none
            }
            if let caFile { c.trustRoots = .file(caFile) }
            c.minimumTLSVersion = .tlsv12
            return c
        } catch let e as NetworkError {
            throw e
        } catch {
            throw NetworkError(.tls("\(error)"))
        }
    }
}

/// Where and how to reach a remote application entity.
public struct RemoteAE: Sendable {
    public var host: String
    public var port: Int
    public var aeTitle: String
    public var tls: TLSSettings?
    public var connectTimeout: TimeAmount = .seconds(10)
    /// How long to wait for any PDU before giving up on a silent peer (0: forever).
    public var dimseTimeout: TimeAmount = .seconds(60)
    public var artimTimeout: TimeAmount = .seconds(30)

    public init(host: String, port: Int, aeTitle: String, tls: TLSSettings? = nil) {
        self.host = host
        self.port = port
        self.aeTitle = aeTitle
        self.tls = tls
    }

    public var description: String { "\(aeTitle)@\(host):\(port)" }
}

/// What to propose when requesting an association.
public struct AssociationProposal: Sendable {
    public var contexts: [PresentationContextProposal] = []
    public var roleSelections: [RoleSelection] = []
    public var extendedNegotiations: [ExtendedNegotiation] = []

    public init() {}

    /// Add a context with the next odd ID (PS3.8 §9.3.2.2: 1–255, odd); at most 128.
    public mutating func add(_ abstractSyntax: String, _ transferSyntaxes: [String]) {
        let id = UInt8(truncatingIfNeeded: contexts.count * 2 + 1)
        guard contexts.count < 128 else { return }
        contexts.append(PresentationContextProposal(id: id, abstractSyntax: abstractSyntax, transferSyntaxes: transferSyntaxes))
    }
}

extension Association {
    /// Our announced maximum PDU (P-DATA-TF) plus room for association PDUs; a peer that sends
    /// more is refused before its PDU is buffered (PS3.8 §D.1).
    static func decoderLimit(_ local: LocalAE) -> UInt32 {
        local.maxPDULength == 0 ? PDUCodec.defaultMaximumPDU : local.maxPDULength &+ (256 << 10)
    }

    static func pipelineHandlers(timeout: TimeAmount, what: String, local: LocalAE) -> [any ChannelHandler] {
        var handlers: [any ChannelHandler] = [ByteToMessageHandler(PDUDecoder(maximumLength: decoderLimit(local))),
                                              MessageToByteHandler(PDUEncoder())]
        if timeout > .zero {
            handlers.append(IdleStateHandler(readTimeout: timeout))
            handlers.append(ReadTimeoutHandler(what: what))
        }
        return handlers
    }

    /// Connect to `remote`, negotiate `proposal`, run `body` on the established association,
    /// then release it. Throws the rejection in words if the peer rejects (PS3.8 Table 9-21).
    public static func withAssociation<R: Sendable>(
        to remote: RemoteAE, local: LocalAE, proposal: AssociationProposal,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (Association) async throws(NetworkError) -> R
    ) async throws(NetworkError) -> R {
        let peer = remote.description
        let sslContext: NIOSSLContext?
        if let tls = remote.tls {
            do { sslContext = try NIOSSLContext(configuration: try tls.configuration(server: false)) } catch let e as NetworkError {
                throw NetworkError(e.kind, peer: peer)
            } catch { throw NetworkError(.tls("\(error)"), peer: peer) }
        } else { sslContext = nil }
        let serverName = remote.tls?.serverName ?? remote.host
        let timeout = remote.dimseTimeout
        let channel: NIOAsyncChannel<PDU, PDU>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(remote.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: remote.host, port: remote.port) { ch in
                    ch.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            let h = try NIOSSLClientHandler(context: sslContext, serverHostname: isIPAddress(serverName) ? nil : serverName)
                            try ch.pipeline.syncOperations.addHandler(h)
                        }
                        try ch.pipeline.syncOperations.addHandlers(pipelineHandlers(timeout: timeout, what: "no answer from \(peer) within \(timeout.seconds) s", local: local))
                        return try NIOAsyncChannel<PDU, PDU>(wrappingChannelSynchronously: ch)
                    }
                }
        } catch {
            throw NetworkError(.connection("cannot connect: \(describe(error))"), peer: peer)
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                let a = Association(channel: channel.channel, inbound: inbound, outbound: outbound, isRequestor: true,
                                    peer: peer, local: local, artimTimeout: remote.artimTimeout)
                do {
                    try await a.request(calledAE: remote.aeTitle, proposal: proposal)
                    let r = try await body(a)
                    try await a.release()
                    return r
                } catch {
                    if a.machine.state == .established { await a.abort() }
                    throw error
                }
            }
        } catch let e as NetworkError {
            throw e
        } catch {
            throw NetworkError(.connection(describe(error)), peer: peer)
        }
    }

    /// Evt1/Evt2 then A-ASSOCIATE-RQ; wait for AC or RJ (PS3.8 §7.1).
    func request(calledAE: String, proposal: AssociationProposal) async throws(NetworkError) {
        await fire(.associateRequest)
        await fire(.transportConnectConfirm) // AE-2
        let user = UserInformation(maxPDULength: local.maxPDULength, implementationClassUID: LocalAE.implementationClassUID,
                                   implementationVersionName: LocalAE.implementationVersionName,
                                   roleSelections: proposal.roleSelections,
                                   extendedNegotiations: proposal.extendedNegotiations)
        let rq = AssociateRQ(calledAETitle: calledAE, callingAETitle: local.aeTitle,
                             presentationContexts: proposal.contexts, userInformation: user)
        do { try await outbound.write(.associateRQ(rq)) } catch { throw self.error(.connection("send failed: \(describe(error))")) }
        let pdu = try await nextPDU()
        switch pdu {
        case .associateAC(let ac):
            await fire(.associateACReceived)
            peerMaxPDULength = ac.userInformation.maxPDULength ?? 0
            peerImplementation = ac.userInformation.implementationClassUID
                + (ac.userInformation.implementationVersionName.map { " (\($0))" } ?? "")
            peerAETitle = calledAE
            roleSelections = ac.userInformation.roleSelections
            for r in ac.presentationContexts where r.result == .acceptance {
                guard let p = proposal.contexts.first(where: { $0.id == r.id }) else { continue }
                accepted[r.id] = AcceptedContext(id: r.id, abstractSyntax: p.abstractSyntax, transferSyntax: r.transferSyntax)
            }
        case .associateRJ(let rj):
            await fire(.associateRJReceived)
            throw error(.rejected(rj))
        case .abort(let s, let r):
            await fire(.abortReceived)
            throw error(.aborted(source: s, reason: r))
        default:
            await fire(event(for: pdu))
            throw error(.unexpectedPDU("\(pdu.name) in answer to A-ASSOCIATE-RQ"))
        }
    }
}

func isIPAddress(_ host: String) -> Bool {
    host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
}

func describe(_ error: any Error) -> String {
    if let e = error as? NetworkError { return e.kind.description }
    if let e = error as? NIOConnectionError {
        if let first = e.connectionErrors.first { return describe(first.error) }
        return "\(e)"
    }
    if let e = error as? IOError { return String(cString: strerror(e.errnoCode)) }
    if let e = error as? NIOSSLError {
        // BoringSSL's "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …"
        let text = "\(e)"
        if let r = text.range(of: "OPENSSL_internal:") {
            let code = text[r.upperBound...].prefix { $0 != " " && $0 != "]" }
            return "TLS handshake failed: " + code.lowercased().replacingUnderscores()
        }
        return "TLS: \(text)"
    }
    if let e = error as? ChannelError {
        switch e {
        case .connectTimeout(let t): return "connect timed out after \(t.seconds) s"
        default: return "\(e)"
        }
    }
    return "\(error)"
}

extension StringProtocol {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}

extension TimeAmount {
    var seconds: Int64 { nanoseconds / 1_000_000_000 }
}
