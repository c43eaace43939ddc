import NIOCore

/// An upper layer protocol data unit (PS3.8 §9.3).
public enum PDU: Sendable, Equatable {
    /// A-ASSOCIATE-RQ (type 0x01, PS3.8 §9.3.2).
    case associateRQ(AssociateRQ)
    /// A-ASSOCIATE-AC (type 0x02, PS3.8 §9.3.3).
    case associateAC(AssociateAC)
    /// A-ASSOCIATE-RJ (type 0x03, PS3.8 §9.3.4).
    case associateRJ(AssociationRejection)
    /// P-DATA-TF (type 0x04, PS3.8 §9.3.5): one or more presentation data values.
    case pData([PDV])
    /// A-RELEASE-RQ (type 0x05, PS3.8 §9.3.6).
    case releaseRQ
    /// A-RELEASE-RP (type 0x06, PS3.8 §9.3.7).
    case releaseRP
    /// A-ABORT (type 0x07, PS3.8 §9.3.8): source 0 service user, 2 service provider.
    case abort(source: UInt8, reason: UInt8)

    public var typeCode: UInt8 {
        switch self {
        case .associateRQ: return 0x01
        case .associateAC: return 0x02
        case .associateRJ: return 0x03
        case .pData: return 0x04
        case .releaseRQ: return 0x05
        case .releaseRP: return 0x06
        case .abort: return 0x07
        }
    }

    public var name: String {
        switch self {
        case .associateRQ: return "A-ASSOCIATE-RQ"
        case .associateAC: return "A-ASSOCIATE-AC"
        case .associateRJ: return "A-ASSOCIATE-RJ"
        case .pData: return "P-DATA-TF"
        case .releaseRQ: return "A-RELEASE-RQ"
        case .releaseRP: return "A-RELEASE-RP"
        case .abort: return "A-ABORT"
        }
    }
}

/// The DICOM application context name (PS3.7 Annex A.2.1).
public let dicomApplicationContext = "1.2.840.10008.3.1.1.1"

/// A proposed presentation context (PS3.8 §9.3.2.2): an abstract syntax and the transfer
/// syntaxes the requestor can use for it. IDs are odd, 1–255.
public struct PresentationContextProposal: Sendable, Equatable {
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntaxes: [String]
    public init(id: UInt8, abstractSyntax: String, transferSyntaxes: [String]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }
}

/// The acceptor's answer for one presentation context (PS3.8 §9.3.3.2, Table 9-18).
public struct PresentationContextResult: Sendable, Equatable {
    public enum Result: UInt8, Sendable {
        case acceptance = 0
        case userRejection = 1
        case noReason = 2
        case abstractSyntaxNotSupported = 3
        case transferSyntaxesNotSupported = 4
    }
    public var id: UInt8
    public var result: Result
    /// The transfer syntax chosen; meaningful only on acceptance.
    public var transferSyntax: String
    public init(id: UInt8, result: Result, transferSyntax: String) {
        self.id = id
        self.result = result
        self.transferSyntax = transferSyntax
    }
}

/// SCP/SCU Role Selection sub-item (PS3.7 §D.3.3.4): lets the association requestor act as
/// a storage SCP, as C-GET needs.
public struct RoleSelection: Sendable, Equatable {
    public var sopClassUID: String
    public var scu: Bool
    public var scp: Bool
    public init(sopClassUID: String, scu: Bool, scp: Bool) {
        self.sopClassUID = sopClassUID
        self.scu = scu
        self.scp = scp
    }
}

/// SOP Class Extended Negotiation sub-item (PS3.7 §D.3.3.5).
public struct ExtendedNegotiation: Sendable, Equatable {
    public var sopClassUID: String
    public var applicationInformation: [UInt8]
    public init(sopClassUID: String, applicationInformation: [UInt8]) {
        self.sopClassUID = sopClassUID
        self.applicationInformation = applicationInformation
    }
}

