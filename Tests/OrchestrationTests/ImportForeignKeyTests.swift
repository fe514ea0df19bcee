import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// The import's writer connection does not check foreign keys (a lookup of the ticket per run written): the
/// projection writer's order of writes must keep them anyway, on a first load, a staged file and a replay that
/// replaces stored runs, pauses and checklists.
@Suite struct ImportForeignKeyTests {
    @Test(arguments: ["grouped", "time-ordered", "shuffled"])
    func importsAndReplaysLeaveNoDanglingReference(order: String) throws {
        let f = try ImportFixture()
        let rows = try ImportBulkLoadTests.generated(tickets: 300, seed: 11).split(separator: "\n").dropFirst().map(String.init)
        // The first half of history, then the whole log in the order under test: the second import replays every
        // ticket the first one wrote that gained events, replacing its runs and their pauses.
        let cut = CanonicalLog.field(CanonicalLog.timeOrdered(rows)[rows.count / 2], 5)
        try f.importFile(try f.write("first.csv", CanonicalLog.csv(CanonicalLog.upTo(String(cut), rows))))
        let second = try f.importFile(try f.write("all.csv", CanonicalLog.csv(CanonicalLog.reordered(rows, order))), sortRunRows: 500)
        #expect(second.ticketsUpdated > 0 && second.eventsAdded > 0)
        #expect(try f.count("SELECT count(*) FROM step_pauses") > 0, "the log has no pauses: the check would prove nothing")
        #expect(try f.store.db.rows("PRAGMA foreign_key_check").isEmpty)
        #expect(try f.count("SELECT count(*) FROM step_runs WHERE ticket_id NOT IN (SELECT id FROM tickets)") == 0)
        #expect(try f.count("SELECT count(*) FROM step_pauses WHERE run_id NOT IN (SELECT id FROM step_runs)") == 0)
        // And the projections are those `rebuild` writes with foreign keys on.
        let imported = try f.projections()
        try f.store.rebuild()
        #expect(try f.projections() == imported)
    }
}
