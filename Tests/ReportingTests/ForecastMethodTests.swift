import BatonCore
import BatonTestSupport
import Foundation
import Orchestration
@testable import Reporting
import SQLite
import Testing

/// The pieces of the forecast against values worked out by hand or by a second method: percentiles by selection
/// against a full sort, the survival conditioning, the queue bootstrap, and a ticket's ETA on a store whose
/// durations are known.
@Suite struct ForecastMethodTests {
    /// Type 7 by a full sort, the way the README defines it.
    static func sortedPercentile(_ values: [Int64], _ p: Double) -> Double {
        let s = values.sorted()
        let h = Double(s.count - 1) * p
        let k = Int(h.rounded(.down))
        return k + 1 < s.count ? Double(s[k]) + (h - Double(k)) * Double(s[k + 1] - s[k]) : Double(s[k])
    }

    @Test(arguments: [1, 2, 3, 10, 101, 10_000])
    func selectionGivesTheSortedPercentiles(_ n: Int) {
        var rng = SplitMix64(seed: UInt64(n))
        // Many ties (values 0..<50) and wide ranges both.
        for spread in [50, 1_000_000] as [UInt64] {
            var values = (0..<n).map { _ in Int64(rng.next() % spread) }
            let expected = [0.05, 0.15, 0.5, 0.85].map { Self.sortedPercentile(values, $0) }
            let got = TrialQuantiles.of(&values, [0.05, 0.15, 0.5, 0.85])
            #expect(got == expected.map { Optional($0) })
        }
    }

    @Test func aPercentileThatTouchesNeverIsNil() {
        var values: [Int64] = [1, 2, 3, .max, .max]
        #expect(TrialQuantiles.of(&values, [0.5, 0.85]) == [3, nil])
    }

    @Test func conditioningKeepsTheDurationsLongerThanTheAge() {
        let hours = DurationSample((1...10).map { Int64($0) * 3600 })
        #expect(hours.conditioned(onAge: 0) == (10, false))
        #expect(hours.conditioned(onAge: 4 * 3600).candidates == 6)        // 5 h … 10 h
        #expect(hours.conditioned(onAge: 5 * 3600).candidates == 5)        // 6 h … 10 h (longer, not equal)
        // Older than all but 5: the 5 longest, counted on from now by how much each exceeds the 6 h.
        #expect(hours.conditioned(onAge: 9 * 3600 + 1) == (5, true))
        #expect(hours.conditioned(onAge: 100 * 3600) == (5, true))
        var rng = SplitMix64(seed: 1)
        let drawn = Set((0..<200).map { _ in hours.draw(fromLongest: 5, fromNow: true, &rng) })
        #expect(drawn == Set([0, 1, 2, 3, 4].map { Int64($0) * 3600 }))
        // Above 64 candidates, rounded down to the 2 % grid: never more than the exact count, never 2 % fewer.
        let many = DurationSample((1...5000).map { Int64($0) })
        for age in stride(from: Int64(0), to: 4900, by: 37) {
            let exact = 5000 - Int(age)
            let c = many.conditioned(onAge: age).candidates
            #expect(c <= exact && Double(c) >= Double(exact) * 0.98 - 1, "age \(age): \(c) of \(exact)")
        }
    }

    static func settings(trials: Int = 10_000, horizon: Int = 28) -> ForecastSettings {
        var s = ForecastSettings()
        s.trials = trials
        s.horizonDays = horizon
        return s
    }

    @Test func aQueueThatCompletesTheSameEveryDayClearsOnTheDayArithmeticSays() {
        let q = QueueForecaster(settings: Self.settings()).forecast(QueueKey(scope: "team", key: "t"), open: 10, daily: Array(repeating: 3, count: 56))
        #expect(q.clearP50Days == 4 && q.clearP85Days == 4)   // 3, 6, 9, 12: the fourth day
        #expect(q.byP50 == 84 && q.byP85 == 84 && q.byP95 == 84)
        #expect(q.dailyMean == 3)
    }

