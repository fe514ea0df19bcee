import BatonCore
import BatonTestSupport
import Foundation
import Orchestration
@testable import Reporting
import SQLite
import Testing

/// The forecasts checked against the past. On a generated log with stationary arrivals and durations the method's
/// assumptions hold, so its p85 must cover 85 % of the tickets (± 0.04, over at least 500); the log is imported in
/// time order and shuffled, which must change nothing. On BPI 2013 the coverage is whatever it is: printed, and
/// documented in the README.
@Suite struct ForecastCalibrationTests {
    static let start = Instant.parse("2026-01-05T00:00:00Z")!  // a Monday
    static let weeks = 30
    static var end: Int64 { start + Int64(weeks) * 7 * 86_400 }

    /// Tickets arriving at random (a Poisson process, 48 a day) for an ordered three-step service and a flexible
    /// two-step one; each step takes a lognormal time (its own median and spread) from when it is ready, the next
    /// step is ready when one is done, and a ticket closes when its last step is done. Events after `end` are cut.
    static func generatedLog(seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        func lognormal(_ medianHours: Double, _ sigma: Double) -> Int64 {
            let u = max(rng.unit(), 1e-12), v = rng.unit()
            let z = (-2 * Foundation.log(u)).squareRoot() * cos(2 * .pi * v)
            return Int64(medianHours * 3600 * exp(sigma * z)) + 60
        }
        var rows: [String] = []
        var t = Double(start)
        var n = 0
        while true {
            t += -Foundation.log(max(rng.unit(), 1e-12)) / 48 * 86_400
            let opened = Int64(t)
            guard opened < end else { break }
            n += 1
            let id = String(format: "F-%06d", n)
            var events: [(Int64, String)] = []
            let last: Int64
            if rng.unit() < 0.5 {
                var ready = opened
                for (step, team, median, sigma) in [("a", "t1", 6.0, 0.8), ("b", "t2", 12.0, 0.6), ("c", "t3", 3.0, 1.0)] {
                    ready += lognormal(median, sigma)
                    events.append((ready, "\(id),flow,\(step),\(team),completed,\(Instant.iso(ready)),a"))
                }
                last = ready
                events.insert((opened, "\(id),flow,,,opened,\(Instant.iso(opened)),a"), at: 0)
            } else {
                let x = opened + lognormal(8, 0.7), y = opened + lognormal(20, 0.5)
                events = [(opened, "\(id),par,,,opened,\(Instant.iso(opened)),a"), (x, "\(id),par,x,t1,completed,\(Instant.iso(x)),a"),
                          (y, "\(id),par,y,t4,completed,\(Instant.iso(y)),a")]
                last = max(x, y)
            }
            events.append((last + 1, "\(id),\(events[0].1.contains(",flow,") ? "flow" : "par"),,,closed,\(Instant.iso(last + 1)),a"))
            rows += events.filter { $0.0 <= end }.map(\.1)
        }
        return rows
    }

    static let services = [
        #"{"key": "flow", "name": "Flow", "enforce_order": true, "steps": [{"key": "a", "name": "A", "team": "t1", "kind": "task"}, {"key": "b", "name": "B", "team": "t2", "kind": "task"}, {"key": "c", "name": "C", "team": "t3", "kind": "task"}]}"#,
        #"{"key": "par", "name": "Par", "enforce_order": false, "steps": [{"key": "x", "name": "X", "team": "t1", "kind": "task"}, {"key": "y", "name": "Y", "team": "t4", "kind": "task"}]}"#,
    ]

    static func store(_ rows: [String], label: String) throws -> OrchestrationStore {
        let folder = try TemporaryFolder.make("forecast-\(label)")
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        for (i, s) in services.enumerated() {
            try store.apply(try ServiceDefinition.parse(Data(s.utf8), file: "s\(i).json"), at: start - 86_400)
        }
        let file = folder.appendingPathComponent("log.csv").path
        try CanonicalLog.csv(rows).write(toFile: file, atomically: true, encoding: .utf8)
        let summary = try EventLogImporter(store: store).run(try ByteSource(path: file), options: .init(format: .csv))
        #expect(summary.rejected == 0)
        return store
    }

    static func calibration(_ db: Database, asOf: Int64, _ extra: [String: SQLValue] = [:]) throws -> [String: Row] {
        var p: [String: SQLValue] = ["as_of": .integer(asOf)]
        p.merge(extra) { $1 }
        let out = try QueryRunner.run(try QueryFile.named("forecast_calibration"), on: db, parameters: p)
        #expect(Array(out.columns.prefix(6)) == ["as_of", "tickets", "closed_by_p50", "closed_by_p85", "coverage_p50", "coverage_p85"])
        return Dictionary(uniqueKeysWithValues: out.rows.map { ($0[0].string!, Row(columns: out.columns, values: $0)) })
    }

