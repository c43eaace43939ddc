import Imaging
import SixrayConfig
import Testing
@testable import Workstation

@Suite struct HangingProtocolTests {
    let builtIn: [HangingProtocol] = {
        var warnings: [String] = []
        let p = UIResources.loadProtocols(configDirectory: nil, readFile: { _ in nil }, listDirectory: { _ in [] }, warnings: &warnings)
        #expect(warnings.isEmpty, "\(warnings)")
        return p
    }()

    func series(_ id: String, _ study: String, _ modality: String, _ description: String, files: Int) -> SeriesSummary {
        SeriesSummary(id: id, studyID: study, modality: modality, description: description, instanceCount: files,
                      files: (0..<files).map { "\(id)/\($0)" })
    }

    @Test func builtInsCoverTheIssuesList() {
        #expect(Set(builtIn.map(\.id)) == ["ct-abdomen", "ct-chest", "ct-head", "generic", "mr-brain"])
    }

    @Test func matchingByModalityBodyPartAndDescription() {
        let chest = StudySummary(id: "1", modalities: ["CT"], description: "CT THORAX W/O", bodyPart: "")
        #expect(HangingProtocols.matching(builtIn, study: chest, series: []).map(\.id) == ["ct-chest", "generic"])
        let head = StudySummary(id: "2", modalities: ["CT"], bodyPart: "HEAD")
        #expect(HangingProtocols.matching(builtIn, study: head, series: []).first?.id == "ct-head")
        let brain = StudySummary(id: "3", modalities: ["MR"], description: "MRI BRAIN")
        #expect(HangingProtocols.matching(builtIn, study: brain, series: []).first?.id == "mr-brain")
        // Modality must match: an MR of the chest is not hung as a CT chest.
        let mrChest = StudySummary(id: "4", modalities: ["MR"], description: "MR CHEST")
        #expect(HangingProtocols.matching(builtIn, study: mrChest, series: []).map(\.id) == ["generic"])
        // A series description can carry the match when the study's does not.
        let abd = StudySummary(id: "5", modalities: ["CT"], description: "CT")
        #expect(HangingProtocols.matching(builtIn, study: abd, series: [series("s", "5", "CT", "PORTAL VENOUS ABDOMEN", files: 3)]).first?.id == "ct-abdomen")
    }

    @Test func chestWithAndWithoutPrior() throws {
        let p = try #require(builtIn.first { $0.id == "ct-chest" })
        let cs = [series("lung", "c", "CT", "CHEST LUNG 1mm", files: 300), series("med", "c", "CT", "CHEST MEDIASTINUM 3mm", files: 100),
                  series("sr", "c", "SR", "Report", files: 1)]
        let ps = [series("plung", "p", "CT", "THORAX LUNG", files: 250)]
        let presets = WindowPresets.builtIn
        let both = HangingProtocols.arrange(p, currentSeries: cs, priorSeries: ps, presets: presets)
        #expect(both.layout == .twoByTwo)
        #expect(both.viewports.map(\.seriesID) == ["lung", "med", "plung", "plung"])
        #expect(both.viewports.map(\.windowName) == ["Lung", "Mediastinum", "Lung", "Mediastinum"])
        #expect(both.viewports[0].window?.center == -600 && both.viewports[0].window?.width == 1500)
        let alone = HangingProtocols.arrange(p, currentSeries: cs, priorSeries: nil, presets: presets)
        #expect(alone.layout == .oneByTwo && alone.viewports.map(\.seriesID) == ["lung", "med"])
    }

    @Test func abdomenWithoutPriorFallsBackToCoronal() throws {
        let p = try #require(builtIn.first { $0.id == "ct-abdomen" })
        let cs = [series("ax", "c", "CT", "ABD PORTAL VENOUS", files: 200)]
        let r = HangingProtocols.arrange(p, currentSeries: cs, priorSeries: nil, presets: WindowPresets.builtIn)
        #expect(r.viewports.map(\.seriesID) == ["ax", "ax"] && r.viewports.map(\.plane) == [.acquired, .coronal])
    }

