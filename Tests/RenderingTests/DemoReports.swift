import BatonTestSupport
import Foundation
import Testing

/// The demo's store, made once per test run as `samples/demo.sh` makes it (the sample calendars, teams and
/// services, 3000 generated tickets with seed 7 and the walkthrough log) by the debug binary, and its reports as
/// of 2026-11-23: real reports of data these tests did not write.
enum DemoReports {
    static let asOf = "2026-11-23T00:00:00Z"

    final class Store: @unchecked Sendable {
        /// Removed when the test process exits.
        let folder: TemporaryFolder
        let db: String
        init() throws {
            folder = try TemporaryFolder("demo-reports").keptUntilExit()
            db = folder.path("demo.db")
            let samples = TestPaths.packageRoot.appendingPathComponent("samples")
            func json(_ dir: String) throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: samples.appendingPathComponent(dir).path)
                    .filter { $0.hasSuffix(".json") }.sorted().map { "samples/\(dir)/\($0)" }
            }
            let history = folder.path("history.csv")
            try DemoReports.baton(db, ["init"])
            try DemoReports.baton(db, ["calendar", "apply"] + json("calendars"))
            try DemoReports.baton(db, ["team", "apply"] + json("teams"))
            try DemoReports.baton(db, ["service", "apply"] + json("services"))
            try DemoReports.baton(db, ["generate", "--tickets", "3000", "--seed", "7", "--start", "2026-06-01", "--days", "180",
                                       "--services", "samples/services", "--out", history])
            try DemoReports.baton(db, ["import", history])
            try DemoReports.baton(db, ["import", "samples/walkthrough.csv"])
        }
    }

    /// Built by the first test that asks; nil when it could not be (the failure is recorded by that test).
    static let shared: Result<Store, any Error> = Result { try Store() }

    /// Runs the debug binary with `BATON_DB=db` in the package root; throws on a non-zero exit.
    static func baton(_ db: String, _ args: [String]) throws {
        var env = ProcessInfo.processInfo.environment
        env["BATON_DB"] = db
        let r = try Subprocess.run(TestPaths.batonBinary.path, args, environment: env, directory: TestPaths.packageRoot, timeout: 900)
        guard r.status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "baton \(args.joined(separator: " ")): \(r.err.suffix(1500))"])
        }
    }

    /// `baton report NAME ARGS --format FORMATS --out` a new folder under `folder`: the run's folder.
    static func report(_ db: String, _ name: String, _ args: [String], formats: String, in folder: URL) throws -> URL {
        let out = folder.appendingPathComponent("out-\(UUID().uuidString)")
        try baton(db, ["report", name] + args + ["--format", formats, "--out", out.path])
        let run = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasPrefix(name + "-") })
        return out.appendingPathComponent(run)
    }

    /// A demo report as of `asOf` (the demo's window).
    static func demo(_ name: String, formats: String, in folder: URL) throws -> URL {
        let store = try shared.get()
        return try report(store.db, name, ["--as-of", asOf], formats: formats, in: folder)
    }
}
