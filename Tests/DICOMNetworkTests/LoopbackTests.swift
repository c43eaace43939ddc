#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import NIOCore
import NIOPosix
import Testing
@testable import DICOMNetwork

/// A private temporary directory, removed by the caller.
func tempDirectory(_ tag: String) -> String {
    var template = Array("/tmp/sixray-net-\(tag)-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return p.map { String(cString: $0) } ?? "/tmp/sixray-net-\(tag)"
}

func removeTree(_ path: String) {
    guard let d = opendir(path) else { return }
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        unlink(path + "/" + name)
    }
    closedir(d)
    rmdir(path)
}

func listDirectory(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    var out: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { out.append(name) }
    }
    closedir(d)
    return out.sorted()
}

/// A small secondary-capture instance written as a Part 10 file.
func writeInstance(_ dir: String, uid: String, sopClass: String = "1.2.840.10008.5.1.4.1.1.7", pixels: Int = 5000) throws -> String {
    var ds = DataSet()
    func text(_ tag: DICOMCore.Tag, _ vr: VR, _ s: String) {
        var b = Array(s.utf8)
        if b.count & 1 == 1 { b.append(vr == .UI ? 0 : 0x20) }
        ds.set(DataElement(tag: tag, vr: vr, bytes: b))
    }
    text(.sopClassUID, .UI, sopClass)
    text(.sopInstanceUID, .UI, uid)
    text(.patientID, .LO, "TEST-1")
    text(.studyInstanceUID, .UI, "1.2.826.0.1.3680043.10.1417.99.1")
    ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: (0..<pixels).map { UInt8(truncatingIfNeeded: $0 * 7) }))
    let path = dir + "/" + uid + ".src"
    try Part10Writer().write(ds, to: path)
    return path
}

func fileBytes(_ path: String) -> [UInt8] {
    (try? ByteSource(contentsOfFile: path)).map { $0.bytes(in: 0..<$0.count) } ?? []
}

@Suite("Association on loopback (Sixray SCU ↔ Sixray SCP)", .serialized)
struct LoopbackTests {
    let local = LocalAE(aeTitle: "TESTSCU", maxPDULength: 4096)

    func withSCP<R>(aet: String = "SIXRAY", _ body: (StorageSCP, String) async throws -> R) async throws -> R {
        let dir = tempDirectory("scp")
        defer { removeTree(dir) }
        let scp = try await StorageSCP.start(StorageSCP.Configuration(local: LocalAE(aeTitle: aet, maxPDULength: 8192), port: 0),
                                             sink: try DirectorySink(directory: dir))
        do {
            let r = try await body(scp, dir)
            await scp.stop()
            return r
        } catch {
            await scp.stop()
            throw error
        }
    }

    @Test("C-ECHO succeeds and reports the peer's implementation")
    func echo() async throws {
        try await withSCP { scp, _ in
            let client = DICOMClient(remote: RemoteAE(host: "127.0.0.1", port: scp.port, aeTitle: "SIXRAY"), local: local)
            let r = try await client.echo()
            #expect(r.status == .success)
            #expect(r.peerImplementation.hasPrefix(LocalAE.implementationClassUID))
        }
    }

    @Test("C-STORE: the received file holds the sent data set byte for byte, fragmented at 8 KiB PDUs")
    func store() async throws {
        let src = tempDirectory("src")
        defer { removeTree(src) }
        let paths = try (1...3).map { try writeInstance(src, uid: "1.2.826.0.1.3680043.10.1417.99.1.\($0)", pixels: 30000) }
        try await withSCP { scp, dir in
            let client = DICOMClient(remote: RemoteAE(host: "127.0.0.1", port: scp.port, aeTitle: "SIXRAY"), local: local)
            let r = try await client.store(paths: paths)
            #expect(r.sent.count == 3 && r.failures.isEmpty)
            await scp.waitUntilIdle(timeout: 5)
            #expect(scp.received.count == 3)
            for p in paths {
                let uid = String(p.split(separator: "/").last!.dropLast(4))
                let got = try Part10Reader.read(path: dir + "/" + uid + ".dcm")
                let sent = try Part10Reader.read(path: p)
                let gotOffset = Part10Writer.dataSetOffset(of: got) ?? 0
                let sentOffset = Part10Writer.dataSetOffset(of: sent) ?? 0
                #expect(got.source.bytes(in: gotOffset..<got.source.count) == sent.source.bytes(in: sentOffset..<sent.source.count))
                #expect(got.fileMetaInformation.string(.mediaStorageSOPInstanceUID).map(trimUID) == uid)
                var st = stat()
                stat(dir + "/" + uid + ".dcm", &st)
                #expect(st.st_mode & 0o777 == 0o600)
            }
            #expect(!listDirectory(dir).contains { $0.hasPrefix(".partial") })
        }
    }

