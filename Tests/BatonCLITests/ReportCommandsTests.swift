import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import Orchestration
import SQLite

/// `baton query` and `baton report`, run in-process.
@Suite struct ReportCommandsTests {
    struct Run { var code: Int32; var out: String; var err: String }

    let folder: URL
    let db: String

    init() throws {
        folder = try TemporaryFolder.make("cli-report")
        db = folder.appendingPathComponent("baton.db").path
        let store = try OrchestrationStore(path: db)
        try store.apply(ServiceDefinition(key: "svc", name: "Service", steps: [.init(key: "a", name: "A", team: "t1", target: "4h")]),
                        at: Instant.parse("2026-11-01T00:00:00Z")!)
        try store.record(Event(ticketID: "T-1", kind: .opened, at: Instant.parse("2026-11-17T09:00:00Z")!, source: "test",
                               service: "svc", serviceVersion: 1, title: "Printer, on fire"), mode: .history)
    }

    /// Runs baton from the package root (where queries/ and reports/ are).
    func baton(_ args: String...) -> Run {
        let out = Output(), err = Output()
        let code = BatonCLI.run(["--db", db] + args, context: CLIContext(out: out, err: err, environment: [:], workingDirectory: TestPaths.packageRoot.path))
        return Run(code: code, out: out.captured, err: err.captured)
    }

