import Testing
import TerminalGraphics
@testable import TerminalUI

@Suite struct CellBufferTests {
    @Test func wideCharactersTakeTwoCellsAndClip() {
        var b = CellBuffer(width: 8, height: 2)
        let used = b.put("a漢b", x: 0, y: 0, style: .plain)
        #expect(used == 4)
        #expect(b[1, 0].character == "漢" && b[2, 0].isContinuation)
        #expect(b.rowText(0) == "a漢b")
        // A wide character that would straddle the edge becomes a space.
        b.put("xxxxxxx漢", x: 0, y: 1, style: .plain)
        #expect(b.rowText(1) == "xxxxxxx")
        #expect(!b[7, 1].isContinuation)
        // Overwriting the right half of a wide character blanks its left half.
        b.put("Z", x: 2, y: 0, style: .plain)
        #expect(b.rowText(0) == "a Zb")
    }

    @Test func controlCharactersFromDataAreNeutralised() {
        var b = CellBuffer(width: 20, height: 1)
        b.put("PAT\u{1B}[2J\u{07}NAME", x: 0, y: 0, style: .plain)
        #expect(b.rowText(0) == "PAT?[2J?NAME")
    }

    @Test func clipKeepsWidgetsInTheirArea() {
        var b = CellBuffer(width: 10, height: 3)
        b.clipped(to: Rect(x: 2, y: 1, width: 3, height: 1)) { buf in
            buf.put("hello world", x: 0, y: 1, style: .plain)
            buf.fill(Rect(x: 0, y: 0, width: 10, height: 3), style: .plain, character: "#")
        }
        #expect(b.text == "\n  ###\n")
    }

    @Test func diffReportsOnlyChangedRuns() {
        var a = CellBuffer(width: 20, height: 3)
        a.put("status: slice 1", x: 0, y: 2, style: .plain)
        var b = a
        b.put("status: slice 2", x: 0, y: 2, style: .plain)
        let runs = b.changes(since: a)
        #expect(runs.count == 1)
        #expect(runs[0].y == 2 && runs[0].x == 14 && runs[0].count == 1)
        #expect(a.changes(since: a).isEmpty)
        #expect(b.changes(since: CellBuffer(width: 5, height: 5)).count == 3) // size change: everything
    }

    @Test func splitsTileTheArea() {
        let r = Rect(x: 0, y: 0, width: 100, height: 30)
        let cols = r.split(.horizontal, [.fixed(20), .fill, .percent(25)])
        #expect(cols.map(\.width) == [20, 55, 25])
        #expect(cols.map(\.x) == [0, 20, 75])
        let rows = r.split(.vertical, [.fixed(1), .fill, .fill, .fixed(1)])
        #expect(rows.map(\.height) == [1, 14, 14, 1])
        #expect(r.grid(rows: 2, columns: 2).map(\.description) == ["50×15+0+0", "50×15+50+0", "50×15+0+15", "50×15+50+15"])
        // Not enough room: fixed parts shrink, nothing overflows.
        #expect(Rect(x: 0, y: 0, width: 5, height: 1).split(.horizontal, [.fixed(4), .fixed(4)]).map(\.width) == [4, 1])
    }
}

@Suite struct TableTests {
    let rows = [["DOE^JANE", "CT", "20241102"], ["ROE^RICHARD", "MR", "20230105"], ["DOE^JOHN", "CT 10", "20250101"],
                ["ALPHA", "CT 2", "20250101"]]

    @Test func filterMatchesEveryWordAnywhereInTheRow() {
        var s = TableState()
        s.filter = "doe ct"
        #expect(s.arrange(rows) == [0, 2])
        s.filter = "MR"
        #expect(s.arrange(rows) == [1])
    }

    @Test func sortIsNaturalStableAndToggles() {
        var s = TableState()
        s.sort(by: 1)
        #expect(s.arrange(rows) == [0, 3, 2, 1]) // CT, CT 2, CT 10, MR
        s.sort(by: 1)
        #expect(s.arrange(rows) == [1, 2, 3, 0])
        s.sort(by: 2)
        #expect(s.arrange(rows) == [1, 0, 2, 3]) // equal dates keep input order
    }

    @Test func selectionScrollsIntoView() {
        var s = TableState()
        s.move(by: 7, count: 20, visibleRows: 5)
        #expect(s.selected == 7 && s.offset == 3)
        s.move(by: -100, count: 20, visibleRows: 5)
        #expect(s.selected == 0 && s.offset == 0)
        s.move(by: 100, count: 20, visibleRows: 5)
        #expect(s.selected == 19 && s.offset == 15)
    }

