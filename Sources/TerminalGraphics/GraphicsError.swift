/// The one error type of `TerminalGraphics` (house style rule 3): a code to match on plus the
/// context a person needs to act on it.
public struct GraphicsError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, matchable with `==` (`error.code == .brokenPipe`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case brokenPipe, writeFailed, pngFailed, libsixelFailed, budgetUnreachable
            case invalidImage, terminalUnavailable, passthroughDisabled
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The reader of our output went away (EPIPE): the terminal or pipe was closed.
        public static let brokenPipe = Code(.brokenPipe)
        /// `write(2)` failed with an errno other than EPIPE/EINTR/EAGAIN.
        public static let writeFailed = Code(.writeFailed)
        /// libpng refused to encode or decode.
        public static let pngFailed = Code(.pngFailed)
        /// libsixel returned a failure status.
        public static let libsixelFailed = Code(.libsixelFailed)
        /// `--max-frame-bytes` could not be met within the allowed number of down-scalings.
        public static let budgetUnreachable = Code(.budgetUnreachable)
        /// The image has a shape the encoder cannot represent (empty, too large).
        public static let invalidImage = Code(.invalidImage)
        /// No controlling terminal could be opened or configured for capability queries.
        public static let terminalUnavailable = Code(.terminalUnavailable)
        /// tmux is in the way and `allow-passthrough` is off, so graphics would be swallowed.
        public static let passthroughDisabled = Code(.passthroughDisabled)

        public var description: String {
            switch base {
            case .brokenPipe: "broken pipe"
            case .writeFailed: "write failed"
            case .pngFailed: "PNG codec failed"
            case .libsixelFailed: "libsixel failed"
            case .budgetUnreachable: "frame byte budget unreachable"
            case .invalidImage: "invalid image"
            case .terminalUnavailable: "terminal unavailable"
            case .passthroughDisabled: "tmux passthrough disabled"
            }
        }
    }

    public let code: Code
    /// Human context: file descriptor, errno text, sizes, the hint to fix it.
    public let context: String

    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    public var description: String { "\(code): \(context)" }
}
