import DICOMCore

/// The one error type of DICOMNetwork: what went wrong, with the peer, the PDU type and the
/// byte offset inside the PDU where they apply (STYLE.md rule 3).
public struct NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Equatable, CustomStringConvertible {
        enum Base: Sendable, Equatable {
            case malformedPDU(String)
            case unknownPDUType(UInt8)
            case pduTooLarge(length: UInt32, limit: UInt32)
            case rejected(AssociationRejection)
            case aborted(source: UInt8, reason: UInt8)
            case unexpectedPDU(String)
            case timeout(String)
            case connection(String)
            case noPresentationContext(String)
            case dimse(String)
            case status(DIMSEStatus, comment: String?)
            case config(String)
            case file(String)
            case tls(String)
        }
        let base: Base
        init(_ base: Base) { self.base = base }

        public static func malformedPDU(_ why: String) -> Kind { Kind(.malformedPDU(why)) }
        public static func unknownPDUType(_ t: UInt8) -> Kind { Kind(.unknownPDUType(t)) }
        public static func pduTooLarge(length: UInt32, limit: UInt32) -> Kind { Kind(.pduTooLarge(length: length, limit: limit)) }
        public static func rejected(_ r: AssociationRejection) -> Kind { Kind(.rejected(r)) }
        public static func aborted(source: UInt8, reason: UInt8) -> Kind { Kind(.aborted(source: source, reason: reason)) }
        public static func unexpectedPDU(_ what: String) -> Kind { Kind(.unexpectedPDU(what)) }
        public static func timeout(_ what: String) -> Kind { Kind(.timeout(what)) }
        public static func connection(_ what: String) -> Kind { Kind(.connection(what)) }
        public static func noPresentationContext(_ what: String) -> Kind { Kind(.noPresentationContext(what)) }
        public static func dimse(_ what: String) -> Kind { Kind(.dimse(what)) }
        public static func status(_ s: DIMSEStatus, comment: String?) -> Kind { Kind(.status(s, comment: comment)) }
        public static func config(_ what: String) -> Kind { Kind(.config(what)) }
        public static func file(_ what: String) -> Kind { Kind(.file(what)) }
        public static func tls(_ what: String) -> Kind { Kind(.tls(what)) }

        public var isRejection: Bool { if case .rejected = base { return true } else { return false } }
        public var isTimeout: Bool { if case .timeout = base { return true } else { return false } }
        public var isAbort: Bool { if case .aborted = base { return true } else { return false } }
        public var isMalformed: Bool {
            switch base {
            case .malformedPDU, .unknownPDUType, .pduTooLarge: return true
            default: return false
            }
        }

        public var description: String {
            switch base {
            case .malformedPDU(let why): return "malformed PDU: \(why)"
            case .unknownPDUType(let t): return "unknown PDU type 0x\(hex(t)) (PS3.8 §9.3 defines 0x01–0x07)"
            case .pduTooLarge(let l, let limit): return "PDU length \(l) exceeds the maximum of \(limit) bytes"
            case .rejected(let r): return "association rejected: \(r)"
            case .aborted(let source, let reason): return "association aborted by \(AbortDescription.source(source)): \(AbortDescription.reason(source: source, reason: reason))"
            case .unexpectedPDU(let what): return "unexpected \(what) (PS3.8 §9.2 state machine)"
            case .timeout(let what): return "timed out: \(what)"
            case .connection(let what): return "connection: \(what)"
            case .noPresentationContext(let what): return "no accepted presentation context for \(what)"
            case .dimse(let what): return "DIMSE: \(what)"
            case .status(let s, let comment): return "status \(s)" + (comment.map { ": \($0)" } ?? "")
            case .config(let what): return "configuration: \(what)"
            case .file(let what): return what
            case .tls(let what): return "TLS: \(what)"
            }
        }
    }

    public let kind: Kind
    /// The peer, as `AET@host:port`, when known.
    public var peer: String?
    /// Byte offset inside the PDU, for malformed PDUs.
    public var offset: Int?
    /// The PDU type the offset refers to.
    public var pduType: UInt8?

    public init(_ kind: Kind, peer: String? = nil, offset: Int? = nil, pduType: UInt8? = nil) {
        self.kind = kind
        self.peer = peer
        self.offset = offset
        self.pduType = pduType
    }

    public var description: String {
        var s = ""
        if let peer { s += "\(peer): " }
        s += kind.description
        if let pduType { s += " (PDU type 0x\(hex(pduType))" + (offset.map { ", offset \($0)" } ?? "") + ")" }
        else if let offset { s += " (offset \(offset))" }
        return s
    }
}

func hex(_ b: UInt8) -> String {
    let s = String(b, radix: 16, uppercase: true)
    return s.count == 1 ? "0" + s : s
}

/// Words for A-ABORT source and reason (PS3.8 §9.3.8, Table 9-26).
enum AbortDescription {
    static func source(_ s: UInt8) -> String {
        switch s {
        case 0: return "the service user"
        case 2: return "the service provider"
        default: return "source \(s)"
        }
    }
    static func reason(source: UInt8, reason: UInt8) -> String {
        if source == 0 { return "no reason given" }
        switch reason {
        case 0: return "reason not specified"
        case 1: return "unrecognized PDU"
        case 2: return "unexpected PDU"
        case 4: return "unrecognized PDU parameter"
        case 5: return "unexpected PDU parameter"
        case 6: return "invalid PDU parameter value"
        default: return "reason \(reason)"
        }
    }
}
