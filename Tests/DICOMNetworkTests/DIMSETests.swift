import DICOMCore
import NIOCore
import NIOEmbedded
import Testing
@testable import DICOMNetwork

@Suite("DIMSE command sets (PS3.7 §9.3, Annex E)")
struct DIMSETests {
    @Test("C-ECHO-RQ encodes to the implicit VR LE bytes of PS3.7 Table 9.3-12")
    func echoBytes() {
        var rq = DIMSECommand(.cEchoRQ)
        rq.affectedSOPClassUID = "1.2.840.10008.1.1"
        rq.messageID = 7
        let b = bytes(rq.encoded())
        let expected: [UInt8] =
            [0, 0, 0, 0, 4, 0, 0, 0, 56, 0, 0, 0] +                       // (0000,0000) UL 56
            [0, 0, 2, 0, 18, 0, 0, 0] + Array("1.2.840.10008.1.1".utf8) + [0] + // (0000,0002) UI, NUL padded
            [0, 0, 0, 1, 2, 0, 0, 0, 0x30, 0] +                             // (0000,0100) US 0x0030
            [0, 0, 0x10, 1, 2, 0, 0, 0, 7, 0] +                             // (0000,0110) US 7
            [0, 0, 0, 8, 2, 0, 0, 0, 0x01, 0x01]                            // (0000,0800) US 0x0101: no data set
        #expect(b == expected)
    }

    @Test("every field round-trips")
    func roundTrip() throws {
        var c = DIMSECommand(.cMoveRSP, hasDataSet: false)
        c.affectedSOPClassUID = "1.2.840.10008.5.1.4.1.2.2.2"
        c.messageIDBeingRespondedTo = 3
        c.status = .pending
        c.remaining = 10; c.completed = 5; c.failed = 1; c.warning = 2
        c.errorComment = "odd"
        var s = DIMSECommand(.cStoreRQ, hasDataSet: true)
        s.affectedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        s.affectedSOPInstanceUID = "1.2.3.4.5"
        s.messageID = 9
        s.priority = .high
        s.moveOriginatorAETitle = "ORTHANC"
        s.moveOriginatorMessageID = 4
        var m = DIMSECommand(.cMoveRQ, hasDataSet: true)
        m.moveDestination = "SIXRAY"
        m.messageID = 1
        for cmd in [c, s, m] {
            #expect(try DIMSECommand.decode(cmd.encoded()) == cmd)
        }
    }

