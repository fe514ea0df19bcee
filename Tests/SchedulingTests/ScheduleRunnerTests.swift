import Scheduling
import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Scheduling
@testable import Reporting
import Orchestration
import SQLite

/// The runner with a fake report generator that writes real files (the period it was asked for).
final class ScheduleFixture: TemporaryStore {
    var folder: String { directory.path }
    var out: String { folder + "/out" }
    var calls: [(String, SchedulePeriod)] = []
    var failOn: Set<Int64> = []

    init() throws {
        try super.init("schedule")
        try FileManager.default.createDirectory(atPath: folder + "/reports", withIntermediateDirectories: true)
        try SchedulingSchema.migrator.migrate(store.db)
    }

    func definition(_ name: String, _ json: String) throws -> ScheduleDefinition {
        let path = folder + "/reports/\(name).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return try #require(try ScheduleDefinition.load(path: path))
    }

    func runner() throws -> ScheduleRunner<ScheduleDefinition> {
        try ScheduleRunner(db: store.db, outputFolder: out,
            generateReport: { [unowned self] d, p, folder in
                calls.append((d.name, p))
                if failOn.contains(p.end) { throw ScheduleError("disk full (simulated)") }
                try "period,\(Instant.iso(p.start)),\(Instant.iso(p.end))\n".write(toFile: folder + "/report.csv", atomically: false, encoding: .utf8)
                return "fake"
            },
            generateAlerts: { [unowned self] d, p, folder in
                calls.append((d.name, p))
                try AtomicFile.write("as_of \(Instant.iso(p.end))\n", to: folder + "/" + d.alertOutput)
                return [folder + "/" + d.alertOutput]
            })
    }

    func reports(_ name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out + "/" + name)) ?? []).sorted()
    }

    func snapshot() throws -> String {
        try store.db.rows("SELECT * FROM schedule_runs ORDER BY id").map { $0.values.map(\.description).joined(separator: "|") }.joined(separator: "\n")
    }
}

@Suite struct ScheduleRunnerTests {
    static func t(_ s: String) -> Int64 { Instant.parse(s)! }
    static let weekly = #"{"title": "Weekly", "schedule": "0 6 * * MON", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}]}"#

    @Test func missedPeriodsAreCaughtUpExactlyOnce() throws {
        let f = try ScheduleFixture()
        let d = try f.definition("weekly", Self.weekly)
        let runner = try f.runner()
        // First run: only the latest due period (Monday 2026-11-02 06:00).
        let first = try runner.run([d], now: Self.t("2026-11-04T12:00:00Z"))
        #expect(first.map(\.status) == [.generated])
        #expect(f.reports("weekly") == ["2026-11-02T0600Z", "latest"])
        // The machine is off for three Mondays.
        let caughtUp = try runner.run([d], now: Self.t("2026-11-23T06:05:00Z"))
        #expect(caughtUp.map(\.status) == [.generated, .generated, .generated])
        #expect(f.reports("weekly") == ["2026-11-02T0600Z", "2026-11-09T0600Z", "2026-11-16T0600Z", "2026-11-23T0600Z", "latest"])
        // Each for its own period [previous Monday 06:00, this Monday 06:00).
        let csv = try String(contentsOfFile: f.out + "/weekly/2026-11-16T0600Z/report.csv", encoding: .utf8)
        #expect(csv == "period,2026-11-09T06:00:00Z,2026-11-16T06:00:00Z\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: f.out + "/weekly/latest") == "2026-11-23T0600Z")
        // Run again: nothing is due.
        #expect(try runner.run([d], now: Self.t("2026-11-23T06:10:00Z")).isEmpty)
        #expect(f.calls.count == 4)
        let history = try f.store.db.rows("SELECT state, attempts, outputs FROM schedule_runs ORDER BY period_end")
        #expect(history.count == 4 && history.allSatisfy { $0.string("state") == "done" && $0.int("attempts") == 1 })
        #expect(history.last?.string("outputs") == "[\"\(f.out)/weekly/2026-11-23T0600Z\"]")
    }

