import Foundation
import Testing
@testable import BatonCLI

/// Every `--out FILE` (export, generate, alerts) replaces an existing file only when Baton wrote it (it begins like a
/// Baton output) or with `--force`; a refusal leaves the file as it was.
@Suite struct OutputGuardTests {
    static let commands: [[String]] = [
        ["export", "--out"], ["export", "--format", "xes", "--out"], ["export", "--format", "jsonl", "--out"],
        ["generate", "--tickets", "3", "--out"], ["alerts", "--format", "text", "--as-of", "2026-03-10T12:00:00Z", "--out"],
        ["alerts", "--format", "prom", "--as-of", "2026-03-10T12:00:00Z", "--out"],
    ]

    @Test(arguments: commands)
    func aFileBatonDidNotWriteIsReplacedOnlyWithForce(command: [String]) throws {
        let h = try CLIHarness().prepared()
        let foreign = "name,amount\nrent,1200\n"
        let file = try h.write("budget.csv", foreign)
        let refused = h.run(command + ["budget.csv"])
        #expect(refused.code == 1 && refused.err.contains("budget.csv exists and is not a file Baton wrote") && refused.err.contains("--force"), "\(refused.err)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == foreign)
        // Baton's own output of the same command is replaced without --force, again and again.
        #expect(h.run(command + ["budget.csv", "--force"]).code == 0)
        let first = try String(contentsOfFile: file, encoding: .utf8)
        #expect(first != foreign)
        #expect(h.run(command + ["budget.csv"]).code == 0, "a file Baton wrote is replaced")
        // An empty file is nobody's data.
        _ = try h.write("empty.out", "")
        #expect(h.run(command + ["empty.out"]).code == 0)
        if !command.contains("jsonl") {   // (JSON Lines of a store without tickets is empty)
            #expect(!(try String(contentsOfFile: h.directory.appendingPathComponent("empty.out").path, encoding: .utf8)).isEmpty)
        }
    }

    @Test func aFolderIsNeverTheOutputFile() throws {
        let h = try CLIHarness().prepared()
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        for force in [false, true] {
            let r = h.run(["export", "--out", "out"] + (force ? ["--force"] : []))
            #expect(r.code == 1 && r.err.contains("out is a folder"), "\(r.err)")
        }
    }

    @Test func everyBatonOutputIsRecognised() throws {
        #expect(OutputGuard.isBatonOutput(Data("line,field,reason,record\n".utf8)))
        #expect(OutputGuard.isBatonOutput(Data("ticket_id,service,step,team,event,at,actor,task\n".utf8)))
        #expect(!OutputGuard.isBatonOutput(Data("ticket_id,service\n".utf8)))
        #expect(!OutputGuard.isBatonOutput(Data("<?xml version=\"1.0\"?><log>".utf8)))
    }
}
