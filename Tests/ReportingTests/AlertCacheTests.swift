import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
@testable import Reporting
import SQLite

/// The alerts' cache of completed runs per day and hour (`CompletedRunCache`) changes no output: every alert
/// format, with the cache and without it (every run read, as the queries alone do), byte for byte, on a generated
/// log imported in time order and shuffled, and on a real log; and it follows the store when history is added,
/// runs complete, or calendars, services or projections change.
@Suite(.serialized) struct AlertCacheTests {
    static let start = Instant.parse("2026-06-01T00:00:00Z")!  // a Monday
    static let day: Int64 = 86_400
    static let log = SyntheticLog.generate(seed: 20_261_202, tickets: 700, start: start, weeks: 20)

    /// Instants inside the log and after it: odd seconds, a midnight, the second before one, a past week.
    static let asOfs: [Int64] = [start + 140 * day + 5 * 3600 + 17, start + 105 * day, start + 119 * day + 86_399,
                                 start + 143 * day + 1234, start + 42 * day + 13 * 3600]

    /// Default settings, then shorter windows, other percentiles and fewer runs needed.
    static func variants(_ asOf: Int64) -> [AlertSettings] {
        let a = AlertSettings(asOf: asOf)
        var b = a; b.percentile = 0.5; b.windowDays = 30; b.minimumRuns = 5; b.attainmentDays = 3
        var c = a; c.percentile = 1.0; c.windowDays = 7; c.minimumRuns = 1; c.attainmentDays = 1
        var d = a; d.percentile = 0.0; d.windowDays = 365
        return [a, b, c, d]
    }

    static func store(_ events: [Event], _ label: String) throws -> (OrchestrationStore, URL) {
        let folder = try TemporaryFolder.make(label)
        let store = try SyntheticLog.makeStore(at: folder.appendingPathComponent("baton.db").path, services: log.services,
                                               events: events, appliedAt: start - day, groupedByTicket: false)
        return (store, folder)
    }

    static func engine(_ db: Database, cached: Bool) -> AlertEngine {
        var engine = AlertEngine(db: db, queryFolder: TestPaths.queries)
        engine.usesCache = cached
        return engine
    }

    /// Every format of `settings`' alerts.
    static func rendered(_ db: Database, _ settings: AlertSettings, cached: Bool) throws -> [String] {
        let report = try engine(db, cached: cached).compute(settings, generatedAt: settings.asOf)
        return AlertFormat.allCases.map { $0.render(report) }
    }