    @Test func drawsHeaderSortMarkerAndSelection() {
        var b = CellBuffer(width: 30, height: 4)
        var s = TableState()
        s.sort(by: 0)
        let order = s.arrange(rows)
        s.selected = 1
        Table(columns: [TableColumn("Name", width: .fill), TableColumn("Mod", width: .fixed(5))], rows: rows)
            .draw(into: &b, area: b.bounds, state: s, order: order, theme: .builtInDark)
        #expect(b.text == """
            Name ▲                   Mod
            ALPHA                    CT 2
            DOE^JANE                 CT
            DOE^JOHN                 CT 10
            """)
        #expect(b[0, 2].style == Theme.builtInDark[.selection])
    }

    @Test func ellipsisWhenTooLong() {
        #expect(ellipsized("ABDOMEN PELVIS", 8) == "ABDOMEN…")
        #expect(ellipsized("漢字漢字", 5) == "漢字…")
    }
}

@Suite struct KeymapTests {
    let catalog = ActionCatalog([
        (context: "global", entries: [.init("quit", "Quit"), .init("help", "Help")]),
        (context: "viewer", entries: [.init("next_slice", "Next slice"), .init("first_slice", "First slice")]),
    ])

    @Test func parsesNamesAndSequencesAndInherits() throws {
        let base = try Keymap.parse("""
            name = "default"
            [global]
            quit = ["q", "Ctrl-c"]
            help = "?"
            [viewer]
            next_slice = ["Down", "PageDown", "ScrollDown"]
            first_slice = "Home"
            """, file: "default.toml", base: nil, catalog: catalog)
        let vim = try Keymap.parse("""
            name = "vim"
            inherit = "default"
            [viewer]
            first_slice = ["gg", "Home"]
            """, file: "vim.toml", base: base, catalog: catalog)
        #expect(vim.sequences(for: "quit", in: "global") == [KeySequence([.character("q")]), KeySequence([.ctrl("c")])])
        #expect(vim.sequences(for: "first_slice", in: "viewer").map(\.description) == ["gg", "Home"])
        #expect(vim.sequences(for: "next_slice", in: "viewer").map(\.description) == ["Down", "PageDown", "ScrollDown"])
        #expect(try Keymap.inheritedName("inherit = \"default\"", file: nil) == "default")

        var r = KeyResolver()
        #expect(r.resolve(.character("g"), keymap: vim, contexts: ["viewer", "global"]) == .pending)
        #expect(r.resolve(.character("g"), keymap: vim, contexts: ["viewer", "global"]) == .action("first_slice"))
        #expect(r.resolve(.down, keymap: vim, contexts: ["viewer", "global"]) == .action("next_slice"))
        #expect(r.resolve(.character("q"), keymap: vim, contexts: ["viewer", "global"]) == .action("quit"))
        #expect(r.resolve(.character("x"), keymap: vim, contexts: ["viewer", "global"]) == .unbound(.character("x")))
        // A broken sequence falls back to the new key alone.
        #expect(r.resolve(.character("g"), keymap: vim, contexts: ["viewer", "global"]) == .pending)
        #expect(r.resolve(.character("q"), keymap: vim, contexts: ["viewer", "global"]) == .action("quit"))
    }

    @Test(arguments: [
        ("[viewer]\nnext_slice = [\"Dwn\"]", "keys.toml:2: key 'viewer.next_slice': unknown key name 'Dwn'"),
        ("[viewer]\nfly = \"f\"", "keys.toml:2: key 'viewer.fly': unknown action in [viewer]"),
        ("[editor]\nx = \"f\"", "keys.toml:1: key 'editor': unknown context"),
        ("[viewer]\nnext_slice = 3", "keys.toml:2: key 'viewer.next_slice': expected a string or an array of strings"),
    ])
    func brokenFilesNameFileLineAndKey(text: String, expected: String) {
        do {
            _ = try Keymap.parse(text, file: "keys.toml", base: nil, catalog: catalog)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    @Test func helpOverlayListsTheActiveBindings() throws {
        let map = try Keymap.parse("[global]\nquit = [\"q\"]\n[viewer]\nnext_slice = [\"j\", \"Down\"]",
                                   file: nil, base: nil, catalog: catalog)
        let help = HelpOverlay(keymap: map, catalog: catalog, contexts: ["viewer", "global"])
        let text = help.lines.map(\.text)
        #expect(text.contains { $0.hasPrefix("  j Down") && $0.hasSuffix("Next slice") })
        #expect(text.contains { $0.contains("(unbound)") && $0.hasSuffix("First slice") })
        #expect(text.first == "Viewer")
    }

    @Test func keyNames() {
        #expect(Key(name: "PageDown") == .pageDown)
        #expect(Key(name: "C-d") == .ctrl("d"))
        #expect(Key(name: "F12") == .function(12))
        #expect(Key(name: "Space") == .character(" "))
        #expect(Key(name: "Dwn") == nil)
        #expect(KeySequence(parsing: "Z Z")?.keys == [.character("Z"), .character("Z")])
    }
}

@Suite struct ThemeTests {
    @Test func rolesOverrideTheBase() throws {
        let t = try Theme.parse("""
            name = "light"
            [roles]
            text = { fg = "#202020", bg = "#ffffff" }
            accent = "#0050a0"
            selection = { fg = "#fff", bg = "#3366cc", bold = true }
            """, file: "light.toml")
        #expect(t.name == "light")
        #expect(t[.text] == Style(foreground: .rgb(32, 32, 32), background: .rgb(255, 255, 255)))
        #expect(t[.selection] == Style(foreground: .rgb(255, 255, 255), background: .rgb(51, 102, 204), attributes: .bold))
        #expect(t[.accent].foreground == .rgb(0, 80, 160))
        #expect(t[.error] == Theme.builtInDark[.error]) // not in the file: from the base
    }

    @Test(arguments: [
        ("[roles]\ntext = \"#12345\"", "t.toml:2: key 'roles.text': '#12345' is not a colour"),
        ("[roles]\nbogus = \"#123\"", "t.toml:2: key 'roles.bogus': unknown role"),
        ("[roles]\ntext = { fg = \"#123\", blink = true }", "t.toml:2: key 'roles.text.blink': unknown key"),
    ])
    func brokenThemes(text: String, expected: String) {
        do {
            _ = try Theme.parse(text, file: "t.toml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    @Test func nearestPaletteColours() {
        #expect(Color.rgb(255, 0, 0).nearestIndexed == 196)
        #expect(Color.rgb(128, 128, 128).nearestIndexed == 244)
        #expect(Color.rgb(0, 0, 0).nearestIndexed == 16)
        #expect(Color.rgb(255, 0, 0).nearestBasic == 1)
    }
}

@Suite struct InputAndImageTests {
    @Test func textInputEditsLikeReadline() {
        var t = TextInput("DOE JANE")
        t.handle(.ctrl("w"))
        #expect(t.text == "DOE " && t.cursor == 4)
        t.handle(.home)
        t.handle(.character("X"))
        #expect(t.text == "XDOE ")
        t.handle(.delete)
        #expect(t.text == "XOE ")
        t.handle(.ctrl("k"))
        #expect(t.text == "X")
        let consumed = t.handle(.enter)
        #expect(!consumed)
    }

    @Test func imageLayerRewritesOnlyChangedImagesAndTheirOverlay() {
        var layer = ImageLayer(trueColor: true)
        var buf = CellBuffer(width: 10, height: 4)
        buf.put("W40", x: 0, y: 0, style: .plain)
        ImageLayer.reserve(Rect(x: 0, y: 0, width: 10, height: 3), in: &buf)
        #expect(buf[5, 1].character == ImageLayer.placeholder && buf[0, 0].character == "W")
        let p1 = ImagePlacement(id: 1, rect: Rect(x: 0, y: 0, width: 10, height: 3), generation: 1, protocol: .sixel, bytes: Array("IMG1".utf8))
        let first = String(decoding: layer.update([p1], buffer: buf, textChanges: [], force: true), as: UTF8.self)
        #expect(first.hasPrefix("\u{1B}7\u{1B}[1;1HIMG1\u{1B}[1;1H\u{1B}[0mW40"))
        #expect(first.hasSuffix("\u{1B}8"))
        // Same generation, no text change under it: nothing to write.
        #expect(layer.update([p1], buffer: buf, textChanges: [(y: 3, x: 0, count: 10)], force: false).isEmpty)
        // Text changed under the image: sixel must be redrawn (the text backend painted over it).
        #expect(!layer.update([p1], buffer: buf, textChanges: [(y: 1, x: 2, count: 1)], force: false).isEmpty)
        var p2 = p1
        p2.generation = 2
        #expect(String(decoding: layer.update([p2], buffer: buf, textChanges: [], force: false), as: UTF8.self).contains("IMG1"))
        // A kitty image that goes away is deleted.
        let k = ImagePlacement(id: 7, rect: Rect(x: 0, y: 0, width: 2, height: 2), generation: 1, protocol: .kitty, bytes: [])
        _ = layer.update([k], buffer: buf, textChanges: [], force: false)
        #expect(String(decoding: layer.update([], buffer: buf, textChanges: [], force: false), as: UTF8.self).contains("a=d,d=i,i=7"))
    }

    @Test func halfBlocksKeepAspectRatio() {
        var buf = CellBuffer(width: 40, height: 10)
        let img = DisplayImageFixture.ramp(width: 64, height: 64)
        let r = buf.drawHalfBlocks(img, in: buf.bounds)
        #expect(r == Rect(x: 10, y: 0, width: 20, height: 10))
        #expect(buf[10, 0].character == "▀")
        #expect(buf[10, 0].style.foreground == .rgb(0, 0, 0))
        #expect(buf[29, 9].style.background != .rgb(0, 0, 0))
    }
}

import Imaging
enum DisplayImageFixture {
    static func ramp(width: Int, height: Int) -> DisplayImage {
        var px = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width { px[y * width + x] = UInt8((x + y) * 255 / (width + height - 2)) } }
        return DisplayImage(width: width, height: height, channels: 1, pixels: px)
    }
}
