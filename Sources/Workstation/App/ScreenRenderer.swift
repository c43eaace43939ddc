import Imaging
import TerminalGraphics
import TerminalUI
#if canImport(Glibc)
import Glibc
#endif

/// Turns the state into a frame: the cell buffer (text of every screen, overlays) and the
/// images of the viewer's viewports, encoded for the terminal's graphics protocol. A
/// viewport whose picture did not change keeps its encoded image (same generation), so
/// scrolling one viewport re-encodes only that one.
public final class ScreenRenderer {
    public struct Frame {
        public var buffer: CellBuffer
        public var images: [ImagePlacement]
        /// What the reducer should learn from this render (transforms for mouse mapping).
        public var feedback: [Action]
        /// Viewports whose image was recomputed in this frame.
        public var renderedViewports: Int
    }

    public var theme: Theme
    public var keymap: Keymap
    /// Which overlay fields go in which corner (config.toml [overlay]).
    public var overlayLayout = OverlayLayout.standard
    public let graphics: GraphicsProtocol
    public let multiplexer: Multiplexer
    public let provider: any PlaneProvider
    private var cache: [Int: CachedViewport] = [:]
    private var generation: UInt64 = 0
    private var encodeBuffer: [UInt8] = []

    struct CachedViewport {
        var key: ViewportKey
        var plane: PlaneImage
        var transform: ViewTransform
        var pixelScale: SIMD2<Double>
        var placement: ImagePlacement?
        var blocks: DisplayImage?
        var window: (center: Double, width: Double)
    }

    /// Everything that changes a viewport's picture.
    struct ViewportKey: Equatable {
        var viewport: ViewportState
        var rect: Rect
        var measurements: [Measurement]
        var pending: [SIMD2<Double>]
        var cursor: SIMD2<Double>?
        var references: [[Double]]
    }

    public init(theme: Theme, keymap: Keymap, graphics: GraphicsProtocol, multiplexer: Multiplexer = .none,
                provider: any PlaneProvider) {
        self.theme = theme
        self.keymap = keymap
        self.graphics = graphics
        self.multiplexer = multiplexer
        self.provider = provider
    }

    var pixelGraphics: Bool { graphics == .sixel || graphics == .kitty || graphics == .iterm2 }

    public func render(_ state: AppState) -> Frame {
        var buf = CellBuffer(width: state.width, height: state.height, fill: Cell(" ", style: theme[.text]))
        var images: [ImagePlacement] = []
        var feedback: [Action] = []
        var rendered = 0
        if state.isTooSmall {
            Views.tooSmall(&buf, state, theme: theme)
            return Frame(buffer: buf, images: [], feedback: [], renderedViewports: 0)
        }
        switch state.screen {
        case .worklist: Views.worklist(&buf, state, theme: theme, keymap: keymap)
        case .browser:
            Views.browser(&buf, state, theme: theme, keymap: keymap)
            if let p = browserPreview(&buf, state) { images = [p] }
        case .viewer:
            (images, feedback, rendered) = viewer(&buf, state)
        }
        if let help = state.help {
            HelpOverlay(keymap: keymap, catalog: Command.catalog, contexts: state.keyContexts, scroll: help.scroll)
                .draw(into: &buf, area: Rect(x: 0, y: 1, width: state.width, height: state.height - 2), theme: theme)
            images = images.filter { !$0.rect.intersects(Rect(x: 0, y: 1, width: state.width, height: state.height - 2)) }
        }
        if let p = state.prompt {
            Dialog(title: p.title, lines: [p.hint], buttons: [], input: p.input).draw(into: &buf, area: buf.bounds, theme: theme)
            images = []
        }
        if let d = state.dialog {
            d.draw(into: &buf, area: buf.bounds, theme: theme)
            images = []
        }
        return Frame(buffer: buf, images: images, feedback: feedback, renderedViewports: rendered)
    }

    // MARK: browser preview

    private var previewCache: (key: String, placement: ImagePlacement?, blocks: DisplayImage?, caption: String)?

