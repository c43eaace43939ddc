import Testing
import SixrayConfig
#if canImport(Glibc)
import Glibc
#endif

private let withToken = """
[archives.pacs]
host = "pacs.example"
port = 104

[archives.web]
url = "https://pacs.example/dicom-web"
token = "abc123"
"""

@Test func credentialKeysAreFoundWithTheirLines() {
    let keys = CredentialPolicy.credentialKeys(in: withToken)
    #expect(keys.map(\.key) == ["archives.web.token"])
    #expect(keys.first?.line == 7)
    #expect(CredentialPolicy.credentialKeys(in: "[x]\nitems = [{ password = \"p\" }]\n").map(\.key) == ["x.password"])
    #expect(CredentialPolicy.credentialKeys(in: "[cache]\nmax_size = \"1 GB\"\n").isEmpty)
    // A file that does not parse is still scanned line by line.
    #expect(CredentialPolicy.credentialKeys(in: "[a\nbearer_token = \"x\"\n").map(\.line) == [2])
    #expect(CredentialPolicy.isCredentialKey("tls_key_password"))
    #expect(!CredentialPolicy.isCredentialKey("token_url"))
}

@Test(arguments: [(UInt32(0o100600), true), (0o100400, true), (0o100640, false), (0o100604, false), (0o100660, false)])
func credentialFilesMustBeOwnerOnly(mode: UInt32, accepted: Bool) {
    var failure: ConfigError?
    do throws(ConfigError) {
        try CredentialPolicy.check(text: withToken, mode: mode, file: "/home/u/.config/sixray/config.toml")
    } catch { failure = error }
    #expect((failure == nil) == accepted)
    if let error = failure {
        #expect(error.description.contains("readable by group or others"))
        #expect(error.description.contains("chmod 600 /home/u/.config/sixray/config.toml"))
        #expect(error.key == "archives.web.token")
        #expect(!error.description.contains("abc123"))
    }
}

@Test func filesWithoutCredentialsMayBeShared() throws {
    try CredentialPolicy.check(text: "[ui]\ntheme = \"dark\"\n", mode: 0o100644, file: "c.toml")
}

@Test func checkFileReadsTheModeFromDisk() throws {
    let path = "/tmp/sixray-cred-\(getpid()).toml"
    defer { unlink(path) }
    let f = fopen(path, "w")
    fputs(withToken, f)
    fclose(f)
    chmod(path, 0o644)
    #expect(throws: ConfigError.self) { try CredentialPolicy.checkFile(path, text: withToken) }
    chmod(path, 0o600)
    try CredentialPolicy.checkFile(path, text: withToken)
}
