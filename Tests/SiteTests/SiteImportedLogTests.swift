import BatonCore
import BatonTestSupport
import Foundation
@testable import Orchestration
@testable import Site
import Rendering
import Reporting
import SQLite
import Testing

/// The site on logs it was not made from: a generated log imported in time order and shuffled (the same store, so
/// byte for byte the same site under the same key), and the real BPI Challenge 2013 incident log. Open tickets and
/// queues are checked against the store's own views (`baton queue`'s query) and each queue's flow against the
/// report's team_load.sql, second methods.
@Suite struct SiteImportedLogTests {
    static let end = Instant.parse("2026-11-23T00:00:00Z")!

    static func store(order: String) throws -> TemporaryStore {
        try SampleStore.generated("site-\(order)", order: order, end: end, tickets: 1200, seed: 11, days: 90)
    }

    /// Builds the site as of just after the last event and checks it against the store's views; returns the manifest.
    static func check(_ t: TemporaryStore, label: String) throws -> String {
        let db = t.store.db
        let asOf = try #require(db.scalar("SELECT max(at) FROM events")?.int) + 1
        let out = t.path("www/site")
        let outcome = try SiteBuilder(db: db, queryFolder: TestPaths.queries).build(out: out, asOf: asOf, builtAt: asOf)
        let open = try #require(db.scalar("SELECT count(*) FROM tickets WHERE state = 'open'")?.int)
        #expect(open > 0, "\(label)")
        #expect(outcome.tickets == Int(open), "\(label)")
        let live = URL(fileURLWithPath: out).resolvingSymlinksInPath().path
        let manifest = try SiteFixture.manifest(in: live)
        let pages = manifest.split(separator: "\n").map { String($0.split(separator: " ")[1]) }.filter { $0.hasPrefix("tickets/") }
        #expect(pages.count == Int(open), "\(label)")
        #expect(pages.allSatisfy { FileManager.default.fileExists(atPath: live + "/" + $0) }, "\(label)")
        // Every team's queue page lists the runs `baton queue TEAM` lists, in its order (oldest first), and shows
        // the `forecast` query's row of the team when it forecasts the same open runs.
        let forecast = try QueryRunner.run(try QueryFile.load(URL(fileURLWithPath: TestPaths.queries + "/forecast.sql")), on: db,
                                           parameters: ["as_of": .integer(asOf)])
        func column(_ row: [SQLValue], _ name: String) -> SQLValue { row[forecast.columns.firstIndex(of: name)!] }
        // Each window's arrivals and completions per team, by team_load.sql (the report's section, open work and all).
        let load = try QueryFile.load(URL(fileURLWithPath: TestPaths.queries + "/team_load.sql"))
        let flows = try SiteData.flowDays.map { days in
            let out = try QueryRunner.run(load, on: db, parameters: SiteData.flowParameters(asOf: asOf, days: days))
            let (team, arrivals, completions) = (out.columns.firstIndex(of: "team")!, out.columns.firstIndex(of: "arrivals")!,
                                                 out.columns.firstIndex(of: "completions")!)
            return Dictionary(uniqueKeysWithValues: out.rows.map { ($0[team].string ?? "", ($0[arrivals].int!, $0[completions].int!)) })
        }
        var queued = 0, forecasted = 0, flowed = 0
        for team in try db.rows("SELECT DISTINCT team FROM step_runs WHERE state IN ('ready','active','paused') AND team IS NOT NULL").compactMap({ $0.string("team") }) {
            let expected = try t.store.queue(team: team, now: asOf).compactMap { $0.string("ticket_id") }
            queued += expected.count
            let heading = "<h1><bdi>Queue: \(HTMLEscape.text(try teamName(db, team)))</bdi></h1>"
            let names = try FileManager.default.contentsOfDirectory(atPath: live + "/queues")
            let found = names.first { name in (try? String(contentsOfFile: live + "/queues/" + name, encoding: .utf8))?.contains(heading) == true }
            let file = try #require(found, "\(label): no queue page for \(team)")
            let page = try String(contentsOfFile: live + "/queues/" + file, encoding: .utf8)
            let shown = page.matches(of: try Regex(#"\.html">(?:<bdi>)?([^<]+)</bdi></a>"#)).map { String($0.output[1].substring!) }
            #expect(shown == expected, "\(label) \(team)")
            let flowTable = try #require(page.firstRange(of: "<table id=\"flow\">").map { page[$0.lowerBound...] }, "\(label) \(team)")
            let flowRows = flowTable[..<(flowTable.firstRange(of: "</table>")?.upperBound ?? flowTable.endIndex)]
                .matches(of: try Regex(#"<td class="n">(-?\d+)</td><td class="n">(-?\d+)</td><td class="n">(-?\d+)</td>"#))
                .map { (Int64($0.output[1].substring!)!, Int64($0.output[2].substring!)!) }
            let expectedFlow = flows.compactMap { $0[team] }
            #expect(flowRows.map { [$0.0, $0.1] } == expectedFlow.map { [$0.0, $0.1] }, "\(label) \(team): flow")
            if expectedFlow.contains(where: { $0.0 > 0 && $0.1 > 0 }) { flowed += 1 }
            if let row = forecast.rows.first(where: { column($0, "scope").string == "team" && column($0, "key").string == team }),
               column(row, "open").int == Int64(expected.count), let p50 = column(row, "clear_p50_at").int, let p85 = column(row, "clear_p85_at").int {
                forecasted += 1
                let cells = [SitePage.short(p50), SitePage.short(p85),
                             "\(column(row, "by_p50").int!) / \(column(row, "by_p85").int!) / \(column(row, "by_p95").int!)"]
                let table = try #require(page.firstRange(of: "<table id=\"forecast\">").map { page[$0.lowerBound...] }, "\(label) \(team)")
                let forecastTable = table[..<(table.firstRange(of: "</table>")?.upperBound ?? table.endIndex)]
                for cell in cells { #expect(forecastTable.contains(">" + cell + "<"), "\(label) \(team): \(cell)") }
            }
        }
        #expect(queued > 0)
        #expect(forecasted > 0, "\(label): no queue's forecast was checked")
        #expect(flowed > 0, "\(label): no queue had arrivals and completions to check")
        return manifest
    }

    static func teamName(_ db: Database, _ key: String) throws -> String {
        try db.scalar("SELECT name FROM teams WHERE key = ?", [key])?.string ?? key
    }

    @Test func timeOrderedAndShuffledImportsGiveTheSameSite() throws {
        let ordered = try Self.store(order: "time-ordered"), shuffled = try Self.store(order: "shuffled")
        let a = try Self.check(ordered, label: "time-ordered")
        // The same key in both stores, so ticket addresses agree.
        try SiteKey.migrator.migrate(shuffled.store.db)
        let key = try #require(try ordered.store.db.scalar("SELECT key FROM site_secret"))
        try shuffled.store.db.run("INSERT INTO site_secret(id, key, created_at) VALUES (1, ?, 0)", [key])
        let b = try Self.check(shuffled, label: "shuffled")
        #expect(a == b)
        #expect(a.split(separator: "\n").count > 20)  // the index, alerts, archive, queues and the open tickets
    }

    /// The ticket rows and the teams' flow read on a second thread at the same snapshot give the same site, byte for
    /// byte, as one thread reading everything (a shuffled import, so rows do not come in ticket order by chance).
    @Test func aSecondThreadBuildsTheSameSite() throws {
        let t = try Self.store(order: "shuffled")
        let db = t.store.db, path = db.path
        let asOf = try #require(db.scalar("SELECT max(at) FROM events")?.int) + 1
        var sites: [String] = []
        for second in [false, true] {
            var builder = SiteBuilder(db: db, queryFolder: TestPaths.queries)
            if second { builder.secondConnection = { try OrchestrationStore(existingPath: path) } }
            let out = t.path("www-\(second)/site")
            let outcome = try builder.build(out: out, asOf: asOf, builtAt: asOf)
            #expect(outcome.usedSecondThread == second)
            let live = URL(fileURLWithPath: out).resolvingSymlinksInPath().path
            var all = try SiteFixture.manifest(in: live)
            for line in all.split(separator: "\n") {  // the manifest's digests, and the bytes behind them
                all += try String(contentsOfFile: live + "/" + String(line.split(separator: " ")[1]), encoding: .utf8)
            }
            sites.append(all)
        }
        #expect(sites[0] == sites[1])
        #expect(!db.isInTransaction)
    }

    @Test(.enabled(if: SharedImports.bpic2013 != nil, "../shared/data/bpic2013_incidents.xes.gz not found"))
    func theRealIncidentLog() throws {
        let shared = try #require(SharedImports.bpic2013).get()
        let t = try TemporaryStore("site-bpic2013", copyOf: shared.dbPath)
        let started = Date()
        _ = try Self.check(t, label: "bpic2013")
        #expect(Date().timeIntervalSince(started) < 120)
    }
}
