import BatonCore
import BatonTestSupport
import Foundation
import Reporting
import Scheduling
@testable import Site
import Testing

/// The report archive lists what the scheduler wrote, newest first, and retention removes only its own old folders;
/// a site definition is read by the one loader, and `baton schedule run` builds the site after the due reports.
@Suite struct SiteArchiveTests {
    static let monday = Instant.parse("2026-03-02T06:00:00Z")!  // a Monday, 06:00

    /// Runs a weekly definition at the first Monday, then three Mondays later (catch-up: four periods in all); each
    /// report is a folder with report.html and a CSV. Then the site definitions in `sites`, in the same runs.
    static func schedule(_ f: SiteFixture, sites: [ScheduleDefinition] = [], through weeks: Int = 3) throws -> String {
        let out = f.path("out")
        let weekly = ScheduleDefinition(name: "weekly", kind: .report, title: "Weekly", path: "reports/weekly.json",
                                        cron: try CronExpression("0 6 * * MON"))
        let runner = try ScheduleRunner<ScheduleDefinition>(db: f.store.db, outputFolder: out, generateReport: { _, p, folder in
            try "<!DOCTYPE html><html><title>weekly \(p.label)</title><h1>Weekly</h1><p>report \(p.label)</p></html>".write(toFile: folder + "/report.html", atomically: false, encoding: .utf8)
            try "week,opened\n\(p.label),1\n".write(toFile: folder + "/throughput.csv", atomically: false, encoding: .utf8)
            return ""
        }, generateAlerts: { _, _, _ in [] })
        runner.generateSite = { d, p, folder in
            [try SiteBuilder(db: f.store.db, queryFolder: TestPaths.queries, definition: d.site!).build(out: folder + "/" + d.site!.out, asOf: p.end).index]
        }
        _ = try runner.run([weekly] + sites, now: monday + 60)
        let outcomes = try runner.run([weekly] + sites, now: monday + Int64(weeks) * 7 * 86_400 + 60)
        #expect(!outcomes.contains { $0.status == .failed }, "\(outcomes.map(\.message))")
        return out
    }

    @Test func theArchiveListsEveryPeriodNewestFirstWithLinksThatResolve() throws {
        let f = try SiteFixture()
        let out = try Self.schedule(f)
        try f.build()
        let page = try f.page("reports.html")
        let labels = ["2026-03-23T0600Z", "2026-03-16T0600Z", "2026-03-09T0600Z", "2026-03-02T0600Z"]
        let positions = try labels.map { try #require(page.range(of: "reports/weekly/\($0)/report.html\">")).lowerBound }
        #expect(positions == positions.sorted())
        #expect(page.contains("latest: 2026-03-23T0600Z"))
        for l in labels {
            #expect(try f.page("reports/weekly/\(l)/report.html").contains("report \(l)"))
            #expect(try f.page("reports/weekly/\(l)/throughput.csv") == "week,opened\n\(l),1\n")
        }
        #expect(try f.page("index.html").contains("href=\"reports/weekly/2026-03-23T0600Z/report.html\""))
        #expect(FileManager.default.fileExists(atPath: out + "/weekly/2026-03-02T0600Z"))
    }

    @Test func retentionRemovesOnlyTheSchedulersOwnOlderFolders() throws {
        let f = try SiteFixture()
        let out = try Self.schedule(f)
        // A folder of the same shape the scheduler never recorded, and a recorded period replaced by a link.
        try FileManager.default.createDirectory(atPath: out + "/weekly/2026-01-05T0600Z", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: out + "/weekly/2026-03-02T0600Z", toPath: out + "/moved")
        try FileManager.default.createSymbolicLink(atPath: out + "/weekly/2026-03-02T0600Z", withDestinationPath: "../moved")
        let outcome = try f.build(definition: SiteDefinition(keep: 2))
        #expect(outcome.removedReports == [out + "/weekly/2026-03-09T0600Z"])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: out + "/weekly"))
        #expect(left == ["2026-03-23T0600Z", "2026-03-16T0600Z", "2026-03-02T0600Z", "2026-01-05T0600Z", "latest"])
        #expect(FileManager.default.fileExists(atPath: out + "/moved/report.html"))
        let page = try f.page("reports.html")
        #expect(page.contains("2026-03-23T0600Z") && page.contains("2026-03-16T0600Z") && !page.contains("2026-03-09T0600Z"))
        #expect(!page.contains("2026-03-02T0600Z"))
    }

    @Test func aScheduledSiteIsBuiltAfterTheReportsOfItsRun() throws {
        let f = try SiteFixture()
        let json = #"{"kind": "site", "title": "Desk", "schedule": "0 6 * * MON", "out": "www", "keep": 3, "listed_services": ["onb"]}"#
        let file = try DefinitionFile.parse(Data(json.utf8), name: "site", path: "reports/site.json")
        let site = try #require(ScheduleDefinition(file))
        #expect(site.jobKind == .site && site.site == SiteDefinition(name: "site", path: "reports/site.json", title: "Desk", out: "www", keep: 3, listedServices: ["onb"]))
        let out = try Self.schedule(f, sites: [site])
        let archive = try String(contentsOfFile: out + "/www/reports.html", encoding: .utf8)
        // Listed before the weekly definition, it still ran after it: the run's newest report is in the archive.
        #expect(archive.contains("latest: 2026-03-23T0600Z"))
        #expect(try String(contentsOfFile: out + "/www/index.html", encoding: .utf8).contains("as of 2026-03-23T06:00:00Z"))
        let history = try f.store.db.rows("SELECT period_end, state FROM schedule_runs WHERE definition = 'site' ORDER BY period_end")
        #expect(history.map { $0.string("state") } == ["done", "done"])
    }

    @Test(arguments: [
        (#""schedul": "* * * * *""#, "field 'schedul': is not a known field; did you mean 'schedule'?"),
        (#""keep": 0"#, "field 'keep': must be a whole number of reports from 1 to 100000, not 0"),
        (#""keep": 2.5"#, "field 'keep': must be a whole number of reports from 1 to 100000, not 2.5"),
        (#""keep": true"#, "field 'keep': must be a whole number"),
        (#""listed_services": "onb""#, "field 'listed_services': must be an array of service keys"),
        (#""listed_services": [""]"#, "field 'listed_services[0]': must be a service key"),
        (#""out": "../x""#, "field 'out': must be a plain folder name"),
        (#""listed_service": []"#, "did you mean 'listed_services'?"),
    ])
    func aBadSiteDefinitionIsRefusedNamingTheField(_ field: String, _ message: String) {
        let json = "{\"kind\": \"site\", \(field)}"
        do {
            _ = try DefinitionFile.parse(Data(json.utf8), name: "site", path: "reports/site.json")
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect("\(error)".contains("reports/site.json"))
        }
    }
}
