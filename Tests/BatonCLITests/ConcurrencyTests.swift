import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import Orchestration
import SQLite

/// Writers at once on one store file, and real processes killed mid-write.
@Suite struct ConcurrencyTests {
    /// SIGKILLs `p` and opens the store again, checking that the kill came before the end and the file is intact.
    func killAndReopen(_ p: Process, store path: String, tooLate: String) throws -> OrchestrationStore {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "\(tooLate)")
        let store = try OrchestrationStore(path: path)
        #expect(try store.db.scalar("PRAGMA integrity_check")?.string == "ok")
        return store
    }

    /// Two writers at once, each `perWriter` separate `ticket open` commands (one transaction each, on a connection of
    /// its own): none is lost, the store is intact. `writer` runs writer `"a"` or `"b"`'s loop and says whether all
    /// its commands succeeded.
    func twoWriters(perWriter: Int, store h: CLIHarness, _ writer: @escaping @Sendable (String) -> Bool) throws {
        let before = try Database(path: h.dbPath).scalar("SELECT count(*) FROM events")?.int ?? 0
        let results = Results()
        let group = DispatchGroup()
        for name in ["a", "b"] {
            DispatchQueue.global().async(group: group) { results.set(name, writer(name)) }
        }
        group.wait()
        #expect(results.all == ["a": true, "b": true])
        let db = try Database(path: h.dbPath)
        #expect((try db.scalar("SELECT count(*) FROM events")?.int ?? 0) - before == Int64(2 * perWriter))
        #expect(try db.scalar("SELECT count(DISTINCT id) FROM tickets")?.int == Int64(2 * perWriter))
        #expect(try db.scalar("PRAGMA integrity_check")?.string == "ok")
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: Bool] = [:]
        func set(_ key: String, _ value: Bool) { lock.withLock { values[key] = value } }
        var all: [String: Bool] { lock.withLock { values } }
    }

    /// 1,000 transactions from two writers in this process, each command on its own connection as a process has.
    @Test func twoWritersOf500ActionsLoseNothing() throws {
        let h = try CLIHarness().prepared()
        try twoWriters(perWriter: 500, store: h) { name in
            (1...500).allSatisfy { i in
                h.run(["ticket", "open", "onboarding", "--title", "w\(name)-\(i)", "--field", "employee=x"]).code == 0
            }
        }
    }

    /// The same between two real processes' loops (file locks are per process), with fewer commands.
    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func twoProcessesWritingAtOnceLoseNothing() throws {
        let h = try CLIHarness().prepared()
        let bin = TestPaths.batonBinary.path
        let script = "for i in $(seq 1 25); do \"\(bin)\" ticket open onboarding --title \"w$W-$i\" --field employee=x || exit 1; done"
        let env = ProcessInfo.processInfo.environment.merging(["BATON_DB": h.dbPath]) { $1 }
        try twoWriters(perWriter: 25, store: h) { name in
            (try? Subprocess.run("/bin/bash", ["-c", script], environment: env.merging(["W": name]) { $1 }).status) == 0
        }
    }

    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func sigkillMidTransactionLosesNothingCommitted() throws {
        let h = try CLIHarness().prepared()
        // Enough history that a rebuild (one long transaction) takes a while: 30,000 tickets' events written
        // straight into the log, projections not yet built.
        let store = try OrchestrationStore(path: h.dbPath)
        let t0 = Instant.parse("2026-01-05T09:00:00Z")!
        try store.db.transaction {
            try store.db.run("""
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999)
                INSERT INTO events(ticket_id, step, kind, at, source, service, service_version, payload)
                SELECT 'K-' || i, '', 'opened', ? + i * 600, 'test', 'onboarding', 1, '{"intake":{"employee":"e"}}' FROM n
                UNION ALL SELECT 'K-' || i, 'hr-review', 'started', ? + i * 600 + 60, 'test', NULL, NULL, NULL FROM n
                UNION ALL SELECT 'K-' || i, 'hr-review', 'completed', ? + i * 600 + 3600, 'test', NULL, NULL, NULL FROM n
                """, [t0, t0, t0])
        }
        func fingerprint() throws -> [String] {
            try ["events", "tickets", "step_runs"].map { table in
                try store.db.scalar("SELECT count(*) FROM \(table)")?.string ?? ""
            }
        }
        let before = try fingerprint()
        // Empty the write-ahead log, so whatever it holds next the rebuild wrote: pages of its one transaction that
        // spilled out of the page cache (it commits only at the end).
        _ = try store.db.scalar("PRAGMA wal_checkpoint(TRUNCATE)")
        let wal = h.dbPath + "-wal"
        #expect(fileSize(wal) == 0)
        let p = try CLIHarness.startBinary(["rebuild"], env: ["BATON_DB": h.dbPath])
        // Kill it once it is mid-transaction with uncommitted pages written (1 MB of log), not after a guessed time.
        waitUntil("the rebuild to write 1 MB of log") { !p.isRunning || fileSize(wal) >= 1_000_000 }
        _ = try killAndReopen(p, store: h.dbPath, tooLate: "the rebuild finished before the kill; the test needs more history")
        #expect(try fingerprint() == before)
        #expect(before == ["90000", "0", "0"])
        // The next rebuild completes.
        let done = try CLIHarness.runBinary(["rebuild"], env: ["BATON_DB": h.dbPath])
        #expect(done.status == 0, "\(done.err)")
        #expect(try fingerprint() == ["90000", "30000", "90000"])
    }

    /// The first load into an empty store runs under a rollback journal: killed once it has begun writing, the store
    /// comes back empty, intact and in WAL mode, and the same import then completes.
    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func sigkillDuringAFirstLoadLeavesAnEmptyStore() throws {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        #expect(h.run(["generate", "--tickets", "15000", "--seed", "3", "--out", "big.csv"]).code == 0)
        let p = try CLIHarness.startBinary(["import", h.directory.appendingPathComponent("big.csv").path], env: ["BATON_DB": h.dbPath])
        // Kill it once the journal exists and the file has grown: pages are being written.
        let journal = h.dbPath + "-journal"
        let initial = fileSize(h.dbPath)
        waitUntil("the first load to write 4 MB under its journal") {
            !p.isRunning || (FileManager.default.fileExists(atPath: journal) && fileSize(h.dbPath) > initial + 4_000_000)
        }
        let store = try killAndReopen(p, store: h.dbPath, tooLate: "the import finished before the kill; the test needs a larger file")
        #expect(try store.db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try store.db.scalar("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM tickets) + (SELECT count(*) FROM imports)")?.int == 0)
        let again = h.run(["import", "big.csv"])
        #expect(again.code == 0 && again.out.contains("15000 tickets (15000 new"), "\(again.out)\(again.err)")
    }
}