    @Test("wrong called AE title: rejected, reported in words (PS3.8 Table 9-21)")
    func rejected() async throws {
        try await withSCP { scp, _ in
            let client = DICOMClient(remote: RemoteAE(host: "127.0.0.1", port: scp.port, aeTitle: "NOTME"), local: local)
            do {
                _ = try await client.echo()
                Issue.record("echo should fail")
            } catch {
                let e = error as? NetworkError
                #expect(e?.kind == .rejected(AssociationRejection(result: 1, source: 1, reason: 7)))
                #expect("\(error)".contains("rejected-permanent, source: DICOM UL service-user, reason: called-AE-title-not-recognized"))
            }
        }
    }

    @Test("C-STORE of a SOP class the SCP does not support: no context, no file")
    func unknownSOPClass() async throws {
        let src = tempDirectory("src")
        defer { removeTree(src) }
        let p = try writeInstance(src, uid: "1.2.3.4.5.6", sopClass: "1.2.3.999.1")
        try await withSCP { scp, dir in
            let client = DICOMClient(remote: RemoteAE(host: "127.0.0.1", port: scp.port, aeTitle: "SIXRAY"), local: local)
            let r = try await client.store(paths: [p])
            #expect(r.sent.isEmpty)
            #expect(r.failures.first?.reason.contains("no accepted presentation context for SOP class 1.2.3.999.1") == true)
            #expect(listDirectory(dir).isEmpty)
        }
    }

    @Test("a peer that accepts the connection and never answers times out")
    func silentPeer() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        var remote = RemoteAE(host: "127.0.0.1", port: server.localAddress?.port ?? 0, aeTitle: "SILENT")
        remote.dimseTimeout = .milliseconds(300)
        let client = DICOMClient(remote: remote, local: local)
        let start = NIODeadline.now()
        do {
            _ = try await client.echo()
            Issue.record("echo should time out")
        } catch {
            #expect(error.kind.isTimeout, "\(error)")
        }
        #expect(NIODeadline.now() - start < .seconds(5))
    }

    @Test("a peer that aborts in the middle of a data set: no file is left and the error says abort")
    func abortMidTransfer() async throws {
        // A fake archive: accepts the association, then answers the first P-DATA with A-ABORT.
        let dir = tempDirectory("abort")
        defer { removeTree(dir) }
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandlers([ByteToMessageHandler(PDUDecoder()), MessageToByteHandler(PDUEncoder()),
                                                                AbortingAcceptor()])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let client = DICOMClient(remote: RemoteAE(host: "127.0.0.1", port: server.localAddress?.port ?? 0, aeTitle: "X"), local: local)
        var id = Identifier()
        id.set(.studyInstanceUID, "1.2.3")
        let r = try await client.get(level: .study, identifier: id, sink: try DirectorySink(directory: dir))
        #expect(r.error?.kind.isAbort == true, "\(String(describing: r.error))")
        #expect(!r.isComplete)
        #expect(r.instances.isEmpty)
        #expect(listDirectory(dir).isEmpty)
    }
}

extension LoopbackTests {
    @Test("an archive that aborts in the middle of a C-MOVE: the result is incomplete, progress kept")
    func abortMidMove() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandlers([ByteToMessageHandler(PDUDecoder()), MessageToByteHandler(PDUEncoder()),
                                                                AbortingMoveArchive()])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let client = DICOMClient(remote: RemoteAE(host: "127.0.0.1", port: server.localAddress?.port ?? 0, aeTitle: "X"), local: local)
        var id = Identifier()
        id.set(.studyInstanceUID, "1.2.3")
        let progress = NIOLockedValueBoxLite<[RetrieveProgress]>([])
        let r = try await client.move(level: .study, identifier: id, destination: "SIXRAY") { p in progress.update { $0.append(p) } }
        #expect(r.error?.kind.isAbort == true, "\(String(describing: r.error))")
        #expect(!r.isComplete)
        #expect(r.progress.remaining == 9 && r.progress.completed == 1)
        #expect(progress.get().count == 1)
        #expect(r.error?.description.contains("association aborted by the service provider") == true)
    }
}

