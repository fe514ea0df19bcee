import Scheduling
import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import Reporting
import SQLite

@Suite(.serialized) struct ScheduleCommandTests {
    /// The store, the shipped queries and a plain PATH, for commands run in-process or in a real process alike.
    func environment(_ h: CLIHarness) -> [String: String] { h.binaryEnvironment(["BATON_QUERIES": TestPaths.queries]) }

    @Test func listAndCrontab() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.prom"}"#)
        _ = try h.write("reports/adhoc.json", #"{"title": "no schedule", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}]}"#)
        let now = ["--now", "2026-03-10T12:05:00Z"]
        let list = h.run(["schedule", "list", "--format", "csv"] + now)
        #expect(list.out.replacingOccurrences(of: "\r\n", with: "\n") == "definition,kind,schedule,timezone,next_fire,last_period,last_state,last_finished,due\nalerts,alerts,*/10 * * * *,UTC,2026-03-10T12:10:00Z,,,,1\n")
        let run = h.run(["schedule", "run"] + now)
        #expect(run.code == 0, "\(run.err)")
        #expect(run.out.hasPrefix("alerts 2026-03-10T1200Z: alerts as of 2026-03-10T12:00:00Z -> \(h.directory.path)/out/alerts.prom"))
        #expect(try String(contentsOfFile: h.directory.path + "/out/alerts.prom", encoding: .utf8).contains("baton_alerts_as_of_timestamp_seconds 1773144000\n"))
        let after = h.run(["schedule", "list", "--format", "csv"] + now)
        #expect(after.out.range(of: #",2026-03-10T12:00:00Z,done,20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ,0\r?\n$"#, options: .regularExpression) != nil, "\(after.out)")
        #expect(h.run(["schedule", "run"] + now).out.isEmpty)  // nothing due
        let cron = h.run(["schedule", "crontab", "--every", "10"])
        #expect(cron.out.contains("*/10 * * * * "))
        #expect(cron.out.contains("--db \(h.dbPath) schedule run --reports \(h.directory.path)/reports --queries "), "\(cron.out)")
        #expect(cron.out.contains(" --out \(h.directory.path)/out"), "\(cron.out)")
        // The SQL is pinned too: the folder given, else the one an interactive run here would use.
        let pinned = h.run(["schedule", "crontab", "--queries", "my-sql"])
        #expect(pinned.out.contains("--queries \(h.directory.path)/my-sql --out "), "\(pinned.out)")
        #expect(h.run(["schedule", "crontab", "--every", "0"]).code == 64)
    }

    /// cron turns an unescaped % into a newline (and feeds the rest to standard input): every % is written \%.
    @Test func crontabLinesEscapePercent() throws {
        let h = try CLIHarness().prepared()
        let cron = h.run(["--db", h.directory.path + "/100%/baton.db", "schedule", "crontab", "--out", "out-%Y", "--reports", "reports"])
        #expect(cron.code == 0, "\(cron.err)")
        let line = try #require(cron.out.split(separator: "\n").last.map(String.init))
        #expect(line.contains("--db '\(h.directory.path)/100\\%/baton.db'"), "\(line)")
        #expect(line.contains("--out '\(h.directory.path)/out-\\%Y'"), "\(line)")
        #expect(!line.replacingOccurrences(of: "\\%", with: "").contains("%"), "\(line)")
        #expect(ScheduleCommands.cronEscaped("a%b%%c") == "a\\%b\\%\\%c")
    }

