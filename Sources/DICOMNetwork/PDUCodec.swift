import NIOCore

/// The upper layer PDU codec (PS3.8 §9.3): bytes to `PDU` and back. No I/O: it reads from
/// and writes to `ByteBuffer`s; `PDUDecoderHandler` puts it on a channel.
public enum PDUCodec {
    /// Largest PDU this codec accepts by default: generous for any P-DATA-TF a peer may send
    /// (their length is bounded by our Maximum Length sub-item) and for association PDUs.
    public static let defaultMaximumPDU: UInt32 = 64 << 20

    // MARK: - Decoding

    /// Decode one PDU from the front of `buffer`, or return nil (leaving it untouched) when the
    /// PDU is not complete yet. Throws on a malformed or oversized PDU.
    public static func decode(_ buffer: inout ByteBuffer, maximumLength: UInt32 = defaultMaximumPDU) throws(NetworkError) -> PDU? {
        guard buffer.readableBytes >= 6,
              let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt32.self) else { return nil }
        guard (0x01...0x07).contains(type) else {
            throw NetworkError(.unknownPDUType(type), offset: 0)
        }
        guard length <= maximumLength else {
            throw NetworkError(.pduTooLarge(length: length, limit: maximumLength), pduType: type)
        }
        guard buffer.readableBytes >= 6 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 6)
        guard let body = buffer.readSlice(length: Int(length)) else { return nil }
        var reader = Reader(buffer: body, type: type)
        switch type {
        case 0x01: return .associateRQ(try reader.associateRQ())
        case 0x02: return .associateAC(try reader.associateAC())
        case 0x03:
            try reader.need(4, "A-ASSOCIATE-RJ body")
            reader.skip(1)
            let result = reader.u8(), source = reader.u8(), reason = reader.u8()
            return .associateRJ(AssociationRejection(result: result, source: source, reason: reason))
        case 0x04: return .pData(try reader.pdvs())
        case 0x05:
            try reader.need(4, "A-RELEASE-RQ body")
            return .releaseRQ
        case 0x06:
            try reader.need(4, "A-RELEASE-RP body")
            return .releaseRP
        default:
            try reader.need(4, "A-ABORT body")
            reader.skip(2)
            let source = reader.u8(), reason = reader.u8()
            return .abort(source: source, reason: reason)
        }
    }

    /// Reads a PDU body with bounds checks; every failure names the PDU type and offset
    /// (counted from the start of the PDU, header included).
    struct Reader {
        var buffer: ByteBuffer
        let type: UInt8
        let start: Int
        /// Offset in the PDU of this reader's first byte.
        let base: Int

        init(buffer: ByteBuffer, type: UInt8, base: Int = 6) {
            self.buffer = buffer
            self.type = type
            self.start = buffer.readerIndex
            self.base = base
        }

        var offset: Int { base + buffer.readerIndex - start }

        func fail(_ why: String) -> NetworkError {
            NetworkError(.malformedPDU(why), offset: offset, pduType: type)
        }

        func need(_ n: Int, _ what: String) throws(NetworkError) {
            if buffer.readableBytes < n {
                throw fail("\(what) needs \(n) bytes, \(buffer.readableBytes) remain")
            }
        }

        mutating func u8() -> UInt8 { buffer.readInteger(as: UInt8.self) ?? 0 }
        mutating func u16() -> UInt16 { buffer.readInteger(as: UInt16.self) ?? 0 }
        mutating func u32() -> UInt32 { buffer.readInteger(as: UInt32.self) ?? 0 }
        mutating func skip(_ n: Int) { buffer.moveReaderIndex(forwardBy: n) }
        mutating func bytes(_ n: Int) -> [UInt8] { buffer.readBytes(length: n) ?? [] }

        /// Text of an AE title or UID: trailing spaces and NULs are padding (PS3.8 §9.3.2, Annex F).
        static func text(_ b: [UInt8]) -> String {
            var end = b.count
            while end > 0, b[end - 1] == 0x20 || b[end - 1] == 0 { end -= 1 }
            var start = 0
            while start < end, b[start] == 0x20 { start += 1 }
            return String(decoding: b[start..<end], as: UTF8.self)
        }

        /// Item header (type, reserved, 16-bit length) and body slice.
        mutating func item(_ context: String) throws(NetworkError) -> (UInt8, Reader) {
            try need(4, "item header in \(context)")
            let itemType = u8()
            skip(1)
            let length = Int(u16())
            guard buffer.readableBytes >= length else {
                throw fail("item 0x\(hex(itemType)) in \(context) declares length \(length), \(buffer.readableBytes) bytes remain")
            }
            let at = buffer.readerIndex
            let sub = Reader(buffer: buffer.getSlice(at: at, length: length) ?? ByteBuffer(), type: type, base: offset)
            skip(length)
            return (itemType, sub)
        }

        mutating func rest() -> [UInt8] { bytes(buffer.readableBytes) }

        mutating func fixedHeader() throws(NetworkError) -> (UInt16, String, String) {
            try need(68, "A-ASSOCIATE fixed fields")
            let version = u16()
            skip(2)
            let called = Self.text(bytes(16))
            let calling = Self.text(bytes(16))
            skip(32)
            return (version, called, calling)
        }

        mutating func associateRQ() throws(NetworkError) -> AssociateRQ {
            let (version, called, calling) = try fixedHeader()
            var appContext: String?
            var contexts: [PresentationContextProposal] = []
            var user: UserInformation?
            while buffer.readableBytes > 0 {
                var (itemType, sub) = try item("A-ASSOCIATE-RQ")
                switch itemType {
                case 0x10: appContext = Self.text(sub.rest())
                case 0x20:
                    try sub.need(4, "presentation context item")
                    let id = sub.u8()
                    sub.skip(3)
                    var abstract: String?
                    var syntaxes: [String] = []
                    while sub.buffer.readableBytes > 0 {
                        var (t, s) = try sub.item("presentation context \(id)")
                        switch t {
                        case 0x30: abstract = Self.text(s.rest())
                        case 0x40: syntaxes.append(Self.text(s.rest()))
                        default: throw sub.fail("unexpected sub-item 0x\(hex(t)) in presentation context \(id)")
                        }
                    }
                    guard let abstract else { throw sub.fail("presentation context \(id) has no abstract syntax") }
                    guard !syntaxes.isEmpty else { throw sub.fail("presentation context \(id) has no transfer syntax") }
                    contexts.append(PresentationContextProposal(id: id, abstractSyntax: abstract, transferSyntaxes: syntaxes))
                case 0x50: user = try sub.userInformation()
                default: throw fail("unexpected item 0x\(hex(itemType)) in A-ASSOCIATE-RQ")
                }
            }
            guard let appContext else { throw fail("A-ASSOCIATE-RQ has no application context item") }
            guard !contexts.isEmpty else { throw fail("A-ASSOCIATE-RQ proposes no presentation context") }
            guard let user else { throw fail("A-ASSOCIATE-RQ has no user information item") }
            var rq = AssociateRQ(calledAETitle: called, callingAETitle: calling, presentationContexts: contexts, userInformation: user)
            rq.protocolVersion = version
            rq.applicationContext = appContext
            return rq
        }

        mutating func associateAC() throws(NetworkError) -> AssociateAC {
            let (version, called, calling) = try fixedHeader()
            var appContext: String?
            var results: [PresentationContextResult] = []
            var user: UserInformation?
            while buffer.readableBytes > 0 {
                var (itemType, sub) = try item("A-ASSOCIATE-AC")
                switch itemType {
                case 0x10: appContext = Self.text(sub.rest())
                case 0x21:
                    try sub.need(4, "presentation context result item")
                    let id = sub.u8()
                    sub.skip(1)
                    let raw = sub.u8()
                    sub.skip(1)
                    guard let result = PresentationContextResult.Result(rawValue: raw) else {
                        throw sub.fail("presentation context \(id) has result \(raw) (Table 9-18 defines 0–4)")
                    }
                    var syntax = ""
                    while sub.buffer.readableBytes > 0 {
                        var (t, s) = try sub.item("presentation context \(id)")
                        if t == 0x40 { syntax = Self.text(s.rest()) } else {
                            throw sub.fail("unexpected sub-item 0x\(hex(t)) in presentation context result \(id)")
                        }
                    }
                    if result == .acceptance && syntax.isEmpty {
                        throw sub.fail("accepted presentation context \(id) names no transfer syntax")
                    }
                    results.append(PresentationContextResult(id: id, result: result, transferSyntax: syntax))
                case 0x50: user = try sub.userInformation()
                default: throw fail("unexpected item 0x\(hex(itemType)) in A-ASSOCIATE-AC")
                }
            }
            guard let appContext else { throw fail("A-ASSOCIATE-AC has no application context item") }
            guard let user else { throw fail("A-ASSOCIATE-AC has no user information item") }
            var ac = AssociateAC(calledAETitle: called, callingAETitle: calling, presentationContexts: results, userInformation: user)
            ac.protocolVersion = version
            ac.applicationContext = appContext
            return ac
        }

        mutating func userInformation() throws(NetworkError) -> UserInformation {
            var info = UserInformation(implementationClassUID: "")
            var sawClass = false
            while buffer.readableBytes > 0 {
                var (t, s) = try item("user information")
                switch t {
                case 0x51:
                    try s.need(4, "maximum length sub-item")
                    info.maxPDULength = s.u32()
                case 0x52:
                    info.implementationClassUID = Self.text(s.rest())
                    sawClass = true
                case 0x53:
                    try s.need(4, "asynchronous operations window sub-item")
                    let invoked = s.u16(), performed = s.u16()
                    info.asyncOperations = (invoked, performed)
                case 0x54:
                    try s.need(2, "role selection sub-item")
                    let n = Int(s.u16())
                    try s.need(n + 2, "role selection sub-item with a \(n)-byte UID")
                    let uid = Self.text(s.bytes(n))
                    let scu = s.u8(), scp = s.u8()
                    info.roleSelections.append(RoleSelection(sopClassUID: uid, scu: scu == 1, scp: scp == 1))
                case 0x55: info.implementationVersionName = Self.text(s.rest())
                case 0x56:
                    try s.need(2, "SOP class extended negotiation sub-item")
                    let n = Int(s.u16())
                    try s.need(n, "SOP class extended negotiation sub-item with a \(n)-byte UID")
                    let uid = Self.text(s.bytes(n))
                    info.extendedNegotiations.append(ExtendedNegotiation(sopClassUID: uid, applicationInformation: s.rest()))
                default:
                    info.otherItems.append((t, s.rest()))
                }
            }
            if !sawClass { throw fail("user information has no implementation class UID sub-item (PS3.7 §D.3.3.2)") }
            return info
        }

        mutating func pdvs() throws(NetworkError) -> [PDV] {
            var out: [PDV] = []
            while buffer.readableBytes > 0 {
                try need(6, "PDV item header")
                let length = Int(u32())
                guard length >= 2 else { throw fail("PDV item length \(length) is shorter than its 2-byte header") }
                guard buffer.readableBytes >= length else {
                    throw fail("PDV item declares length \(length), \(buffer.readableBytes) bytes remain")
                }
                let id = u8()
                let control = u8()
                guard id & 1 == 1 else { throw fail("PDV names presentation context \(id); IDs are odd (PS3.8 §9.3.2.2)") }
                guard control & 0xFC == 0 else {
                    throw fail("PDV message control header 0x\(hex(control)) sets reserved bits (PS3.8 Annex E.2)")
                }
                let data = buffer.readSlice(length: length - 2) ?? ByteBuffer()
                out.append(PDV(contextID: id, isCommand: control & 1 == 1, isLast: control & 2 == 2, data: data))
            }
            if out.isEmpty { throw fail("P-DATA-TF carries no PDV") }
            return out
        }
    }

    // MARK: - Encoding

    public static func encode(_ pdu: PDU, into out: inout ByteBuffer) {
        out.writeInteger(pdu.typeCode)
        out.writeInteger(UInt8(0))
        let lengthAt = out.writerIndex
        out.writeInteger(UInt32(0))
        let bodyStart = out.writerIndex
        switch pdu {
        case .associateRQ(let rq):
            writeFixed(rq.protocolVersion, rq.calledAETitle, rq.callingAETitle, into: &out)
            writeItem(0x10, into: &out) { $0.writeString(rq.applicationContext) }
            for pc in rq.presentationContexts {
                writeItem(0x20, into: &out) { b in
                    b.writeInteger(pc.id)
                    b.writeBytes([0, 0, 0])
                    writeItem(0x30, into: &b) { $0.writeString(pc.abstractSyntax) }
                    for ts in pc.transferSyntaxes { writeItem(0x40, into: &b) { $0.writeString(ts) } }
                }
            }
            writeUserInformation(rq.userInformation, into: &out)
        case .associateAC(let ac):
            writeFixed(ac.protocolVersion, ac.calledAETitle, ac.callingAETitle, into: &out)
            writeItem(0x10, into: &out) { $0.writeString(ac.applicationContext) }
            for pc in ac.presentationContexts {
                writeItem(0x21, into: &out) { b in
                    b.writeInteger(pc.id)
                    b.writeInteger(UInt8(0))
                    b.writeInteger(pc.result.rawValue)
                    b.writeInteger(UInt8(0))
                    writeItem(0x40, into: &b) { $0.writeString(pc.transferSyntax) }
                }
            }
            writeUserInformation(ac.userInformation, into: &out)
        case .associateRJ(let rj):
            out.writeBytes([0, rj.result, rj.source, rj.reason])
        case .pData(let pdvs):
            for pdv in pdvs {
                out.writeInteger(UInt32(pdv.data.readableBytes + 2))
                out.writeInteger(pdv.contextID)
                out.writeInteger(UInt8((pdv.isCommand ? 1 : 0) | (pdv.isLast ? 2 : 0)))
                var data = pdv.data
                out.writeBuffer(&data)
            }
        case .releaseRQ, .releaseRP:
            out.writeInteger(UInt32(0))
        case .abort(let source, let reason):
            out.writeBytes([0, 0, source, reason])
        }
        out.setInteger(UInt32(out.writerIndex - bodyStart), at: lengthAt)
    }

    public static func encode(_ pdu: PDU) -> ByteBuffer {
        var b = ByteBuffer()
        encode(pdu, into: &b)
        return b
    }

    static func writeFixed(_ version: UInt16, _ called: String, _ calling: String, into out: inout ByteBuffer) {
        out.writeInteger(version)
        out.writeInteger(UInt16(0))
        out.writeBytes(aeField(called))
        out.writeBytes(aeField(calling))
        out.writeBytes([UInt8](repeating: 0, count: 32))
    }

    /// An AE title as the 16-byte, space-padded field of PS3.8 §9.3.2.
    static func aeField(_ ae: String) -> [UInt8] {
        var b = Array(ae.utf8.prefix(16))
        while b.count < 16 { b.append(0x20) }
        return b
    }

    static func writeItem(_ type: UInt8, into out: inout ByteBuffer, _ body: (inout ByteBuffer) -> Void) {
        out.writeInteger(type)
        out.writeInteger(UInt8(0))
        let lengthAt = out.writerIndex
        out.writeInteger(UInt16(0))
        let start = out.writerIndex
        body(&out)
        out.setInteger(UInt16(truncatingIfNeeded: out.writerIndex - start), at: lengthAt)
    }

    static func writeUserInformation(_ u: UserInformation, into out: inout ByteBuffer) {
        writeItem(0x50, into: &out) { b in
            if let max = u.maxPDULength { writeItem(0x51, into: &b) { $0.writeInteger(max) } }
            writeItem(0x52, into: &b) { $0.writeString(u.implementationClassUID) }
            if let a = u.asyncOperations {
                writeItem(0x53, into: &b) { $0.writeInteger(a.invoked); $0.writeInteger(a.performed) }
            }
            for r in u.roleSelections {
                writeItem(0x54, into: &b) {
                    $0.writeInteger(UInt16(r.sopClassUID.utf8.count))
                    $0.writeString(r.sopClassUID)
                    $0.writeInteger(UInt8(r.scu ? 1 : 0))
                    $0.writeInteger(UInt8(r.scp ? 1 : 0))
                }
            }
            if let v = u.implementationVersionName { writeItem(0x55, into: &b) { $0.writeString(v) } }
            for e in u.extendedNegotiations {
                writeItem(0x56, into: &b) {
                    $0.writeInteger(UInt16(e.sopClassUID.utf8.count))
                    $0.writeString(e.sopClassUID)
                    $0.writeBytes(e.applicationInformation)
                }
            }
            for o in u.otherItems { writeItem(o.type, into: &b) { $0.writeBytes(o.data) } }
        }
    }

    // MARK: - Fragmentation

    /// Split a command or data set into P-DATA-TF PDUs no longer than `maxPDULength` (the
    /// peer's Maximum Length sub-item counts the whole PDU, header excluded, PS3.8 §D.1);
    /// 0 means unlimited. The last PDV carries the last-fragment bit (PS3.8 Annex E.2).
    public static func fragment(_ payload: ByteBuffer, contextID: UInt8, isCommand: Bool, maxPDULength: UInt32,
                                isFinal: Bool = true) -> [PDU] {
        // Each PDU holds one PDV: 4-byte item length + 2-byte header + data.
        let limit = maxPDULength == 0 ? Int(Int32.max) : max(Int(maxPDULength) - 6, 1)
        var rest = payload
        var pdus: [PDU] = []
        repeat {
            let n = min(limit, rest.readableBytes)
            let chunk = rest.readSlice(length: n) ?? ByteBuffer()
            let last = isFinal && rest.readableBytes == 0
            pdus.append(.pData([PDV(contextID: contextID, isCommand: isCommand, isLast: last, data: chunk)]))
        } while rest.readableBytes > 0
        return pdus
    }
}
