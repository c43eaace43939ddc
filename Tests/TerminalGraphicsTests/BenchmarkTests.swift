#if canImport(Glibc)
import Glibc
#endif
import Imaging
import Testing
import TerminalGraphics

@Suite("Benchmark runner")
struct BenchmarkTests {
    @Test("The runner reports every encoder with a positive time and byte count")
    func runnerReports() {
        let iterations = Int(ProcessInfoLite.env("SIXRAY_BENCH_ITERATIONS") ?? "") ?? 2
        let report = GraphicsBenchmark.run(image: TestImages.ctLike(), iterations: iterations)
        print(report.text)
        #expect(report.rows.count == 6)
        for row in report.rows {
            #expect(row.microseconds > 0, "\(row.name)")
            #expect(row.bytes > 0, "\(row.name)")
        }
    }
}

enum ProcessInfoLite {
    static func env(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }
}