    /// The middle image of the selected series, beside the series list (a thumbnail that is
    /// big enough to tell series apart).
    func browserPreview(_ buf: inout CellBuffer, _ state: AppState) -> ImagePlacement? {
        guard let b = state.browser, !b.loading, b.table.selected < b.series.count, let area = Views.browserPreviewArea(state) else { return nil }
        let series = b.series[b.table.selected]
        let imageArea = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 2)
        let key = "\(series.id)|\(imageArea)"
        if previewCache?.key != key {
            var placement: ImagePlacement?
            var blocks: DisplayImage?
            var caption = ""
            do {
                let opened = try provider.open(series: series, plane: .acquired, obliqueAngle: 0)
                let mid = opened.count / 2
                let plane = try provider.plane(series: series.id, plane: .acquired, index: mid, slab: nil)
                let window = plane.suggestedWindow ?? autoWindow(plane.values)
                let source = plane.color ?? windowed(plane.values, width: plane.width, height: plane.height,
                                                     center: window.center, windowWidth: window.width)
                let pw = pixelGraphics ? imageArea.width * state.cellWidth : imageArea.width
                let ph = pixelGraphics ? imageArea.height * state.cellHeight : imageArea.height * 2
                let t = ViewTransform(sourceWidth: plane.width, sourceHeight: plane.height, columnSpacing: plane.columnSpacing,
                                      rowSpacing: plane.rowSpacing, viewportWidth: pw, viewportHeight: ph)
                let image = t.resample(source)
                caption = "image \(mid + 1) of \(opened.count) · \(plane.width)×\(plane.height)"
                if pixelGraphics {
                    generation += 1
                    var options = GraphicsEncoder.Options(viewportPixels: PixelSize(width: pw, height: ph), multiplexer: multiplexer)
                    options.kitty = KittyEncoder.Options(format: .raw, imageID: 99, placementID: 1, columns: imageArea.width,
                                                         rows: imageArea.height, zIndex: -1)
                    var bytes: [UInt8] = []
                    if (try? GraphicsEncoder(protocol: graphics, options: options).encode(image, into: &bytes)) != nil {
                        placement = ImagePlacement(id: 99, rect: imageArea, generation: generation, protocol: graphics, bytes: bytes)
                    } else {
                        blocks = image
                    }
                } else {
                    blocks = image
                }
            } catch {
                caption = error.description
            }
            previewCache = (key, placement, blocks, caption)
        }
        guard let c = previewCache else { return nil }
        buf.put(ellipsized(c.caption, area.width), in: Rect(x: area.x, y: area.maxY - 1, width: area.width, height: 1),
                style: theme[c.placement == nil && c.blocks == nil ? .error : .dim], alignment: .center)
        if let b = c.blocks { buf.drawHalfBlocks(b, in: imageArea, ascii: graphics == .ascii) }
        if c.placement != nil { ImageLayer.reserve(imageArea, in: &buf) }
        return c.placement
    }

    // MARK: viewer

    func viewer(_ buf: inout CellBuffer, _ state: AppState) -> ([ImagePlacement], [Action], Int) {
        guard let v = state.viewer else { return ([], [], 0) }
        let s = v.study
        let who = state.hideIdentity ? "(patient hidden)" : "\(displayName(s.patientName)) · \(s.patientID)"
        Views.titleBar(&buf, state, theme: theme, left: "\(who) · \(s.description) · \(formatDate(s.studyDate))",
                       right: "\(v.layout.rawValue) · \(graphics.rawValue)")
        let rects = Array(Reducer.viewportRects(state).prefix(v.layout.viewportCount))
        // Separators between viewports.
        for r in rects {
            if r.maxX < state.width { for y in r.y..<r.maxY { buf[r.maxX, y] = Cell("│", style: theme[.border]) } }
        }
        // Planes first (reference lines need the others' geometry).
        var planes: [Int: PlaneImage] = [:]
        var errors: [Int: String] = [:]
        for (i, vp) in v.viewports.enumerated() where i < rects.count {
            guard let id = vp.seriesID, !vp.loading, vp.error == nil, vp.count > 0 else { continue }
            do {
                planes[i] = try provider.plane(series: id, plane: vp.plane, index: vp.index,
                                               slab: vp.slab.map { ($0, vp.slabThickness) })
            } catch {
                errors[i] = error.description
            }
        }
        var images: [ImagePlacement] = []
        var feedback: [Action] = []
        var rendered = 0
        for (i, vp) in v.viewports.enumerated() where i < rects.count {
            let r = rects[i]
            let focused = i == v.focused && v.layout.viewportCount > 1
            guard let plane = planes[i] else {
                cache[i] = nil
                let text = vp.error ?? errors[i] ?? (vp.seriesID == nil ? "(empty viewport)" : vp.loading ? "loading…" : "no image")
                let role: Role = (vp.error ?? errors[i]) != nil ? .error : .dim
                var y = r.y + r.height / 2
                for line in wrap(text, width: max(10, r.width - 4)) {
                    buf.put(line, in: Rect(x: r.x + 2, y: y, width: r.width - 4, height: 1), style: theme[role], alignment: .center)
                    y += 1
                }
                if focused { buf.put("▶", x: r.x, y: r.y, style: theme[.accent]) }
                continue
            }
            let references: [[Double]] = v.referenceLines ? planes.filter { $0.key != i }.sorted { $0.key < $1.key }.map {
                let p = $0.value
                return [p.origin.x, p.origin.y, p.origin.z, p.normal.x, p.normal.y, p.normal.z]
            } : []
            let showsCursor = i == v.focused && v.tool != nil
            let key = ViewportKey(viewport: vp, rect: r, measurements: v.measurements.filter { $0.seriesID == vp.seriesID && $0.plane == vp.plane && $0.index == vp.index },
                                  pending: i == v.focused ? v.pendingPoints : [], cursor: showsCursor ? v.cursor : nil,
                                  references: references)
            var entry: CachedViewport
            if let c = cache[i], c.key == key {
                entry = c
            } else {
                entry = compose(plane: plane, viewport: vp, rect: r, key: key, others: planes.filter { $0.key != i }.map(\.value),
                                state: state, id: UInt32(i + 1))
                cache[i] = entry
                rendered += 1
            }
            if let p = entry.placement {
                ImageLayer.reserve(r, in: &buf)
                images.append(p)
            } else if let b = entry.blocks {
                buf.drawHalfBlocks(b, in: r, ascii: graphics == .ascii)
            }
            if vp.lastTransform != entry.transform || vp.position != plane.position || vp.pixelScale != entry.pixelScale {
                feedback.append(.rendered(viewport: i, transform: entry.transform, pixelScale: entry.pixelScale, position: plane.position))
            }
            if v.showOverlay {
                overlay(&buf, rect: r, state: state, viewer: v, vp: vp, plane: plane, transform: entry.transform,
                        window: entry.window, focused: focused, index: i)
            } else if focused {
                buf.put("▶", x: r.x, y: r.y, style: theme[.accent])
            }
        }
        if let pane = v.textPane {
            Views.textPane(&buf, area: Rect(x: 0, y: 1, width: state.width, height: state.height - 2),
                           title: pane.title, lines: pane.lines, scroll: pane.scroll, theme: theme)
            images = []
        }
        let fv = v.viewports[min(v.focused, v.viewports.count - 1)]
        var right = fv.count > 0 ? "\(fv.plane == .acquired ? "" : fv.plane.rawValue + " ")\(fv.index + 1)/\(fv.count)" : ""
        if v.layout.viewportCount > 1 {
            // Every viewport's slice, so a comparison's status line shows both sides.
            right = v.viewports.prefix(v.layout.viewportCount).enumerated().map { k, p in
                let mark = k == v.focused ? "▶" : ""
                var t = p.count > 0 ? "\(mark)\(p.index + 1)/\(p.count)" : "\(mark)–"
                if k != v.focused, v.sync, p.syncEnabled, let d = p.syncDistance, d >= 0.05 { t += " Δ\(fmt1(d))" }
                return t
            }.joined(separator: " · ") + (v.sync ? " · sync" : "")
        }
        Views.statusLine(&buf, state, theme: theme, keymap: keymap, right: right,
                         hints: v.tool != nil ? [(.place, "place"), (.back, "cancel")]
                            : [(.nextSlice, "slice"), (.preset1, "preset"), (.planeSagittal, "sag"), (.measureDistance, "measure"), (.help, "help"), (.back, "back")])
        return (images, feedback, rendered)
    }

    /// The viewport's picture: window → resample → marks → encode.
    func compose(plane: PlaneImage, viewport vp: ViewportState, rect r: Rect, key: ViewportKey, others: [PlaneImage],
                 state: AppState, id: UInt32) -> CachedViewport {
        var pw: Int, ph: Int, panScaleX: Double, panScaleY: Double
        if pixelGraphics {
            pw = min(4096, r.width * state.cellWidth)
            ph = min(4096, r.height * state.cellHeight)
            panScaleX = 1
            panScaleY = 1
            if graphics == .kitty {
                // kitty scales an image to its cell rectangle on the GPU: send no more pixels
                // than the plane has at this zoom (a 512² slice in a 1000² viewport travels as
                // about 512², a quarter of the bytes), and let the terminal magnify.
                let fit = ViewTransform(sourceWidth: plane.width, sourceHeight: plane.height, columnSpacing: plane.columnSpacing,
                                        rowSpacing: plane.rowSpacing, viewportWidth: pw, viewportHeight: ph, zoom: vp.zoom)
                let viewportPerSource = fit.scale * min(plane.columnSpacing, plane.rowSpacing)
                let f = min(1, 1 / max(1e-9, viewportPerSource))
                if f < 1 {
                    pw = max(1, Int((Double(pw) * f).rounded(.up)))
                    ph = max(1, Int((Double(ph) * f).rounded(.up)))
                    panScaleX = Double(pw) / Double(r.width * state.cellWidth)
                    panScaleY = Double(ph) / Double(r.height * state.cellHeight)
                }
            }
        } else {
            pw = r.width
            ph = r.height * 2
            panScaleX = 1 / Double(max(1, state.cellWidth))
            panScaleY = 2 / Double(max(1, state.cellHeight))
        }
        let window = vp.window ?? plane.suggestedWindow ?? autoWindow(plane.values)
        let source: DisplayImage
        if let c = plane.color {
            source = vp.invert ? DisplayImage(width: c.width, height: c.height, channels: c.channels, pixels: c.pixels.map { 255 - $0 }) : c
        } else {
            source = windowed(plane.values, width: plane.width, height: plane.height, center: window.center,
                              windowWidth: window.width, invert: vp.invert)
        }
        let t = ViewTransform(sourceWidth: plane.width, sourceHeight: plane.height, columnSpacing: plane.columnSpacing,
                              rowSpacing: plane.rowSpacing, viewportWidth: pw, viewportHeight: ph, zoom: vp.zoom,
                              panX: vp.panX * panScaleX, panY: vp.panY * panScaleY, quarterTurns: vp.quarterTurns,
                              flipHorizontal: vp.flipHorizontal, flipVertical: vp.flipVertical)
        var image = t.resample(source)
        // Reference lines: where each other viewport's plane cuts this one.
        for o in others { referenceLine(&image, plane: plane, other: o, transform: t) }
        // Measurements on this slice.
        for m in key.measurements { draw(m.kind, points: m.points, into: &image, transform: t) }
        if !key.pending.isEmpty {
            for p in key.pending {
                let q = t.toViewport(x: p.x, y: p.y)
                image.crosshair(q.x, q.y, size: 5, value: 255)
            }
        }
        if let c = key.cursor { image.crosshair(c.x * panScaleX, c.y * panScaleY, size: pixelGraphics ? 12 * panScaleX : 2, value: 255) }
        scaleBar(&image, transform: t)
        var placement: ImagePlacement? = nil
        var blocks: DisplayImage? = nil
        if pixelGraphics {
            generation += 1
            var options = GraphicsEncoder.Options(viewportPixels: PixelSize(width: pw, height: ph), multiplexer: multiplexer)
            options.kitty = KittyEncoder.Options(format: .raw, imageID: id, placementID: 1, columns: r.width, rows: r.height, zIndex: -1)
            let encoder = GraphicsEncoder(protocol: graphics, options: options)
            do {
                try encoder.encode(image, into: &encodeBuffer)
                placement = ImagePlacement(id: id, rect: r, generation: generation, protocol: graphics, bytes: encodeBuffer)
            } catch {
                blocks = image
            }
        } else {
            blocks = image
        }
        return CachedViewport(key: key, plane: plane, transform: t, pixelScale: SIMD2(1 / panScaleX, 1 / panScaleY),
                              placement: placement, blocks: blocks, window: window)
    }

    func draw(_ kind: Measurement.Kind, points: [SIMD2<Double>], into image: inout DisplayImage, transform t: ViewTransform) {
        let q = points.map { t.toViewport(x: $0.x, y: $0.y) }
        switch kind {
        case .distance:
            image.line(q[0].x, q[0].y, q[1].x, q[1].y, value: 255)
        case .angle:
            image.line(q[0].x, q[0].y, q[1].x, q[1].y, value: 255)
            image.line(q[1].x, q[1].y, q[2].x, q[2].y, value: 255)
        case .rectangle, .ellipse:
            let a = points[0], b = points[1]
            var outline: [SIMD2<Double>] = []
            if kind == .rectangle {
                outline = [a, SIMD2(b.x, a.y), b, SIMD2(a.x, b.y), a]
            } else {
                let c = (a + b) / 2, rx = abs(b.x - a.x) / 2, ry = abs(b.y - a.y) / 2
                for k in 0...48 {
                    let th = Double(k) / 48 * 2 * Double.pi
                    outline.append(SIMD2(c.x + rx * cosApprox(th), c.y + ry * sinApprox(th)))
                }
            }
            for k in 0..<(outline.count - 1) {
                let p0 = t.toViewport(x: outline[k].x, y: outline[k].y), p1 = t.toViewport(x: outline[k + 1].x, y: outline[k + 1].y)
                image.line(p0.x, p0.y, p1.x, p1.y, value: 255)
            }
        }
    }

    /// The line where `other`'s plane cuts `plane`, dashed (PACS reference lines).
    func referenceLine(_ image: inout DisplayImage, plane p: PlaneImage, other o: PlaneImage, transform t: ViewTransform) {
        // Points of p: O + r·(x−½)·cs + c·(y−½)·rs; on o's plane when (P − Oo)·no = 0 → a·x + b·y + d = 0.
        let n = o.normal
        let a = dot(p.rowDirection, n) * p.columnSpacing
        let b = dot(p.columnDirection, n) * p.rowSpacing
        let d = dot(p.origin - o.origin, n) - a * 0.5 - b * 0.5
        guard abs(a) > 1e-9 || abs(b) > 1e-9 else { return } // parallel planes
        let w = Double(p.width), h = Double(p.height)
        var pts: [(Double, Double)] = []
        if abs(b) > 1e-9 {
            for x in [0.0, w] { let y = -(a * x + d) / b; if y >= 0, y <= h { pts.append((x, y)) } }
        }
        if abs(a) > 1e-9 {
            for y in [0.0, h] { let x = -(b * y + d) / a; if x >= 0, x <= w { pts.append((x, y)) } }
        }
        guard pts.count >= 2 else { return }
        let p0 = t.toViewport(x: pts[0].0, y: pts[0].1), p1 = t.toViewport(x: pts[1].0, y: pts[1].1)
        image.line(p0.x, p0.y, p1.x, p1.y, value: 200, dash: 6, outline: false)
    }

    /// A bar of a round length (1, 2, 5 × 10ⁿ mm) about a fifth of the viewport wide, at the
    /// bottom centre (the corners hold text).
    static func scaleBarLength(_ t: ViewTransform) -> Double {
        let target = Double(t.viewportWidth) / 5 / max(1e-9, t.scale)
        var length = 1.0
        for c in [1.0, 2, 5, 10, 20, 50, 100, 200, 500] where c <= target { length = c }
        return length
    }

    func scaleBar(_ image: inout DisplayImage, transform t: ViewTransform) {
        let pxPerMM = t.scale
        guard pxPerMM > 0, image.width > 40, image.height > 20 else { return }
        let px = Self.scaleBarLength(t) * pxPerMM
        let y = Double(image.height) - max(3, Double(image.height) / 40)
        let x0 = (Double(image.width) - px) / 2
        image.line(x0, y, x0 + px, y, value: 255)
        image.line(x0, y - 3, x0, y + 1, value: 255, outline: false)
        image.line(x0 + px, y - 3, x0 + px, y + 1, value: 255, outline: false)
    }

    // MARK: overlay text

    func overlay(_ buf: inout CellBuffer, rect r: Rect, state: AppState, viewer v: ViewerState, vp: ViewportState,
                 plane: PlaneImage, transform t: ViewTransform, window: (center: Double, width: Double), focused: Bool, index: Int) {
        let text = theme[.overlayText], dim = theme[.overlayDim]
        let series = v.series.first { $0.id == vp.seriesID }
        let s = v.studies.first { $0.id == series?.studyID } ?? v.study
        let w = r.width
        func left(_ line: Int, _ str: String, _ style: Style) {
            guard line >= 0, line < r.height else { return }
            buf.put(str, x: r.x, y: r.y + line, style: style, maxWidth: w / 2 - 1)
        }
        func right(_ line: Int, _ str: String, _ style: Style) {
            guard line >= 0, line < r.height else { return }
            let sw = min(CellWidth.of(str), w / 2 - 1)
            buf.put(str, x: r.maxX - sw, y: r.y + line, style: style, maxWidth: sw)
        }
        // Every field's text; the layout (config.toml [overlay]) says which corner shows which.
        var fields: [OverlayLayout.Field: (String, Style)] = [:]
        let name = state.hideIdentity ? "(patient hidden)" : displayName(s.patientName)
        fields[.patient] = (name, text)
        if !state.hideIdentity { fields[.ids] = ("\(s.patientID) \(formatDate(s.birthDate)) \(s.sex)", dim) }
        fields[.study] = ("\(s.description) \(formatDate(s.studyDate))", text)
        fields[.series] = ("Se \(series?.number.map(String.init) ?? "?") \(series?.description ?? "")", dim)
        var slice = "\(vp.plane == .acquired ? "Im" : vp.plane.rawValue.capitalized) \(vp.index + 1)/\(vp.count)"
        slice += " · \(fmt1(plane.position)) mm"
        if let th = plane.thickness { slice += " · th \(fmt1(th))" }
        if let sl = vp.slab { slice += " · \(sl.label) \(fmt1(vp.slabThickness)) mm" }
        if v.layout.viewportCount > 1, v.sync {
            if !vp.syncEnabled { slice += " · unlinked" } else if let d = vp.syncDistance, d >= 0.05 { slice += " · Δ \(fmt1(d)) mm" }
        }
        fields[.slice] = (slice, text)
        // The value under the cursor.
        if let c = v.cursor, index == v.focused, let srcPoint = vp.toSource(c) {
            let src = (x: srcPoint.x, y: srcPoint.y)
            let xi = Int(src.x.rounded(.down)), yi = Int(src.y.rounded(.down))
            if let value = plane.value(x: xi, y: yi) {
                let pos = plane.patientPosition(x: src.x, y: src.y)
                let unit = plane.modality == "CT" ? "HU" : "value"
                fields[.value] = ("\(unit) \(fmt1(Double(value))) · (\(xi), \(yi)) · \(lps(pos))", text)
            }
        }
        var wl = "W \(fmt1(window.width)) L \(fmt1(window.center))"
        if let n = vp.windowName { wl += " \(n)" }
        if vp.invert { wl += " inv" }
        fields[.window] = (wl, text)
        var zoom = "Zoom ×\(fmt2(vp.zoom))"
        if vp.quarterTurns != 0 { zoom += " rot \(vp.quarterTurns * 90)°" }
        if vp.flipHorizontal { zoom += " ⇋" }
        if vp.flipVertical { zoom += " ⇵" }
        fields[.zoom] = (zoom, dim)
        let bottom = r.height - 1
        let layout = overlayLayout
        if focused, let first = layout.topLeft.first, let (t, _) = fields[first] {
            fields[first] = ("▶ " + t, theme[.accent].withOverlayBackground(text))
        }
        for (k, f) in layout.topLeft.enumerated() { if let (t, st) = fields[f] { left(k, t, st) } }
        for (k, f) in layout.topRight.enumerated() { if let (t, st) = fields[f] { right(k, t, st) } }
        for (k, f) in layout.bottomLeft.enumerated() { if let (t, st) = fields[f] { left(bottom - layout.bottomLeft.count + 1 + k, t, st) } }
        for (k, f) in layout.bottomRight.enumerated() { if let (t, st) = fields[f] { right(bottom - layout.bottomRight.count + 1 + k, t, st) } }
        if focused, layout.topLeft.isEmpty { buf.put("▶", x: r.x, y: r.y, style: theme[.accent]) }
        if t.viewportWidth > 40, t.viewportHeight > 20 {
            let length = Self.scaleBarLength(t)
            let label = length >= 10 ? "\(fmt1(length / 10)) cm" : "\(fmt1(length)) mm"
            let lx = r.x + (r.width - CellWidth.of(label)) / 2, ly = r.y + bottom - 1
            // Only where the corner texts leave room.
            if (lx - 1..<lx + CellWidth.of(label) + 1).allSatisfy({ x in
                let c = buf[x, ly].character
                return c == ImageLayer.placeholder || c == " " || c == "▀"
            }) {
                buf.put(label, x: lx, y: ly, style: dim)
            }
        }
        // Orientation labels at the middle of each edge, after rotation and flips.
        var labels = plane.edgeLabels
        for _ in 0..<vp.quarterTurns { labels = (labels.bottom, labels.top, labels.left, labels.right) }
        if vp.flipHorizontal { swap(&labels.left, &labels.right) }
        if vp.flipVertical { swap(&labels.top, &labels.bottom) }
        let midY = r.y + r.height / 2, midX = r.x + r.width / 2
        buf.put(labels.left, x: r.x, y: midY, style: text)
        buf.put(labels.right, x: r.maxX - CellWidth.of(labels.right), y: midY, style: text)
        if r.height > 6 {
            buf.put(labels.top, x: midX - CellWidth.of(labels.top) / 2, y: r.y + 2, style: text)
            buf.put(labels.bottom, x: midX - CellWidth.of(labels.bottom) / 2, y: r.maxY - 3, style: text)
        }
        // Measurement read-outs, next to their last point.
        let ms = v.measurements.filter { $0.seriesID == vp.seriesID && $0.plane == vp.plane && $0.index == vp.index }
        for m in ms {
            guard let last = m.points.last else { continue }
            let q = t.toViewport(x: last.x, y: last.y)
            let cx = pixelGraphics ? Int(q.x) / max(1, state.cellWidth) : Int(q.x)
            let cy = pixelGraphics ? Int(q.y) / max(1, state.cellHeight) : Int(q.y) / 2
            let label = MeasurementReadout.text(m, plane: plane)
            let x = min(max(r.x, r.x + cx + 1), r.maxX - min(CellWidth.of(label), r.width))
            let y = min(max(r.y + 2, r.y + cy), r.maxY - 3)
            buf.put(label, x: x, y: y, style: theme[.measurement], maxWidth: r.maxX - x)
        }
    }

    func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if CellWidth.of(line) + 1 + CellWidth.of(word) > width, !line.isEmpty {
                lines.append(line)
                line = String(word)
            } else {
                line = line.isEmpty ? String(word) : line + " " + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

/// A window from the values' 0.5th and 99.5th percentiles (the image's own range).
func autoWindow(_ values: [Float]) -> (center: Double, width: Double) {
    guard !values.isEmpty else { return (0, 1) }
    var lo = Float.infinity, hi = -Float.infinity
    for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
    guard lo < hi else { return (Double(lo), 1) }
    let bins = 1024
    var hist = [Int](repeating: 0, count: bins)
    let scale = Float(bins - 1) / (hi - lo)
    for v in values where v.isFinite { hist[Int((v - lo) * scale)] += 1 }
    let n = values.count
    var acc = 0, a = 0, b = bins - 1
    for (k, c) in hist.enumerated() { acc += c; if acc >= n / 200 { a = k; break } }
    acc = 0
    for k in stride(from: bins - 1, through: 0, by: -1) { acc += hist[k]; if acc >= n / 200 { b = k; break } }
    let l = Double(lo) + Double(a) / Double(scale), h = Double(lo) + Double(b + 1) / Double(scale)
    return ((l + h) / 2, max(1, h - l))
}

func lps(_ p: Vec3) -> String {
    func c(_ v: Double, _ pos: String, _ neg: String) -> String { "\(v >= 0 ? pos : neg) \(fmt1(abs(v)))" }
    return "\(c(p.x, "L", "R")) \(c(p.y, "P", "A")) \(c(p.z, "S", "I"))"
}

func fmt2(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < 2 { s += String(repeating: "0", count: 2 - decimals) }
    }
    return s
}

func cosApprox(_ x: Double) -> Double { cos(x) }
func sinApprox(_ x: Double) -> Double { sin(x) }

extension Rect {
    func intersects(_ o: Rect) -> Bool { !intersection(o).isEmpty }
}

extension Style {
    func withOverlayBackground(_ o: Style) -> Style {
        var s = self
        s.background = o.background
        return s
    }
}
