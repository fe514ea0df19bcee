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

    @Test func duplicateRowsInABulkLoadAreSkippedAndTheIdentityIndexHolds() throws {
        let f = try ImportFixture()
        let s = try f.importFile(try f.write("dup.csv", """
        ticket_id,service,step,team,event,at,actor
        T-1,hiring,,,opened,2026-03-02T09:00:00Z,ana
        T-1,hiring,screen,hr,started,2026-03-02T10:00:00Z,bo
        T-1,hiring,screen,hr,started,2026-03-02T10:00:00Z,bo
        T-1,hiring,screen,hr,completed,2026-03-02T11:00:00Z,bo
        T-2,hiring,,,opened,2026-03-02T09:00:00Z,ana
        T-1,hiring,screen,hr,completed,2026-03-02T11:00:00Z,bo

        """))
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
}