    @Test func aFailedPeriodIsRecordedWithItsErrorAndRetried() throws {
        let f = try ScheduleFixture()
        let d = try f.definition("weekly", Self.weekly)
        let runner = try f.runner()
        _ = try runner.run([d], now: Self.t("2026-11-02T07:00:00Z"))
        f.failOn = [Self.t("2026-11-09T06:00:00Z")]
        let failed = try runner.run([d], now: Self.t("2026-11-16T07:00:00Z"))
        #expect(failed.map(\.status) == [.failed])          // 11-16 waits behind the failed 11-09
        #expect(failed.first?.message.contains("disk full") == true)
        #expect(f.reports("weekly") == ["2026-11-02T0600Z", "latest"])   // no partial folder, no temporary
        // The attempt leaves a trace: the period is failed, with its error, and the attempt is recorded.
        let run = try #require(try f.store.db.rows("SELECT state, attempts, error, outcome, outputs FROM schedule_runs WHERE period_end = ?", [Self.t("2026-11-09T06:00:00Z")]).first)
        #expect(run.string("state") == "failed" && run.int("attempts") == 1 && run.string("error") == "disk full (simulated)" && run["outputs"].isNull)
        #expect(run.string("outcome") == "attempt 1 failed: disk full (simulated)")
        #expect(try f.store.db.scalar("SELECT count(*) FROM schedule_runs WHERE period_end = ?", [Self.t("2026-11-16T06:00:00Z")])?.int == 0)
        f.failOn = []
        let retried = try runner.run([d], now: Self.t("2026-11-16T07:05:00Z"))
        #expect(retried.map(\.period.label) == ["2026-11-09T0600Z", "2026-11-16T0600Z"])
        let attempts = try f.store.db.rows("SELECT attempt, state, error FROM schedule_attempts WHERE period_end = ? ORDER BY attempt", [Self.t("2026-11-09T06:00:00Z")])
        #expect(attempts.map { "\($0.int("attempt")!) \($0.string("state")!) \($0.string("error") ?? "-")" } == ["1 failed disk full (simulated)", "2 done -"])
        let done = try #require(try f.store.db.rows("SELECT state, attempts, error FROM schedule_runs WHERE period_end = ?", [Self.t("2026-11-09T06:00:00Z")]).first)
        #expect(done.string("state") == "done" && done.int("attempts") == 2 && done["error"].isNull)
    }

    /// An alert definition runs only its latest period, so a killed run of an older one is never retried: it must not
    /// stay `running` for ever. The next run records the attempt as killed and the period as failed.
    @Test func aKilledRunIsRecordedEvenWhenItsPeriodIsNotRetried() throws {
        let f = try ScheduleFixture()
        let d = try f.definition("stalled", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "stalled.json"}"#)
        let host = ProcessInfo.processInfo.hostName
        let old = Self.t("2026-11-09T07:00:00Z")
        try f.store.db.run("INSERT INTO schedule_runs(definition, kind, period_start, period_end, state, started_at, pid, host) VALUES ('stalled','alerts',?,?,'running',?,99999999,?)",
                           [old - 600, old, Instant.now() - 5, host])
        let outcome = try f.runner().run([d], now: Self.t("2026-11-09T07:25:00Z"))
        #expect(outcome.map(\.period.label) == ["2026-11-09T0720Z"])
        let row = try #require(try f.store.db.rows("SELECT state, error FROM schedule_runs WHERE period_end = ?", [old]).first)
        #expect(row.string("state") == "failed", "\(row)")
        #expect(row.string("error") == "attempt 1 killed: its runner (pid 99999999 on \(host)) is gone")
        let attempt = try #require(try f.store.db.rows("SELECT attempt, state, error, finished_at FROM schedule_attempts WHERE period_end = ?", [old]).first)
        #expect(attempt.string("state") == "killed" && attempt.int("attempt") == 1 && attempt.int("finished_at") != nil)
        #expect(attempt.string("error") == "killed: its runner (pid 99999999 on \(host)) is gone")
        // A live claim is left alone by the sweep.
        try f.store.db.run("INSERT INTO schedule_runs(definition, kind, period_start, period_end, state, started_at, pid, host) VALUES ('stalled','alerts',?,?,'running',?,1,?)",
                           [old, old + 600, Instant.now() - 5, host])
        #expect(try f.runner().recordAbandonedAttempts() == 0)
        #expect(try f.store.db.scalar("SELECT state FROM schedule_runs WHERE period_end = ?", [old + 600])?.string == "running")
    }

