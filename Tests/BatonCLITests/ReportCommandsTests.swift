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
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-cli-report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
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
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let code = BatonCLI.run(["--db", db] + args, context: CLIContext(out: out, err: err, environment: [:], workingDirectory: root))
        return Run(code: code, out: out.captured, err: err.captured)
    }

    @Test func queryPrintsRowsWithInstantsInISO() {
        let r = baton("query", "stalled", "--as-of", "2026-11-17T15:00:00Z", "--format", "csv")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("ticket_id,service,step,team,state,ready_at,age_hours,threshold_hours,threshold_source"))
        #expect(r.out.contains("T-1,svc,a,t1,ready,2026-11-17T09:00:00Z,6,4,target,6,2,0,\"Printer, on fire\""))
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
}
