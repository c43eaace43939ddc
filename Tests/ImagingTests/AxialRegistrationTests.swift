import Testing
@testable import Imaging

@Suite struct AxialRegistrationTests {
    /// A body whose cross-section and contents change along z like a trunk: area grows then
    /// shrinks, an organ with high signal sits between z = −40 and +30.
    static func profile(offset: Double, spacing: Double, start: Double, count: Int, signalScale: Double = 1) -> [AxialRegistration.Sample] {
        (0..<count).map { k in
            let z = start + Double(k) * spacing       // patient coordinate
            let anatomy = z - offset                  // where in the body that is
            let area = anatomy < -150 || anatomy > 150 ? 0 : 50_000 * (1 - abs(anatomy + 20) / 200)
            let organ = anatomy > -40 && anatomy < 30 ? 80.0 : 20.0
            let kidney = anatomy > -90 && anatomy < -60 ? 60.0 : 0
            return AxialRegistration.Sample(position: z, area: max(0, area), mean: (organ + kidney) * signalScale)
        }
    }

    @Test(arguments: [(0.0, 1.25, 5.0), (35.0, 1.25, 5.0), (-48.5, 2.5, 3.0), (12.3, 5.0, 1.25)])
    func findsTheOffsetWithinHalfThePriorSpacing(offset: Double, currentSpacing: Double, priorSpacing: Double) throws {
        let current = Self.profile(offset: 0, spacing: currentSpacing, start: -140, count: Int(260 / currentSpacing))
        let prior = Self.profile(offset: offset, spacing: priorSpacing, start: -140 + offset + 7, count: Int(240 / priorSpacing))
        let r = try #require(AxialRegistration.register(current, prior, sameModality: true))
        #expect(abs(r.offset - offset) <= priorSpacing / 2, "found \(r.offset), true \(offset)")
        #expect(r.score > 0.8)
    }

    @Test func acrossModalitiesTheBodyExtentAligns() throws {
        // CT-like against MR-like: signal scales differ and are ignored; the area profile aligns.
        let ct = Self.profile(offset: 0, spacing: 2.5, start: -160, count: 130)
        let mr = Self.profile(offset: -20, spacing: 6, start: -170, count: 50, signalScale: -7)
        let r = try #require(AxialRegistration.register(ct, mr, sameModality: false))
        #expect(abs(r.offset + 20) <= 3, "found \(r.offset)")
    }

    @Test func noOverlapIsReported() {
        let a = Self.profile(offset: 0, spacing: 5, start: -100, count: 10)
        let b = Self.profile(offset: 0, spacing: 5, start: 600, count: 10)
        #expect(AxialRegistration.register(a, b, sameModality: true, maxShift: 100) == nil)
        #expect(AxialRegistration.register(a, [], sameModality: true) == nil)
    }

    @Test func bodyThresholds() {
        #expect(AxialRegistration.bodyThreshold(modality: "CT", values: [0]) == -500)
        let mr: [Float] = Array(repeating: 0, count: 900) + Array(repeating: 1000, count: 100)
        #expect(AxialRegistration.bodyThreshold(modality: "MR", values: mr) == 100)
        let s = AxialRegistration.sample(values: [-1000, 40, 60, -1000], pixelArea: 0.5, threshold: -500, position: 3)
        #expect(s == AxialRegistration.Sample(position: 3, area: 1, mean: 50))
    }
}
