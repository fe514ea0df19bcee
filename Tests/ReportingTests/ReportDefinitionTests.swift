import BatonCore
import BatonTestSupport
import Foundation
import Testing
import Orchestration
@testable import Reporting
import SQLite

@Suite struct ReportDefinitionTests {
    static let minimal = #"{"title": "T", "sections": [{"key": "s", "query": "stalled", "columns": [{"name": "ticket_id", "unit": "text"}]}]}"#

    func parse(_ json: String) throws -> ReportDefinition {
        try ReportDefinition.parse(Data(json.utf8), name: "r", path: "reports/r.json")
    }

    @Test func theShippedDefinitionsLoad() throws {
        let weekly = try ReportDefinition.named("weekly")
        #expect(weekly.schedule == "0 6 * * MON")
        #expect(weekly.period == PeriodRule(unit: .weeks, count: 12))
        #expect(weekly.formats == ["csv", "html", "xlsx"])
        let keys = weekly.sections.map(\.key)
        for key in ["throughput", "lead_times", "step_times", "stalled", "team_load", "automation_readiness"] { #expect(keys.contains(key)) }
        #expect(weekly.headlines?.items.count == 7)
        #expect(weekly.definitions.contains { $0.term == "Percentile" && $0.text.contains("type 7") })
        #expect(weekly.parameters["stall_percentile"] == .real(0.85))
        #expect(weekly.parameters["stall_min_runs"] == .integer(20))
        for name in ["team-load", "automation-readiness"] { _ = try ReportDefinition.named(name) }
        let process = try ReportDefinition.named("process")
        #expect(process.sections.map(\.key) == ["variants", "conformance", "definition_health", "ownership_health"])
        #expect(process.parameters["enforce_share"] == .real(0.95))
        let all = ReportDefinition.available()
        #expect(all.map(\.name) == ["automation-readiness", "process", "team-load", "weekly"])
        #expect(all.allSatisfy { if case .success = $0.definition { return true } else { return false } })
    }

    @Test(arguments: [
        (#"{"title": 3, "sections": []}"#, "field 'title': must be a string"),
        (#"{"title": "T"}"#, "field 'sections': is required"),
        (#"{"title": "T", "sections": []}"#, "field 'sections': a report needs at least one section"),
        (#"{"title": "T", "sectons": []}"#, "field 'sectons': is not a known field; did you mean 'sections'?"),
        (#"{"title": "T", "period": {"period": "fortnights"}, "sections": []}"#, "field 'period.period': 'fortnights' must be one of days, weeks, months"),
        (#"{"title": "T", "period": {"period": "weeks", "count": 0}, "sections": []}"#, "field 'period.count': must be a whole number"),
        (#"{"title": "T", "schedule": "every monday", "sections": []}"#, "field 'schedule': 'every monday' must be a cron expression"),
        (#"{"title": "T", "formats": ["pdf"], "sections": []}"#, "field 'formats[0]': 'pdf' is not a format"),
        (#"{"title": "T", "sections": [{"key": "a b", "query": "q", "columns": ["x"]}]}"#, "field 'sections[0].key': 'a b' must be letters"),
        (#"{"title": "T", "sections": [{"key": "a", "query": "q", "columns": []}]}"#, "field 'sections[0].columns': must be a non-empty array"),
        (#"{"title": "T", "sections": [{"key": "a", "query": "q", "columns": [{"name": "x", "unit": "days"}]}]}"#, "field 'sections[0].columns[0].unit': must be one of text, count"),
        (#"{"title": "T", "sections": [{"key": "a", "query": "q", "columns": ["x"], "chart": {"type": "pie", "x": "x", "y": "x"}}]}"#, "field 'sections[0].chart.type': 'pie' must be one of bar, stacked_bar, line, scatter"),
        (#"{"title": "T", "sections": [{"key": "a", "query": "q", "columns": ["week", "n"], "chart": {"type": "bar", "x": "week", "y": ["m"]}}]}"#, "field 'sections[0].chart.y[0]': 'm' is not a column of the section"),
        (#"{"title": "T", "sections": [{"key": "a", "query": "q", "columns": ["x"]}, {"key": "a", "query": "q", "columns": ["x"]}]}"#, "field 'sections[1].key': duplicate section key 'a'"),
        (#"{"title": "T", "parameters": {"x": [1]}, "sections": []}"#, "field 'parameters.x': must be a number"),
        ("{\"title\": ", "reports/r.json: is not valid JSON"),
    ])
    func invalidDefinitionsNameTheFileAndField(_ json: String, _ message: String) throws {
        let error = #expect(throws: ReportingError.self) { try parse(json) }
        #expect(error?.message.hasPrefix("reports/r.json") == true)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func sectionColumnsMustExistInTheQuery() throws {
        let json = #"{"title": "T", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id", "tikcet_state"]}]}"#
        let definition = try parse(json)
        let store = try OrchestrationStore(path: try TemporaryFolder.make().appendingPathComponent("x.db").path)
        let error = #expect(throws: ReportingError.self) {
            try ReportEngine.run(definition: definition, store: store, from: 0, to: 604_800, asOf: 604_800)
        }
        #expect(error?.message.contains("reports/r.json: field 'sections[0].columns[1]': 'tikcet_state' is not a column of") == true, "\(error?.message ?? "")")
    }

    @Test func parametersKeepTheirTypes() throws {
        let json = #"{"title": "T", "parameters": {"i": 3, "r": 0.5, "s": "text", "t": "2026-03-02T00:00:00Z", "b": true}, "sections": [{"key": "s", "query": "q", "columns": ["x"]}]}"#
        let p = try parse(json).parameters
        #expect(p["i"] == .integer(3))
        #expect(p["r"] == .real(0.5))
        #expect(p["s"] == .text("text"))
        #expect(p["t"] == .integer(Instant.parse("2026-03-02T00:00:00Z")!))
        #expect(p["b"] == .integer(1))
    }

    @Test func thePeriodRuleTakesCompleteUnits() throws {
        let wednesday = Instant.parse("2026-11-25T13:00:00Z")!  // ISO week 48
        let weeks = PeriodRule(unit: .weeks, count: 12).window(before: wednesday)
        #expect(weeks.to == Instant.parse("2026-11-23T00:00:00Z")!)
        #expect(weeks.from == Instant.parse("2026-08-31T00:00:00Z")!)
        let months = PeriodRule(unit: .months, count: 2).window(before: Instant.parse("2026-03-15T00:00:00Z")!)
        #expect(months.from == Instant.parse("2026-01-01T00:00:00Z")!)
        #expect(months.to == Instant.parse("2026-03-01T00:00:00Z")!)
        let days = PeriodRule(unit: .days, count: 1).window(before: wednesday)
        #expect(days == (Instant.parse("2026-11-24T00:00:00Z")!, Instant.parse("2026-11-25T00:00:00Z")!))
        let d = try ReportDefinition.named("weekly")
        // No --from/--to: the rule before --as-of; as_of stays what was given.
        let w = try ReportEngine.window(for: d, from: nil, to: nil, asOf: wednesday)
        #expect(w.from == weeks.from && w.to == weeks.to && w.asOf == wednesday)
        // --to only: the rule's length back from it; as_of defaults to --to.
        let t = try ReportEngine.window(for: d, from: nil, to: weeks.to, asOf: nil)
        #expect(t.from == weeks.from && t.asOf == weeks.to)
        #expect(throws: ReportingError.self) { try ReportEngine.window(for: d, from: weeks.to, to: weeks.from, asOf: nil) }
    }
}