    @Test(arguments: ["time-ordered", "shuffled"])
    func stationaryFlowGivesCalibratedETAs(_ order: String) throws {
        var rows = Self.generatedLog(seed: 18)
        if order == "shuffled" {
            var rng = SplitMix64(seed: 99)
            rows.shuffle(using: &rng)
        }
        let store = try Self.store(rows, label: order)
        let table = try Self.calibration(store.db, asOf: Self.end)
        let all = try #require(table["all"])
        let tickets = try #require(all.int("tickets")), coverage = try #require(all["coverage_p85"].double)
        print("forecast calibration, stationary log (\(order)): \(tickets) tickets, p50 \(all["coverage_p50"].double ?? -1), p85 \(coverage), queues \(all.int("queues") ?? 0) cleared \(all["queue_coverage_p85"].double ?? -1)")
        #expect(tickets >= 500)
        #expect(abs(coverage - 0.85) <= 0.04, "p85 coverage \(coverage) over \(tickets) tickets")
        #expect(abs((all["coverage_p50"].double ?? 0) - 0.5) <= 0.06)
        #expect(all.string("verdict") == "calibrated")
        // The row `all` sums the instants'.
        let points = table.filter { $0.key != "all" }.values
        #expect(points.count == 12)
        for column in ["tickets", "closed_by_p50", "closed_by_p85", "open_tickets", "undecided", "queues", "queues_cleared_by_p85"] {
            #expect(points.reduce(0) { $0 + ($1.int(column) ?? 0) } == all.int(column), "\(column)")
        }
    }

    /// The same log in another order gives the same bytes; another seed gives other trials but the same verdict.
    @Test func theCalibrationDependsOnTheStoreNotOnTheImportOrder() throws {
        let rows = Self.generatedLog(seed: 7)
        var shuffled = rows
        var rng = SplitMix64(seed: 3)
        shuffled.shuffle(using: &rng)
        let a = try Self.store(rows, label: "a"), b = try Self.store(shuffled, label: "b")
        let p: [String: SQLValue] = ["calibration_points": .integer(4), "trials": .integer(2000)]
        let left = try Self.calibration(a.db, asOf: Self.end, p), right = try Self.calibration(b.db, asOf: Self.end, p)
        #expect(left.mapValues(\.values) == right.mapValues(\.values))
        let other = try Self.calibration(a.db, asOf: Self.end, p.merging(["forecast_seed": .integer(2)]) { $1 })
        #expect(other.mapValues(\.values) != left.mapValues(\.values))
    }

    static let hasBPIC = TestPaths.sharedFile("bpic2013_incidents.xes.gz") != nil

    /// BPI 2013: incidents of a log-made service, so every ETA comes from lead times. Nearly all of its incidents
    /// open in April and May 2012 and are resolved by 2012-05-18, so as of the weekly report's 2012-05-21 no p85
    /// instant of the 12 weeks before has passed (nothing can be checked yet); checked as of 2012-09-03 instead, over
    /// the 18 weeks back to 2012-04-30. The figure is reported, not tuned: the README quotes it.
    @Test(.enabled(if: hasBPIC, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func bpic2013CoverageIsReported() throws {
        let temporary = try TemporaryStore("forecast-bpic", copyOf: try #require(SharedImports.bpic2013).get().dbPath)
        let early = try Self.calibration(temporary.store.db, asOf: Instant.parse("2012-05-21T00:00:00Z")!)
        #expect(early["all"]?.int("tickets") == 0 && (early["all"]?.int("undecided") ?? 0) > 1000)
        let asOf = Instant.parse("2012-09-03T00:00:00Z")!
        let table = try Self.calibration(temporary.store.db, asOf: asOf, ["calibration_points": .integer(18)])
        let all = try #require(table["all"])
        let tickets = try #require(all.int("tickets"))
        print("forecast calibration, BPI 2013 as of 2012-09-03, 18 weeks: \(tickets) tickets, p50 \(all["coverage_p50"].double ?? -1), p85 \(all["coverage_p85"].double ?? -1), queues \(all.int("queues") ?? 0) cleared \(all["queue_coverage_p85"].double ?? -1), \(all.string("verdict") ?? "")")
        for (k, row) in table.sorted(by: { $0.key < $1.key }) where (row.int("open_tickets") ?? 0) > 0 {
            print("  \(k): \(row.values.map(\.description).joined(separator: " "))")
        }
        #expect(tickets >= 500)
        let byP50 = try #require(all.int("closed_by_p50")), byP85 = try #require(all.int("closed_by_p85"))
        #expect(byP50 <= byP85 && byP85 <= tickets)
        #expect(all["coverage_p85"].double == Double(byP85) / Double(tickets))
    }
}
