import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
@testable import Reporting
import SQLite

/// The cache of completed runs never answers from stale spans: history imported later (in any order), a run
/// completed after the fact, a calendar or service applied, and a rebuild each give the uncached alerts, while a
/// cache made to look fresh by hand does not (so the comparison can fail).
@Suite(.serialized) struct AlertCacheInvalidationTests {
    typealias T = AlertCacheTests
    static let asOfs = [T.start + 140 * T.day + 5 * 3600 + 17, T.start + 119 * T.day + 86_399]

    /// Imports `events` as one more canonical CSV file through the real importer.
    static func importMore(_ store: OrchestrationStore, _ events: [Event], in folder: URL) throws {
        let service = Dictionary(T.log.events.compactMap { e in e.service.map { (e.ticketID, $0) } }, uniquingKeysWith: { a, _ in a })
        var csv = "ticket_id,service,step,team,event,at,actor,task,title,requester\n"
        for e in events {
            csv += [e.ticketID, service[e.ticketID] ?? "", e.step, e.team ?? "", e.kind.rawValue, Instant.iso(e.at), e.actor ?? "",
                    e.task, e.title ?? "", e.requester ?? ""].map { CSVText.quote($0) }.joined(separator: ",") + "\n"
        }
        let path = folder.appendingPathComponent("more-\(UUID().uuidString).csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try EventLogImporter(store: store).run(try ByteSource(path: path), options: .init(format: .csv))
    }

    @Test func historyImportedLaterInAnyOrderIsSeen() throws {
        // Half the tickets first, the alerts computed (the cache filled), then the other half: history inside
        // every cached span.
        let tickets = Set(T.log.events.map(\.ticketID).filter { $0.hasSuffix("1") || $0.hasSuffix("4") || $0.hasSuffix("7") })
        let (store, folder) = try T.store(T.log.events.filter { !tickets.contains($0.ticketID) }, "cache-later")
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try T.expectSame(store.db, Self.asOfs, "first half")
        try Self.importMore(store, T.shuffled(T.log.events.filter { tickets.contains($0.ticketID) }, seed: 5), in: folder)
        let after = try T.expectSame(store.db, Self.asOfs, "after the second import")
        #expect(before != after, "the second import changed the alerts")
        // The same store with the cache made to look fresh by hand answers from stale spans: the check can fail.
        let (stale, staleFolder) = try T.store(T.log.events.filter { !tickets.contains($0.ticketID) }, "cache-stale")
        defer { try? FileManager.default.removeItem(at: staleFolder) }
        _ = try T.rendered(stale.db, AlertSettings(asOf: Self.asOfs[0]), cached: true)
        try Self.importMore(stale, T.log.events.filter { tickets.contains($0.ticketID) }, in: staleFolder)
        try stale.db.run("UPDATE alert_cache_state SET through_event = (SELECT max(id) FROM events)")
        #expect(try T.rendered(stale.db, AlertSettings(asOf: Self.asOfs[0]), cached: true)
                != T.rendered(stale.db, AlertSettings(asOf: Self.asOfs[0]), cached: false))
    }

    @Test func aLaterPartOfATimeOrderedLogIsSeen() throws {
        let cut = T.start + 100 * T.day + 7 * 3600
        let (store, folder) = try T.store(T.log.events.filter { $0.at <= cut }, "cache-cut")
        defer { try? FileManager.default.removeItem(at: folder) }
        try T.expectSame(store.db, [cut + 1800, cut + 3 * T.day], "up to the cut")
        try Self.importMore(store, T.log.events.filter { $0.at > cut }, in: folder)
        try T.expectSame(store.db, [cut + 1800, cut + 3 * T.day] + Self.asOfs, "after the rest")
    }

