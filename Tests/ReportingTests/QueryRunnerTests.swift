import BatonCore
import BatonTestSupport
import Foundation
import Testing
import Orchestration
@testable import Reporting
import SQLite

@Suite struct QueryRunnerTests {
    func db() throws -> Database { try OrchestrationStore(path: try TemporaryFolder.make().appendingPathComponent("q.db").path).db }

    func file(_ sql: String) throws -> QueryFile {
        let url = try TemporaryFolder.make().appendingPathComponent("mine.sql")
        try Data(sql.utf8).write(to: url)
        return try QueryFile.load(url)
    }

    @Test func defaultsComeFromParamCommentsAndValuesOverrideThem() throws {
        let q = try file("-- My query.\n-- param :n = 3\n-- param :since = 2026-03-02\nSELECT :n AS n, :since AS since, :word AS word")
        #expect(q.description == "My query.")
        #expect(q.defaults == ["n": .integer(3), "since": .integer(Instant.parse("2026-03-02T00:00:00Z")!)])
        let out = try QueryRunner.run(q, on: try db(), parameters: ["word": .text("hi"), "n": .real(2.5)])
        #expect(out.columns == ["n", "since", "word"])
        #expect(out.rows == [[.real(2.5), .integer(1_772_409_600), .text("hi")]])
    }

    @Test func aMissingParameterNamesTheFileAndHowToPassIt() throws {
        let q = try file("SELECT :a, :b, :a")
        let error = #expect(throws: ReportingError.self) { try QueryRunner.run(q, on: try db(), parameters: ["b": .integer(1)]) }
        #expect(error?.message == "\(q.path) needs a value for :a; pass --param a=VALUE")
    }

    @Test func sqlErrorsNameTheFile() throws {
        for sql in ["SELEC 1", "SELECT * FROM no_such_table", "SELECT percentile(x, 2) FROM (SELECT 1 AS x)", "-- only a comment\n"] {
            let q = try file(sql)
            let error = #expect(throws: ReportingError.self) { try QueryRunner.run(q, on: try db(), parameters: [:]) }
            #expect(error?.message.hasPrefix(q.path) == true, "\(error?.message ?? "")")
        }
    }

    @Test func unknownQueriesSuggestTheClosestName() throws {
        let error = #expect(throws: ReportingError.self) { try QueryFile.named("staled") }
        #expect(error?.message.contains("no query named 'staled'; did you mean 'stalled'?") == true)
    }

    @Test func everyReportQueryRunsOnAnEmptyStoreWithItsDefaults() throws {
        let db = try db()
        // The report engine's datasets (other files in queries/ belong to the alerts and take their own parameters).
        let names = ["throughput", "lead_times", "step_times", "stalled", "team_load", "automation_readiness",
                     "lead_time_scatter", "aging", "cumulative_flow", "wip", "headlines"]
        for name in names {
            let q = try QueryFile.named(name)
            _ = try QueryRunner.run(q, on: db, parameters: ["from": .integer(0), "to": .integer(604_800), "as_of": .integer(604_800)])
        }
    }

    @Test func parameterTextIsTyped() {
        #expect(ParameterValue.parse("42") == .integer(42))
        #expect(ParameterValue.parse("0.85") == .real(0.85))
        #expect(ParameterValue.parse("2026-03-02T10:00:00+01:00") == .integer(Instant.parse("2026-03-02T09:00:00Z")!))
        #expect(ParameterValue.parse("it") == .text("it"))
        #expect(ParameterValue.parse("'42'") == .text("42"))
    }
}

/// `-- include _NAME.sql`: a fragment of the same folder shared by several queries (the as_of rule for open work).
@Suite struct QueryIncludeTests {
    @Test func aFragmentIsIncludedAndNamedWhenMissing() throws {
        let folder = try TemporaryFolder.make()
        try "-- param :n = 2\nhalf AS (SELECT :n / 2 AS v)".write(to: folder.appendingPathComponent("_half.sql"), atomically: true, encoding: .utf8)
        try "-- A query.\nWITH\n-- include _half.sql\nSELECT v FROM half".write(to: folder.appendingPathComponent("q.sql"), atomically: true, encoding: .utf8)
        let q = try QueryFile.load(folder.appendingPathComponent("q.sql"))
        #expect(q.sql.contains("half AS (SELECT :n / 2 AS v)") && q.defaults["n"]?.int == 2 && q.description == "A query.")
        #expect(ResourceDirectory.names(in: folder, fileExtension: "sql") == ["q"], "fragments are not queries")
        try "WITH\n-- include _gone.sql\nSELECT 1".write(to: folder.appendingPathComponent("r.sql"), atomically: true, encoding: .utf8)
        let error = #expect(throws: ReportingError.self) { try QueryFile.load(folder.appendingPathComponent("r.sql")) }
        #expect(error?.message.contains("r.sql:2: the fragment") == true && error?.message.contains("_gone.sql") == true)
    }

    /// Every query that needs the step runs open at as_of takes them from the one fragment.
    @Test func theOpenAtAsOfRuleLivesInOneFile() throws {
        let folder = URL(fileURLWithPath: TestPaths.queries)
        for name in ["stalled", "aging", "team_load", "alerts_open_work", "alerts_unowned", "alerts_unwatched", "alerts_handoff"] {
            let text = try String(contentsOf: folder.appendingPathComponent(name + ".sql"), encoding: .utf8)
            #expect(text.contains("-- include _open_runs.sql") && !text.contains("step_runs_unended") && !text.contains("step_pauses"), "\(name)")
        }
    }
}