    @Test("malformed command sets are refused with the element named")
    func malformed() {
        func err(_ raw: [UInt8]) -> String {
            do { _ = try DIMSECommand.decode(buffer(raw)); return "" } catch { return error.description }
        }
        #expect(err([0, 0, 0, 1, 2, 0]).contains("element header needs 8 bytes"))
        #expect(err([8, 0, 0x16, 0, 2, 0, 0, 0, 1, 2]).contains("(0008,0016); only group 0000"))
        #expect(err([0, 0, 0, 1, 50, 0, 0, 0, 1, 2]).contains("(0000,0100) declares length 50"))
        #expect(err([0, 0, 0x10, 1, 2, 0, 0, 0, 1, 0]).contains("no Command Field"))
        // A foreign group after group 0000 is skipped (see below), but group 0000 may not follow it,
        // and its length is still checked.
        #expect(err([0, 0, 0, 1, 2, 0, 0, 0, 0x10, 0x80, 8, 0, 0x58, 0, 2, 0, 0, 0, 0x31, 0, 0, 0, 0, 8, 2, 0, 0, 0, 1, 1])
            .contains("(0000,0800); only group 0000"))
        #expect(err([0, 0, 0, 1, 2, 0, 0, 0, 0x10, 0x80, 8, 0, 0x58, 0, 9, 0, 0, 0, 0x31, 0]).contains("(0008,0058); only group 0000"))
        #expect(err([0, 0, 0, 1, 2, 0, 0, 0, 0x99, 0]).contains("unsupported Command Field 0x0099"))
        #expect(err([0, 0, 0, 1, 4, 0, 0, 0, 1, 0, 0, 0]).contains("(0000,0100) has 4 bytes"))
    }

    /// Seen on the wire from Orthanc 1.10 during a C-GET whose C-STORE sub-operation failed:
    /// the pending C-GET-RSP's command set ends with (0008,0000) and (0008,0058).
    @Test("a pending C-GET-RSP with Failed SOP Instance UID List in its command set (Orthanc) decodes")
    func orthancFailedListInCommand() throws {
        var rsp = DIMSECommand(.cGetRSP)
        rsp.affectedSOPClassUID = "1.2.840.10008.5.1.4.1.2.2.3"
        rsp.messageIDBeingRespondedTo = 1
        rsp.status = DIMSEStatus(0xFF00)
        var raw = rsp.encoded()
        let uid = Array("1.2.3.4".utf8) + [0]
        raw.writeBytes([8, 0, 0, 0, 4, 0, 0, 0] + [UInt8(8 + uid.count), 0, 0, 0])
        raw.writeBytes([8, 0, 0x58, 0, UInt8(uid.count), 0, 0, 0] + uid)
        let decoded = try DIMSECommand.decode(raw)
        #expect(decoded == rsp)
        #expect(decoded.status?.isPending == true)
    }

    @Test("status categories (PS3.7 Annex C)")
    func statuses() {
        #expect(DIMSEStatus(0xFF00).isPending && DIMSEStatus(0xFF01).isPending)
        #expect(DIMSEStatus(0xB000).isWarning && !DIMSEStatus(0xB000).isFailure)
        #expect(DIMSEStatus(0xA700).isFailure && DIMSEStatus(0x0122).isFailure && DIMSEStatus(0xC001).isFailure)
        #expect(DIMSEStatus(0xFE00).isCancel)
        #expect(DIMSEStatus(0x0122).description == "0x0122 (refused: SOP class not supported)")
    }

    @Test("assembler joins command fragments and streams data fragments")
    func assembler() throws {
        var rq = DIMSECommand(.cStoreRQ, hasDataSet: true)
        rq.affectedSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
        rq.affectedSOPInstanceUID = "1.2.3"
        rq.messageID = 2
        let encoded = bytes(rq.encoded())
        var a = DIMSEAssembler()
        #expect(try a.feed(PDV(contextID: 3, isCommand: true, isLast: false, data: buffer(Array(encoded[0..<10])))) == nil)
        let out = try a.feed(PDV(contextID: 3, isCommand: true, isLast: true, data: buffer(Array(encoded[10...]))))
        #expect(out == .command(contextID: 3, rq))
        #expect(a.isAwaitingDataSet)
        #expect(try a.feed(PDV(contextID: 3, isCommand: false, isLast: false, data: buffer([1, 2]))) == .dataFragment(contextID: 3, buffer([1, 2]), isLast: false))
        // Data on another context, or a command before the data set ends, is a protocol error.
        #expect(throws: NetworkError.self) { try a.feed(PDV(contextID: 5, isCommand: false, isLast: true, data: buffer([3]))) }
        #expect(throws: NetworkError.self) { try a.feed(PDV(contextID: 3, isCommand: true, isLast: true, data: buffer(encoded))) }
        #expect(try a.feed(PDV(contextID: 3, isCommand: false, isLast: true, data: buffer([3]))) == .dataFragment(contextID: 3, buffer([3]), isLast: true))
        #expect(!a.isAwaitingDataSet)
        // A data fragment with no command announcing it.
        #expect(throws: NetworkError.self) { try a.feed(PDV(contextID: 3, isCommand: false, isLast: true, data: buffer([3]))) }
    }

    @Test("identifiers encode with dictionary VRs and decode back")
    func identifier() throws {
        var id = Identifier()
        id.set(.queryRetrieveLevel, "STUDY")
        id.set(.studyInstanceUID, "1.2.3")
        id.set(.patientName, "")
        for ts in [TransferSyntaxUID.implicitLE, TransferSyntaxUID.explicitLE] {
            let raw = try id.encoded(ts)
            let ds = try DataSet.decode(raw: raw, transferSyntax: TransferSyntax.lookup(ts))
            #expect(ds.string(.queryRetrieveLevel) == "STUDY")
            #expect(ds[.studyInstanceUID]?.valueBytes() == Array("1.2.3".utf8) + [0])
            #expect(ds[.patientName]?.valueLength == 0)
            #expect(ds[.studyInstanceUID]?.vr == .UI)
        }
    }
}

