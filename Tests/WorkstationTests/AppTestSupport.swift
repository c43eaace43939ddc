import Imaging
import TerminalGraphics
import TerminalUI
@testable import Workstation
#if canImport(Glibc)
import Glibc
#endif

/// The demo studies written once per test process into a temporary folder.
enum DemoFixture {
    static let root: String = {
        var template = Array("/tmp/sixray-apptest-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        _ = try? DemoStudies().write(to: dir)
        return dir
    }()
}

/// An app on a headless terminal, driven by keys, with a fixed clock and date.
final class TestHarness {
    let backend: HeadlessBackend
    let app: WorkstationApp
    var time = 0.0

    init(width: Int = 120, height: Int = 40, graphics: GraphicsProtocol = .sixel, keymap: String = "default",
         library: (any StudyLibrary)? = nil, archive: (any ArchiveService)? = nil) {
        backend = HeadlessBackend(width: width, height: height)
        let resources = UIResources.load(profile: Profile(keymap: keymap), configDirectory: nil)
        let renderer = ScreenRenderer(theme: resources.theme, keymap: resources.keymap, graphics: graphics,
                                      provider: VolumePlaneProvider())
        var clockBox = { 0.0 }
        app = WorkstationApp(library: library ?? FolderLibrary(root: DemoFixture.root), renderer: renderer, backend: backend,
                             resources: resources, today: "20261120", cellSize: (10, 20), archive: archive, clock: { clockBox() })
        clockBox = { [unowned self] in self.time }
        app.start()
        app.settle()
        app.draw()
    }

    /// Sends keys (names as in keymaps, or single characters), drawing after each like the loop.
    func press(_ keys: String...) {
        for name in keys {
            guard let k = Key(name: name) else { fatalError("test key \(name)") }
            app.handle(k)
            app.settle()
            app.draw()
        }
    }

    func type(_ text: String) {
        for c in text { app.handle(.character(c)); app.draw() }
    }

    var screen: String {
        (0..<backend.height).map(row).joined(separator: "\n")
    }

    func row(_ y: Int) -> String {
        var s = backend.screen.rowText(y).replacingPlaceholder()
        while s.last == " " { s.removeLast() }
        return s
    }
    var statusLine: String { row(backend.height - 1) }
}

extension String {
    func replacingPlaceholder() -> String {
        String(map { $0 == ImageLayer.placeholder ? " " : $0 })
    }
}
