import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import Orchestration
import SQLite

/// The first import into an empty store runs under a rollback journal (one write per page). Other commands started
/// meanwhile wait for it, as the README promises, instead of failing at once with "database is locked": each
/// connection's switch back to WAL waits within the busy timeout (`Database.setJournalModeWAL`).
@Suite(.serialized) struct FirstImportLockingTests {

    static func service(_ key: String) -> String {
        """
        {"key": "\(key)", "name": "Writer \(key)", "enforce_order": true,
         "steps": [{"key": "triage", "name": "Triage", "team": "desk", "kind": "task"}]}
        """
    }

    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"), .timeLimit(.minutes(1)))
    func eightWritersRacingAFirstImportOf100kEventsAllSucceed() throws {
        // A store with a service the generated log does not use, and no events: the import is a first load.
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        #expect(h.run(["service", "apply", try h.write("racedesk.json", Self.service("racedesk"))]).code == 0)
        #expect(h.run(["generate", "--tickets", "10000", "--seed", "5", "--out", "big.csv"]).code == 0)
        let big = h.directory.appendingPathComponent("big.csv").path
        let generated = try String(contentsOfFile: big, encoding: .utf8).utf8.filter { $0 == 10 }.count - 1
        #expect(generated > 95_000)
        for i in 0..<4 { _ = try h.write("w\(i).json", Self.service("writer-\(i)")) }
        let env = ["BATON_DB": h.dbPath, "BATON_ACTOR": "racer"]

        let importer = try CLIHarness.startBinary(["import", big], env: env)
        // Start the writers once the import holds the store under its rollback journal.
        let journal = h.dbPath + "-journal"
        waitUntil("the import's rollback journal", timeout: 15) { !importer.isRunning || FileManager.default.fileExists(atPath: journal) }
        #expect(FileManager.default.fileExists(atPath: journal), "the import never ran under a rollback journal")
        var writers: [(Process, Pipe)] = []
        for i in 0..<8 {
            let args = i < 4 ? ["ticket", "open", "racedesk", "--title", "racer-\(i)"]
                             : ["service", "apply", h.directory.appendingPathComponent("w\(i - 4).json").path]
            let err = Pipe()
            writers.append((try CLIHarness.startBinary(args, env: env, standardError: err), err))
        }
        let importRunning = importer.isRunning
        #expect(importRunning, "the import ended before the writers started; the test needs a larger file")
        importer.waitUntilExit()
        var failures: [String] = []
        for (i, (p, err)) in writers.enumerated() {
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if p.terminationStatus != 0 { failures.append("writer \(i): exit \(p.terminationStatus): \(message)") }
        }
        #expect(importer.terminationStatus == 0)
        #expect(failures.isEmpty, "\(failures)")

        let db = try Database(path: h.dbPath)
        #expect(try db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try db.scalar("SELECT count(*) FROM tickets WHERE title LIKE 'racer-%'")?.int == 4)
        #expect(try db.scalar("SELECT count(DISTINCT key) FROM services WHERE key LIKE 'writer-%'")?.int == 4)
        let imported = try db.scalar("SELECT count(*) FROM events WHERE source LIKE 'import:%'")?.int ?? 0
        let added = try db.scalar("SELECT events_added FROM imports")?.int
        #expect(imported >= Int64(generated) && imported == added)
        #expect(try db.scalar("PRAGMA integrity_check")?.string == "ok")
    }
}