    @Test func completionsCalendarsServicesAndRebuildsAreSeen() throws {
        let (store, folder) = try T.store(T.log.events, "cache-changes")
        defer { try? FileManager.default.removeItem(at: folder) }
        let asOf = T.start + 146 * T.day
        try T.expectSame(store.db, [asOf], "as imported")
        // A run completed after the fact, inside a cached hour (its ticket's last event is older).
        let open = try #require(try store.db.rows("""
            SELECT r.ticket_id, r.step, (SELECT max(at) FROM events e WHERE e.ticket_id = r.ticket_id) AS last
            FROM step_runs r WHERE r.state = 'active' ORDER BY last LIMIT 1
            """).first)
        let at = (open.int("last") ?? 0) + 600
        #expect(at < asOf - 3600)
        try store.record(Event(ticketID: open.string("ticket_id")!, step: open.string("step")!, kind: .completed, at: at, actor: "bo"),
                         mode: .history)
        try T.expectSame(store.db, [asOf], "after a completion")
        // A team's calendar, then a service's target, then the projections rebuilt.
        _ = try store.apply(team: TeamDefinition(key: "hr", name: "hr", calendar: "berlin-office"))
        try T.expectSame(store.db, [asOf], "after a team calendar")
        var access = try #require(T.log.services.first { $0.key == "access" })
        access.steps[0].target = "3h"
        _ = try store.apply(access, at: asOf - 200 * T.day)
        try T.expectSame(store.db, [asOf], "after a service")
        // Projections an earlier version wrote differently (here: by hand), cached, then rebuilt from the events
        // alone: no event is added, the rebuild's counter drops the spans.
        let rebuilt = try T.rendered(store.db, AlertSettings(asOf: asOf), cached: false)
        try store.db.run("UPDATE step_runs SET done_at = done_at - 7200 WHERE state = 'done' AND done_at > ?", [asOf - 20 * T.day])
        try store.db.execute("DELETE FROM alert_cached_spans; DELETE FROM alert_completed_spans")
        let skewed = try T.rendered(store.db, AlertSettings(asOf: asOf), cached: true)
        let skewedPlain = try T.rendered(store.db, AlertSettings(asOf: asOf), cached: false)
        #expect(skewed != rebuilt && skewed == skewedPlain)
        _ = try store.rebuild()
        try T.expectSame(store.db, [asOf], "after a rebuild")
        #expect(try T.rendered(store.db, AlertSettings(asOf: asOf), cached: true) != skewed)
    }

    /// A reader that cannot write the store cannot refresh the cache: its alerts come from the uncached queries.
    @Test func aReadOnlyConnectionGetsTheUncachedAlerts() throws {
        let cut = T.start + 100 * T.day
        let (store, folder) = try T.store(T.log.events.filter { $0.at <= cut }, "cache-read-only")
        defer { try? FileManager.default.removeItem(at: folder) }
        let settings = AlertSettings(asOf: Self.asOfs[0])
        _ = try T.rendered(store.db, settings, cached: true)
        try Self.importMore(store, T.log.events.filter { $0.at > cut }, in: folder)
        let expected = try T.rendered(store.db, settings, cached: false)
        let reader = OrchestrationStore(connection: try Database(path: folder.appendingPathComponent("baton.db").path, readOnly: true))
        try reader.registerServiceLevels()
        #expect(try T.rendered(reader.db, settings, cached: true) == expected)
        #expect(try T.rendered(store.db, settings, cached: true) == expected)
    }

    /// The BPI Challenge 2013 incident log (`../shared/data`), imported through its profile.
    @Test func aRealLogGivesTheUncachedAlerts() throws {
        guard let imported = try SharedImports.bpic2013?.get() else { return }
        let copy = try TemporaryStore("cache-bpic", copyOf: imported.dbPath)
        let last = try #require(try copy.store.db.scalar("SELECT max(at) FROM events")?.int)
        try T.expectSame(copy.store.db, [last, last - 30 * T.day + 4321, last - 200 * T.day], "BPIC 2013")
    }
}
