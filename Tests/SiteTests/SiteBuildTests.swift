import BatonCore
import BatonTestSupport
import Foundation
import Reporting
import Rendering
@testable import Site
import SQLite
import Testing

/// The pages of a site built from `SiteFixture`, against the answers worked out by hand there.
@Suite struct SiteBuildTests {
    @Test func everyOpenTicketHasAPageAtItsKeyedAddressAndNoOtherDoes() throws {
        let f = try SiteFixture()
        let outcome = try f.build()
        #expect(outcome.tickets == 4)
        let tickets = try f.pages().filter { $0.hasPrefix("tickets/") }
        #expect(Set(tickets) == Set(try ["T-1", "T-2", "T-3", "T-5"].map(f.ticketPage)))
        // The key is the store's own: a second store gives the same ticket another address.
        let g = try SiteFixture("site-other-key")
        try g.build()
        #expect(try g.ticketPage("T-1") != f.ticketPage("T-1"))
        // And it is kept: a rebuild keeps every address.
        try f.build(asOf: SiteFixture.at(1))
        #expect(Set(try f.pages().filter { $0.hasPrefix("tickets/") }) == Set(tickets))
    }

    @Test func aTicketPageSaysWhereItStandsAndListsEveryStep() throws {
        let f = try SiteFixture()
        try f.build()
        let t1 = try f.page(try f.ticketPage("T-1"))
        let team = HTMLEscape.text(SiteFixture.hostileTeam)
        #expect(t1.contains("Waiting on <bdi>\(team)</bdi> (<bdi>IT access \(HTMLEscape.text(SiteFixture.script))</bdi>) since Tuesday 10 Mar 2026 06:00 UTC"))
        #expect(t1.contains("<tr><td class=\"t\"><bdi>HR review</bdi></td><td class=\"t\"><span class=\"tag\">done</span></td>"))
        // s1 waited from 02:00 to 06:00; s2 has waited 6 h; s3 not reached.
        #expect(t1.contains("2026-03-10 02:00</td><td class=\"n\">4 h</td><td class=\"t\">2026-03-10 06:00</td>"))
        #expect(t1.contains("<tr class=\"at_risk\">"))
        #expect(t1.contains("<span class=\"tag\">not started</span>"))
        #expect(t1.contains("<dt><bdi>employee</bdi></dt><dd><bdi>\(HTMLEscape.text(SiteFixture.hostileIntake))</bdi></dd>"))
        #expect(try f.page(try f.ticketPage("T-2")).contains("<tr class=\"stalled\">"))
        #expect(try f.page(try f.ticketPage("T-3")).contains("Paused at <bdi>People team</bdi> (<bdi>HR review</bdi>) since Tuesday 10 Mar 2026 09:00 UTC"))
        #expect(try f.page(try f.ticketPage("T-5")).contains("In progress with <bdi>People team</bdi> (<bdi>HR review</bdi>) since Tuesday 10 Mar 2026 11:00 UTC"))
        // The requester's page leads nowhere else on the site.
        #expect(!t1.contains("href="))
    }

