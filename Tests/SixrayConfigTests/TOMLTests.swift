import Testing
@testable import SixrayConfig

@Suite struct TOMLParsing {
    @Test func scalarsTablesAndArrays() throws {
        let doc = try TOMLParser.parse("""
            # comment
            name = "dark"   # trailing comment
            count = 1_000
            hex = 0xff
            ratio = 2.5e-1
            on = true
            when = 2024-01-02
            [ui]
            accent = "#4fa3ff"
            keys = [ "j", "Down",
                     # a comment inside
                     'ScrollDown', ]
            [ui.nested]
            deep.er = 'x\\y'
            [[archive]]
            name = "a"
            [[archive]]
            name = "b"
            tls = { cert = "c.pem", verify = false }
            """)
        #expect(doc["name"] == .string("dark"))
        #expect(doc["count"] == .integer(1000))
        #expect(doc["hex"] == .integer(255))
        #expect(doc["ratio"] == .float(0.25))
        #expect(doc["on"] == .bool(true))
        #expect(doc["when"] == .dateTime("2024-01-02"))
        #expect(doc.value(at: "ui.accent") == .string("#4fa3ff"))
        #expect(doc.value(at: "ui.keys") == .array([.string("j"), .string("Down"), .string("ScrollDown")]))
        #expect(doc.value(at: "ui.nested.deep.er") == .string("x\\y"))
        let archives = try ConfigSection(doc, file: "f").sections("archive")
        #expect(try archives.map { try $0.requiredString("name") } == ["a", "b"])
        #expect(try archives[1].section("tls")?.bool("verify") == false)
    }

    @Test func stringsAndEscapes() throws {
        let doc = try TOMLParser.parse(#"""
            a = "tab\there \"q\" \u00e9 \U0001F600"
            b = """
            line one
            line \
               two"""
            c = '''
            raw \n text'''
            """#)
        #expect(doc["a"] == .string("tab\there \"q\" é 😀"))
        #expect(doc["b"] == .string("line one\nline two"))
        #expect(doc["c"] == .string("raw \\n text"))
    }

    @Test(arguments: [
        ("a = 1\na = 2", 2, "duplicate key 'a'"),
        ("[t]\nx = 1\n[t]", 3, "table [t] defined twice"),
        ("x = \"open", 1, "unterminated string"),
        ("x = [1, 2", 1, "unterminated array"),
        ("x = bare", 1, "strings need quotes"),
        ("x = 1 2", 1, "after value"),
        ("\n\nport = 01", 3, "invalid value '01'"),
        ("x = \"\\q\"", 1, "invalid escape"),
        ("a = 1\n[a]", 2, "redefines"),
        ("t = {x = 1}\n[t]", 2, "redefines"),
        ("k", 1, "expected '='"),
        // Found by Scripts/fuzz toml: 700 nested arrays overflowed the stack.
        ("x = " + String(repeating: "[", count: 100_000), 1, "nested deeper than 64"),
        ("x = " + String(repeating: "{a=", count: 1_000), 1, "nested deeper than 64"),
    ])
    func errorsNameTheLine(text: String, line: Int, fragment: String) {
        do {
            _ = try TOMLParser.parse(text, source: "bad.toml")
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.description.hasPrefix("bad.toml:\(line): "), "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        let doc = try TOMLParser.parse("x = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64))
        #expect(doc.value(at: "x") != nil)
    }

    @Test func typedAccessorsNameFileLineAndKey() throws {
        let s = try ConfigSection.parse("[cache]\nmax_size = \"20 GB\"\nport = \"104\"\n", file: "config.toml")
        let cache = try #require(try s.section("cache"))
        #expect(try cache.byteSize("max_size") == 20_000_000_000)
        do {
            _ = try cache.integer("port")
            Issue.record("expected a type error")
        } catch {
            #expect(error.description == "config.toml:3: key 'cache.port': expected an integer, found a string")
        }
        do {
            try cache.checkKeys(["max_size"])
            Issue.record("expected an unknown-key error")
        } catch {
            #expect(error.description.hasPrefix("config.toml:3: key 'cache.port': unknown key"))
        }
    }

    @Test func byteSizes() {
        #expect(ByteSize.parse("512") == 512)
        #expect(ByteSize.parse("1.5G") == 1_500_000_000)
        #expect(ByteSize.parse("2 GiB") == 2_147_483_648)
        #expect(ByteSize.parse("lots") == nil)
        #expect(ByteSize.format(1_234_000_000) == "1.2 GB")
        #expect(ByteSize.format(512) == "512 B")
    }

    @Test func xdgDirectories() {
        let d = SixrayDirectories(environment: ["HOME": "/home/r", "XDG_CACHE_HOME": "/fast/cache/"])
        #expect(d == SixrayDirectories(config: "/home/r/.config/sixray", cache: "/fast/cache/sixray"))
        // Relative XDG values are ignored (XDG Base Directory spec).
        #expect(SixrayDirectories(environment: ["HOME": "/h", "XDG_CONFIG_HOME": "rel"])?.config == "/h/.config/sixray")
        #expect(SixrayDirectories(environment: [:]) == nil)
    }
}
