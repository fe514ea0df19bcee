import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// The bulk-load path: an import into an empty (or much smaller) store drops the secondary indexes of the tables it
/// fills and builds them again at the end, inside its one transaction.
@Suite struct ImportBulkLoadTests {
    static func generated(tickets: Int, seed: UInt64) throws -> String {
        var text = ""
        var options = LogGenerator.Options(tickets: tickets)
        options.seed = seed
        try LogGenerator(options: options).generate { text += $0 }
        return text
    }

    static func indexes(_ f: ImportFixture) throws -> [String] {
        try StoreSchema.secondaryIndexes(f.store.db).map { "\($0.name): \($0.sql)" }
    }

    @Test func theIndexListNamesTheMigrationsIndexes() throws {
        let f = try ImportFixture()
        let names = try StoreSchema.secondaryIndexes(f.store.db).map(\.name)
        // From migrations 1–3 (the UNIQUE identity index included; constraint indexes without SQL text are not).
        for name in ["events_identity", "tickets_open", "tickets_closed_at", "step_runs_open", "step_runs_ended", "step_runs_unended",
                     "step_pauses_run", "step_runs_team_started"] {
            #expect(names.contains(name), "\(name) missing from \(names)")
        }
        #expect(!names.contains { $0.hasPrefix("sqlite_autoindex") })
    }

    @Test func aBulkLoadEndsWithEveryIndexAndTheProjectionsOfAReplay() throws {
        let f = try ImportFixture()
        let before = try Self.indexes(f)
        let text = try Self.generated(tickets: 200, seed: 5)
        let rows = text.split(separator: "\n").count - 1
        let s = try f.importFile(try f.write("g.csv", text))
        #expect(s.eventsAdded == rows && s.ticketsNew == 200 && s.duplicates == 0)
        #expect(try Self.indexes(f) == before)
        #expect(try f.store.db.scalar("PRAGMA integrity_check")?.string == "ok")
        // The projections written in bulk equal those the careful path (`rebuild`, saveTicket row by row) writes.
        let imported = try f.projections()
        try f.store.rebuild()
        #expect(try f.projections() == imported)
        // Importing it again goes through the careful path (the store now holds the file's events): nothing new.
        let again = try f.importFile(f.path("g.csv"))
        #expect(again.eventsAdded == 0 && again.duplicates == rows)
    }

    /// A bulk load says which index it is building (the last seconds of a large import, after every row is read).
    @Test func aBulkLoadReportsTheIndexesItBuilds() throws {
        let f = try ImportFixture()
        let file = try f.write("g.csv", try Self.generated(tickets: 40, seed: 6))
        var options = EventLogImporter.Options(format: .csv)
        nonisolated(unsafe) var lines: [String] = []
        options.progress = { lines.append($0) }
        _ = try EventLogImporter(store: f.store).run(try ByteSource(path: file), options: options)
        let building = lines.filter { $0.hasPrefix("building indexes: ") }
        #expect(building.count >= 5, "\(lines)")
        #expect(building.first?.hasSuffix("(1 of \(building.count))") == true)
        #expect(building.contains { $0.contains("step_runs_ended") })
    }

    @Test func duplicateRowsInABulkLoadAreSkippedAndTheIdentityIndexHolds() throws {
        let f = try ImportFixture()
        let started = "T-1,hiring,screen,hr,started,2026-03-02T10:00:00Z,bo", completed = "T-1,hiring,screen,hr,completed,2026-03-02T11:00:00Z,bo"
        // T-1's start twice in a row, its completion again after T-2's opening.
        let s = try f.importFile(try f.write("dup.csv", CanonicalLog.csv([
            "T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana", started, started, completed, "T-2,hiring,,,opened,2026-03-02T09:00:00Z,ana", completed,
        ])))
        #expect(s.eventsAdded == 4 && s.duplicates == 2 && s.ticketsNew == 2)
        #expect(try f.count("SELECT count(*) FROM events") == 4)
        #expect(try f.count("SELECT count(*) FROM sqlite_master WHERE name = 'events_identity'") == 1)
    }

