import Foundation
import Testing
@testable import BatonCLI

@Suite struct CLITests {
    @Test func helpIsOnStdoutWithExitZero() throws {
        let h = try CLIHarness()
        for args in [["--help"], ["-h"], ["help"], ["help", "ticket", "open"], ["ticket", "open", "--help"], ["step"], []] {
            let r = h.run(args)
            #expect(r.code == 0, "\(args)")
            #expect(r.out.hasPrefix("OVERVIEW: "), "\(args)")
            #expect(r.out.contains("USAGE: baton"), "\(args)")
            #expect(r.out.contains("OPTIONS:"), "\(args)")
            #expect(r.err.isEmpty)
        }
        #expect(h.run(["--help"]).out.contains("SUBCOMMANDS:"))
    }

    /// Every command in the tree has an abstract, and every leaf's help lists its options.
    @Test func everyCommandHasHelpText() {
        func visit(_ spec: CommandSpec, _ path: [String]) {
            #expect(!spec.abstract.isEmpty, "\(path.joined(separator: " ")) has no abstract")
            let help = HelpFormatter.help(spec, path: path)
            for o in spec.options { #expect(help.contains("--\(o.name)") && !o.help.isEmpty, "\(path) --\(o.name)") }
            for a in spec.arguments { #expect(help.contains("<\(a.name)>") && !a.help.isEmpty, "\(path) <\(a.name)>") }
            for s in spec.subcommands { visit(s, path + [s.name]) }
        }
        visit(Commands.root, ["baton"])
    }

    @Test(arguments: [
        (["tickt"], "unknown command 'tickt'; did you mean 'ticket'?"),
        (["ticket", "opn"], "unknown command 'opn'; did you mean 'open'?"),
        (["ticket", "open", "onboarding", "--titel", "x"], "unknown option '--titel'; did you mean '--title'?"),
        (["ticket", "open"], "missing <service>"),
        (["ticket", "open", "onboarding"], "missing --title"),
        (["ticket", "show", "a", "b"], "unexpected argument 'b'"),
        (["queue", "hr", "--format", "xml"], "--format must be table, csv, tsv, json or ndjson, not 'xml'"),
        (["step", "start", "T-1", "a", "--at", "2026-02-30T10:00:00Z"], "--at '2026-02-30T10:00:00Z' is not an ISO 8601 date-time"),
        (["step", "reassign", "T-1", "hr-review"], "missing --team"),
        (["step", "reassign", "T-1", "hr-review", "--team", " "], "--team must not be empty"),
        (["alerts", "--handoff-hours", "soon"], "--handoff-hours must be a number in 0.0...1000000.0, not 'soon'"),
    ])
    func usageErrorsExit64WithUsageLine(args: [String], message: String) throws {
        let h = try CLIHarness().prepared()
        let r = h.run(args)
        #expect(r.code == 64)
        #expect(r.err.hasPrefix("Error: \(message)"), "\(r.err)")
        #expect(r.err.contains("\nUsage: baton"))
        #expect(r.out.isEmpty)
    }

    @Test func failuresExitOneAndLeaveTheStoreAlone() throws {
        let h = try CLIHarness().prepared()
        #expect(h.run(["ticket", "open", "onboarding", "--title", "t", "--field", "employee=Ana", "--at", "2026-03-02T09:00:00Z"]).out == "T-1001\n")
        let r = h.run(["step", "start", "T-1001", "it-access"])
        #expect(r.code == 1)
        #expect(r.err == "Error: T-1001 step 'it-access' is not ready: 'hr-review' (HR review) must be done first\n")
        let missing = h.run(["ticket", "show", "T-1002"])
        #expect(missing.code == 1)
        #expect(missing.err.contains("no ticket 'T-1002'; did you mean 'T-1001'?"))
        let noStore = h.run(["service", "list"], env: ["BATON_DB": h.directory.appendingPathComponent("nope.db").path])
        #expect(noStore.code == 1)
        #expect(noStore.err.contains("no store at"))
        #expect(!FileManager.default.fileExists(atPath: h.directory.appendingPathComponent("nope.db").path))
    }

    @Test func badDefinitionIsRefusedWholeAndNamesFileAndField() throws {
        let h = try CLIHarness().prepared()
        let good = try h.write("good.json", #"{"key": "good", "steps": [{"key": "a", "team": "t"}]}"#)
        let bad = try h.write("bad.json", #"{"key": "bad", "steps": [{"key": "a", "target": "soonish"}]}"#)
        let r = h.run(["service", "apply", good, bad])
        #expect(r.code == 1)
        #expect(r.err.contains("bad.json: field 'steps[0].target': 'soonish' is not a duration"))
        #expect(!h.run(["service", "list", "--format", "csv"]).out.contains("good"))
    }

    @Test func walkthroughWithViews() throws {
        let h = try CLIHarness().prepared()
        let hostile = "<script>alert('x')</script>, \"quoted\"\nnew line 😀"
        let id = h.run(["ticket", "open", "onboarding", "--title", hostile, "--requester", "ana", "--field", "employee=Ana",
                        "--at", "2026-03-02T09:00:00Z"]).out.trimmingCharacters(in: .newlines)
        #expect(h.run(["step", "start", id, "hr-review", "--by", "bo", "--at", "2026-03-02T10:00:00Z"]).code == 0)
        #expect(h.run(["task", "done", id, "hr-review", "Verify contract", "--at", "2026-03-02T10:30:00Z"]).code == 0)
        #expect(h.run(["step", "complete", id, "hr-review", "--at", "2026-03-02T11:00:00Z"]).code == 0)

        let json = h.run(["ticket", "show", id, "--format", "json"])
        #expect(json.code == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(object["title"] as? String == hostile)
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.map { $0["state"] as? String } == ["done", "ready", "waiting"])
        #expect(steps[1]["since"] as? String == "2026-03-02T11:00:00Z")
        #expect(steps[0]["tasks"] as? String == "[x] Verify contract")

        let queue = h.run(["queue", "it", "--format", "csv"])
        let lines = queue.out.split(separator: "\r\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "ticket_id,title,service,step,state,ready_at,age_hours,by")
        #expect(queue.out.contains(id + ",\"<script>alert('x')</script>, \"\"quoted\"\"\nnew line 😀\",onboarding,it-access,ready,2026-03-02T11:00:00Z,"))

        let table = h.run(["ticket", "show", id])
        #expect(table.out.contains("Service:   Employee onboarding (onboarding v1)"))
        #expect(table.out.contains("hr-review"))
        #expect(h.run(["open", "--format", "json"]).out.contains("\"current_step\": \"it-access\""))
    }
}
