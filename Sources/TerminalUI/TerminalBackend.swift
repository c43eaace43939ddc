import TerminalGraphics

/// What a backend did for one frame: how many cells of text it rewrote and how many bytes
/// of images it sent (the figures the latency benchmark reports).
public struct PresentStats: Sendable, Equatable {
    public var changedCells: Int
    public var imageBytes: Int
    /// True when the whole screen was redrawn (first frame, resize, Ctrl-L).
    public var fullRedraw: Bool

    public init(changedCells: Int = 0, imageBytes: Int = 0, fullRedraw: Bool = false) {
        self.changedCells = changedCells
        self.imageBytes = imageBytes
        self.fullRedraw = fullRedraw
    }
}

/// Where frames go and keys come from. The ncurses backend talks to a real terminal; the
/// headless one keeps the last frame in memory for tests and benchmarks.
public protocol TerminalBackend: AnyObject {
    var size: (width: Int, height: Int) { get }
    /// Writes the difference between `buffer` and the previous frame, then the images.
    @discardableResult
    func present(_ buffer: CellBuffer, images: [ImagePlacement]) -> PresentStats
    /// The next key, or nil when none arrived within the timeout.
    func readKey(timeoutMilliseconds: Int) -> Key?
    /// Next `present` redraws everything (Ctrl-L, after suspend).
    func invalidate()
    /// Restores the terminal (idempotent).
    func shutdown()
}

/// A backend without a terminal: frames land in `screen`, keys come from `pendingKeys`.
public final class HeadlessBackend: TerminalBackend {
    public var width: Int
    public var height: Int
    public private(set) var screen: CellBuffer
    public private(set) var imageLayer = ImageLayer()
    public private(set) var imageOutput: [UInt8] = []
    public var pendingKeys: [Key] = []
    private var previous: CellBuffer?
    public private(set) var frames = 0

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        screen = CellBuffer(width: width, height: height)
    }

    public var size: (width: Int, height: Int) { (width, height) }

    public func present(_ buffer: CellBuffer, images: [ImagePlacement]) -> PresentStats {
        let full = previous == nil || previous?.width != buffer.width || previous?.height != buffer.height
        let changes = previous.map { buffer.changes(since: $0) } ?? buffer.changes(since: CellBuffer(width: 0, height: 0))
        imageOutput = imageLayer.update(images, buffer: buffer, textChanges: changes, force: full)
        previous = buffer
        screen = buffer
        frames += 1
        return PresentStats(changedCells: changes.reduce(0) { $0 + $1.count }, imageBytes: imageOutput.count, fullRedraw: full)
    }

    public func readKey(timeoutMilliseconds: Int) -> Key? {
        pendingKeys.isEmpty ? nil : pendingKeys.removeFirst()
    }

    public func invalidate() { previous = nil }
    public func shutdown() {}
}
