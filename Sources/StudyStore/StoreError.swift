/// The one error type of StudyStore: what went wrong, with the store path or file it concerns.
///
/// Messages are one line and name no patient: paths in the store are built from UIDs only.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Equatable, CustomStringConvertible {
        enum Base: Sendable, Equatable {
            case io(String)
            case noSpace(String)
            case indexCorrupt(String)
            case index(String)
            case notDICOM(String)
            case missingAttribute(String)
            case invalidUID(String)
            case notFound(String)
            case config(line: Int, reason: String)
            case busy(String)
        }
        let base: Base

        public static func io(_ m: String) -> Kind { Kind(base: .io(m)) }
        /// The file system is full (ENOSPC, EDQUOT) or the process may write no more (EFBIG).
        public static func noSpace(_ m: String) -> Kind { Kind(base: .noSpace(m)) }
        /// The index file is not a readable SQLite database (`cache verify --repair` rebuilds it).
        public static func indexCorrupt(_ m: String) -> Kind { Kind(base: .indexCorrupt(m)) }
        public static func index(_ m: String) -> Kind { Kind(base: .index(m)) }
        public static func notDICOM(_ m: String) -> Kind { Kind(base: .notDICOM(m)) }
        public static func missingAttribute(_ name: String) -> Kind { Kind(base: .missingAttribute(name)) }
        public static func invalidUID(_ m: String) -> Kind { Kind(base: .invalidUID(m)) }
        public static func notFound(_ m: String) -> Kind { Kind(base: .notFound(m)) }
        public static func config(line: Int, reason: String) -> Kind { Kind(base: .config(line: line, reason: reason)) }
        public static func busy(_ m: String) -> Kind { Kind(base: .busy(m)) }

        public var isNoSpace: Bool { if case .noSpace = base { return true } else { return false } }
        public var isIndexCorrupt: Bool { if case .indexCorrupt = base { return true } else { return false } }
        public var isNotFound: Bool { if case .notFound = base { return true } else { return false } }
        /// The input file was refused (not the store's fault): the import carries on.
        public var isInputRejection: Bool {
            switch base {
            case .notDICOM, .missingAttribute, .invalidUID: return true
            default: return false
            }
        }

        public var description: String {
            switch base {
            case .io(let m): return m
            case .noSpace(let m): return "no space left: \(m)"
            case .indexCorrupt(let m):
                return "the index is damaged (\(m)); run `sixray cache verify --repair` to rebuild it from the stored files"
            case .index(let m): return "index: \(m)"
            case .notDICOM(let m): return "not a DICOM instance: \(m)"
            case .missingAttribute(let n): return "missing \(n)"
            case .invalidUID(let m): return "invalid UID: \(m)"
            case .notFound(let m): return "not in the store: \(m)"
            case .config(let line, let reason): return "line \(line): \(reason)"
            case .busy(let m): return "busy: \(m)"
            }
        }
    }

    public let kind: Kind
    /// The file or directory concerned, when there is one.
    public var path: String?

    public init(_ kind: Kind, path: String? = nil) {
        self.kind = kind
        self.path = path
    }

    public var description: String {
        if let path { return "\(path): \(kind)" }
        return kind.description
    }
}
