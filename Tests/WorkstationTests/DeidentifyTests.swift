import Testing
@testable import Workstation

/// `--deidentify`: identity hidden from the start and Ctrl-p (hide_identity) cannot show it.
@Suite struct DeidentifiedWorkstation {
    @Test func lockedIdentityStaysHidden() {
        var s = AppState(width: 120, height: 40, today: "20261120")
        s.hideIdentity = true
        s.identityLocked = true
        _ = Reducer.reduce(&s, .studiesLoaded(ReducerTests.studies(), notice: nil))
        let before = Reducer.worklistRows(s).rows
        #expect(!before.isEmpty)
        for row in before {
            #expect(!row.contains("DOE^JANE") && !row.contains("Doe Jane") && !row.contains("P1") && !row.contains("A1"))
        }
        _ = Reducer.reduce(&s, .command(.hideIdentity))
        _ = Reducer.reduce(&s, .command(.hideIdentity))
        #expect(s.hideIdentity)
        #expect(s.status.text.contains("De-identified"))
        for row in Reducer.worklistRows(s).rows { #expect(!row.joined().contains("P1") && !row.joined().contains("ROE")) }
    }

    @Test func withoutTheLockCtrlPTogglesAsBefore() {
        var s = AppState(width: 120, height: 40, today: "20261120")
        _ = Reducer.reduce(&s, .studiesLoaded(ReducerTests.studies(), notice: nil))
        _ = Reducer.reduce(&s, .command(.hideIdentity))
        #expect(s.hideIdentity)
        _ = Reducer.reduce(&s, .command(.hideIdentity))
        #expect(!s.hideIdentity)
        #expect(Reducer.worklistRows(s).rows.contains { $0.contains("P1") && $0.contains("A1") })
    }
}