    @Test func queryPrintsRowsWithInstantsInISO() {
        let r = baton("query", "stalled", "--as-of", "2026-11-17T15:00:00Z", "--format", "csv")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("ticket_id,service,step,team,state,ready_at,age_hours,threshold_hours,threshold_source"))
        #expect(r.out.contains("T-1,svc,a,t1,ready,2026-11-17T09:00:00Z,6,4,target,6,6,2,0,\"Printer, on fire\","))
        let before = baton("query", "stalled", "--as-of", "2026-11-17T12:00:00Z", "--format", "json")
        #expect(before.code == 0)
        #expect(before.out == "[]\n")
    }

    @Test func queryListsTheQueriesWithNoName() {
        let r = baton("query", "--format", "csv")
        #expect(r.code == 0)
        for name in ["stalled", "throughput", "lead_times", "step_times", "team_load", "automation_readiness"] {
            #expect(r.out.contains("\n\(name),"))
        }
    }

    @Test func queryProblemsAreClearMessagesWithExitOne() throws {
        var r = baton("query", "stalld")
        #expect(r.code == 1)
        #expect(r.err.contains("Error: no query named 'stalld'; did you mean 'stalled'?"))
        let mine = folder.appendingPathComponent("mine.sql")
        try Data("SELECT :team AS team".utf8).write(to: mine)
        r = baton("query", mine.path)
        #expect(r.code == 1)
        #expect(r.err == "Error: \(mine.path) needs a value for :team; pass --param team=VALUE\n")
        r = baton("query", mine.path, "--param", "team=it", "--format", "json")
        #expect(r.code == 0)
        #expect(r.out.contains("\"team\": \"it\""))
        try Data("SELECT nope FROM tickets".utf8).write(to: mine)
        r = baton("query", mine.path)
        #expect(r.code == 1)
        #expect(r.err.contains("mine.sql: SQL error: no such column: nope"))
        r = baton("query", "stalled", "--param", "novalue")
        #expect(r.code == 64)
    }

    @Test func reportWritesOneFolderPerRunAndNeverOverwrites() throws {
        let out = folder.appendingPathComponent("out").path
        let first = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--format", "csv", "--out", out)
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out == out + "/weekly-2026-W47\n")
        let stalled = try String(contentsOfFile: out + "/weekly-2026-W47/stalled.csv", encoding: .utf8)
        #expect(stalled.contains("T-1,svc,a,t1,ready,2026-11-17T09:00:00Z,135,4,target"))
        let second = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--format", "csv", "--out", out)
        #expect(second.out == out + "/weekly-2026-W47-2\n")
        // The definition's formats: those not built yet are skipped with a warning.
        let defaults = baton("report", "team-load", "--to", "2026-11-23", "--out", out)
        #expect(defaults.code == 0)
        #expect(defaults.out == out + "/team-load-2026-W47\n")
    }

    @Test func everyFormatLandsInTheSameFolder() throws {
        let out = folder.appendingPathComponent("all").path
        let r = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--format", "csv,html,xlsx", "--out", out)
        #expect(r.code == 0, "\(r.err)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/weekly-2026-W47")
        for file in ["report.html", "report.xlsx", "throughput.csv", "lead_times.csv", "step_times.csv", "stalled.csv",
                     "team_load.csv", "automation_readiness.csv", "headlines.csv", "definitions.csv"] {
            #expect(files.contains(file), "\(file)")
        }
        #expect(!files.contains { $0.hasPrefix(".") })
    }

    @Test func reportProblemsAreClearMessages() {
        var r = baton("report", "weekly", "--format", "pdf")
        #expect(r.code == 64)
        r = baton("report", "weekley")
        #expect(r.code == 1)
        #expect(r.err.contains("no report named 'weekley'; did you mean 'weekly'?"))
        r = baton("report", "weekly", "--from", "2026-11-23", "--to", "2026-11-16", "--format", "csv", "--out", folder.path)
        #expect(r.code == 1)
        #expect(r.err.contains("the window is empty"))
        if ReportCommands.renderers["html"] == nil {
            r = baton("report", "weekly", "--format", "csv,html", "--out", folder.path)
            #expect(r.code == 1)
            #expect(r.err.contains("the html format is not available yet"))
        }
    }

    /// `--param` values are checked against the type of the query's `-- param` default, and names no query takes are
    /// refused with "did you mean" (usage errors, exit 64): `stall_min_runs=abc` used to bind text and return wrong rows.
    @Test func queryParametersAreChecked() throws {
        var r = baton("query", "stalled", "--param", "stall_min_runs=abc")
        #expect(r.code == 64)
        #expect(r.err.hasPrefix("Error: --param stall_min_runs=abc: must be a whole number (the default in "), "\(r.err)")
        #expect(r.err.contains("queries/stalled.sql is 20)"))
        r = baton("query", "stalled", "--param", "stall_defualt_hours=48")
        #expect(r.code == 64)
        #expect(r.err.contains("--param stall_defualt_hours: not a parameter of ") && r.err.contains("did you mean 'stall_default_hours'?"), "\(r.err)")
        for bad in ["stall_min_runs=2.5", "stall_percentile=high", "stall_default_hours=", "as_of=yesterday"] {
            #expect(baton("query", "stalled", "--param", bad).code == 64, "\(bad)")
        }
        for good in ["stall_min_runs=5", "stall_percentile=0.5", "stall_default_hours=48.5", "stall_default_hours=48", "as_of=2026-11-17T15:00:00Z"] {
            let ok = baton("query", "stalled", "--param", good, "--format", "csv")
            #expect(ok.code == 0, "\(good): \(ok.err)")
        }
        // --param as_of is the same as --as-of.
        #expect(baton("query", "stalled", "--param", "as_of=2026-11-17T15:00:00Z", "--format", "csv").out
                == baton("query", "stalled", "--as-of", "2026-11-17T15:00:00Z", "--format", "csv").out)
        // A query's own parameter without a default reads as before; a name it does not take is refused.
        let mine = folder.appendingPathComponent("typed.sql")
        try Data("-- param :n = 3\n-- param :label = 'x'\nSELECT :n AS n, :label AS label, :team AS team".utf8).write(to: mine)
        r = baton("query", mine.path, "--param", "team=it", "--param", "label=42", "--format", "csv")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.replacingOccurrences(of: "\r\n", with: "\n") == "n,label,team\n3,42,it\n")
        r = baton("query", mine.path, "--param", "teem=it")
        #expect(r.code == 64 && r.err.contains("did you mean 'team'?"), "\(r.err)")
    }

    /// `baton report` checks `--param` against every query of the report, and `--param as_of=` means `--as-of`.
    @Test func reportParametersAreCheckedAndAsOfMeansTheSame() throws {
        let out = folder.appendingPathComponent("p").path
        var r = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--param", "stall_defualt_hours=48", "--out", out)
        #expect(r.code == 64)
        #expect(r.err.contains("--param stall_defualt_hours: not a parameter of any query of the report") && r.err.contains("did you mean 'stall_default_hours'?"), "\(r.err)")
        r = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--param", "min_runs=many", "--out", out)
        #expect(r.code == 64 && r.err.contains("--param min_runs=many: must be a whole number"), "\(r.err)")
        let viaParameter = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--param", "as_of=2026-11-17T15:00:00Z", "--format", "csv", "--out", out)
        let viaOption = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--as-of", "2026-11-17T15:00:00Z", "--format", "csv", "--out", out)
        #expect(viaParameter.code == 0 && viaOption.code == 0, "\(viaParameter.err) \(viaOption.err)")
        let a = try String(contentsOfFile: viaParameter.out.trimmingCharacters(in: .newlines) + "/stalled.csv", encoding: .utf8)
        let b = try String(contentsOfFile: viaOption.out.trimmingCharacters(in: .newlines) + "/stalled.csv", encoding: .utf8)
        #expect(a == b && a.contains("T-1,svc,a,t1,ready,2026-11-17T09:00:00Z,6,4,target"), "\(a)")
        r = baton("report", "weekly", "--from", "2026-11-16", "--to", "2026-11-23", "--as-of", "2026-11-17T15:00:00Z", "--param", "as_of=2026-11-18T00:00:00Z", "--out", out)
        #expect(r.code == 64 && r.err.contains("disagree"), "\(r.err)")
    }

    /// A definition's own parameters are checked the same way, naming the file and the field.
    @Test func definitionParametersAreChecked() throws {
        let def = folder.appendingPathComponent("mine.json")
        for (parameters, message) in [(#"{"stall_defualt_hours": 48}"#, "field 'parameters.stall_defualt_hours': not a parameter of its query stalled; did you mean 'stall_default_hours'?"),
                                      (#"{"stall_min_runs": "twenty"}"#, "field 'parameters.stall_min_runs': must be a whole number")] {
            try Data(#"{"title": "Mine", "parameters": \#(parameters), "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}]}"#.utf8).write(to: def)
            let r = baton("report", def.path, "--from", "2026-11-16", "--to", "2026-11-23", "--out", folder.appendingPathComponent("d").path)
            #expect(r.code == 1)
            #expect(r.err.hasPrefix("Error: \(def.path): \(message)"), "\(r.err)")
        }
    }

    /// No output grows with the window beyond the span of the data: a window from year 1 gives the rows the data's
    /// span gives, quickly, and says so on standard error (and in a report's definitions).
    @Test func seriesAreClampedToTheDataAndSaySo() throws {
        let started = Date()
        let wide = baton("query", "throughput", "--from", "0001-01-01", "--to", "2026-12-01", "--as-of", "2026-11-30T00:00:00Z", "--format", "csv")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(wide.code == 0, "\(wide.err)")
        let narrow = baton("query", "throughput", "--from", "2026-11-17", "--to", "2026-11-18", "--as-of", "2026-11-30T00:00:00Z", "--format", "csv")
        #expect(wide.out == narrow.out)
        #expect(wide.out.split(whereSeparator: \.isNewline).count == 2)   // the header and W47 of svc
        #expect(wide.err.hasPrefix("Note: throughput: 1 of the window's 105"), "\(wide.err)")
        #expect(wide.err.contains("the series covers only the span of the store's tickets (2026-11-17T09:00:00Z to 2026-11-17T09:00:00Z)"))
        #expect(narrow.err.isEmpty, "\(narrow.err)")
        for name in ["wip", "cumulative_flow"] {
            let w = baton("query", name, "--from", "0001-01-01", "--to", "2026-12-01", "--as-of", "2026-11-30T00:00:00Z", "--format", "csv")
            #expect(w.code == 0 && w.out.split(whereSeparator: \.isNewline).count == 2, "\(name): \(w.out)")
            #expect(w.err.contains("Note: \(name): 1 of the window's"), "\(w.err)")
        }
        // A report over a window wider than the data says so in its definitions.
        let out = folder.appendingPathComponent("wide").path
        let r = baton("report", "weekly", "--from", "2026-09-07", "--to", "2026-11-30", "--format", "csv", "--out", out)
        #expect(r.code == 0, "\(r.err)")
        let definitions = try String(contentsOfFile: r.out.trimmingCharacters(in: .newlines) + "/definitions.csv", encoding: .utf8)
        #expect(definitions.contains("Series span"), "\(definitions)")
        let throughput = try String(contentsOfFile: r.out.trimmingCharacters(in: .newlines) + "/throughput.csv", encoding: .utf8)
        #expect(throughput.split(whereSeparator: \.isNewline).count == 2)
    }
}