@Suite("Channel handlers (EmbeddedChannel)")
struct ChannelHandlerTests {
    @Test("PDUDecoder frames PDUs from bytes arriving in pieces; PDUEncoder writes them")
    func framing() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(PDUDecoder()), MessageToByteHandler(PDUEncoder())])
        let rq = bytes(PDUCodec.encode(.associateRQ(sampleRQ()))) + bytes(PDUCodec.encode(.releaseRQ))
        var i = 0
        while i < rq.count {
            let n = min(7, rq.count - i)
            try channel.writeInbound(buffer(Array(rq[i..<i + n])))
            i += n
        }
        #expect(try channel.readInbound(as: PDU.self) == .associateRQ(sampleRQ()))
        #expect(try channel.readInbound(as: PDU.self) == .releaseRQ)
        #expect(try channel.readInbound(as: PDU.self) == nil)
        try channel.writeOutbound(PDU.abort(source: 0, reason: 0))
        let out = try channel.readOutbound(as: ByteBuffer.self)
        #expect(out.map(bytes) == [0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        _ = try channel.finish()
    }

    @Test("a malformed PDU surfaces as a NetworkError in the pipeline")
    func malformed() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PDUDecoder()))
        #expect(throws: NetworkError.self) { try channel.writeInbound(buffer([0x0A, 0, 0, 0, 0, 0])) }
        _ = try? channel.finish()
    }

    @Test("connection closed inside a PDU is reported")
    func truncatedAtClose() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PDUDecoder()))
        try channel.writeInbound(buffer([0x04, 0, 0, 0, 0, 20, 1, 2]))
        #expect(throws: NetworkError.self) { _ = try channel.finish() }
    }

    @Test("the read timeout handler turns idleness into a timeout error")
    func timeout() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ReadTimeoutHandler(what: "peer silent"))
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        #expect(throws: NetworkError.self) { try channel.throwIfErrorCaught() }
    }
}

@Suite("C-GET presentation contexts")
struct StorageContextTests {
    @Test("known SOP classes: explicit, implicit and every compressed syntax get a context each, SCP role selected")
    func known() {
        var p = AssociationProposal()
        p.add(InformationModel.studyRoot.getUID ?? "", TransferSyntaxUID.uncompressed)
        DICOMClient.storageContexts(for: ["1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.481.5"], into: &p)
        let ct = p.contexts.filter { $0.abstractSyntax == "1.2.840.10008.5.1.4.1.1.2" }
        #expect(ct.count == 2 + TransferSyntaxUID.compressed.count)
        #expect(ct.allSatisfy { $0.transferSyntaxes.count == 1 })
        #expect(Set(ct.flatMap(\.transferSyntaxes)) == Set(TransferSyntaxUID.uncompressed + TransferSyntaxUID.compressed))
        #expect(Set(p.roleSelections.map(\.sopClassUID)) == ["1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.481.5"])
        #expect(p.roleSelections.allSatisfy { $0.scp && !$0.scu })
        #expect(Set(p.contexts.map(\.id)).count == p.contexts.count && p.contexts.allSatisfy { $0.id & 1 == 1 })
    }

    @Test("unknown SOP classes: storage classes within the 128-context limit, common image classes compressed too")
    func unknown() {
        var p = AssociationProposal()
        p.add(InformationModel.studyRoot.getUID ?? "", TransferSyntaxUID.uncompressed)
        DICOMClient.storageContexts(for: nil, into: &p)
        #expect(p.contexts.count <= 128)
        #expect(SOPClass.storage.count > 100)
        #expect(SOPClass.storage.contains("1.2.840.10008.5.1.4.1.1.2") && !SOPClass.storage.contains(SOPClass.verification))
        let ct = p.contexts.filter { $0.abstractSyntax == "1.2.840.10008.5.1.4.1.1.2" }
        #expect(ct.contains { $0.transferSyntaxes == TransferSyntaxUID.uncompressed })
        #expect(ct.count == 5) // uncompressed + JPEG lossless SV1, baseline, J2K lossless, J2K
        #expect(p.contexts.count == 128 - 1)
    }
}
