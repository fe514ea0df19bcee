import BatonTestSupport
import Foundation
import Testing
import Orchestration
@testable import Reporting
import SQLite

@Suite struct AlertEngineTests {
    /// Worked out by hand from the fixture at as_of (ticket/step: kind, threshold hours, source, active age hours).
    static let expected: Set<String> = [
        "stalled X-1/a 4 target 5",        // ready 5 h, target 4 h
        "stalled X-2/b 17.15 p85 18",      // no target; p85 of 1…20 h = 17 + 0.15·(18 − 17)
        "stalled X-3/b 17.15 p85 80",
        "stalled X-3/n 72 default 80",     // no history (its runs were skipped): default
        "stalled X-4/z 72 default 73",
        "stalled X-4/g 72 default 73",
        "stalled X-6/z 72 default 100",    // completed after as_of: open at as_of
        "stalled X-6/g 72 default 100",
        "at_risk X-2/a 4 target 4",        // active age 18 − 14 paused = 4 h: at its 4 h target, not over (last quarter: 1 h)
        "unowned X-1/n - no-team 5", "unowned X-2/n - no-team 18", "unowned X-3/n - no-team 80",
        // No roster is declared: team ghost (seen only in a log) owns its work, so X-4…6/g are not unowned.
        "unwatched X-3/b 72 unwatched-days 80",   // tb: oldest ready 80 h, last start 26 days ago
        "unwatched X-6/g 72 unwatched-days 100",  // ghost: never started
        "unwatched X-6/z 72 unwatched-days 100",  // tz: its only start is after as_of
    ]
    // Not alerts: X-1/b (5 h < 17.15), X-2/a as stalled (4 h, not over 4), X-3/a (paused),
    // X-5/z (71 h), team ta (oldest ready run 5 h).

    static func summary(_ a: Alert) -> String {
        "\(a.kind.rawValue) \(a.ticketID)/\(a.step) \(a.thresholdHours.map(AlertFormat.number) ?? "-") \(a.source) \(AlertFormat.number(a.activeAgeHours))"
    }

    @Test func alertsMatchTheHandWorkedFixture() throws {
        let f = try AlertFixture()
        let report = try f.engine().compute(AlertSettings(asOf: AlertFixture.asOf), generatedAt: AlertFixture.asOf)
        #expect(Set(report.alerts.map(Self.summary)) == Self.expected)
        #expect(report.alerts.count == Self.expected.count)
        let paused = try #require(report.alerts.first { $0.ticketID == "X-2" && $0.step == "b" })
        #expect(paused.state == "ready" && paused.ageHours == 18)
        let tz = try #require(report.alerts.first { $0.kind == .unwatched && $0.team == "tz" })
        #expect(tz.lastStartedAt == nil)
        let tb = try #require(report.alerts.first { $0.kind == .unwatched && $0.team == "tb" })
        #expect(tb.lastStartedAt == AlertFixture.at(-30 * 24 + 20))  // H-20 started b at its opening
    }

    /// Each alert says what a person needs to act on it: the ticket's title and requester, the step's name, and for a
    /// stalled run how far over its threshold it is; the JSON carries them, escaped.
    @Test func alertsCarryTitleRequesterStepNameAndHowFarOver() throws {
        let f = try AlertFixture()
        let report = try f.engine().compute(AlertSettings(asOf: AlertFixture.asOf), generatedAt: AlertFixture.asOf)
        let x1 = try #require(report.alerts.first { $0.kind == .stalled && $0.ticketID == "X-1" && $0.step == "a" })
        #expect(x1.title == "t X-1" && x1.requester == "req")
        #expect(x1.stepName == "A")
        #expect(x1.overByHours == 1)  // working age 5 h against its 4 h target
        #expect(report.alerts.filter { $0.kind == .unwatched }.allSatisfy { $0.title == nil })
        #expect(report.alerts.filter { $0.kind != .stalled }.allSatisfy { $0.overByHours == nil })
        let json = AlertFormat.json(report)
        #expect(json.contains("\"over_by_hours\": 1, \"title\": \"t X-1\", \"step_name\": \(AlertFormat.jsonString(x1.stepName!)), \"requester\": \"req\""))
        var hostile = report
        hostile.alerts[0].title = "\"}, {\"kind\": \"x\u{2028}"
        let parsed = try JSONSerialization.jsonObject(with: Data(AlertFormat.json(hostile).utf8)) as? [String: Any]
        let first = try #require((parsed?["alerts"] as? [[String: Any]])?.first)
        #expect(first["title"] as? String == hostile.alerts[0].title)
    }

