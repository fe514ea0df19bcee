import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import Orchestration
import SQLite

/// `--skip-bad FILE` never writes over the file being imported (by any name: the same path spelled otherwise, a
/// symbolic or hard link, standard input redirected from it) or the store — a usage error, exit 64 — nor over an
/// existing file that Baton did not write unless `--force` is given (exit 1). A refusal changes neither the file
/// nor the store.
@Suite struct ImportRejectsFileTests {
    static let log = """
    ticket_id,service,step,team,event,at,actor
    T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana
    T-1,hiring,screen,hr,reviewed,2026-03-02T10:00:00Z,bo

    """

    /// The store's contents (events, services, import history), to check a refusal left it alone.
    func storeState(_ h: CLIHarness) throws -> String {
        guard FileManager.default.fileExists(atPath: h.dbPath) else { return "no store" }
        let db = try Database(path: h.dbPath, readOnly: true)
        return try ["events", "tickets", "services", "imports"].map { "\($0)=\(try db.scalar("SELECT count(*) FROM \($0)")?.int ?? -1)" }.joined(separator: " ")
    }

    func bytes(_ h: CLIHarness, _ name: String) -> Data? { FileManager.default.contents(atPath: h.directory.appendingPathComponent(name).path) }

    /// The rejects go to a temporary file that replaces the old one only when the import commits: an import that
    /// fails leaves an earlier rejects file (and the folder) as they were.
    @Test func aFailedImportLeavesTheEarlierRejectsFile() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        let first = try h.write("first.csv", Self.log)
        #expect(h.run(["import", first, "--skip-bad", "rejects.csv"]).code == 0)
        let earlier = try #require(bytes(h, "rejects.csv"))
        #expect(String(decoding: earlier, as: UTF8.self).contains("reviewed"))
        // Not-well-formed UTF-8 fails the whole file whatever --skip-bad says.
        var broken = Data("ticket_id,service,step,team,event,at,actor\nT-9,hiring,,,opened,2026-03-02T09:00:00Z,".utf8)
        broken.append(contentsOf: [0xFF, 0x0A])
        try broken.write(to: h.directory.appendingPathComponent("broken.csv"))
        #expect(h.run(["import", "broken.csv", "--skip-bad", "rejects.csv"]).code == 1)
        #expect(bytes(h, "rejects.csv") == earlier)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: h.directory.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func theInputFileIsNeverTheRejectsFileWhateverItsName() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        let input = try h.write("in.csv", Self.log)
        let original = bytes(h, "in.csv")
        try FileManager.default.createSymbolicLink(atPath: h.directory.appendingPathComponent("link.csv").path, withDestinationPath: input)
        try FileManager.default.linkItem(atPath: input, toPath: h.directory.appendingPathComponent("hard.csv").path)
        let before = try storeState(h)
        for (file, rejects) in [("in.csv", "in.csv"), ("in.csv", "./in.csv"), ("in.csv", input), ("./in.csv", "../\(h.directory.lastPathComponent)/in.csv"),
                                ("in.csv", "link.csv"), ("link.csv", "in.csv"), ("hard.csv", "in.csv"), ("in.csv", "hard.csv")] {
            for force in [false, true] {
                let r = h.run(["import", file, "--skip-bad", rejects] + (force ? ["--force"] : []))
                #expect(r.code == 64, "\(file) --skip-bad \(rejects): \(r.code) \(r.out) \(r.err)")
                #expect(r.err.contains("is the file being imported"), "\(r.err)")
                #expect(bytes(h, "in.csv") == original, "\(file) --skip-bad \(rejects) changed the input")
                #expect(try storeState(h) == before)
            }
        }
    }

    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func standardInputRedirectedFromTheRejectsFileIsRefused() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        let input = try h.write("in.csv", Self.log)
        let r = try CLIHarness.runBinary(["import", "-", "--skip-bad", input], env: ["BATON_DB": h.dbPath], inputFile: input)
        #expect(r.status == 64, "\(r.err)")
        #expect(try String(contentsOfFile: input, encoding: .utf8) == Self.log)
    }

    @Test func theStoreIsNeverTheRejectsFile() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        _ = try h.write("in.csv", Self.log)
        let store = bytes(h, "baton.db")
        for target in [h.dbPath, h.dbPath + "-wal"] {
            let r = h.run(["import", "in.csv", "--skip-bad", target, "--force"])
            #expect(r.code == 64 && r.err.contains("is the store"), "\(r.err)")
        }
        #expect(bytes(h, "baton.db") == store)
    }

    @Test func anExistingFileBatonDidNotWriteNeedsForce() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        _ = try h.write("in.csv", Self.log)
        _ = try h.write("notes.csv", "my notes, keep them\n")
        let before = try storeState(h)
        let refused = h.run(["import", "in.csv", "--skip-bad", "notes.csv"])
        #expect(refused.code == 1, "\(refused.err)")
        #expect(refused.err.hasPrefix("Error: notes.csv exists and is not a rejects file Baton wrote") && refused.err.contains("(pass --force to replace it)"),
                "\(refused.err)")
        #expect(try String(contentsOfFile: h.directory.appendingPathComponent("notes.csv").path, encoding: .utf8) == "my notes, keep them\n")
        #expect(try storeState(h) == before)
        // A file that merely starts like the header is not one Baton wrote.
        _ = try h.write("almost.csv", "line,field,reason,record,mine\n1,2,3,4,5\n")
        #expect(h.run(["import", "in.csv", "--skip-bad", "almost.csv"]).code == 1)

        let forced = h.run(["import", "in.csv", "--skip-bad", "notes.csv", "--force"])
        #expect(forced.code == 0 && forced.out.contains("1 rejected rows written to notes.csv"), "\(forced.err)")
        let written = try String(contentsOfFile: h.directory.appendingPathComponent("notes.csv").path, encoding: .utf8)
        #expect(written.hasPrefix("line,field,reason,record\n3,event,"))
        // Now Baton wrote it: the next import may replace it without --force; so may an empty file be.
        #expect(h.run(["import", "in.csv", "--skip-bad", "notes.csv"]).code == 0)
        _ = try h.write("empty.csv", "")
        #expect(h.run(["import", "in.csv", "--skip-bad", "empty.csv"]).code == 0)
        #expect(try String(contentsOfFile: h.directory.appendingPathComponent("empty.csv").path, encoding: .utf8).hasPrefix("line,field,reason,record\n"))
    }

    @Test func forceAloneAndAFolderAreRefused() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        _ = try h.write("in.csv", Self.log)
        #expect(h.run(["import", "in.csv", "--force"]).code == 64)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("dir"), withIntermediateDirectories: false)
        let r = h.run(["import", "in.csv", "--skip-bad", "dir", "--force"])
        #expect(r.code == 1 && r.err.contains("is a folder"), "\(r.err)")
        #expect(h.run(["import", "--help"]).out.contains("--force"))
    }
}
