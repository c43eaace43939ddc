import Imaging

/// The façade `sixray view` calls: scales a frame to the viewport, encodes it with the chosen
/// protocol, keeps it under an optional byte budget, and wraps it for tmux/screen.
public struct GraphicsEncoder: Sendable {
    public struct Options: Sendable {
        /// Viewport size in pixels (sixel, kitty, iTerm2). nil: the image's own size.
        public var viewportPixels: PixelSize?
        /// Viewport size in cells (blocks, ascii).
        public var viewportCells: PixelSize?
        /// Size of one character cell in pixels (XTWINOPS 16, `TerminalReplies.cellPixels`), used
        /// to keep the image's aspect ratio in text renderings; nil assumes cells twice as tall
        /// as wide.
        public var cellPixels: PixelSize?
        public var filter: ScaleFilter
        /// `--max-frame-bytes`: for slow links (SSH). nil: no limit.
        public var maxFrameBytes: Int?
        public var multiplexer: Multiplexer
        public var sixel: SixelEncoder.Options
        public var kitty: KittyEncoder.Options
        public var blockColors: HalfBlockEncoder.ColorMode
        /// Where text renderings start (1-based row, column); nil: at the cursor, CR LF between rows.
        public var textOrigin: (row: Int, column: Int)?

        public init(viewportPixels: PixelSize? = nil, viewportCells: PixelSize? = nil, cellPixels: PixelSize? = nil,
                    filter: ScaleFilter = .automatic, maxFrameBytes: Int? = nil,
                    multiplexer: Multiplexer = .none, sixel: SixelEncoder.Options = .init(),
                    kitty: KittyEncoder.Options = .init(), blockColors: HalfBlockEncoder.ColorMode = .trueColor,
                    textOrigin: (row: Int, column: Int)? = nil) {
            self.viewportPixels = viewportPixels; self.viewportCells = viewportCells; self.cellPixels = cellPixels
            self.filter = filter; self.maxFrameBytes = maxFrameBytes; self.multiplexer = multiplexer
            self.sixel = sixel; self.kitty = kitty; self.blockColors = blockColors; self.textOrigin = textOrigin
        }
    }

    /// What `encode` did, for status lines and logs.
    public struct FrameInfo: Sendable, Equatable {
        /// Size of the image actually encoded (after fitting and any budget reductions).
        public var encodedPixels: PixelSize
        public var bytes: Int
        /// Number of budget-driven down-scalings (0 when it fit at once).
        public var reductions: Int
    }

    public let graphicsProtocol: GraphicsProtocol
    public let options: Options
    /// Maximum number of down-scalings to meet `maxFrameBytes`.
    public static let maxBudgetAttempts = 8

    /// Built once: its grey lookup table and dither tables are reused for every frame.
    let sixelEncoder: SixelEncoder

    public init(protocol: GraphicsProtocol, options: Options = Options()) {
        graphicsProtocol = `protocol`
        self.options = options
        sixelEncoder = SixelEncoder(options: options.sixel)
    }

    /// Encodes one frame into `out` (replacing its contents; capacity kept for reuse).
    @discardableResult
    public func encode(_ image: DisplayImage, into out: inout [UInt8]) throws(GraphicsError) -> FrameInfo {
        guard image.width > 0, image.height > 0 else {
            throw GraphicsError(.invalidImage, "\(graphicsProtocol): empty image \(image.width)×\(image.height)")
        }
        var frame = fittedToViewport(image)
        try encodeOnce(frame, into: &out)
        var reductions = 0
        if let budget = options.maxFrameBytes {
            while out.count > budget {
                guard reductions < Self.maxBudgetAttempts, frame.width > 1 || frame.height > 1 else {
                    throw GraphicsError(.budgetUnreachable,
                        "\(graphicsProtocol): \(out.count) bytes at \(frame.width)×\(frame.height) after \(reductions) reductions exceeds --max-frame-bytes \(budget)")
                }
                // Size scales roughly with the pixel count: shrink each side by √(budget/size),
                // with 10 % margin so one more round is rarely needed.
                let f = (Double(budget) / Double(out.count)).squareRoot() * 0.9
                let w = max(1, min(frame.width - 1, Int(Double(frame.width) * f)))
                let h = max(1, min(frame.height - 1, Int(Double(frame.height) * f)))
                frame = resized(frame, width: w, height: h, filter: .bilinear)
                reductions += 1
                try encodeOnce(frame, into: &out)
            }
        }
        return FrameInfo(encodedPixels: PixelSize(width: frame.width, height: frame.height),
                         bytes: out.count, reductions: reductions)
    }

    /// The frame scaled for the protocol's grid: pixels for graphics protocols; for blocks
    /// `columns × 2·rows` and for ASCII `columns × rows` (a cell is about twice as tall as wide).
    public func fittedToViewport(_ image: DisplayImage) -> DisplayImage {
        switch graphicsProtocol {
        case .kitty, .sixel, .iterm2:
            guard let v = options.viewportPixels else { return image }
            return fitted(image, toPixels: (v.width, v.height), filter: options.filter)
        case .blocks, .ascii:
            guard let c = options.viewportCells else { return image }
            // A text "pixel" is a whole cell (ASCII) or half a cell (blocks): stretch the image
            // vertically by (pixel width / pixel height) first, so that fitting it to the cell
            // grid keeps its shape on screen.
            let cell = options.cellPixels ?? PixelSize(width: 1, height: 2)
            let rowsPerCell = graphicsProtocol == .blocks ? 2 : 1
            let stretch = Double(cell.width * rowsPerCell) / Double(max(1, cell.height))
            let h = max(1, Int((Double(image.height) * stretch).rounded()))
            let shaped = h == image.height ? image : resized(image, width: image.width, height: h, filter: .bilinear)
            return fitted(shaped, toPixels: (c.width, c.height * rowsPerCell), filter: .bilinear)
        }
    }

    private func encodeOnce(_ frame: DisplayImage, into out: inout [UInt8]) throws(GraphicsError) {
        switch graphicsProtocol {
        case .sixel:
            try sixelEncoder.encode(frame, into: &out)
        case .kitty:
            KittyEncoder(options: options.kitty).encode(frame, into: &out)
        case .iterm2:
            try ITerm2Encoder().encode(frame, into: &out)
        case .blocks:
            HalfBlockEncoder(options: .init(colorMode: options.blockColors, origin: options.textOrigin)).encode(frame, into: &out)
        case .ascii:
            ASCIIEncoder().encode(frame, into: &out)
        }
        switch graphicsProtocol {
        case .sixel, .kitty, .iterm2:
            if options.multiplexer != .none { out = Passthrough.wrap(out, for: options.multiplexer) }
        case .blocks, .ascii:
            break
        }
    }
}
