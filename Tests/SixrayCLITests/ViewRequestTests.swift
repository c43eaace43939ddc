import ArgumentParser
import Testing
@testable import SixrayCLI

/// `View.Request.parse` is the launcher's fast path for `sixray view`; whatever it accepts must
/// mean exactly what ArgumentParser makes of the same arguments, and whatever it cannot be sure
/// of must go to ArgumentParser (nil).
@Suite struct ViewRequestTests {
    static let accepted: [[String]] = [
        ["CT.dcm"],
        ["CT.dcm", "--protocol", "sixel"],
        ["--protocol=kitty", "CT.dcm"],
        ["CT.dcm", "--frame", "3", "--window", "40,400", "--width", "60"],
        ["dir", "--montage", "--preset", "ct-lung", "--size", "800x600", "--max-frame-bytes", "100000"],
        ["--", "-odd-name.dcm"],
        ["CT.dcm", "--window=-600,1500"],
    ]

    static let refused: [[String]] = [
        [],
        ["a.dcm", "b.dcm"],
        ["CT.dcm", "--frame", "x"],
        ["CT.dcm", "--frame"],
        ["CT.dcm", "--protocol", "bogus"],
        ["CT.dcm", "--window", "40,400", "--preset", "ct-lung"],
        ["CT.dcm", "--window", "40,-1"],
        ["CT.dcm", "--size", "800"],
        ["CT.dcm", "--width", "0"],
        ["CT.dcm", "--unknown", "1"],
        ["CT.dcm", "-h"],
        ["CT.dcm", "--montage=yes"],
        ["CT.dcm", "--window", "-600,1500"],
    ]

    @Test(arguments: accepted)
    func agreesWithArgumentParser(_ args: [String]) throws {
        let fast = try #require(View.Request.parse(args))
        let parsed = try View.parse(args)
        #expect(fast == parsed.request)
    }

    @Test(arguments: refused)
    func leavesTheRestToArgumentParser(_ args: [String]) {
        #expect(View.Request.parse(args) == nil)
    }

    @Test func refusedArgumentsAreUsageErrorsOrHelp() {
        for args in Self.refused {
            #expect(throws: (any Error).self) { _ = try View.parse(args) }
        }
    }
}
