import DICOMCore
import NIOCore

/// DIMSE command field values (PS3.7 §E.1, Table E.1-1).
public enum CommandField: UInt16, Sendable {
    case cStoreRQ = 0x0001, cStoreRSP = 0x8001
    case cGetRQ = 0x0010, cGetRSP = 0x8010
    case cFindRQ = 0x0020, cFindRSP = 0x8020
    case cMoveRQ = 0x0021, cMoveRSP = 0x8021
    case cEchoRQ = 0x0030, cEchoRSP = 0x8030
    case cCancelRQ = 0x0FFF

    public var name: String {
        switch self {
        case .cStoreRQ: return "C-STORE-RQ"
        case .cStoreRSP: return "C-STORE-RSP"
        case .cGetRQ: return "C-GET-RQ"
        case .cGetRSP: return "C-GET-RSP"
        case .cFindRQ: return "C-FIND-RQ"
        case .cFindRSP: return "C-FIND-RSP"
        case .cMoveRQ: return "C-MOVE-RQ"
        case .cMoveRSP: return "C-MOVE-RSP"
        case .cEchoRQ: return "C-ECHO-RQ"
        case .cEchoRSP: return "C-ECHO-RSP"
        case .cCancelRQ: return "C-CANCEL-RQ"
        }
    }
}

/// A DIMSE status (PS3.7 Annex C) with its category.
public struct DIMSEStatus: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var code: UInt16
    public init(_ code: UInt16) { self.code = code }

    public static let success = DIMSEStatus(0x0000)
    public static let pending = DIMSEStatus(0xFF00)
    public static let pendingWithWarnings = DIMSEStatus(0xFF01)
    public static let cancel = DIMSEStatus(0xFE00)
    /// C-STORE: SOP class not supported (PS3.4 Table B.2-1 / PS3.7 C.5.x "Refused").
    public static let sopClassNotSupported = DIMSEStatus(0x0122)
    /// Out of resources (PS3.4 Table B.2-1 A7xx).
    public static let outOfResources = DIMSEStatus(0xA700)
    /// Sub-operations complete, one or more failures or warnings (PS3.4 C.4.2.1.5).
    public static let subOperationsWithFailures = DIMSEStatus(0xB000)
    /// Cannot understand / processing failure (PS3.7 C.5.x).
    public static let processingFailure = DIMSEStatus(0x0110)
    public static let unableToProcess = DIMSEStatus(0xC000)
    public static let moveDestinationUnknown = DIMSEStatus(0xA801)

    public var isPending: Bool { code == 0xFF00 || code == 0xFF01 }
    public var isSuccess: Bool { code == 0 }
    public var isCancel: Bool { code == 0xFE00 }
    public var isWarning: Bool { code == 0x0001 || (0xB000...0xBFFF).contains(code) || code == 0x0107 || code == 0x0116 }
    public var isFailure: Bool { !isPending && !isSuccess && !isCancel && !isWarning }

    public var description: String {
        let h = String(code, radix: 16, uppercase: true)
        let hex = "0x" + String(repeating: "0", count: max(0, 4 - h.count)) + h
        let words: String
        switch code {
        case 0x0000: words = "success"
        case 0xFF00: words = "pending"
        case 0xFF01: words = "pending (optional keys not supported)"
        case 0xFE00: words = "cancelled"
        case 0x0001, 0x0107, 0x0116: words = "warning"
        case 0xB000: words = "warning: sub-operations complete, one or more failures"
        case 0xB000...0xBFFF: words = "warning"
        case 0x0122: words = "refused: SOP class not supported"
        case 0x0110: words = "processing failure"
        case 0x0211: words = "unrecognized operation"
        case 0xA700...0xA7FF: words = "refused: out of resources"
        case 0xA801: words = "refused: move destination unknown"
        case 0xA900...0xA9FF: words = "error: data set does not match SOP class"
        case 0xC000...0xCFFF: words = "failed: unable to process"
        default: words = "failure"
        }
        return "\(hex) (\(words))"
    }
}