    @Test(arguments: [
        ("name = \"x\"\n[[viewport]]\nstudy = \"other\"", "p.toml:3: key 'viewport.study': study must be \"current\" or \"prior\""),
        ("[[viewport]]\nplane = \"oblique\"", "p.toml:2: key 'viewport.plane': plane must be axial, coronal or sagittal"),
        ("layout = \"3x3\"\n[[viewport]]", "p.toml:1: key 'layout': layout must be"),
        ("name = \"x\"", "p.toml: a hanging protocol needs at least one [[viewport]]"),
        ("[match]\nmodalty = \"CT\"\n[[viewport]]", "p.toml:2: key 'match.modalty': unknown key"),
    ])
    func brokenProtocolFiles(text: String, expected: String) {
        do {
            _ = try HangingProtocol.parse(text, id: "p", file: "p.toml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    @Test func userProtocolsReplaceBuiltInsAndBrokenOnesAreReported() {
        var warnings: [String] = []
        let files = ["/c/protocols/generic.toml": "name = \"Mine\"\nlayout = \"1x2\"\n[[viewport]]\n[[viewport]]\n",
                     "/c/protocols/bad.toml": "[[viewport]]\nstudy = 3\n"]
        let p = UIResources.loadProtocols(configDirectory: "/c", readFile: { files[$0] },
                                          listDirectory: { _ in ["bad.toml", "generic.toml"] }, warnings: &warnings)
        #expect(p.first { $0.id == "generic" }?.name == "Mine")
        #expect(p.first { $0.id == "generic" }?.layout == .oneByTwo)
        #expect(warnings.count == 1 && warnings[0].hasPrefix("/c/protocols/bad.toml:2: key 'viewport.study'"))
    }

    @Test func profilesFromConfig() throws {
        let config = """
            [ui]
            profile = "chest"
            [profile.chest]
            theme = "light"
            keymap = "vim"
            layout = "1x2"
            protocols = ["ct-chest", "generic"]
            presets = ["ct-lung", "ct-mediastinum"]
            [profile.neuro]
            keymap = "default"
            """
        let p = try Profile.fromConfig(config, file: "config.toml", name: nil)
        #expect(p == Profile(name: "chest", theme: "light", keymap: "vim", layout: .oneByTwo, protocols: ["ct-chest", "generic"],
                             presets: ["ct-lung", "ct-mediastinum"]))
        let r = UIResources.load(profile: p, configDirectory: nil)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        #expect(r.theme.name == "light" && r.keymap.name == "vim" && r.layout == .oneByTwo)
        #expect(r.protocols.map(\.id) == ["ct-chest", "generic"])
        #expect(r.presets.prefix(2).map(\.id) == ["ct-lung", "ct-mediastinum"] && r.presets[0].key == "1" && r.presets[1].key == "2")
        #expect(try Profile.fromConfig(config, file: "config.toml", name: "neuro").keymap == "default")
        do {
            _ = try Profile.fromConfig(config, file: "config.toml", name: "cardiac")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("no profile 'cardiac' (known: chest, neuro)"))
        }
    }
}

extension ScreenTests {
    @Test func demoHangsWithItsProtocolAndCycles() {
        let h = TestHarness(width: 160, height: 40, graphics: .blocks)
        h.press("v")
        #expect(h.app.state.viewer?.hanging.map { $0.matches[$0.index].name } == "CT abdomen")
        #expect(h.app.state.viewer?.hanging?.matches.count == 2)
        let v = h.app.state.viewer!
        #expect(v.layout == .oneByTwo && v.studies.count == 2)
        #expect(v.viewports.map(\.windowName) == ["Abdomen", "Abdomen"])
        h.press("p")
        #expect(h.statusLine.contains("Hanging protocol: Generic"), "\(h.statusLine)")
        #expect(h.app.state.viewer!.layout == .single)
    }
}

@Suite struct OverlayLayoutTests {
    @Test func cornersFromConfig() throws {
        let l = try OverlayLayout.fromConfig("[overlay]\ntop_left = [\"study\"]\nbottom_right = []\n", file: "config.toml")
        #expect(l.topLeft == [.study] && l.bottomRight.isEmpty && l.topRight == OverlayLayout.standard.topRight)
        #expect(try OverlayLayout.fromConfig(nil, file: nil) == .standard)
        do {
            _ = try OverlayLayout.fromConfig("[overlay]\n\ntop_left = [\"age\"]\n", file: "config.toml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("config.toml:3: key 'overlay.top_left': unknown field 'age'"))
        }
    }

    @Test func theViewerFollowsTheLayout() {
        let h = TestHarness(width: 120, height: 30, graphics: .blocks)
        h.app.renderer.overlayLayout = OverlayLayout(topLeft: [.window], topRight: [], bottomLeft: [.patient], bottomRight: [])
        h.press("Enter", "Enter")
        #expect(h.row(1).hasPrefix("W 400 L 40"))
        #expect(h.row(28).hasPrefix("DEMO, PHANTOM"))
        #expect(!h.screen.contains("Zoom ×"))
    }
}
