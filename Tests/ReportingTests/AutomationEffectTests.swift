import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// "Did automation pay off?" on a planted log (`PlantedAutomationLog`): version 2 automates `check` (its time in step
/// planted to drop from a median of 4 h to 0.5 h) and removes `tidy` (reworked on one ticket in five before). The
/// planted drops must be recovered inside their intervals, the planted no-effects (ship's wait, check's rework) must
/// give intervals containing 0, and every number must be the one worked out again from the planted values.
@Suite(.serialized) struct AutomationEffectTests {
    static func effect(_ log: PlantedAutomationLog, order: String, query: String = "automation_effect") throws -> [String: Row] {
        let folder = try TemporaryFolder.make("effect-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        try store.apply(try ServiceDefinition.parse(Data(PlantedAutomationLog.v1.utf8), file: "v1.json"), at: PlantedAutomationLog.from - 86_400)
        for (side, rows) in [log.before, log.after].enumerated() {
            if side == 1 { try store.apply(try ServiceDefinition.parse(Data(PlantedAutomationLog.v2.utf8), file: "v2.json"), at: PlantedAutomationLog.from) }
            let file = folder.appendingPathComponent("log\(side).csv").path
            try ([PlantedAutomationLog.header] + PlantedAutomationLog.ordered(rows, order)).joined(separator: "\n").appending("\n")
                .write(toFile: file, atomically: true, encoding: .utf8)
            let s = try EventLogImporter(store: store).run(try ByteSource(path: file), options: .init(format: .csv))
            #expect(s.rejected == 0)
        }
        let out = try QueryRunner.run(try QueryFile.named(query), on: store.db,
                                      parameters: ["from": .integer(PlantedAutomationLog.from), "to": .integer(PlantedAutomationLog.to),
                                                   "as_of": .integer(PlantedAutomationLog.to)])
        var rows: [String: Row] = [:]
        for values in out.rows {
            let row = Row(columns: out.columns, values: values)
            rows[query == "automation_effect" ? "\(row.string("step")!)/\(row.string("metric")!)" : row.string("step")!] = row
        }
        return rows
    }

    @Test(arguments: ["grouped", "time-ordered", "shuffled"])
    func thePlantedEffectsAreRecovered(order: String) throws {
        let log = PlantedAutomationLog()
        let rows = try Self.effect(log, order: order)
        #expect(rows.keys.sorted() == ["check/downstream_wait_hours", "check/rework_share", "check/time_in_step_hours",
                                       "tidy/rework_share", "tidy/time_in_step_hours"], "tidy is last: no downstream step")
        func row(_ key: String) throws -> Row { try #require(rows[key], "\(key)") }
        let time = try row("check/time_in_step_hours")
        #expect(time.string("change") == "automated" && time.int("version_before") == 1 && time.int("version_after") == 2)
        #expect(time.int("tickets_before") == 150 && time.int("tickets_after") == 150)
        #expect(time.double("ci_low")! <= -3.5 && -3.5 <= time.double("ci_high")!, "planted 4 h -> 0.5 h")
        #expect(time.string("verdict") == "helped")
        let wait = try row("check/downstream_wait_hours")
        #expect(wait.string("downstream_step") == "ship")
        #expect(wait.double("ci_low")! < 0 && 0 < wait.double("ci_high")!, "no effect planted downstream")
        #expect(wait.string("verdict") == "no clear change")
        let checkRework = try row("check/rework_share")
        #expect(checkRework.double("ci_low") == 0 && checkRework.double("ci_high") == 0 && checkRework.string("verdict") == "no clear change")
        let tidy = try row("tidy/rework_share")
        #expect(tidy.string("change") == "removed" && tidy.double("before") == 0.2 && tidy.double("after") == 0)
        #expect(tidy.double("ci_low")! <= -0.2 && -0.2 <= tidy.double("ci_high")!, "planted 20 % -> 0")
        #expect(tidy.string("verdict") == "helped")
        #expect(rows["tidy/time_in_step_hours"]?.double("after") == 0 && rows["tidy/time_in_step_hours"]?.string("verdict") == "helped")
    }

