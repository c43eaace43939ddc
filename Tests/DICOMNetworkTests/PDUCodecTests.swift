import NIOCore
import Testing
@testable import DICOMNetwork

func bytes(_ b: ByteBuffer) -> [UInt8] { b.getBytes(at: b.readerIndex, length: b.readableBytes) ?? [] }
func buffer(_ b: [UInt8]) -> ByteBuffer { var x = ByteBuffer(); x.writeBytes(b); return x }

func sampleRQ() -> AssociateRQ {
    let user = UserInformation(
        maxPDULength: 65536, implementationClassUID: "1.2.3.4", implementationVersionName: "TEST_1",
        asyncOperations: (invoked: 3, performed: 2),
        roleSelections: [RoleSelection(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", scu: false, scp: true)],
        extendedNegotiations: [ExtendedNegotiation(sopClassUID: "1.2.840.10008.5.1.4.1.2.2.1", applicationInformation: [1, 1, 0])],
        otherItems: [(type: 0x58, data: [1, 0, 0, 4, 0x75, 0x73, 0x65, 0x72, 0, 0])])
    return AssociateRQ(calledAETitle: "ORTHANC", callingAETitle: "SIXRAY", presentationContexts: [
        PresentationContextProposal(id: 1, abstractSyntax: "1.2.840.10008.1.1", transferSyntaxes: ["1.2.840.10008.1.2"]),
        PresentationContextProposal(id: 3, abstractSyntax: "1.2.840.10008.5.1.4.1.1.2",
                                    transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.70"]),
    ], userInformation: user)
}

@Suite("PDU codec (PS3.8 §9.3)")
struct PDUCodecTests {
    @Test("every PDU type round-trips through encode and decode")
    func roundTrip() throws {
        let ac = AssociateAC(calledAETitle: "ORTHANC", callingAETitle: "SIXRAY", presentationContexts: [
            PresentationContextResult(id: 1, result: .acceptance, transferSyntax: "1.2.840.10008.1.2"),
            PresentationContextResult(id: 3, result: .abstractSyntaxNotSupported, transferSyntax: ""),
        ], userInformation: UserInformation(maxPDULength: 16384, implementationClassUID: "1.2.3", implementationVersionName: "X"))
        let pdus: [PDU] = [
            .associateRQ(sampleRQ()), .associateAC(ac),
            .associateRJ(AssociationRejection(result: 1, source: 1, reason: 7)),
            .pData([PDV(contextID: 1, isCommand: true, isLast: true, data: buffer([1, 2, 3, 4])),
                    PDV(contextID: 3, isCommand: false, isLast: false, data: buffer([9, 8]))]),
            .releaseRQ, .releaseRP, .abort(source: 2, reason: 6),
        ]
        for pdu in pdus {
            var b = PDUCodec.encode(pdu)
            let decoded = try PDUCodec.decode(&b)
            #expect(decoded == pdu, "\(pdu.name)")
            #expect(b.readableBytes == 0)
        }
    }

    @Test("fixed layouts: A-RELEASE-RQ, A-ABORT, A-ASSOCIATE-RJ bytes and A-ASSOCIATE-RQ header")
    func layouts() throws {
        #expect(bytes(PDUCodec.encode(.releaseRQ)) == [0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(bytes(PDUCodec.encode(.releaseRP)) == [0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(bytes(PDUCodec.encode(.abort(source: 2, reason: 1))) == [0x07, 0, 0, 0, 0, 4, 0, 0, 2, 1])
        #expect(bytes(PDUCodec.encode(.associateRJ(AssociationRejection(result: 2, source: 3, reason: 1))))
                == [0x03, 0, 0, 0, 0, 4, 0, 2, 3, 1])
        let rq = bytes(PDUCodec.encode(.associateRQ(sampleRQ())))
        #expect(rq[0] == 0x01)
        let length = Int(rq[2]) << 24 | Int(rq[3]) << 16 | Int(rq[4]) << 8 | Int(rq[5])
        #expect(length == rq.count - 6)
        #expect(rq[6...7] == [0, 1]) // protocol version 1
        #expect(Array(rq[10..<26]) == Array("ORTHANC         ".utf8)) // called AE, space padded
        #expect(Array(rq[26..<42]) == Array("SIXRAY          ".utf8))
        #expect(rq[74] == 0x10) // application context item first (PS3.8 Table 9-11)
        let appLength = Int(rq[76]) << 8 | Int(rq[77])
        #expect(Array(rq[78..<78 + appLength]) == Array(dicomApplicationContext.utf8))
    }

    @Test("a PDU split anywhere decodes only once complete")
    func partial() throws {
        let whole = bytes(PDUCodec.encode(.associateRQ(sampleRQ())))
        for cut in [0, 1, 5, 6, 40, whole.count - 1] {
            var b = buffer(Array(whole[0..<cut]))
            #expect(try PDUCodec.decode(&b) == nil)
            #expect(b.readableBytes == cut, "nothing consumed at cut \(cut)")
        }
    }

    @Test("AE titles and UIDs padded with spaces or NULs are trimmed")
    func padding() throws {
        var rq = sampleRQ()
        rq.presentationContexts[0].abstractSyntax = "1.2.840.10008.1.1\0"
        rq.calledAETitle = "  ORTHANC"
        var b = PDUCodec.encode(.associateRQ(rq))
        guard case .associateRQ(let d)? = try PDUCodec.decode(&b) else { Issue.record("not an RQ"); return }
        #expect(d.presentationContexts[0].abstractSyntax == "1.2.840.10008.1.1")
        #expect(d.calledAETitle == "ORTHANC")
    }

    @Test("P-DATA fragmentation respects the peer's maximum PDU length (PS3.8 §D.1)")
    func fragmentation() throws {
        let payload = buffer((0..<1000).map { UInt8($0 & 0xFF) })
        let pdus = PDUCodec.fragment(payload, contextID: 5, isCommand: false, maxPDULength: 256)
        var reassembled: [UInt8] = []
        for (i, pdu) in pdus.enumerated() {
            let encoded = PDUCodec.encode(pdu)
            #expect(encoded.readableBytes - 6 <= 256, "PDU \(i) is \(encoded.readableBytes - 6) bytes")
            guard case .pData(let pdvs) = pdu else { Issue.record("not P-DATA"); return }
            #expect(pdvs.count == 1)
            #expect(pdvs[0].isLast == (i == pdus.count - 1))
            #expect(pdvs[0].contextID == 5 && !pdvs[0].isCommand)
            reassembled += bytes(pdvs[0].data)
        }
        #expect(pdus.count == 4) // 250 data bytes per PDU
        #expect(reassembled == bytes(payload))
        // Unlimited: one PDU.
        #expect(PDUCodec.fragment(payload, contextID: 1, isCommand: true, maxPDULength: 0).count == 1)
        // Empty data set: one empty last fragment.
        let empty = PDUCodec.fragment(ByteBuffer(), contextID: 1, isCommand: false, maxPDULength: 100)
        #expect(empty.count == 1)
    }
}

@Suite("Malformed PDUs")
struct MalformedPDUTests {
    func decodeError(_ raw: [UInt8], max: UInt32 = PDUCodec.defaultMaximumPDU) -> NetworkError? {
        var b = buffer(raw)
        do { _ = try PDUCodec.decode(&b, maximumLength: max); return nil } catch { return error }
    }

    @Test("unknown PDU type is named")
    func unknownType() {
        let e = decodeError([0x09, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(e?.description == "unknown PDU type 0x09 (PS3.8 §9.3 defines 0x01–0x07) (offset 0)")
    }

    @Test("a length above the limit is refused before reading the body")
    func tooLong() {
        let e = decodeError([0x04, 0, 0x10, 0, 0, 0], max: 1 << 20)
        #expect(e?.kind == .pduTooLarge(length: 0x1000_0000, limit: 1 << 20))
    }

    @Test("truncated and inconsistent items report the offset")
    func truncatedItems() {
        // A-ASSOCIATE-RQ whose application context item claims 65280 bytes.
        var rq = bytes(PDUCodec.encode(.associateRQ(sampleRQ())))
        rq[76] = 0xFF; rq[77] = 0
        let e = decodeError(rq)
        #expect(e?.kind.isMalformed == true)
        #expect(e?.offset == 78)
        #expect(e?.description.contains("item 0x10 in A-ASSOCIATE-RQ declares length 65280") == true)

        // Body shorter than the fixed fields.
        let short: [UInt8] = [0x01, 0, 0, 0, 0, 10] + [UInt8](repeating: 0, count: 10)
        #expect(decodeError(short)?.description.contains("A-ASSOCIATE fixed fields needs 68 bytes, 10 remain") == true)

        // PDV item longer than the PDU.
        let pdv: [UInt8] = [0x04, 0, 0, 0, 0, 8, 0, 0, 0, 100, 1, 3, 0, 0]
        #expect(decodeError(pdv)?.description.contains("PDV item declares length 100, 4 bytes remain") == true)

        // Even presentation context ID and reserved control bits.
        #expect(decodeError([0x04, 0, 0, 0, 0, 7, 0, 0, 0, 3, 2, 3, 9])?.description.contains("IDs are odd") == true)
        #expect(decodeError([0x04, 0, 0, 0, 0, 7, 0, 0, 0, 3, 1, 0x83, 9])?.description.contains("reserved bits") == true)
        // P-DATA-TF with no PDV.
        #expect(decodeError([0x04, 0, 0, 0, 0, 0])?.description.contains("carries no PDV") == true)
        // A-ABORT with a 2-byte body.
        #expect(decodeError([0x07, 0, 0, 0, 0, 2, 0, 0])?.description.contains("A-ABORT body needs 4 bytes") == true)
    }

    @Test("A-ASSOCIATE-RQ without user information or presentation contexts is refused")
    func missingItems() {
        var rq = sampleRQ()
        rq.presentationContexts = []
        #expect(decodeError(bytes(PDUCodec.encode(.associateRQ(rq))))?.description.contains("proposes no presentation context") == true)
        var ac = AssociateAC(calledAETitle: "A", callingAETitle: "B", presentationContexts: [
            PresentationContextResult(id: 1, result: .acceptance, transferSyntax: "")],
            userInformation: UserInformation(implementationClassUID: "1.2"))
        #expect(decodeError(bytes(PDUCodec.encode(.associateAC(ac))))?.description.contains("names no transfer syntax") == true)
        ac.presentationContexts = []
        var raw = bytes(PDUCodec.encode(.associateAC(ac)))
        // Turn the user information item into an unknown item type 0x5F.
        if let i = raw.lastIndex(of: 0x50) { raw[i] = 0x5F }
        #expect(decodeError(raw)?.description.contains("unexpected item 0x5F") == true)
    }

    @Test("random and mutated bytes never crash the decoder")
    func mutations() {
        var rng = SystemRandomNumberGenerator()
        let seeds: [[UInt8]] = [bytes(PDUCodec.encode(.associateRQ(sampleRQ()))),
                                bytes(PDUCodec.encode(.pData([PDV(contextID: 1, isCommand: true, isLast: true, data: buffer([1, 2]))])))]
        var errors = 0
        for i in 0..<3000 {
            var raw = seeds[i % 2]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(raw.count))
                raw[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            var b = buffer(raw)
            do { _ = try PDUCodec.decode(&b, maximumLength: 1 << 16) } catch { errors += 1 }
        }
        #expect(errors > 0)
    }
}
