/// The one error type of `Imaging`: what went wrong, with the context needed to find it
/// (which LUT, which segment, which line of a presets file).
public struct ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case invalidLUTDescriptor(entries: Int, firstMapped: Int, bits: Int, dataCount: Int)
        case segmentedLUT(offset: Int, reason: String)
        case presets(line: Int, reason: String)
        case unsupportedBitsStored(Int)
    }

    let kind: Kind
    /// Where the data came from (attribute name, file), if the caller knows.
    public var context: String?

    init(_ kind: Kind, context: String? = nil) {
        self.kind = kind
        self.context = context
    }

    /// Line and reason of a TOML syntax error, for readers of other TOML files (config.toml).
    public var tomlProblem: (line: Int, reason: String)? {
        if case let .presets(line, reason) = kind { return (line, reason) }
        return nil
    }

    public var description: String {
        let where_ = context.map { " in \($0)" } ?? ""
        switch kind {
        case let .invalidLUTDescriptor(entries, firstMapped, bits, dataCount):
            return "Invalid LUT\(where_): descriptor (\(entries), \(firstMapped), \(bits)) "
                + "does not fit \(dataCount) data entries (PS3.3 C.11.1.1.1)"
        case let .segmentedLUT(offset, reason):
            return "Malformed segmented LUT\(where_) at word \(offset): \(reason) (PS3.3 C.7.9.2)"
        case let .presets(line, reason):
            return "Window presets\(where_), line \(line): \(reason)"
        case let .unsupportedBitsStored(bits):
            return "Unsupported Bits Stored \(bits)\(where_): expected 1...32"
        }
    }
}