    @Test func aQueueListsItsOpenStepsOldestFirstFlaggedByTheAlertRules() throws {
        let f = try SiteFixture()
        try f.build()
        let hr = try f.page("queues/hr.html")
        let order = try ["T-2", "T-3", "T-5"].map { id in try #require(hr.range(of: ">\(id)</bdi></a>")).lowerBound }
        #expect(order == order.sorted())
        #expect(hr.components(separatedBy: "<tr class=\"stalled\">").count == 2)
        // The stalled query, run on its own, names the same run.
        let stalled = try QueryRunner.run(try QueryFile.load(URL(fileURLWithPath: TestPaths.queries + "/stalled.sql")), on: f.store.db,
                                          parameters: ["as_of": .integer(SiteFixture.asOf)])
        #expect(stalled.rows.map { $0[0].string } == ["T-2"])
        #expect(try f.page("queues/it.html").contains("<tr class=\"at_risk\"><td class=\"t\"><a href=\"../\(try f.ticketPage("T-1"))\">"))
        // 30 h old, target 4 h.
        #expect(hr.contains("<td class=\"n\">30.0 h</td><td class=\"n\">30.0 h</td><td class=\"n\">4.0 h</td>"))
    }

    @Test func aLongQueueShowsItsOldestRowsAndSaysHowManyMore() throws {
        let f = try SiteFixture()
        let alerts = try AlertEngine(db: f.store.db, queryFolder: TestPaths.queries).compute(AlertSettings(asOf: SiteFixture.asOf), generatedAt: 0)
        let data = try SiteData.load(db: f.store.db, queryFolder: TestPaths.queries, asOf: SiteFixture.asOf, alerts: alerts)
        let c = SiteContext(data: data, key: SiteKey(bytes: Array(repeating: 7, count: 32)), definition: SiteDefinition(), builtAt: 0)
        let run = try #require(data.openRuns.first { $0.team == "hr" })
        let runs = (0..<(QueuePage.maximumRows + 3)).map { i -> SiteOpenRun in var r = run; r.ticketID = "Q-\(i)"; return r }
        let page = QueuePage.render(team: "hr", runs: runs[...], c)
        #expect(page.contains(">Q-\(QueuePage.maximumRows - 1)</bdi></a>") && !page.contains(">Q-\(QueuePage.maximumRows)</bdi></a>"))
        #expect(page.contains("The oldest \(QueuePage.maximumRows) of \(QueuePage.maximumRows + 3) open steps"))
    }

    @Test func theIndexCountsOpenWorkAndLinksEveryQueue() throws {
        let f = try SiteFixture()
        try f.build()
        let index = try f.page("index.html")
        #expect(index.contains("<b>4</b>open tickets") && index.contains("<b>4</b>open steps"))
        #expect(index.contains("<b>1</b>stalled") && index.contains("<b>1</b>at risk"))
        for q in try f.pages().filter({ $0.hasPrefix("queues/") }) { #expect(index.contains("href=\"\(q)\""), "\(q)") }
        #expect(index.contains("Last built Tuesday 10 Mar 2026 12:00 UTC, as of 2026-03-10T12:00:00Z"))
        #expect(index.contains("href=\"find.html\""))
    }

    @Test func findMyTicketIsOnlyForListedServices() throws {
        let f = try SiteFixture()
        try f.build(definition: SiteDefinition())
        #expect(!FileManager.default.fileExists(atPath: f.out + "/find.html"))
        #expect(!(try f.page("index.html")).contains("find.html"))
        try f.build()
        let find = try f.page("find.html")
        for id in ["T-1", "T-2", "T-3", "T-5"] { #expect(find.contains("href=\"\(try f.ticketPage(id))\"")) }
        #expect(!find.contains("T-4"))
    }

    /// Hostile text in titles, requesters, team, service and step names and intake values stays text on every page.
    @Test func hostileTextIsEscapedOnEveryPage() throws {
        let f = try SiteFixture()
        try f.build()
        let pages = try f.pages()
        #expect(pages.count >= 9)
        for p in pages {
            let html = try f.page(p)
            #expect(html.components(separatedBy: "<script").count == 1, "\(p)")
            #expect(!html.contains("<img") && !html.contains("<b>desk") && !html.contains("<i>now"), "\(p)")
            #expect(!html.contains("\u{0007}") && !html.contains("\u{001B}"), "\(p): control characters")
            #expect(!html.contains("'single'") && !html.contains("\"quotes\""), "\(p): quotes")
            #expect(!html.contains("req <T-"), "\(p)")
        }
        let t3 = try f.page(try f.ticketPage("T-3"))
        #expect(t3.contains(String(repeating: "W", count: 10_000)))
        #expect(t3.contains("bell\u{FFFD}esc\u{FFFD}[31m"))
        // Right-to-left overrides are kept as text but isolated, so they cannot reorder the page around them.
        #expect(try f.page(try f.ticketPage("T-2")).contains("<bdi>T-2: \u{202E}evil\u{202C} ticket \u{200F}</bdi>"))
    }
}

/// The site's own number and date formatting, against Foundation's formatting of the same values.
@Suite struct SitePageFormatTests {
    @Test(arguments: [0.0, 0.04, 0.96, 1.0, 4.0, 30.0, 36.54, 123.449, 99.99, 1234567.8, -2.36])
    func hoursWithOneDecimal(_ h: Double) {
        #expect(SitePage.hours(h) == String(format: "%.1f h", h))
    }

    @Test func instants() {
        let t = Instant.parse("2026-11-24T09:12:00Z")!
        #expect(SitePage.when(t) == "Tuesday 24 Nov 2026 09:12 UTC")
        #expect(SitePage.short(t) == "2026-11-24 09:12")
        #expect(SitePage.when(Instant.parse("1969-12-31T23:59:00Z")!) == "Wednesday 31 Dec 1969 23:59 UTC")
        #expect(SitePage.duration(hours: 0.75) == "45 min" && SitePage.duration(hours: 7.9) == "7 h" && SitePage.duration(hours: 76) == "3 d 4 h")
        #expect(SitePage.duration(hours: 48) == "2 d")
    }
}