    @Test func aBadRowInABulkLoadChangesNothingAndKeepsTheIndexes() throws {
        let f = try ImportFixture()
        let indexes = try Self.indexes(f)
        let before = try f.fingerprint()
        // Good tickets first (applied while streaming, indexes dropped), then a transition that cannot happen.
        let text = try Self.generated(tickets: 50, seed: 2) + "G-999999,hiring,,,opened,2026-03-04T09:00:00Z,ana\nG-999999,hiring,screen,hr,resumed,2026-03-04T10:00:00Z,bo\n"
        let file = try f.write("bad.csv", text)
        #expect(throws: InputError.self) { try f.importFile(file) }
        #expect(try f.fingerprint() == before)
        #expect(try Self.indexes(f) == indexes)
    }

    /// A store without tickets is loaded under a rollback journal; a store with tickets (which the import must look
    /// up) in WAL mode, the streamed tickets looked up on a second connection. Both must store the same rows.
    @Test func theWriterThreadStoresWhatTheSynchronousPathStores() throws {
        let text = try Self.generated(tickets: 300, seed: 11)
        let threaded = try ImportFixture()
        try threaded.importFile(try threaded.write("g.csv", text))
        let synchronous = try ImportFixture()
        try synchronous.importFile(try synchronous.write("seed.csv", """
            ticket_id,service,step,team,event,at,actor
            A-0,seed,,,opened,2026-01-01T09:00:00Z,ana
            A-0,seed,check,ops,started,2026-01-01T10:00:00Z,bo

            """))
        let s = try synchronous.importFile(try synchronous.write("g.csv", text))
        #expect(s.ticketsNew == 300)
        let seedRows = { (line: Substring) in line.hasPrefix("A-0|") || line.hasPrefix("seed|") }
        let expected = try threaded.fingerprint().split(separator: "\n")
        #expect(expected.count > 300 * 4)
        #expect(try synchronous.fingerprint().split(separator: "\n").filter { !seedRows($0) } == expected)
    }

    /// A bad row after several batches the writer thread has written already (into an empty store, under the
    /// rollback journal, and into one with tickets, in WAL mode; grouped and in time order) rolls all of them back.
    @Test(arguments: [false, true], [false, true])
    func aBadRowAfterBatchesTheWriterWroteChangesNothing(storeHasTickets: Bool, timeOrdered: Bool) throws {
        let f = try ImportFixture()
        if storeHasTickets { try f.importFile(try f.write("seed.csv", try Self.generated(tickets: 30, seed: 8))) }
        let before = try f.fingerprint()
        var lines = try Self.generated(tickets: 600, seed: 9).split(separator: "\n").map(String.init)
        if timeOrdered {
            let header = lines.removeFirst()
            let at = { (line: String) in line.split(separator: ",", omittingEmptySubsequences: false)[5] }
            lines = [header] + lines.sorted { at($0) < at($1) }
        }
        #expect(lines.count > ImportWriterThread.batchRows * 2)
        let text = lines.joined(separator: "\n") + "\nG-999999,hiring,,,opened,2026-03-04T09:00:00Z,ana\nG-999999,hiring,screen,hr,resumed,2026-03-04T10:00:00Z,bo\n"
        #expect(throws: InputError.self) { try f.importFile(try f.write("bad.csv", text)) }
        #expect(try f.fingerprint() == before)
        #expect(try f.store.db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try f.count("SELECT count(*) FROM imports") == (storeHasTickets ? 1 : 0))
    }

    /// A statement that fails on the writer thread fails the import on the importing thread, at its next message:
    /// the transaction is rolled back at once, nothing sent after it runs, and committing throws the same error.
    @Test func aFailureOnTheWriterThreadReachesTheImportingThread() throws {
        let f = try ImportFixture()
        var ticket = TicketState(id: "T-1")
        ticket.service = "hiring"; ticket.serviceVersion = 1; ticket.openedAt = 0; ticket.lastEventAt = 0
        let writer = ImportWriterThread(path: f.store.db.path, firstLoad: false)
        try writer.write(.newTicket(ticket))
        try writer.write(.newTicket(ticket))   // the same id again: tickets' PRIMARY KEY refuses it, on the writer thread
        let errors = [
            #expect(throws: SQLiteError.self) { try writer.ask { try $0.hasTicket("T-1") } },
            #expect(throws: SQLiteError.self) { try writer.ask { try $0.hasTicket("T-1") } },
            #expect(throws: SQLiteError.self) { try writer.finish(commit: true) },
        ]
        #expect(errors.allSatisfy { $0?.message.contains("UNIQUE constraint failed: tickets.id") == true }, "\(errors)")
        #expect(try f.count("SELECT count(*) FROM tickets") == 0)
    }