    @Test func anAbandonedClaimIsRetriedButALiveOneIsNot() throws {
        let f = try ScheduleFixture()
        let d = try f.definition("weekly", Self.weekly)
        let runner = try f.runner()
        let host = ProcessInfo.processInfo.hostName
        let end = Self.t("2026-11-09T06:00:00Z"), start = Self.t("2026-11-02T06:00:00Z")
        // A run killed with SIGKILL: its pid is gone.
        try f.store.db.run("INSERT INTO schedule_runs(definition, kind, period_start, period_end, state, started_at, pid, host) VALUES ('weekly','report',?,?,'running',?,99999999,?)",
                           [start, end, Instant.now(), host])
        let outcome = try runner.run([d], now: Self.t("2026-11-09T07:00:00Z"))
        #expect(outcome.map(\.status) == [.generated])
        #expect(try f.store.db.scalar("SELECT attempts FROM schedule_runs WHERE period_end = ?", [end])?.int == 2)
        #expect(try f.store.db.rows("SELECT state FROM schedule_attempts WHERE period_end = ? ORDER BY attempt", [end]).compactMap { $0.string("state") } == ["killed", "done"])
        // A live claim (pid 1 is always running) started a minute ago is left alone…
        let next = Self.t("2026-11-16T06:00:00Z")
        try f.store.db.run("INSERT INTO schedule_runs(definition, kind, period_start, period_end, state, started_at, pid, host) VALUES ('weekly','report',?,?,'running',?,1,?)",
                           [end, next, Instant.now() - 60, host])
        #expect(try runner.run([d], now: Self.t("2026-11-16T07:00:00Z")).isEmpty)
        // …until it is older than the stale timeout.
        runner.staleAfter = 30
        #expect(try runner.run([d], now: Self.t("2026-11-16T07:00:00Z")).map(\.status) == [.generated])
    }

    @Test func aFolderPublishedBeforeACrashCountsAsDone() throws {
        let f = try ScheduleFixture()
        let d = try f.definition("weekly", Self.weekly)
        // The previous attempt renamed its folder into place and was killed before recording it.
        try FileManager.default.createDirectory(atPath: f.out + "/weekly/2026-11-09T0600Z", withIntermediateDirectories: true)
        try "finished".write(toFile: f.out + "/weekly/2026-11-09T0600Z/report.csv", atomically: false, encoding: .utf8)
        // And left a temporary folder behind (pid gone).
        try FileManager.default.createDirectory(atPath: f.out + "/weekly/.2026-11-16T0600Z.tmp-99999999-1", withIntermediateDirectories: true)
        let outcome = try f.runner().run([d], now: Self.t("2026-11-09T07:00:00Z"))
        #expect(outcome.map(\.status) == [.generated])
        #expect(f.calls.isEmpty)
        #expect(try String(contentsOfFile: f.out + "/weekly/2026-11-09T0600Z/report.csv", encoding: .utf8) == "finished")
        #expect(f.reports("weekly") == ["2026-11-09T0600Z", "latest"])
    }

    @Test func alertDefinitionsRunOnlyTheirLatestPeriod() throws {
        let f = try ScheduleFixture()
        let d = try f.definition("stalled", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "stalled.json"}"#)
        #expect(d.kind == .alerts)
        let runner = try f.runner()
        _ = try runner.run([d], now: Self.t("2026-11-09T07:00:00Z"))
        let later = try runner.run([d], now: Self.t("2026-11-09T09:05:00Z"))   // 12 fire times later
        #expect(later.map(\.period.label) == ["2026-11-09T0900Z"])
        #expect(try String(contentsOfFile: f.out + "/stalled.json", encoding: .utf8) == "as_of 2026-11-09T09:00:00Z\n")
        #expect(try runner.run([d], now: Self.t("2026-11-09T09:06:00Z")).isEmpty)
    }

    @Test func definitionsAreReadWithClearErrors() throws {
        let f = try ScheduleFixture()
        let adhoc = f.folder + "/reports/adhoc.json"
        try #"{"title": "x", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}]}"#.write(toFile: adhoc, atomically: true, encoding: .utf8)
        #expect(try ScheduleDefinition.load(path: adhoc) == nil)
        for (json, needle) in [(#"{"schedule": "0 6 * * FUN"}"#, "field 'schedule'"), (#"{"schedule": 5}"#, "field 'schedule': must be a string"),
                               (#"{"schedule": "0 6 * * *", "timezone": "Nowhere/City"}"#, "field 'timezone'"),
                               (#"{"schedule": "0 6 * * *", "kind": "alarm"}"#, "field 'kind'"), (#"{"schedule": "#, "not valid JSON")] {
            let path = f.folder + "/reports/bad.json"
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                _ = try ScheduleDefinition.load(path: path)
                Issue.record("accepted \(json)")
            } catch {
                #expect("\(error)".contains(path) && "\(error)".contains(needle), "\(error)")
            }
        }
        let zoned = try f.definition("berlin", #"{"kind": "alerts", "schedule": "0 6 * * *", "timezone": "Europe/Berlin"}"#)
        #expect(zoned.cron.next(after: Self.t("2026-07-01T00:00:00Z")) == Self.t("2026-07-01T04:00:00Z"))
    }
}