    /// With a team roster ('baton team apply'), open work of a team outside it is unowned: ghost is on no roster.
    @Test func aRosterMakesWorkOfTeamsOutsideItUnowned() throws {
        let f = try AlertFixture()
        for key in ["ta", "tb", "tz"] { try f.store.apply(team: TeamDefinition(key: key, name: key.uppercased())) }
        let report = try f.engine().compute(AlertSettings(asOf: AlertFixture.asOf), generatedAt: AlertFixture.asOf)
        let unowned = Set(report.alerts.filter { $0.kind == .unowned }.map(Self.summary))
        #expect(unowned == ["unowned X-1/n - no-team 5", "unowned X-2/n - no-team 18", "unowned X-3/n - no-team 80",
                            "unowned X-4/g - not-in-roster 73", "unowned X-5/g - not-in-roster 71", "unowned X-6/g - not-in-roster 100"])
        // A team the store does not know at all is unowned with or without a roster.
        try f.store.db.run("UPDATE step_runs SET team = 'nobody' WHERE ticket_id = 'X-1' AND step = 'a'")
        try f.store.db.run("UPDATE teams SET roster = 0")
        let unknown = try f.engine().compute(AlertSettings(asOf: AlertFixture.asOf), generatedAt: 0)
        #expect(unknown.alerts.filter { $0.kind == .unowned }.map(Self.summary).contains("unowned X-1/a - unknown-team 5"))
        #expect(!unknown.alerts.contains { $0.source == "not-in-roster" })
    }

    /// Every alert query runs through the query runner with one name per parameter: the settings give exactly the
    /// parameters the queries take (no second spelling), and each query's own `-- param` defaults are its defaults.
    @Test func alertQueriesTakeOneNamePerParameter() throws {
        let f = try AlertFixture()
        let files = ["stalled.sql", "alerts_at_risk.sql", "alerts_unowned.sql", "alerts_unwatched.sql", "alerts_handoff.sql", "alerts_open_work.sql",
                     "alerts_attainment.sql", "alerts_ownership.sql"]
        var taken = Set<String>()
        for file in files {
            let q = try QueryFile.load(URL(fileURLWithPath: AlertFixture.queries + "/" + file))
            taken.formUnion(try QueryRunner.parameterNames(q, on: f.store.db))
        }
        #expect(Set(AlertSettings(asOf: 0).parameters.keys) == taken)
        #expect(taken == ["as_of", "stall_percentile", "stall_window_days", "stall_min_runs", "stall_default_hours", "unwatched_days", "handoff_hours",
                         "at_risk_hours", "attainment_days", "thin_hours", "thin_days"])
        // The defaults of AlertSettings are the files' defaults.
        let stalled = try QueryFile.load(URL(fileURLWithPath: AlertFixture.queries + "/stalled.sql"))
        let s = AlertSettings(asOf: 0)
        #expect(stalled.defaults["stall_percentile"]?.double == s.percentile && stalled.defaults["stall_min_runs"]?.int == Int64(s.minimumRuns)
                && stalled.defaults["stall_window_days"]?.int == Int64(s.windowDays) && stalled.defaults["stall_default_hours"]?.double == s.defaultHours)
        // An SQL error in an alert query is the query runner's message, naming the file.
        let folder = try TemporaryFolder.make()
        for file in files + ["_open_runs.sql", "_done_runs.sql", "_stall_history.sql", "_attainment_counts.sql", "alerts_completed.sql"] { try FileManager.default.copyItem(atPath: AlertFixture.queries + "/" + file, toPath: folder.path + "/" + file) }
        try Data("SELECT * FROM no_such_table WHERE :as_of".utf8).write(to: folder.appendingPathComponent("alerts_unowned.sql"))
        let error = #expect(throws: ReportingError.self) {
            try AlertEngine(db: f.store.db, queryFolder: folder.path).compute(AlertSettings(asOf: AlertFixture.asOf), generatedAt: 0)
        }
        #expect(error?.message.hasPrefix(folder.path + "/alerts_unowned.sql: SQL error: no such table") == true, "\(error?.message ?? "")")
    }

    /// New is kept per output file: alerts written to one file are still new in another.
    @Test func newIsKeptPerOutputFile() throws {
        let f = try AlertFixture()
        let engine = f.engine()
        let settings = AlertSettings(asOf: AlertFixture.asOf)
        let first = try engine.compute(settings, generatedAt: 0, output: "/srv/a.json")
        try engine.remember(first, reportedAt: 0, output: "/srv/a.json")
        let later = AlertSettings(asOf: AlertFixture.at(1))
        // tz's queue, worked by bo alone, has waited 74 h once X-6 was done: thin ownership.
        #expect(try engine.compute(later, generatedAt: 0, output: "/srv/a.json").alerts.filter(\.isNew).map(Self.summary)
                == ["stalled X-2/a 4 target 5", "thin_ownership X-4/z 8 one-person 74"])
        let other = try engine.compute(later, generatedAt: 0, output: "/srv/b.json")
        #expect(other.newCount == other.alerts.count && other.alerts.count > 10)
        #expect(try engine.compute(later, generatedAt: 0, output: "/srv/x/../a.json").newCount == 2)
        // A look with no output: new until some file had it.
        #expect(try engine.compute(later, generatedAt: 0).newCount == 2)
    }

    @Test func activeAgeExcludesPausedTime() throws {
        let f = try AlertFixture()
        // At as_of + 1 h, X-2/a has active age 5 h > 4 h: stalled, while its age is 19 h.
        let report = try f.engine().compute(AlertSettings(asOf: AlertFixture.at(1)), generatedAt: 0)
        let a = try #require(report.alerts.first { $0.kind == .stalled && $0.ticketID == "X-2" && $0.step == "a" })
        #expect(a.activeAgeHours == 5 && a.ageHours == 19 && a.state == "active")
    }

    @Test func asOfSeesOnlyEarlierEvents() throws {
        let f = try AlertFixture()
        let later = try f.engine().compute(AlertSettings(asOf: AlertFixture.at(2)), generatedAt: 0)
        #expect(!later.alerts.contains { $0.ticketID == "X-6" && $0.step == "z" })  // completed at +1 h
        #expect(!later.alerts.contains { $0.kind == .unwatched && $0.team == "tz" })  // started at +0.5 h
        // Before X-1 opened, it has no alerts at all.
        let earlier = try f.engine().compute(AlertSettings(asOf: AlertFixture.at(-6)), generatedAt: 0)
        #expect(!earlier.alerts.contains { $0.ticketID == "X-1" })
    }

    @Test func settingsChangeThresholds() throws {
        let f = try AlertFixture()
        var s = AlertSettings(asOf: AlertFixture.asOf)
        s.minimumRuns = 21          // too few runs for a percentile: b falls back to the default
        s.defaultHours = 100        // …of 100 h, so only X-1/a (target) stays stalled
        s.unwatchedDays = 5         // 120 h: no queue has waited that long
        let report = try f.engine().compute(s, generatedAt: 0)
        #expect(report.alerts.filter { $0.kind == .stalled }.map(Self.summary) == ["stalled X-1/a 4 target 5"])
        #expect(!report.alerts.contains { $0.kind == .unwatched })
        s.minimumRuns = 20; s.percentile = 0.5   // median of 1…20 = 10.5 h
        let median = try f.engine().compute(s, generatedAt: 0)
        #expect(median.alerts.contains { Self.summary($0) == "stalled X-1/b 10.5 p50 5" } == false)  // 5 h < 10.5
        #expect(median.alerts.contains { Self.summary($0) == "stalled X-2/b 10.5 p50 18" })
    }

    @Test func teamFilterKeepsOnlyThatTeam() throws {
        let f = try AlertFixture()
        var s = AlertSettings(asOf: AlertFixture.asOf)
        s.teams = ["tb"]
        let report = try f.engine().compute(s, generatedAt: 0)
        #expect(Set(report.alerts.map(Self.summary)) == ["stalled X-2/b 17.15 p85 18", "stalled X-3/b 17.15 p85 80", "unwatched X-3/b 72 unwatched-days 80"])
        #expect(report.openWork.map(\.team) == ["tb"])
        #expect(report.openWork.first.map { [$0.ready, $0.active, $0.paused] } == [3, 0, 0])
    }

    @Test func newOnlyTheFirstTimeAndReproducible() throws {
        let f = try AlertFixture()
        let engine = f.engine()
        let first = try engine.compute(AlertSettings(asOf: AlertFixture.asOf), generatedAt: 0)
        #expect(first.newCount == Self.expected.count)
        try engine.remember(first, reportedAt: 0)
        // The same as_of again: the same answer (reproducible).
        #expect(try engine.compute(AlertSettings(asOf: AlertFixture.asOf), generatedAt: 0).newCount == Self.expected.count)
        // An hour later, everything already reported is old; nothing else appeared.
        let later = try engine.compute(AlertSettings(asOf: AlertFixture.at(1)), generatedAt: 0)
        let fresh = later.alerts.filter(\.isNew).map(Self.summary)
        // Crossed its threshold in that hour; and tz's queue, worked by bo alone, is no longer unwatched but thin.
        #expect(fresh == ["stalled X-2/a 4 target 5", "thin_ownership X-4/z 8 one-person 74"])
    }
}