    /// The scheduler reads alert definitions with the loader `baton alerts` shares: values the command refuses are
    /// refused, naming the file and the field; the other definitions still run.
    @Test func scheduledAlertDefinitionsAreChecked() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json", "teams": ["hr"], "handoff_hours": 12}"#)
        var bad: [String] = []
        for (name, field) in [("p", #""percentile": 5"#), ("u", #""unwatched_days": "x""#), ("d", #""default_hours": -5"#), ("t", #""teams": "it""#)] {
            bad.append(try h.write("reports/\(name).json", "{\"kind\": \"alerts\", \"schedule\": \"*/10 * * * *\", \"out\": \"\(name).json\", \(field)}"))
        }
        let r = h.run(["schedule", "run", "--now", "2026-03-10T12:05:00Z"])
        #expect(r.code == 1)
        for (path, needle) in zip(bad, ["field 'percentile': must be a number in 0.0...1.0, not 5", "field 'unwatched_days': must be a whole number in 1...3650, not \"x\"",
                                        "field 'default_hours': must be a number in 0.0...1000000.0, not -5", "field 'teams': must be an array of team keys"]) {
            #expect(r.err.contains("Error: \(path): \(needle)"), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: h.directory.path + "/out/" + URL(fileURLWithPath: path).lastPathComponent))
        }
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: h.directory.appendingPathComponent("out/alerts.json"))) as? [String: Any]
        #expect(doc?["teams"] as? [String] == ["hr"])
        #expect((doc?["thresholds"] as? [String: Any])?["handoff_hours"] as? NSNumber == 12)
        // The command refuses the same values.
        #expect(h.run(["alerts", "--percentile", "5"]).code == 64)
        #expect(h.run(["alerts", "--unwatched-days", "x"]).code == 64)
        #expect(h.run(["alerts", "--default-hours", "-5"]).code == 64)
        // And `baton alerts --definition` runs a definition by hand with the same settings.
        let byHand = h.run(["alerts", "--definition", "alerts", "--as-of", CLIHarness.alertsAsOf, "--format", "json"])
        #expect(byHand.code == 0, "\(byHand.err)")
        #expect(byHand.out.contains("\"handoff_hours\": 12") && byHand.out.contains("\"teams\": [\"hr\"]"), "\(byHand.out)")
        let refused = h.run(["alerts", "--definition", "p"])
        #expect(refused.code == 1 && refused.err.contains("field 'percentile'"), "\(refused.err)")
    }

    /// A failed attempt leaves its trace in the history (state, attempts, error), and so does a run that was killed.
    @Test func historyShowsFailedAndKilledAttempts() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json"}"#)
        _ = try h.write("plain", "a file, not a folder")
        #expect(h.run(["schedule", "run", "--out", "plain/out", "--now", "2026-03-10T12:05:00Z"]).code == 1)
        let failed = h.run(["schedule", "history", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(failed.out.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["state"] as? String == "failed" && (rows[0]["error"] as? String)?.contains("Not a directory") == true, "\(failed.out)")
        #expect(h.run(["schedule", "run", "--now", "2026-03-10T12:05:00Z"]).code == 0)
        // A run killed mid-way (its pid is gone) on the next period.
        let db = try Database(path: h.dbPath)
        try db.run("INSERT INTO schedule_runs(definition, kind, period_start, period_end, state, started_at, pid, host) VALUES ('alerts','alerts',?,?,'running',?,99999999,?)",
                   [Instant.parse("2026-03-10T12:00:00Z")!, Instant.parse("2026-03-10T12:10:00Z")!, Instant.now(), ProcessInfo.processInfo.hostName])
        let before = h.run(["schedule", "history", "--format", "csv"])
        #expect(before.out.contains("alerts,alerts,2026-03-10T12:00:00Z,2026-03-10T12:10:00Z,failed,1,"), "\(before.out)")
        #expect(before.out.contains("its runner (pid 99999999) is gone"))
        #expect(h.run(["schedule", "run", "--now", "2026-03-10T12:15:00Z"]).code == 0)
        let attempts = h.run(["schedule", "history", "--attempts", "--format", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(attempts.out.utf8)) as? [[String: Any]])
        #expect(list.map { "\($0["period_end"] as? String ?? "") \($0["attempt"] as? NSNumber ?? 0) \($0["state"] as? String ?? "")" } == [
            "2026-03-10T12:10:00Z 2 done", "2026-03-10T12:10:00Z 1 killed", "2026-03-10T12:00:00Z 2 done", "2026-03-10T12:00:00Z 1 failed",
        ], "\(attempts.out)")
    }

    @Test func aRunThatCannotGetTheLockExits75WithOneLine() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json"}"#)
        let held = try #require(try ScheduleLock.acquire(path: h.dbPath + ".schedule-lock", waitSeconds: 0))
        let r = h.run(["schedule", "run", "--wait", "0.2", "--now", "2026-03-10T12:05:00Z"])
        #expect(r.code == 75)
        #expect(r.err == "baton schedule run: another run holds \(h.dbPath).schedule-lock; nothing done (exit 75)\n")
        #expect(!FileManager.default.fileExists(atPath: h.directory.path + "/out/alerts.json"))
        withExtendedLifetime(held) {}
        _ = consume held
        #expect(h.run(["schedule", "run", "--wait", "0.2", "--now", "2026-03-10T12:05:00Z"]).code == 0)
    }

    @Test func anUnwritableOutputFolderFailsAndLeavesTheStore() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json"}"#)
        _ = try h.write("plain", "a file, not a folder")
        let before = try h.fingerprint(["reported_alerts", "events", "step_runs"])
        let r = h.run(["schedule", "run", "--out", "plain/out", "--now", "2026-03-10T12:05:00Z"])
        #expect(r.code == 1)
        #expect(r.err.contains("Error: alerts 2026-03-10T1200Z:") && r.err.contains("Not a directory"), "\(r.err)")
        #expect(try h.fingerprint(["reported_alerts", "events", "step_runs"]) == before)
        // Only the attempt is recorded: the period failed, with its error.
        #expect(try Database(path: h.dbPath).scalar("SELECT state FROM schedule_runs")?.string == "failed")
        #expect(h.run(["schedule", "run", "--now", "2026-03-10T12:05:00Z"]).code == 0)  // retried once the folder is fine
    }

    @Test func aBadDefinitionDoesNotStopTheOthers() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json"}"#)
        let bad = try h.write("reports/broken.json", #"{"kind": "alerts", "schedule": "*/10 * * MONDAY", "out": "b.json"}"#)
        let r = h.run(["schedule", "run", "--now", "2026-03-10T12:05:00Z"])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: \(bad): field 'schedule':"), "\(r.err)")
        #expect(FileManager.default.fileExists(atPath: h.directory.path + "/out/alerts.json"))
    }

    /// 10 `baton schedule run` processes at once, 20 times: each period is generated exactly once.
    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func overlappingRunsGenerateEachPeriodOnce() throws {
        let h = try CLIHarness().alertStore(stalled: 3)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json"}"#)
        _ = try h.write("reports/stalled.json", """
            {"title": "Stalled", "period": {"period": "days", "count": 1}, "formats": ["csv"], "schedule": "*/10 * * * *",
             "sections": [{"key": "stalled", "title": "Stalled", "query": "stalled", "columns": [{"name": "ticket_id", "label": "Ticket", "unit": "text"}]}]}
            """)
        let log = h.directory.path + "/generated.log"
        let start = Instant.parse("2026-03-10T12:05:00Z")!
        var codes: [Int32] = []
        for round in 0..<20 {
            let now = Instant.iso(start + Int64(round) * 600)
            let processes = try (0..<10).map { _ in
                try CLIHarness.startBinary(["schedule", "run", "--now", now, "--reports", h.directory.path + "/reports", "--out", h.directory.path + "/out",
                                            "--log", log], env: environment(h), standardError: FileHandle.nullDevice)
            }
            for p in processes { p.waitUntilExit(); codes.append(p.terminationStatus) }
        }
        #expect(codes.allSatisfy { $0 == 0 || $0 == ScheduleCommands.busyExitCode })
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let expected = (0..<20).map { Instant.iso(start - 300 + Int64($0) * 600) }
        for name in ["alerts", "stalled"] {   // one generation per period, in order
            #expect(lines.filter { $0.hasPrefix(name + " ") }.map { String($0.split(separator: " ")[1]) } == expected, "\(name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: h.directory.path + "/out/stalled").count == 21)  // 20 + latest
        let db = try Database(path: h.dbPath)
        #expect(try db.scalar("SELECT count(*) FROM schedule_runs WHERE state = 'done' AND attempts = 1")?.int == 40)
    }

    /// The weekly report from reports/weekly.json: off for three Mondays, one run makes exactly three reports, each
    /// as of its own Monday; another run makes none.
    @Test func missedWeeklyReportsAreCaughtUp() throws {
        let h = try CLIHarness().alertStore(stalled: 3)
        let reports = h.directory.path + "/reports"
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPaths.packageRoot.appendingPathComponent("reports/weekly.json").path, toPath: reports + "/weekly.json")
        func run(_ now: String) -> CLIHarness.Result {
            h.run(["schedule", "run", "--now", now, "--reports", reports, "--out", h.directory.path + "/out"], env: environment(h))
        }
        let first = run("2026-03-02T07:00:00Z")
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.split(separator: "\n").count == 1)
        let caughtUp = run("2026-03-23T06:30:00Z")
        #expect(caughtUp.code == 0, "\(caughtUp.err)")
        #expect(caughtUp.out.split(separator: "\n").map { String($0.prefix(24)) } == ["weekly 2026-03-09T0600Z:", "weekly 2026-03-16T0600Z:", "weekly 2026-03-23T0600Z:"])
        // weekly.json's period: the 12 complete ISO weeks before the fire time's week; as_of the fire time.
        #expect(caughtUp.out.contains("report as of 2026-03-16T06:00:00Z, window [2025-12-22T00:00:00Z, 2026-03-16T00:00:00Z)"))
        let folders = try FileManager.default.contentsOfDirectory(atPath: h.directory.path + "/out/weekly").sorted()
        #expect(folders == ["2026-03-02T0600Z", "2026-03-09T0600Z", "2026-03-16T0600Z", "2026-03-23T0600Z", "latest"])
        // The 3 reviews became ready on 2026-03-08 (target 48 h): not stalled as of 03-09, all stalled as of 03-16.
        func stalledRows(_ label: String) throws -> Int {
            try String(contentsOfFile: h.directory.path + "/out/weekly/\(label)/stalled.csv", encoding: .utf8).split(whereSeparator: \.isNewline).count - 1
        }
        #expect(try stalledRows("2026-03-09T0600Z") == 0)
        #expect(try stalledRows("2026-03-16T0600Z") == 3)
        let again = run("2026-03-23T06:35:00Z")
        #expect(again.code == 0 && again.out.isEmpty)
        // The history lists each generated period once, newest first, with the files it wrote.
        let history = h.run(["schedule", "history", "--definition", "weekly", "--format", "json"], env: environment(h))
        #expect(history.code == 0, "\(history.err)")
        let periods = try #require(try JSONSerialization.jsonObject(with: Data(history.out.utf8)) as? [[String: Any]])
        #expect(periods.compactMap { $0["period_end"] as? String } == ["2026-03-23T06:00:00Z", "2026-03-16T06:00:00Z", "2026-03-09T06:00:00Z", "2026-03-02T06:00:00Z"])
        #expect(periods.allSatisfy { $0["state"] as? String == "done" && ($0["outputs"] as? String)?.contains("weekly/") == true })
        let limited = h.run(["schedule", "history", "--limit", "1", "--format", "csv"], env: environment(h))
        #expect(limited.out.split(whereSeparator: \.isNewline).count == 2)
        let typo = h.run(["schedule", "history", "--definition", "weekley"], env: environment(h))
        #expect(typo.code == 1 && typo.err.contains("did you mean 'weekly'?"), "\(typo.err)")
    }
}