/// Answers a C-MOVE-RQ with one pending response (1 of 10 done), then aborts.
final class AbortingMoveArchive: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = PDU
    typealias OutboundOut = PDU
    var moveContext: UInt8 = 1
    var answered = false
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .associateRQ(let rq):
            let results = rq.presentationContexts.map { PresentationContextResult(id: $0.id, result: .acceptance, transferSyntax: $0.transferSyntaxes[0]) }
            moveContext = rq.presentationContexts[0].id
            let ac = AssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle, presentationContexts: results,
                                 userInformation: UserInformation(maxPDULength: 0, implementationClassUID: "1.2.3"))
            context.writeAndFlush(wrapOutboundOut(.associateAC(ac)), promise: nil)
        case .pData(let pdvs):
            // Wait for the identifier (the last data fragment) before answering.
            guard !answered, pdvs.contains(where: { !$0.isCommand && $0.isLast }) else { return }
            answered = true
            var rsp = DIMSECommand(.cMoveRSP)
            rsp.affectedSOPClassUID = "1.2.840.10008.5.1.4.1.2.2.2"
            rsp.messageIDBeingRespondedTo = 1
            rsp.status = .pending
            rsp.remaining = 9; rsp.completed = 1; rsp.failed = 0; rsp.warning = 0
            for pdu in PDUCodec.fragment(rsp.encoded(), contextID: moveContext, isCommand: true, maxPDULength: 0) {
                context.write(wrapOutboundOut(pdu), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.abort(source: 2, reason: 0)), promise: nil)
        default: break
        }
    }
}

/// Accepts any association (first context, first syntax), sends a C-STORE-RQ and half a data
/// set, then aborts: the storage sub-operation is cut off mid-instance.
final class AbortingAcceptor: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = PDU
    typealias OutboundOut = PDU
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .associateRQ(let rq):
            let results = rq.presentationContexts.map { PresentationContextResult(id: $0.id, result: .acceptance, transferSyntax: $0.transferSyntaxes[0]) }
            let ac = AssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle, presentationContexts: results,
                                 userInformation: UserInformation(maxPDULength: 0, implementationClassUID: "1.2.3"))
            context.writeAndFlush(wrapOutboundOut(.associateAC(ac)), promise: nil)
            storeContext = rq.presentationContexts.first { SOPClass.isStorage($0.abstractSyntax) }
        case .pData:
            guard let pc = storeContext, !sent else { return }
            sent = true
            var rq = DIMSECommand(.cStoreRQ, hasDataSet: true)
            rq.affectedSOPClassUID = pc.abstractSyntax
            rq.affectedSOPInstanceUID = "1.2.3.4"
            rq.messageID = 1
            for pdu in PDUCodec.fragment(rq.encoded(), contextID: pc.id, isCommand: true, maxPDULength: 0) {
                context.write(wrapOutboundOut(pdu), promise: nil)
            }
            var half = ByteBuffer()
            half.writeBytes([UInt8](repeating: 1, count: 1000))
            context.write(wrapOutboundOut(.pData([PDV(contextID: pc.id, isCommand: false, isLast: false, data: half)])), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.abort(source: 2, reason: 0)), promise: nil)
        default: break
        }
    }
    var storeContext: PresentationContextProposal?
    var sent = false
}

/// Retrieved files are named by their SOP Instance UID; anything that is not a UID (PS3.5
/// §9.1: digits and dots, at most 64) must never become a path.
@Suite struct DirectorySinkNameTests {
    @Test func uidsNameFilesAndNothingElseDoes() {
        #expect(DirectorySink.fileName(for: "1.2.840.10008.5.1.4.1.1.2") == "1.2.840.10008.5.1.4.1.1.2.dcm")
        #expect(DirectorySink.fileName(for: String(repeating: "1", count: 64)) != nil)
        for bad in ["", ".1.2", "1.2/../x", "../1", "1.2 3", "1.2\u{0}", "١.٢", "1.2\u{FF11}", String(repeating: "1", count: 65), "1.2.x"] {
            #expect(DirectorySink.fileName(for: bad) == nil, "\(bad)")
        }
    }
}