    /// The writer thread's connection holds the import's transaction: its lookups see the writes sent before them,
    /// the store's own connection sees nothing until the commit.
    @Test func theWriterThreadOwnsTheImportsTransaction() throws {
        let f = try ImportFixture()
        var ticket = TicketState(id: "T-1")
        ticket.service = "hiring"; ticket.serviceVersion = 1; ticket.openedAt = 0; ticket.lastEventAt = 0
        let writer = ImportWriterThread(path: f.store.db.path, firstLoad: false)
        try writer.write(.events([Event(ticketID: "T-1", kind: .opened, at: 0, service: "hiring", serviceVersion: 1)]))
        try writer.write(.newTicket(ticket))
        #expect(try writer.ask { try $0.hasTicket("T-1") })
        #expect(try writer.ask { try $0.store.events(ofTicket: "T-1").count } == 1)
        #expect(try f.count("SELECT count(*) FROM tickets") == 0)
        try writer.finish(commit: true)
        #expect(try f.count("SELECT count(*) FROM tickets") == 1 && f.count("SELECT count(*) FROM events") == 1)
    }

    /// A first load into an empty store runs under a rollback journal; the store is in WAL mode again afterwards,
    /// whether the import succeeded or failed.
    @Test func aFirstLoadLeavesTheStoreInWALMode() throws {
        let f = try ImportFixture()
        let bad = try Self.generated(tickets: 20, seed: 3) + "G-999999,hiring,,,opened,yesterday,ana\n"
        #expect(throws: InputError.self) { try f.importFile(try f.write("bad.csv", bad)) }
        #expect(try f.store.db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try f.count("SELECT count(*) FROM events") == 0)
        try f.importFile(try f.write("g.csv", try Self.generated(tickets: 20, seed: 3)))
        #expect(try f.store.db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try f.count("SELECT count(*) FROM tickets") == 20)
    }

    /// With another connection open the journal cannot change: the first load stays in WAL mode, without waiting
    /// for the other connection, and that connection sees the result.
    @Test func aFirstLoadWithAnotherConnectionOpenStaysInWAL() throws {
        let f = try ImportFixture()
        let other = try Database(path: f.path("baton.db"))
        #expect(try other.scalar("SELECT count(*) FROM tickets")?.int == 0)
        let started = Date()
        try f.importFile(try f.write("g.csv", try Self.generated(tickets: 30, seed: 4)))
        #expect(Date().timeIntervalSince(started) < 10)   // no busy wait on the other connection
        #expect(try other.scalar("SELECT count(*) FROM tickets")?.int == 30)
        #expect(try other.scalar("PRAGMA journal_mode")?.string == "wal")
    }

    /// Into a store that has tickets, streamed tickets are looked up on a second connection while the writer thread
    /// writes: new tickets, tickets the store had (their events merged and replayed) and duplicates must come out
    /// as the synchronous path writes them.
    @Test func theWriterThreadIntoAStoreWithTicketsMatchesTheSynchronousPath() throws {
        let text = try Self.generated(tickets: 300, seed: 12)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The store already holds the first rows of a few tickets of the file: the import meets them as known tickets.
        let known = ["G-000003", "G-000150", "G-000290"].flatMap { id in lines.dropFirst().filter { $0.hasPrefix(id + ",") }.prefix(3) }
        let seed = ([lines[0]] + known).joined(separator: "\n") + "\n"
        var fingerprints: [String] = []
        var summaries: [ImportSummary] = []
        for threaded in [true, false] {
            let f = try ImportFixture()
            try f.importFile(try f.write("seed.csv", seed), writerThread: threaded)
            var s = try f.importFile(try f.write("g.csv", text), writerThread: threaded)
            s.seconds = 0
            summaries.append(s)
            fingerprints.append(try f.fingerprint())
            #expect(try f.store.db.scalar("PRAGMA integrity_check")?.string == "ok")
        }
        #expect(summaries[0].ticketsUpdated == 3 && summaries[0].ticketsNew == 297 && summaries[0].duplicates == 9, "\(summaries[0])")
        #expect(summaries[0] == summaries[1])
        #expect(fingerprints[0] == fingerprints[1])
    }
}
