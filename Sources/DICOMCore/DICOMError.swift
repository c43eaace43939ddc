/// A position in a data set: a path of tags and item indices, printed as
/// `(0008,1140)[2](0008,1155)` (STYLE.md rule 3).
public struct TagPath: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        case tag(Tag)
        case item(Int)
    }
    public var steps: [Step] = []
    public init(_ steps: [Step] = []) { self.steps = steps }

    public var description: String {
        var s = ""
        for step in steps {
            switch step {
            case .tag(let t): s += t.description
            case .item(let i): s += "[\(i)]"
            }
        }
        return s
    }
    public var isEmpty: Bool { steps.isEmpty }
}

/// The one error type of DICOMCore: what went wrong, in which file, at which byte offset and
/// under which tag path.
///
/// "Malformed DICOM at offset 0x1A2C in (0008,1140)[2](0008,1155): value length 0xFFFF exceeds
/// remaining 12 bytes (file CT1.dcm)"
public struct DICOMError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Equatable, CustomStringConvertible {
        enum Base: Sendable, Equatable {
            case io(String)
            case isDirectory
            case emptyFile
            case notDICOM(String)
            case truncated(needed: Int, available: Int)
            case valueLengthExceedsRemaining(length: UInt32, remaining: Int)
            case oddLength(UInt32)
            case invalidVR(UInt8, UInt8)
            case nestingTooDeep(limit: Int)
            case unexpectedTag(expected: String, found: Tag)
            case undefinedLength
            case unsupportedTransferSyntax(String)
            case deflate(String)
            case missing(String)
            case invalidValue(String)
            case orderViolation(Tag, after: Tag)
            case write(String)
        }
        let base: Base
        init(_ base: Base) { self.base = base }

        public static func io(_ m: String) -> Kind { Kind(.io(m)) }
        public static let isDirectory = Kind(.isDirectory)
        public static let emptyFile = Kind(.emptyFile)
        public static func notDICOM(_ why: String) -> Kind { Kind(.notDICOM(why)) }
        public static func truncated(needed: Int, available: Int) -> Kind {
            Kind(.truncated(needed: needed, available: available))
        }
        public static func valueLengthExceedsRemaining(length: UInt32, remaining: Int) -> Kind {
            Kind(.valueLengthExceedsRemaining(length: length, remaining: remaining))
        }
        public static func oddLength(_ l: UInt32) -> Kind { Kind(.oddLength(l)) }
        public static func invalidVR(_ a: UInt8, _ b: UInt8) -> Kind { Kind(.invalidVR(a, b)) }
        public static func nestingTooDeep(limit: Int) -> Kind { Kind(.nestingTooDeep(limit: limit)) }
        public static func unexpectedTag(expected: String, found: Tag) -> Kind {
            Kind(.unexpectedTag(expected: expected, found: found))
        }
        public static let undefinedLength = Kind(.undefinedLength)
        public static func unsupportedTransferSyntax(_ uid: String) -> Kind { Kind(.unsupportedTransferSyntax(uid)) }
        public static func deflate(_ m: String) -> Kind { Kind(.deflate(m)) }
        public static func missing(_ what: String) -> Kind { Kind(.missing(what)) }
        public static func invalidValue(_ what: String) -> Kind { Kind(.invalidValue(what)) }
        public static func orderViolation(_ t: Tag, after: Tag) -> Kind { Kind(.orderViolation(t, after: after)) }
        public static func write(_ m: String) -> Kind { Kind(.write(m)) }

        /// True for defects the lenient reader tolerates with a warning (PS3.5 violations seen in
        /// the field) rather than stopping.
        public var isRecoverable: Bool {
            switch base {
            case .oddLength, .orderViolation: return true
            default: return false
            }
        }

        public var description: String {
            switch base {
            case .io(let m): return "cannot read: \(m)"
            case .isDirectory: return "is a directory, not a file"
            case .emptyFile: return "file is empty (0 bytes)"
            case .notDICOM(let why): return "not a DICOM file: \(why)"
            case .truncated(let needed, let available):
                return "truncated: needed \(needed) bytes, \(available) remain"
            case .valueLengthExceedsRemaining(let length, let remaining):
                return "value length 0x\(String(length, radix: 16, uppercase: true)) exceeds remaining \(remaining) bytes"
            case .oddLength(let l): return "odd value length \(l) (PS3.5 §7.1.1 requires even lengths)"
            case .invalidVR(let a, let b):
                let printable = (0x20..<0x7F).contains(a) && (0x20..<0x7F).contains(b)
                let shown = printable ? "'\(Character(UnicodeScalar(a)))\(Character(UnicodeScalar(b)))'"
                    : String(format2hex(a, b))
                return "invalid explicit VR \(shown)"
            case .nestingTooDeep(let limit): return "sequences nested deeper than the limit of \(limit)"
            case .unexpectedTag(let expected, let found): return "expected \(expected), found \(found)"
            case .undefinedLength: return "undefined length on an element that cannot have one"
            case .unsupportedTransferSyntax(let uid): return "unsupported transfer syntax \(uid)"
            case .deflate(let m): return "deflate stream: \(m)"
            case .missing(let what): return "missing \(what)"
            case .invalidValue(let what): return what
            case .orderViolation(let t, let after): return "tag \(t) follows \(after): data elements out of order"
            case .write(let m): return "cannot write: \(m)"
            }
        }
    }

    public let kind: Kind
    public var file: String?
    public var offset: Int?
    public var tagPath: TagPath

    public init(_ kind: Kind, file: String? = nil, offset: Int? = nil, tagPath: TagPath = TagPath()) {
        self.kind = kind
        self.file = file
        self.offset = offset
        self.tagPath = tagPath
    }

    public var description: String {
        var s: String
        switch kind.base {
        case .io, .isDirectory, .emptyFile, .write: s = "\(kind)"
        default: s = "Malformed DICOM"
            if let offset { s += " at offset 0x\(String(offset, radix: 16, uppercase: true))" }
            if !tagPath.isEmpty { s += " in \(tagPath)" }
            s += ": \(kind)"
        }
        if let file { s = "\(file): " + s }
        return s
    }
}

private func format2hex(_ a: UInt8, _ b: UInt8) -> String {
    let h = { (x: UInt8) in String(x, radix: 16, uppercase: true).count == 1 ? "0" + String(x, radix: 16, uppercase: true) : String(x, radix: 16, uppercase: true) }
    return "0x\(h(a))\(h(b))"
}

/// A defect the lenient reader accepted, with where it was found.
public struct ParseWarning: Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int?
    public let tagPath: TagPath
    public init(_ message: String, offset: Int?, tagPath: TagPath) {
        self.message = message
        self.offset = offset
        self.tagPath = tagPath
    }
    public var description: String {
        var s = "warning"
        if let offset { s += " at offset 0x\(String(offset, radix: 16, uppercase: true))" }
        if !tagPath.isEmpty { s += " in \(tagPath)" }
        return s + ": " + message
    }
}