    /// Expects the cached and the uncached alerts equal at every as_of and settings; returns the cached texts.
    @discardableResult
    static func expectSame(_ db: Database, _ asOfs: [Int64], _ label: String) throws -> [String] {
        var texts: [String] = []
        for asOf in asOfs {
            for settings in variants(asOf) {
                let cached = try rendered(db, settings, cached: true), plain = try rendered(db, settings, cached: false)
                #expect(cached == plain, "\(label) as of \(Instant.iso(asOf)), p \(settings.percentile), \(settings.windowDays) days")
                texts += cached
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM alert_completed_spans")?.int ?? 0 > 0, "\(label): the cache was used")
        return texts
    }

    /// The events in a fixed pseudo-random order, each ticket's own kept in time order (the importer breaks ties
    /// between one ticket's events at one instant by file order): the tickets interleave at random.
    static func shuffled(_ events: [Event], seed: UInt64) -> [Event] {
        var state = seed, slots = Array(events.indices)
        for i in stride(from: slots.count - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            slots.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
        }
        // Slot k of the file holds the next event (in time order) of the ticket whose event was drawn there.
        var next: [String: [Event]] = Dictionary(grouping: events, by: \.ticketID)
        for key in next.keys { next[key]!.reverse() }
        return slots.map { next[events[$0].ticketID]!.removeLast() }
    }

    @Test func aTimeOrderedAndAShuffledLogGiveTheUncachedAlerts() throws {
        let (ordered, a) = try Self.store(Self.log.events, "cache-ordered")
        let (shuffled, b) = try Self.store(Self.shuffled(Self.log.events, seed: 7), "cache-shuffled")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let first = try Self.expectSame(ordered.db, Self.asOfs, "time-ordered")
        #expect(try Self.expectSame(shuffled.db, Self.asOfs, "shuffled") == first)
        // Read from the cache again (nothing changed): the same.
        #expect(try Self.expectSame(ordered.db, Self.asOfs, "time-ordered, cached") == first)
        // Some stalled runs take the percentile threshold, so the cached percentiles are what is compared.
        #expect(first.contains { $0.contains("\"threshold_source\": \"p85\"") || $0.contains("p85") })
    }

    /// A store of the log with the alerts' tables, and its cache of completed runs (empty).
    static func cacheStore(_ label: String) throws -> (OrchestrationStore, URL, CompletedRunCache) {
        let (store, folder) = try Self.store(Self.log.events, label)
        let rows = try QueryFile.load(URL(fileURLWithPath: TestPaths.queries + "/alerts_completed.sql"))
        try AlertSchema.migrator.migrate(store.db)
        return (store, folder, CompletedRunCache(db: store.db, rowsQuery: rows))
    }

    /// Percentiles and counts of arbitrary windows from the cache equal SQL's over every run.
    @Test func windowsFromTheCacheEqualTheQueries() throws {
        let (store, folder, cache) = try Self.cacheStore("cache-windows")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fragment = try String(contentsOfFile: TestPaths.queries + "/_done_runs.sql", encoding: .utf8)
        let reference = QueryFile(name: "reference", path: "reference.sql", sql: """
            WITH done_window(lo, hi) AS (SELECT :lo, :hi),
            \(fragment)
            SELECT service, step, count(*) AS runs, percentile(working_seconds / 3600.0, :p) AS hours FROM done_runs GROUP BY service, step
            """)
        var state = UInt64(3)
        for _ in 0..<12 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let lo = Self.start + Int64(state >> 40) % (120 * Self.day), hi = lo + Int64(state >> 20 & 0xFFFFF) % (40 * Self.day) + 1
            let spans = CompletedRunCache.split(lo, hi).spans
            try store.db.transaction { try cache.refresh(spans) }
            #expect(try cache.isFresh(spans))
            for p in [0.0, 0.33, 0.85, 1.0] {
                let expected = try QueryRunner.run(reference, on: store.db, parameters: ["lo": .integer(lo), "hi": .integer(hi), "p": .real(p)])
                    .rows.map { "\($0[0].string!)/\($0[1].string!) \($0[2].int!) \($0[3].double.map { "\($0.bitPattern)" } ?? "-")" }
                let got = try cache.runs(lo, hi).percentiles(p).map { "\($0.service)/\($0.step) \($0.runs) \($0.hours.map { "\($0.bitPattern)" } ?? "-")" }
                #expect(got.sorted() == expected.sorted(), "[\(lo), \(hi)) p \(p)")
            }
        }
    }

    /// The cache keeps about the window a run asks for: spans that end more than a week before its earliest are
    /// dropped, and a run as of an earlier instant computes them again, with the same alerts.
    @Test func spansFarBeforeTheWindowArePruned() throws {
        let (store, folder, cache) = try Self.cacheStore("cache-prune")
        defer { try? FileManager.default.removeItem(at: folder) }
        let early = CompletedRunCache.split(Self.start + 10 * Self.day, Self.start + 40 * Self.day).spans
        let late = CompletedRunCache.split(Self.start + 80 * Self.day, Self.start + 110 * Self.day).spans
        try store.db.transaction { try cache.refresh(early) }
        #expect(try cache.isFresh(early))
        try store.db.transaction { try cache.refresh(late) }
        #expect(try cache.isFresh(late) && !(try cache.isFresh(early)))
        let oldest = try #require(try store.db.scalar("SELECT min(start + seconds) FROM alert_cached_spans")?.int)
        #expect(oldest >= Self.start + 80 * Self.day - CompletedRunCache.keptBefore)
        try Self.expectSame(store.db, [Self.start + 40 * Self.day + 3_600 + 7, Self.start + 110 * Self.day], "after pruning")
    }
}
