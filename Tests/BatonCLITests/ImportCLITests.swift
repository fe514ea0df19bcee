import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import Reporting
import Orchestration

/// `baton import`, `export` and `generate` end to end, in-process (and once through the binary for standard input).
@Suite struct ImportCLITests {
    static let log = HiringLog.screening

    @Test func importReportsAndIsIdempotent() throws {
        let h = try CLIHarness()
        let file = try h.write("log.csv", Self.log)
        let first = h.run(["import", "log.csv"])
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("Service 'hiring' created from the log."))
        #expect(first.out.contains("Imported 3 rows: 1 tickets (1 new, 0 updated), 3 events added, 0 duplicates skipped, 0 rejected"))
        let again = h.run(["import", file])
        #expect(again.code == 0 && again.out.contains("3 duplicates skipped") && again.out.contains("nothing new"))
        let shown = h.run(["ticket", "show", "T-1"])
        #expect(shown.code == 0 && shown.out.contains("screen"))
    }

    @Test func aBadRowFailsTheWholeFileWithFileLineAndField() throws {
        let h = try CLIHarness()
        let file = try h.write("bad.csv", Self.log + "T-1,hiring,screen,hr,reviewed,2026-03-02T16:00:00Z,bo\n")
        let r = h.run(["import", "bad.csv"])
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: bad.csv:5: field 'event': unknown event kind 'reviewed'"), "\(r.err)")
        #expect(h.run(["service", "list", "--format", "csv"]).out.split(separator: "\n").count == 1)   // header only: nothing created
        let skip = h.run(["import", file, "--skip-bad", "rejected.csv"])
        #expect(skip.code == 0 && skip.out.contains("1 rejected rows written to rejected.csv"))
        let rejected = try String(contentsOfFile: h.directory.appendingPathComponent("rejected.csv").path, encoding: .utf8)
        #expect(rejected.hasPrefix("line,field,reason,record\n5,event,"))
    }

    @Test func dryRunAndUsageErrors() throws {
        let h = try CLIHarness()
        _ = try h.write("log.csv", Self.log)
        let dry = h.run(["import", "log.csv", "--dry-run"])
        #expect(dry.code == 0 && dry.out.contains("Dry run (nothing written): would import 3 rows"))
        #expect(h.run(["import", "log.csv"]).out.contains("3 events added"))
        _ = try h.write("log.txt", Self.log)
        let unknown = h.run(["import", "log.txt"])
        #expect(unknown.code == 64 && unknown.err.contains("--format"))
        #expect(h.run(["import", "log.txt", "--format", "csv"]).code == 0)
        #expect(h.run(["import", "missing.csv"]).err.contains("missing.csv: cannot read the file"))
        #expect(h.run(["import", "log.csv", "--profile", "nope.json"]).code == 1)
    }

    /// Each import run to its end is one row of `baton imports`, and the events it added name that row as their source;
    /// a dry run and a failed import leave nothing.
    @Test func importHistoryListsEachImportAndTagsItsEvents() throws {
        let h = try CLIHarness()
        _ = try h.write("log.csv", Self.log)
        _ = try h.write("bad.csv", Self.log + "T-2,hiring,,,opened,not-a-time,ana\n")
        #expect(h.run(["import", "log.csv"]).code == 0)
        #expect(h.run(["import", "log.csv", "--dry-run"]).code == 0)
        #expect(h.run(["import", "bad.csv"]).code == 1)
        #expect(h.run(["import", "log.csv"]).code == 0)
        let listed = h.run(["imports", "--format", "csv"])
        #expect(listed.code == 0, "\(listed.err)")
        let lines = listed.out.split(whereSeparator: \.isNewline).map(String.init)   // CSV rows end in CRLF
        #expect(lines.first == "id,file,format,profile,started_at,rows_read,tickets_new,tickets_updated,events_added,duplicates,rejected,seconds")
        #expect(lines.count == 3)
        // Newest first: the re-import added nothing, the first brought the ticket and its three events.
        #expect(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") + "|" +
                                       $0.split(separator: ",", omittingEmptySubsequences: false)[5...10].joined(separator: ",") }
                == ["2,log.csv,csv,|3,0,0,0,3,0", "1,log.csv,csv,|3,1,0,3,0,0"])
        let store = try Orchestration.OrchestrationStore(existingPath: h.dbPath)
        #expect(try store.db.scalar("SELECT group_concat(DISTINCT source) FROM events")?.string == "import:1")
        #expect(h.run(["imports", "--limit", "0"]).code == 64)
    }

    @Test func exportWritesAtomicallyAndRoundTrips() throws {
        let h = try CLIHarness()
        let gen = h.run(["generate", "--tickets", "50", "--seed", "9", "--out", "g.csv"])
        #expect(gen.code == 0 && gen.err.contains("of 50 tickets"))
        #expect(h.run(["import", "g.csv"]).code == 0)
        for format in ["csv", "xes", "jsonl"] {
            let r = h.run(["export", "--out", "out.\(format)"])
            #expect(r.code == 0 && r.err.contains("of 50 tickets"), "\(r.err)")
            let other = try CLIHarness()
            let path = h.directory.appendingPathComponent("out.\(format)").path
            let back = other.run(["import", path])
            #expect(back.code == 0 && back.out.contains("50 new"), "\(back.out) \(back.err)")
        }
        let stdout = h.run(["export", "--service", "incident", "--format", "csv"])
        #expect(stdout.code == 0 && stdout.out.hasPrefix("ticket_id,service,step,team,event,at,actor,task,title,requester\n"))
        #expect(stdout.out.split(separator: "\n").dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false)[1] == "incident" })
        #expect(h.run(["export", "--service", "incidnet"]).err.contains("did you mean"))
        let files = try FileManager.default.contentsOfDirectory(atPath: h.directory.path)
        #expect(!files.contains { $0.contains(AtomicFile.temporaryMarker) })
    }

    @Test func generateIsDeterministic() throws {
        let h = try CLIHarness()
        let a = h.run(["generate", "--tickets", "100", "--seed", "5"]), b = h.run(["generate", "--tickets", "100", "--seed", "5"])
        #expect(a.code == 0 && a.out == b.out && a.out.hasPrefix("ticket_id,service,step,team,event,at,actor\n"))
        #expect(h.run(["generate", "--tickets", "many"]).code == 64)
    }

    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func standardInputAndGzipThroughTheBinary() throws {
        let h = try CLIHarness()
        let file = try h.write("log.csv", Self.log)
        let piped = try CLIHarness.runBinary(["import", "-", "--db", h.dbPath], env: ProcessInfo.processInfo.environment, inputFile: file)
        #expect(piped.status == 0 && piped.out.contains("3 events added"), "\(piped.out)")
        try ExternalTools.gzip(file)
        let r = h.run(["import", "log.csv.gz"])
        #expect(r.code == 0 && r.out.contains("3 duplicates skipped"))
    }

    @Test func progressGoesToStandardErrorOnlyOnATerminal() throws {
        let h = try CLIHarness()
        _ = try h.write("log.csv", Self.log)
        let out = Output(), err = Output()
        let code = BatonCLI.run(["import", "log.csv"], context: CLIContext(out: out, err: err, environment: ["BATON_DB": h.dbPath],
                                                                            stderrIsTerminal: true, workingDirectory: h.directory.path))
        #expect(code == 0)
        #expect(err.captured.contains("reading log.csv: 3 rows") && err.captured.contains("100%"))
        #expect(!out.captured.contains("reading"))
        _ = try h.write("log2.csv", Self.log.replacingOccurrences(of: "T-1", with: "T-2"))
        #expect(h.run(["import", "log2.csv"]).err.isEmpty)   // not a terminal: no progress
    }
}
