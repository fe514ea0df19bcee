import BatonTestSupport
import Foundation
import Testing
import Orchestration
@testable import Reporting
import SQLite

/// One loader for `reports/*.json`, keyed by `kind` (issue 12): the scheduler, `baton report` and `baton alerts
/// --definition` read a file the same way, refuse unknown fields with "did you mean" and bad values naming the file
/// and the field, with the ranges `baton alerts` enforces.
@Suite struct DefinitionLoaderTests {
    static let path = "reports/alerts.json"

    func parse(_ json: String) throws -> DefinitionFile {
        try DefinitionFile.parse(Data(json.utf8), name: "alerts", path: Self.path)
    }

    func refusal(_ json: String) -> String? {
        do { _ = try parse(json); return nil } catch { return "\(error)" }
    }

    static let base = #""kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.prom""#

    @Test(arguments: [
        (#""percentile": 5"#, "field 'percentile': must be a number in 0.0...1.0, not 5"),
        (#""percentile": "0.85""#, "field 'percentile': must be a number in 0.0...1.0, not \"0.85\""),
        (#""unwatched_days": "x""#, "field 'unwatched_days': must be a whole number in 1...3650, not \"x\""),
        (#""unwatched_days": 2.5"#, "field 'unwatched_days': must be a whole number in 1...3650, not 2.5"),
        (#""default_hours": -5"#, "field 'default_hours': must be a number in 0.0...1000000.0, not -5"),
        (#""handoff_hours": -1"#, "field 'handoff_hours': must be a number in 0.0...1000000.0, not -1"),
        (#""window_days": 0"#, "field 'window_days': must be a whole number in 1...36500, not 0"),
        (#""min_runs": true"#, "field 'min_runs': must be a whole number in 1...1000000, not true"),
        (#""teams": "it""#, "field 'teams': must be an array of team keys such as [\"it\"], not \"it\""),
        (#""teams": ["it", 3]"#, "field 'teams[1]': must be a team key"),
        (#""teams": [""]"#, "field 'teams[0]': must be a team key"),
        (#""unwatch_days": 3"#, "field 'unwatch_days': is not a known field; did you mean 'unwatched_days'?"),
        (#""team": ["it"]"#, "field 'team': is not a known field; did you mean 'teams'?"),
        (#""format": "yaml""#, "field 'format': must be json, text or prom, not 'yaml'"),
        (#""sections": []"#, "field 'sections': is not a known field"),
    ])
    func badAlertDefinitionsAreRefusedNamingTheFileAndField(_ field: String, _ message: String) {
        let error = refusal("{\(Self.base), \(field)}")
        #expect(error?.hasPrefix(Self.path + ": ") == true, "\(error ?? "accepted")")
        #expect(error?.contains(message) == true, "\(error ?? "accepted")")
    }

    @Test func theKindIsCheckedWithDidYouMean() {
        #expect(refusal(#"{"kind": "alert", "schedule": "* * * * *"}"#)?.contains("field 'kind': must be \"report\", \"alerts\" or \"site\", not 'alert'; did you mean 'alerts'?") == true)
        #expect(refusal(#"{"kind": 1, "schedule": "* * * * *"}"#)?.contains("field 'kind'") == true)
        // A misspelt schedule is an unknown field, not an unscheduled report.
        #expect(refusal(#"{"kind": "alerts", "schedul": "* * * * *"}"#)?.contains("field 'schedul': is not a known field; did you mean 'schedule'?") == true)
        #expect(refusal(#"{"title": "T", "shedule": "0 6 * * MON", "sections": [{"key": "s", "query": "q", "columns": ["x"]}]}"#)?
            .contains("field 'shedule': is not a known field; did you mean 'schedule'?") == true)
    }

    /// The loader and `baton alerts` accept exactly the same values: every option's range is `AlertSettings.options`.
    @Test func theRangesAreTheOnesTheCommandEnforces() throws {
        for option in AlertSettings.options {
            let low = option.range.lowerBound, high = option.range.upperBound
            for (value, ok) in [(low, true), (high, true), (low - 1, false), (high + 1, false), (low + 0.5, !option.whole)] {
                let accepted = refusal("{\(Self.base), \"\(option.key)\": \(value)}") == nil
                #expect(accepted == ok, "\(option.key) = \(value)")
                #expect((option.problem(value) == nil) == ok, "\(option.key) = \(value)")
            }
        }
        #expect(AlertSettings.options.map(\.flag) == ["unwatched-days", "percentile", "window-days", "min-runs", "default-hours", "handoff-hours",
                                                    "at-risk-hours", "attainment-days", "thin-hours", "thin-days"])
    }

    @Test func aValidAlertDefinitionGivesItsSettings() throws {
        let d = try parse("{\(Self.base), \"title\": \"Stalled\", \"percentile\": 0.9, \"unwatched_days\": 5, \"min_runs\": 10, \"default_hours\": 48, \"handoff_hours\": 12, \"window_days\": 30, \"teams\": [\"it\", \"hr\"]}")
        #expect(d.kind == .alerts && d.title == "Stalled" && d.report == nil)
        let alerts = try #require(d.alerts)
        #expect(alerts.out == "alerts.prom")
        let s = alerts.settings(asOf: 100)
        #expect(s.asOf == 100 && s.percentile == 0.9 && s.unwatchedDays == 5 && s.minimumRuns == 10 && s.defaultHours == 48
                && s.handoffHours == 12 && s.windowDays == 30 && s.teams == ["it", "hr"])
        // Unset options keep the defaults.
        let plain = try #require(try parse("{\(Self.base)}").alerts).settings(asOf: 0)
        #expect(plain == AlertSettings(asOf: 0))
        #expect(try #require(try parse(#"{"kind": "alerts"}"#).alerts).out == "alerts.json")
    }

    @Test func reportsAndAlertsComeFromTheSameLoader() throws {
        let folder = try TemporaryFolder.make()
        let report = #"{"title": "R", "schedule": "0 6 * * MON", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}]}"#
        try Data(report.utf8).write(to: folder.appendingPathComponent("weekly.json"))
        try Data("{\(Self.base), \"percentile\": 5}".utf8).write(to: folder.appendingPathComponent("alerts.json"))
        try Data(#"{"title": "R", "sectons": []}"#.utf8).write(to: folder.appendingPathComponent("typo.json"))
        try Data(#"{"kind": "alerts", "out": "a.json"}"#.utf8).write(to: folder.appendingPathComponent("adhoc.json"))
        let (definitions, errors) = try ScheduleDefinition.load(folder: folder.path)
        #expect(definitions.map(\.name) == ["weekly"])  // adhoc has no schedule
        #expect(definitions.first?.report?.sections.map(\.key) == ["s"])
        #expect(errors.map(\.message).sorted() == [
            "\(folder.path)/alerts.json: field 'percentile': must be a number in 0.0...1.0, not 5",
            "\(folder.path)/typo.json: field 'sectons': is not a known field; did you mean 'sections'?",
        ])
        // `baton report` reads the same file the same way, and refuses an alert definition.
        #expect(throws: ReportingError.self) { try ReportDefinition.load(folder.appendingPathComponent("typo.json")) }
        let error = #expect(throws: ReportingError.self) { try ReportDefinition.load(folder.appendingPathComponent("adhoc.json")) }
        #expect(error?.message.contains("is an alert definition") == true)
    }
}