/// Priority (0000,0700) (PS3.7 §E.1).
public enum DIMSEPriority: UInt16, Sendable { case medium = 0, high = 1, low = 2 }

/// A DIMSE command set (PS3.7 §9.3, §E.1): group 0000 elements, always encoded in implicit VR
/// little endian (PS3.7 §6.3.1).
public struct DIMSECommand: Sendable, Equatable {
    public var commandField: CommandField
    public var affectedSOPClassUID: String?
    public var requestedSOPClassUID: String?
    public var messageID: UInt16?
    public var messageIDBeingRespondedTo: UInt16?
    public var moveDestination: String?
    public var priority: DIMSEPriority?
    /// Command Data Set Type (0000,0800): a data set follows unless 0x0101.
    public var hasDataSet: Bool
    public var status: DIMSEStatus?
    public var errorComment: String?
    public var affectedSOPInstanceUID: String?
    public var requestedSOPInstanceUID: String?
    public var remaining: UInt16?
    public var completed: UInt16?
    public var failed: UInt16?
    public var warning: UInt16?
    public var moveOriginatorAETitle: String?
    public var moveOriginatorMessageID: UInt16?

    public init(_ field: CommandField, hasDataSet: Bool = false) {
        self.commandField = field
        self.hasDataSet = hasDataSet
    }

    // Tags of group 0000 (PS3.7 Table E.1-1).
    enum T {
        static let groupLength: UInt16 = 0x0000
        static let affectedSOPClass: UInt16 = 0x0002
        static let requestedSOPClass: UInt16 = 0x0003
        static let commandField: UInt16 = 0x0100
        static let messageID: UInt16 = 0x0110
        static let respondedTo: UInt16 = 0x0120
        static let moveDestination: UInt16 = 0x0600
        static let priority: UInt16 = 0x0700
        static let dataSetType: UInt16 = 0x0800
        static let status: UInt16 = 0x0900
        static let offendingElement: UInt16 = 0x0901
        static let errorComment: UInt16 = 0x0902
        static let affectedSOPInstance: UInt16 = 0x1000
        static let requestedSOPInstance: UInt16 = 0x1001
        static let remaining: UInt16 = 0x1020
        static let completed: UInt16 = 0x1021
        static let failed: UInt16 = 0x1022
        static let warning: UInt16 = 0x1023
        static let moveOriginatorAE: UInt16 = 0x1030
        static let moveOriginatorID: UInt16 = 0x1031
    }

    /// Implicit VR little endian bytes with the Command Group Length first (PS3.7 §E.1).
    public func encoded() -> ByteBuffer {
        var elements: [(UInt16, [UInt8])] = []
        func text(_ e: UInt16, _ s: String?, pad: UInt8) {
            guard let s else { return }
            var b = Array(s.utf8)
            if b.count & 1 == 1 { b.append(pad) }
            elements.append((e, b))
        }
        func us(_ e: UInt16, _ v: UInt16?) {
            guard let v else { return }
            elements.append((e, [UInt8(v & 0xFF), UInt8(v >> 8)]))
        }
        text(T.affectedSOPClass, affectedSOPClassUID, pad: 0)
        text(T.requestedSOPClass, requestedSOPClassUID, pad: 0)
        us(T.commandField, commandField.rawValue)
        us(T.messageID, messageID)
        us(T.respondedTo, messageIDBeingRespondedTo)
        text(T.moveDestination, moveDestination.map { $0.padding(toLength: 16) }, pad: 0x20)
        us(T.priority, priority?.rawValue)
        us(T.dataSetType, hasDataSet ? 0x0000 : 0x0101)
        us(T.status, status?.code)
        text(T.errorComment, errorComment.map { String($0.prefix(64)) }, pad: 0x20)
        text(T.affectedSOPInstance, affectedSOPInstanceUID, pad: 0)
        text(T.requestedSOPInstance, requestedSOPInstanceUID, pad: 0)
        us(T.remaining, remaining)
        us(T.completed, completed)
        us(T.failed, failed)
        us(T.warning, warning)
        text(T.moveOriginatorAE, moveOriginatorAETitle.map { $0.padding(toLength: 16) }, pad: 0x20)
        us(T.moveOriginatorID, moveOriginatorMessageID)

        var body = ByteBuffer()
        for (e, v) in elements {
            body.writeInteger(UInt16(0), endianness: .little)
            body.writeInteger(e, endianness: .little)
            body.writeInteger(UInt32(v.count), endianness: .little)
            body.writeBytes(v)
        }
        var out = ByteBuffer()
        out.reserveCapacity(body.readableBytes + 12)
        out.writeInteger(UInt16(0), endianness: .little)
        out.writeInteger(T.groupLength, endianness: .little)
        out.writeInteger(UInt32(4), endianness: .little)
        out.writeInteger(UInt32(body.readableBytes), endianness: .little)
        out.writeBuffer(&body)
        return out
    }