/// User Information item (PS3.8 §9.3.2.3, PS3.7 Annex D.3.3).
public struct UserInformation: Sendable, Equatable {
    /// Maximum Length sub-item (PS3.8 §D.1): the largest P-DATA-TF PDU the sender of this
    /// item can receive; 0 means no limit.
    public var maxPDULength: UInt32?
    public var implementationClassUID: String
    public var implementationVersionName: String?
    /// Asynchronous Operations Window (PS3.7 §D.3.3.3): invoked, performed.
    public var asyncOperations: (invoked: UInt16, performed: UInt16)?
    public var roleSelections: [RoleSelection]
    public var extendedNegotiations: [ExtendedNegotiation]
    /// Sub-items this codec does not interpret (user identity, common extended negotiation),
    /// kept as type and bytes so they round-trip.
    public var otherItems: [(type: UInt8, data: [UInt8])]

    public init(maxPDULength: UInt32? = nil, implementationClassUID: String, implementationVersionName: String? = nil,
                asyncOperations: (invoked: UInt16, performed: UInt16)? = nil, roleSelections: [RoleSelection] = [],
                extendedNegotiations: [ExtendedNegotiation] = [], otherItems: [(type: UInt8, data: [UInt8])] = []) {
        self.maxPDULength = maxPDULength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
        self.asyncOperations = asyncOperations
        self.roleSelections = roleSelections
        self.extendedNegotiations = extendedNegotiations
        self.otherItems = otherItems
    }

    public static func == (a: UserInformation, b: UserInformation) -> Bool {
        a.maxPDULength == b.maxPDULength && a.implementationClassUID == b.implementationClassUID
            && a.implementationVersionName == b.implementationVersionName
            && a.asyncOperations?.invoked == b.asyncOperations?.invoked
            && a.asyncOperations?.performed == b.asyncOperations?.performed
            && a.roleSelections == b.roleSelections && a.extendedNegotiations == b.extendedNegotiations
            && a.otherItems.map(\.type) == b.otherItems.map(\.type) && a.otherItems.map(\.data) == b.otherItems.map(\.data)
    }
}

/// A-ASSOCIATE-RQ parameters (PS3.8 §9.3.2).
public struct AssociateRQ: Sendable, Equatable {
    public var protocolVersion: UInt16 = 1
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContext: String = dicomApplicationContext
    public var presentationContexts: [PresentationContextProposal]
    public var userInformation: UserInformation

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextProposal],
                userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// A-ASSOCIATE-AC parameters (PS3.8 §9.3.3).
public struct AssociateAC: Sendable, Equatable {
    public var protocolVersion: UInt16 = 1
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContext: String = dicomApplicationContext
    public var presentationContexts: [PresentationContextResult]
    public var userInformation: UserInformation

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextResult],
                userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// A-ASSOCIATE-RJ result, source and reason (PS3.8 §9.3.4, Table 9-21), in words.
public struct AssociationRejection: Sendable, Equatable, CustomStringConvertible {
    /// 1 rejected-permanent, 2 rejected-transient.
    public var result: UInt8
    /// 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation).
    public var source: UInt8
    public var reason: UInt8

    public init(result: UInt8, source: UInt8, reason: UInt8) {
        self.result = result
        self.source = source
        self.reason = reason
    }

    public var resultText: String {
        switch result {
        case 1: return "rejected-permanent"
        case 2: return "rejected-transient"
        default: return "result \(result)"
        }
    }
    public var sourceText: String {
        switch source {
        case 1: return "DICOM UL service-user"
        case 2: return "DICOM UL service-provider (ACSE related function)"
        case 3: return "DICOM UL service-provider (presentation related function)"
        default: return "source \(source)"
        }
    }
    public var reasonText: String {
        switch (source, reason) {
        case (1, 1): return "no-reason-given"
        case (1, 2): return "application-context-name-not-supported"
        case (1, 3): return "calling-AE-title-not-recognized"
        case (1, 7): return "called-AE-title-not-recognized"
        case (2, 1): return "no-reason-given"
        case (2, 2): return "protocol-version-not-supported"
        case (3, 1): return "temporary-congestion"
        case (3, 2): return "local-limit-exceeded"
        default: return "reason \(reason) (reserved)"
        }
    }
    public var description: String { "\(resultText), source: \(sourceText), reason: \(reasonText)" }
}

/// One presentation data value (PS3.8 §9.3.5.1, Annex E.2): a fragment of a command or data
/// set on one presentation context.
public struct PDV: Sendable, Equatable {
    public var contextID: UInt8
    public var isCommand: Bool
    public var isLast: Bool
    public var data: ByteBuffer
    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: ByteBuffer) {
        self.contextID = contextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }
}