    /// Days of 0 or 6 completions, even odds, 10 open: the days to clear are those to the second 6, a negative
    /// binomial: P(D ≤ d) = 1 - (d + 1) / 2^d, so P(D ≤ 5) = 0.8125 < 0.85 < P(D ≤ 6) = 0.890625: p85 = 6 days.
    /// By 4 days: 6 x Binomial(4, 1/2); P(≤ 1 six) = 5/16 and P(0) = 1/16, so p15 = 6 and p5 = 0; p50 = 12.
    @Test func aBootstrapOfTwoKindsOfDayFollowsTheNegativeBinomial() {
        let daily = (0..<56).map { $0 % 2 == 0 ? 0 : 6 }
        let q = QueueForecaster(settings: Self.settings(horizon: 4)).forecast(QueueKey(scope: "team", key: "t"), open: 10, daily: daily)
        #expect(q.clearP85Days == 6)
        #expect(q.byP50 == 12 && q.byP85 == 6 && q.byP95 == 0)
    }

    @Test func aQueueThatCompletedNothingNeverClearsAndAnEmptyOneIsClearNow() {
        let f = QueueForecaster(settings: Self.settings(trials: 100))
        let stuck = f.forecast(QueueKey(scope: "team", key: "t"), open: 3, daily: Array(repeating: 0, count: 56))
        #expect(stuck.clearP50Days == nil && stuck.clearP85Days == nil && stuck.byP50 == 0)
        let empty = f.forecast(QueueKey(scope: "team", key: "t"), open: 0, daily: Array(repeating: 2, count: 56))
        #expect(empty.clearP50Days == 0 && empty.clearP85Days == 0 && empty.byP50 == 56)
    }
}

/// ETAs on a store whose durations are known: ten closed tickets per service whose step took 1 h … 10 h, and open
/// tickets 5 h old. Only the durations longer than 5 h remain (6 h … 10 h, even odds), so one open step ends by
/// 8 h at 60 % (p50 = 8 h) and by 9 h at 80 % (p85 = 10 h); two open in parallel end with the later of them,
/// P(max ≤ k) = ((k - 5) / 5)², so p50 = 9 h and p85 = 10 h. A ticket older than every duration is conditioned on
/// the five longest and counted on from as_of.
@Suite struct ForecastETATests {
    static let asOf = Instant.parse("2026-05-04T12:00:00Z")!
    static let hour: Int64 = 3600

    static func store() throws -> OrchestrationStore {
        let folder = try TemporaryFolder.make("forecast-eta")
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        try store.apply(try ServiceDefinition.parse(Data("""
            {"key": "one", "name": "One step", "enforce_order": true, "steps": [{"key": "s", "name": "S", "team": "t", "kind": "task"}]}
            """.utf8), file: "one.json"), at: asOf - 30 * 86_400)
        try store.apply(try ServiceDefinition.parse(Data("""
            {"key": "par", "name": "Parallel", "enforce_order": false, "steps": [{"key": "x", "name": "X", "team": "t", "kind": "task"},
             {"key": "y", "name": "Y", "team": "u", "kind": "task"}]}
            """.utf8), file: "par.json"), at: asOf - 30 * 86_400)
        var rows = [CanonicalLog.header]
        func at(_ t: Int64) -> String { Instant.iso(t) }
        for k in 1...10 {
            let opened = asOf - Int64(k) * 86_400 - 12 * hour
            let done = opened + Int64(k) * hour
            for service in ["one", "logmade"] {
                rows += ["\(service)-\(k),\(service),,,opened,\(at(opened)),a", "\(service)-\(k),\(service),s,t,completed,\(at(done)),a",
                         "\(service)-\(k),\(service),,,closed,\(at(done)),a"]
            }
            rows += ["par-\(k),par,,,opened,\(at(opened)),a", "par-\(k),par,x,t,completed,\(at(done)),a",
                     "par-\(k),par,y,u,completed,\(at(done)),a", "par-\(k),par,,,closed,\(at(done)),a"]
        }
        let opened = asOf - 5 * hour
        rows += ["one-open,one,,,opened,\(at(opened)),a", "logmade-open,logmade,,,opened,\(at(opened)),a",
                 "logmade-open,logmade,s,t,started,\(at(opened + 60)),a",
                 "par-both,par,,,opened,\(at(opened)),a",
                 "par-y,par,,,opened,\(at(opened)),a", "par-y,par,x,t,completed,\(at(opened + 60)),a",
                 "one-old,one,,,opened,\(at(asOf - 12 * hour)),a"]
        let file = folder.appendingPathComponent("log.csv").path
        try CanonicalLog.csv(Array(rows.dropFirst())).write(toFile: file, atomically: true, encoding: .utf8)
        let summary = try EventLogImporter(store: store).run(try ByteSource(path: file), options: .init(format: .csv))
        #expect(summary.rejected == 0)
        return store
    }