    /// Decode a command set; every defect is a `.dimse` error naming the element and offset.
    ///
    /// Only group 0000 belongs in a command set (PS3.7 §9.3). One peer quirk is tolerated:
    /// elements of other groups *after* the group 0000 elements are skipped (their lengths
    /// still checked). Orthanc 1.10 (DCMTK) puts Failed SOP Instance UID List (0008,0058),
    /// with its group length, into the command set of a pending C-GET-RSP once a
    /// sub-operation has failed; refusing that ended the whole retrieve at the first failure.
    public static func decode(_ input: ByteBuffer) throws(NetworkError) -> DIMSECommand {
        var b = input
        var values: [UInt16: [UInt8]] = [:]
        var foreign = false
        while b.readableBytes > 0 {
            let at = b.readerIndex - input.readerIndex
            guard b.readableBytes >= 8,
                  let group = b.readInteger(endianness: .little, as: UInt16.self),
                  let element = b.readInteger(endianness: .little, as: UInt16.self),
                  let length = b.readInteger(endianness: .little, as: UInt32.self) else {
                throw NetworkError(.dimse("command set truncated: element header needs 8 bytes, \(b.readableBytes) remain"), offset: at)
            }
            guard group == 0x0000 && !foreign else {
                // A foreign group first, or group 0000 again after one: not a command set.
                guard !values.isEmpty, group > 0x0000, length != 0xFFFF_FFFF, Int(length) <= b.readableBytes else {
                    throw NetworkError(.dimse("command set holds (\(hex4(group)),\(hex4(element))); only group 0000 belongs there (PS3.7 §9.3)"), offset: at)
                }
                foreign = true
                b.moveReaderIndex(forwardBy: Int(length))
                continue
            }
            guard length != 0xFFFF_FFFF, Int(length) <= b.readableBytes, let v = b.readBytes(length: Int(length)) else {
                throw NetworkError(.dimse("element (0000,\(hex4(element))) declares length \(length), \(b.readableBytes) bytes remain"), offset: at)
            }
            values[element] = v
        }
        func text(_ e: UInt16) -> String? {
            values[e].map { v in
                var end = v.count
                while end > 0, v[end - 1] == 0 || v[end - 1] == 0x20 { end -= 1 }
                var start = 0
                while start < end, v[start] == 0x20 { start += 1 }
                return String(decoding: v[start..<end], as: UTF8.self)
            }
        }
        func us(_ e: UInt16) throws(NetworkError) -> UInt16? {
            guard let v = values[e] else { return nil }
            guard v.count == 2 else {
                throw NetworkError(.dimse("(0000,\(hex4(e))) has \(v.count) bytes; US needs 2"))
            }
            return UInt16(v[0]) | UInt16(v[1]) << 8
        }
        guard let raw = try us(T.commandField) else {
            throw NetworkError(.dimse("command set has no Command Field (0000,0100)"))
        }
        guard let field = CommandField(rawValue: raw) else {
            throw NetworkError(.dimse("unsupported Command Field 0x\(hex4(raw))"))
        }
        var c = DIMSECommand(field, hasDataSet: (try us(T.dataSetType) ?? 0x0101) != 0x0101)
        c.affectedSOPClassUID = text(T.affectedSOPClass)
        c.requestedSOPClassUID = text(T.requestedSOPClass)
        c.messageID = try us(T.messageID)
        c.messageIDBeingRespondedTo = try us(T.respondedTo)
        c.moveDestination = text(T.moveDestination)
        c.priority = try us(T.priority).flatMap(DIMSEPriority.init(rawValue:))
        c.status = try us(T.status).map(DIMSEStatus.init)
        c.errorComment = text(T.errorComment)
        c.affectedSOPInstanceUID = text(T.affectedSOPInstance)
        c.requestedSOPInstanceUID = text(T.requestedSOPInstance)
        c.remaining = try us(T.remaining)
        c.completed = try us(T.completed)
        c.failed = try us(T.failed)
        c.warning = try us(T.warning)
        c.moveOriginatorAETitle = text(T.moveOriginatorAE)
        c.moveOriginatorMessageID = try us(T.moveOriginatorID)
        return c
    }
}