    /// Every number is the planted per-ticket values' statistic, and the interval is Bootstrap's on them (same
    /// multisets, same seed), so the SQL found exactly the planted tickets and values.
    @Test func theNumbersAreThoseOfThePlantedValues() throws {
        let log = PlantedAutomationLog()
        let rows = try Self.effect(log, order: "shuffled")
        let metrics: [(String, Bootstrap.Statistic, (PlantedAutomationLog.Truth) -> Double)] = [
            ("check/time_in_step_hours", .median, \.checkHours), ("check/downstream_wait_hours", .median, \.shipWaitHours),
            ("tidy/time_in_step_hours", .median, \.tidyHours), ("tidy/rework_share", .mean, \.tidyReworked),
        ]
        for (key, statistic, value) in metrics {
            let row = try #require(rows[key])
            let expected = try #require(Bootstrap.difference(before: log.truth[0].map(value), after: log.truth[1].map(value),
                                                             statistic: statistic, resamples: 2000, confidence: 0.95, seed: 1))
            #expect(abs(row.double("before")! - expected.before) < 1e-9 && abs(row.double("after")! - expected.after) < 1e-9, "\(key)")
            #expect(abs(row.double("difference")! - expected.difference) < 1e-9, "\(key)")
            #expect(abs(row.double("ci_low")! - expected.low) < 1e-9 && abs(row.double("ci_high")! - expected.high) < 1e-9, "\(key)")
        }
    }

    /// Readiness judges a step by the current definition: `check`, worked by people under version 1 and automated by
    /// version 2, is `automated`, not a candidate.
    @Test func readinessCallsAStepAutomatedByTheCurrentVersionAutomated() throws {
        let rows = try Self.effect(PlantedAutomationLog(), order: "grouped", query: "automation_readiness")
        #expect(rows["check"]?.string("kind") == "automated" && rows["check"]?.string("verdict") == "automated")
        #expect(rows["check"]?.string("reasons") == "the step is already automated")
        #expect(rows["ship"]?.string("verdict") != "automated")
    }

    @Test func tooFewTicketsIsSaidNotJudged() throws {
        let rows = try Self.effect(PlantedAutomationLog(perSide: 12), order: "grouped")
        #expect(rows.values.allSatisfy { $0.string("verdict") == "too-few-tickets" })
        #expect(rows["check/time_in_step_hours"]?.int("tickets_before") == 12)
    }

    /// On real work times (BPI 2013: every completed run's time in step), split in two by ticket: no effect, so the
    /// interval of the difference of medians contains 0; the second half's times halved: the interval contains the
    /// planted difference, half the median.
    @Test(.enabled(if: SharedImports.bpic2013 != nil, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func onRealWorkTimesNoEffectContainsZeroAndAPlantedOneIsFound() throws {
        let imported = try #require(SharedImports.bpic2013).get()
        let store = try TemporaryStore("effect-bpic", copyOf: imported.dbPath)
        let rows = try store.store.db.rows("""
            SELECT ticket_id, (done_at - ready_at) / 3600.0 AS hours FROM step_runs
            WHERE state = 'done' AND ready_at IS NOT NULL AND step = (SELECT step FROM step_runs WHERE state = 'done' GROUP BY step ORDER BY count(*) DESC LIMIT 1)
            """)
        var halves: [[Double]] = [[], []]
        for r in rows {
            var h: UInt64 = 1469598103934665603
            for b in r.string("ticket_id")!.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
            halves[Int(h % 2)].append(r.double("hours")!)
        }
        #expect(halves[0].count > 500 && halves[1].count > 500)
        let none = try #require(Bootstrap.difference(before: halves[0], after: halves[1], statistic: .median, resamples: 2000, confidence: 0.95, seed: 1))
        #expect(none.low < 0 && 0 < none.high, "[\(none.low), \(none.high)]")
        let median = Statistics.percentile(halves[0] + halves[1], 0.5)!
        let planted = try #require(Bootstrap.difference(before: halves[0], after: halves[1].map { $0 / 2 }, statistic: .median,
                                                        resamples: 2000, confidence: 0.95, seed: 1))
        #expect(planted.low <= -median / 2 && -median / 2 <= planted.high, "[\(planted.low), \(planted.high)] vs \(-median / 2)")
        #expect(planted.high < 0)
    }
}