    static func etas(_ store: OrchestrationStore, _ extra: [String: SQLValue] = [:]) throws -> [String: Row] {
        var parameters: [String: SQLValue] = ["as_of": .integer(asOf), "forecast_min_runs": .integer(10)]
        parameters.merge(extra) { $1 }
        let out = try QueryRunner.run(try QueryFile.named("forecast_tickets"), on: store.db, parameters: parameters)
        return Dictionary(uniqueKeysWithValues: out.rows.map { ($0[0].string!, Row(columns: out.columns, values: $0)) })
    }

    @Test func theETAsAreThePercentilesOfTheDurationsLongerThanTheAge() throws {
        let etas = try Self.etas(try Self.store())
        let opened = Self.asOf - 5 * Self.hour
        let cases: [(String, String, Int64, Int64)] = [
            ("one-open", "steps", 8, 10), ("logmade-open", "lead_time", 8, 10), ("par-both", "steps", 9, 10), ("par-y", "steps", 8, 10),
        ]
        for (id, method, p50, p85) in cases {
            let row = try #require(etas[id], "\(id) has no ETA row")
            #expect(row.string("method") == method, "\(id)")
            #expect(row.int("eta_p50_at") == opened + p50 * Self.hour, "\(id) p50")
            #expect(row.int("eta_p85_at") == opened + p85 * Self.hour, "\(id) p85")
        }
        // Older (12 h) than every duration: the 5 longest (6 h … 10 h) counted from now by their excess over 6 h.
        let old = try #require(etas["one-old"])
        #expect(old.int("eta_p50_at") == Self.asOf + 2 * Self.hour && old.int("eta_p85_at") == Self.asOf + 4 * Self.hour)
        #expect(etas.count == 5)
    }

    @Test func tooFewDurationsGiveNoETAAndTheSameAsOfTheSameNumbers() throws {
        let store = try Self.store()
        let none = try Self.etas(store, ["forecast_min_runs": .integer(11)])
        #expect(none.values.allSatisfy { $0.string("method") == "none" && $0.int("eta_p85_at") == nil })
        let fewer = try Self.etas(store, ["trials": .integer(501)])
        let again = try Self.etas(store, ["trials": .integer(501)])
        #expect(fewer.mapValues(\.values) == again.mapValues(\.values))
    }
}

/// A `-- computed:` line naming no computation Baton knows is refused with the file and "did you mean".
@Suite struct ComputedQueryTests {
    @Test func anUnknownComputationIsRefused() throws {
        let folder = try TemporaryFolder.make("computed")
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        let query = QueryFile(name: "mine", path: "/q/mine.sql", sql: "-- mine\n-- computed: forcast\nSELECT :as_of AS as_of")
        #expect(query.computed == "forcast")
        #expect(throws: ReportingError.self) { try QueryRunner.run(query, on: store.db, parameters: ["as_of": .integer(0)]) }
        do {
            _ = try QueryRunner.run(query, on: store.db, parameters: ["as_of": .integer(0)])
        } catch let error as ReportingError {
            #expect(error.message.contains("/q/mine.sql: 'computed: forcast' is not a computation Baton knows; did you mean 'forecast'?"), "\(error.message)")
        }
    }
}