func hex4(_ v: UInt16) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
}

extension String {
    func padding(toLength n: Int) -> String {
        count >= n ? String(prefix(n)) : self + String(repeating: " ", count: n - count)
    }
}

/// Reassembles DIMSE messages from PDVs (PS3.7 §9.3, PS3.8 Annex E): command fragments are
/// collected until the last one; data set fragments are passed on as they come, so a large
/// data set can be streamed to disk. Pure: no I/O.
public struct DIMSEAssembler: Sendable {
    public enum Output: Sendable, Equatable {
        /// A whole command set on presentation context `contextID`.
        case command(contextID: UInt8, DIMSECommand)
        /// A fragment of the data set that follows the last command.
        case dataFragment(contextID: UInt8, ByteBuffer, isLast: Bool)
    }

    private var commandBuffer = ByteBuffer()
    private var commandContext: UInt8?
    /// Context of the data set being received, if a command announced one.
    private var expectingData: UInt8?

    public init() {}

    /// Whether a data set is expected (a command with Command Data Set Type ≠ 0101 was read
    /// and its data set has not ended).
    public var isAwaitingDataSet: Bool { expectingData != nil }

    public mutating func feed(_ pdv: PDV) throws(NetworkError) -> Output? {
        if pdv.isCommand {
            if let expectingData {
                throw NetworkError(.dimse("command fragment on context \(pdv.contextID) while the data set on context \(expectingData) is incomplete"))
            }
            if let c = commandContext, c != pdv.contextID {
                throw NetworkError(.dimse("command fragment on context \(pdv.contextID) interleaved with a command on context \(c)"))
            }
            commandContext = pdv.contextID
            var d = pdv.data
            if !pdv.isLast {
                commandBuffer.writeBuffer(&d)
                return nil
            }
            let whole: ByteBuffer
            if commandBuffer.readableBytes == 0 { whole = d } else { commandBuffer.writeBuffer(&d); whole = commandBuffer }
            commandBuffer = ByteBuffer()
            commandContext = nil
            let command = try DIMSECommand.decode(whole)
            if command.hasDataSet { expectingData = pdv.contextID }
            return .command(contextID: pdv.contextID, command)
        }
        guard let ctx = expectingData else {
            throw NetworkError(.dimse("data set fragment on context \(pdv.contextID) without a command announcing one"))
        }
        guard ctx == pdv.contextID else {
            throw NetworkError(.dimse("data set fragment on context \(pdv.contextID) while context \(ctx) is expected"))
        }
        if pdv.isLast { expectingData = nil }
        return .dataFragment(contextID: ctx, pdv.data, isLast: pdv.isLast)
    }
}
