import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

@Suite struct GeneratorTests {
    static func text(tickets: Int, seed: UInt64, services: [ServiceDefinition]? = nil) throws -> String {
        var options = LogGenerator.Options(tickets: tickets)
        options.seed = seed
        options.services = services
        var out = ""
        try LogGenerator(options: options).generate { out += $0 }
        return out
    }

    @Test func theSameSeedGivesTheSameBytes() throws {
        let a = try Self.text(tickets: 500, seed: 42), b = try Self.text(tickets: 500, seed: 42)
        #expect(a == b && a.utf8.count > 10_000)
        #expect(try Self.text(tickets: 500, seed: 43) != a)
    }

    @Test func aGeneratedLogIsRealisticAndValidForTheStateMachine() throws {
        let f = try ImportFixture()
        let s = try f.importFile(try f.write("g.csv", try Self.text(tickets: 2000, seed: 3)))
        #expect(s.rejected == 0 && s.ticketsNew == 2000)
        let kinds = Set(try f.store.db.rows("SELECT DISTINCT kind FROM events").compactMap { $0.string("kind") })
        #expect(kinds.isSuperset(of: ["opened", "started", "completed", "paused", "resumed", "reopened", "skipped", "closed", "cancelled"]))
        #expect(try f.count("SELECT count(*) FROM tickets WHERE state = 'open'") > 0)
        #expect(try f.count("SELECT count(DISTINCT team) FROM step_runs") == 12)
        let steps = try f.store.db.rows("SELECT count(*) AS n FROM service_steps GROUP BY service").compactMap { $0.int("n") }
        #expect(steps.min()! >= 3 && steps.max()! <= 7)
        // Weekday-heavy: with weights 1 and 0.15, about 94 % of arrivals fall on Monday–Friday.
        let weekday = try f.count("SELECT count(*) FROM tickets WHERE ((opened_at / 86400) + 3) % 7 < 5")
        #expect(Double(weekday) / 2000 > 0.88)
        // Ticket numbers follow arrival time (the off-hours tail only swaps neighbours).
        let inOrder = try f.count("SELECT count(*) FROM tickets a JOIN tickets b ON b.id = (SELECT min(id) FROM tickets WHERE id > a.id) WHERE b.opened_at >= a.opened_at")
        #expect(Double(inOrder) / 1999 > 0.85)
        let events = Double(try f.count("SELECT count(*) FROM events")) / 2000
        #expect(events > 6 && events < 12)
    }

    @Test func generatesForDefinedServicesThatImportAsDefined() throws {
        let folder = TestPaths.packageRoot.appendingPathComponent("samples/services").path
        let services = try LogGenerator.loadServices(folder: folder)
        let f = try ImportFixture()
        for s in services { try f.store.apply(s) }
        let s = try f.importFile(try f.write("g.csv", try Self.text(tickets: 500, seed: 5, services: services)))
        #expect(s.rejected == 0 && s.servicesCreated.isEmpty && s.servicesUpdated.isEmpty)
        #expect(try f.count("SELECT count(*) FROM services WHERE origin = 'log'") == 0)
        let used = Set(try f.store.db.rows("SELECT DISTINCT service FROM tickets").compactMap { $0.string("service") })
        #expect(used == Set(services.map(\.key)))
    }
}
