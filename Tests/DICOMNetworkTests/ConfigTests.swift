import Testing
import DICOMNetwork
import Workstation

@Suite("config.toml and NODE parsing")
struct ConfigTests {
    @Test("named archives with every key")
    func archives() throws {
        let c = try ArchiveConfig.parse("""
            [sixray]
            aet = "READER1"
            port = 11113

            [archive.pacs]
            host = "pacs.example.org"
            port = 104
            called_aet = "PACS"
            retrieve = "get"
            move_destination = "READER1"
            move_port = 11114
            tls = true
            tls_ca = "/etc/ca.pem"
            tls_cert = "/etc/c.pem"
            tls_key = "/etc/c.key"
            dimse_timeout = 5
            """)
        #expect(c.aeTitle == "READER1" && c.port == 11113)
        let a = try c.resolve("pacs")
        #expect(a.host == "pacs.example.org" && a.port == 104 && a.calledAETitle == "PACS")
        #expect(a.retrieve == .get && a.moveDestination == "READER1" && a.movePort == 11114)
        #expect(a.tls?.caFile == "/etc/ca.pem" && a.tls?.certificateFile == "/etc/c.pem" && a.tls?.verifyPeer == true)
        #expect(a.dimseTimeout == 5)
    }

    @Test("inline AET@host:port nodes, IPv6 in brackets")
    func inline() throws {
        let c = ArchiveConfig()
        let a = try c.resolve("ORTHANC@127.0.0.1:4242")
        #expect(a.calledAETitle == "ORTHANC" && a.host == "127.0.0.1" && a.port == 4242)
        let b = try c.resolve("PACS@[::1]:104")
        #expect(b.host == "::1" && b.port == 104)
        #expect(throws: NetworkError.self) { try c.resolve("pacs") }
        #expect(throws: NetworkError.self) { try c.resolve("A@host:99999") }
        #expect(throws: NetworkError.self) { try c.resolve("WAYTOOLONGAETITLE17@h:1") }
    }

    @Test("errors name the file, table, line and key")
    func errors() {
        func err(_ text: String) -> String {
            do { _ = try ArchiveConfig.parse(text, name: "c.toml"); return "" } catch { return error.description }
        }
        #expect(err("[archive.x]\nhost = \"h\"\nport = 70000\ncalled_aet = \"A\"").contains("c.toml:3: key 'archive.x.port': 70000 is out of range 1...65535"))
        #expect(err("[archive.x]\nhost = \"h\"").contains("c.toml:1: key 'archive.x.called_aet': missing"))
        #expect(err("[archive.x]\nhost = \"h\"\ncalled_aet = \"A\"\nretrieve = \"ftp\"").contains("c.toml:4: key 'archive.x.retrieve': expected \"move\" or \"get\""))
        #expect(err("[archive.x]\nhost = \"h\"\ncalled_aet = \"A\"\ncolour = 1").contains("c.toml:4: key 'archive.x.colour': unknown key"))
        #expect(err("[printer]\n").contains("c.toml:1: key 'printer': unknown table"))
        #expect(err("[sixray]\naet = \"unterminated").contains("c.toml:2: key 'sixray.aet': unterminated string"))
        // The other parts' tables live in the same file and are not errors here.
        #expect(err("[ui]\ntheme = \"light\"\n[cache]\nmax_size = \"1 GB\"\n[profile.a]\nkeymap = \"vim\"") == "")
    }
}
