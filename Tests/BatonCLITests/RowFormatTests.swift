import BatonTestSupport
import Foundation
import Rendering
import SQLite
import Testing
@testable import BatonCLI

/// `--format tsv|ndjson` on every view, `ticket history`, and who an event is recorded as by default.
@Suite struct RowFormatTests {
    @Test func tsvEscapesTabsNewlinesAndBackslashesAndGuardsFormulas() {
        let out = Output()
        RowPrinter.print(columns: ["a\tb", "n"], rows: [[.text("x\ty\nz\\w\r"), .integer(3)], [.text("=SUM(A1)"), .real(0.5)],
                                                       [.text("-1"), .null]], format: .tsv, to: out)
        #expect(out.captured == "a\\tb\tn\nx\\ty\\nz\\\\w\\r\t3\n'=SUM(A1)\t0.5\n'-1\t\n")
        #expect(TSVWriter.escape("plain") == "plain")
    }

    @Test func ndjsonIsOneObjectALine() {
        let out = Output()
        RowPrinter.print(columns: ["id", "note"], rows: [[.integer(1), .text("a\nb")], [.integer(2), .null]], format: .ndjson, to: out)
        #expect(out.captured == "{\"id\": 1, \"note\": \"a\\nb\"}\n{\"id\": 2, \"note\": null}\n")
    }

    /// Every command with `--format` from `RowFormat` takes tsv and ndjson, and the help lists them.
    @Test func everyViewTakesTsvAndNdjson() throws {
        let h = try CLIHarness().prepared()
        #expect(h.run(["ticket", "open", "onboarding", "--title", "t", "--field", "employee=Ana"]).code == 0)
        let views: [[String]] = [["queue", "hr"], ["open"], ["ticket", "show", "T-1001"], ["ticket", "history", "T-1001"],
                                 ["service", "list"], ["service", "show", "onboarding"], ["team", "list"], ["calendar", "list"],
                                 ["imports"], ["query", "stalled"], ["schedule", "list"], ["schedule", "history"]]
        for view in views {
            let tsv = h.run(view + ["--format", "tsv"])
            #expect(tsv.code == 0 && !tsv.out.contains(","), "\(view): \(tsv.err)")
            #expect(tsv.out.split(separator: "\n").first?.contains("\t") ?? true, "\(view)")
            let nd = h.run(view + ["--format", "ndjson"])
            #expect(nd.code == 0, "\(view): \(nd.err)")
            for line in nd.out.split(separator: "\n") {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "\(view): \(line)")
            }
            #expect(h.run(view + ["--help"]).out.contains("table, csv, tsv, json or ndjson"), "\(view)")
        }
    }

    @Test func ticketHistoryIsTheAuditTrail() throws {
        let h = try CLIHarness().prepared()
        h.run(["ticket", "open", "onboarding", "--title", "t", "--field", "employee=Ana", "--at", "2026-03-02T09:00:00Z"])
        h.run(["step", "start", "T-1001", "hr-review", "--by", "bo", "--at", "2026-03-02T10:00:00Z", "--note", "on it"])
        h.run(["step", "complete", "T-1001", "hr-review", "--at", "2026-03-02T11:00:00Z"], env: ["BATON_ACTOR": "", "USER": "cy"])
        let r = h.run(["ticket", "history", "T-1001", "--format", "csv"])
        #expect(r.out == """
        at,step,kind,actor,source,team,task,note\r
        2026-03-02T09:00:00Z,,opened,tester,cli,,,\r
        2026-03-02T10:00:00Z,hr-review,started,bo,cli,hr,,on it\r
        2026-03-02T11:00:00Z,hr-review,completed,cy,cli,hr,,\r

        """)
        let missing = h.run(["ticket", "history", "T-1OO1"])
        #expect(missing.code == 1 && missing.err == "Error: no ticket 'T-1OO1'; did you mean 'T-1001'?\n")
    }

    /// No `$BATON_ACTOR` and no `$USER` (cron, containers): `$LOGNAME`, else the login name, never `unknown`.
    @Test func stepActionsDefaultTheActor() throws {
        let h = try CLIHarness().prepared()
        h.run(["ticket", "open", "onboarding", "--title", "t", "--field", "employee=Ana"])
        h.run(["step", "start", "T-1001", "hr-review"], env: ["BATON_ACTOR": "", "LOGNAME": "dee"])
        h.run(["task", "done", "T-1001", "hr-review", "Verify contract"], env: ["BATON_ACTOR": ""])
        let actors = h.run(["ticket", "history", "T-1001", "--format", "tsv"]).out.split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false)[3] }
        #expect(actors.count == 3 && actors[0] == "tester" && actors[1] == "dee")
        #expect(!actors[2].isEmpty && actors[2] != "unknown", "the login name of this process's user: \(actors[2])")
    }
}
