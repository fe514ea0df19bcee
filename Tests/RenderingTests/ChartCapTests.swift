import BatonCore
import BatonTestSupport
import Foundation
import Reporting
@testable import Rendering
import Orchestration
import SQLite
import Testing

/// Capped charts: a text x keeps the categories with the largest totals, an ordered x its latest ones; the caption
/// says which were drawn.
@Suite struct ChartCapTests {
    static let columns = [ColumnSpec(name: "team", label: "Team", unit: .text), ColumnSpec(name: "ready", label: "Ready", unit: .count),
                          ColumnSpec(name: "active", label: "Active", unit: .count)]

    /// 606 teams as BPI 2013 has them, busiest first: team i has 606 - i runs ready (the last 100 none) and i % 3 active.
    static func teams(shuffledWith seed: UInt64?) -> SectionResult {
        var rows: [[SQLValue]] = (0..<606).map { i in [.text("team-\(i)"), .integer(Int64(max(0, 506 - i))), .integer(Int64(i % 3))] }
        if let seed { var g = SplitMix64(seed: seed); rows.shuffle(using: &g) }
        return SectionResult(key: "team_load", title: "Team load", description: "", columns: columns, rows: rows,
                             chart: ChartSpec(kind: .stackedBar, title: "Open step runs by team", x: "team", y: ["ready", "active"], yLabel: "step runs"))
    }

    @Test(arguments: [nil, 1, 2] as [UInt64?])
    func aTextAxisKeepsTheLargestTotals(seed: UInt64?) throws {
        let s = Self.teams(shuffledWith: seed)
        let d = try ChartData(section: s, spec: s.chart!)
        // By hand: totals 506 - i + i % 3 fall with i for i < 506, so the 30 largest are teams 0…29.
        #expect(Set(d.categories) == Set((0..<30).map { "team-\($0)" }))
        #expect(d.categoryCap == ChartData.CategoryCap(kept: 30, total: 606, latest: false))
        // In the rows' order: sorted busiest first when the rows are.
        if seed == nil { #expect(d.categories == (0..<30).map { "team-\($0)" }) }
        #expect(d.capNote == "the 30 of 606 Team values with the largest total step runs")
        #expect(HTMLReportRenderer.caption(d) == "Open step runs by team — drawn: the 30 of 606 Team values with the largest total step runs.")
        // Each kept team's bars hold its own numbers.
        for (c, team) in d.categories.enumerated() {
            let i = Int(team.dropFirst(5))!
            #expect(d.series[0].values[c] == Double(506 - i) && d.series[1].values[c] == (i % 3 == 0 ? 0 : Double(i % 3)))
        }
    }

    @Test func categoriesTotallingZeroAreNotDrawn() throws {
        var s = Self.teams(shuffledWith: nil)
        s.rows = s.rows.enumerated().map { i, r in i < 6 ? r : [r[0], .integer(0), .integer(0)] }
        let d = try ChartData(section: s, spec: s.chart!)
        #expect(d.categories == (0..<6).map { "team-\($0)" })
        #expect(d.capNote == "the 6 of 606 Team values with the largest total step runs")
    }

    @Test func anOrderedAxisKeepsItsLatestCategories() throws {
        // 500 ISO days as text (the weekly report's `day`), shuffled: the latest 400 are drawn, in date order.
        let days = (0..<500).map { Instant.iso(Instant.parse("2025-01-01T00:00:00Z")! + Int64($0) * 86_400).prefix(10) }
        var g = SplitMix64(seed: 3)
        let rows: [[SQLValue]] = days.map { [SQLValue.text(String($0)), SQLValue.integer(1), SQLValue.integer(2)] }
        let s = SectionResult(key: "flow", title: "Flow", description: "", columns: [ColumnSpec(name: "day", label: "Day", unit: .text)] + Self.columns.dropFirst(),
                              rows: rows, chart: ChartSpec(kind: .line, title: "Flow", x: "day", y: ["ready"]))
        let d = try ChartData(section: s, spec: s.chart!)
        #expect(d.categories == days.suffix(400).map(String.init))
        #expect(d.capNote == "the latest 400 of 500 Day values")
        var shuffled = s
        shuffled.rows.shuffle(using: &g)
        #expect(try Set(ChartData(section: shuffled, spec: s.chart!).categories) == Set(d.categories))
        #expect(ChartData.isISODate("2026-09-01") && !ChartData.isISODate("2026-W36") && !ChartData.isISODate("team-2026"))
    }

    /// The real case: BPI 2013's team-load chart drew nothing, as the cap kept the last 400 of 606 teams.
    @Test(.enabled(if: TestPaths.sharedFile("bpic2013_incidents.xes.gz") != nil, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func bpic2013TeamLoadDrawsTheBusiestTeams() throws {
        let imported = try #require(SharedImports.bpic2013).get()
        let copy = try TemporaryStore("cap-bpic", copyOf: imported.dbPath)
        let to = Instant.parse("2012-05-21T00:00:00Z")!
        let result = try ReportEngine.run(definition: try ReportDefinition.named("weekly"), store: copy.store,
                                          from: Instant.parse("2012-02-27T00:00:00Z")!, to: to, asOf: to)
        let s = try #require(result.sections.first { $0.key == "team_load" })
        let d = try ChartData(section: s, spec: try #require(s.chart))
        // Independently: the totals of ready + active + paused per team, from the section's rows.
        let ix = ["team", "ready", "active", "paused"].map { n in s.columns.firstIndex { $0.name == n }! }
        struct Team { var row: Int; var name: String; var total: Double }
        var teams: [Team] = []
        for (i, r) in s.rows.enumerated() {
            var total = 0.0
            for c in ix.dropFirst() { total += r[c].double ?? 0 }
            teams.append(Team(row: i, name: r[ix[0]].description, total: total))
        }
        let nonzero = teams.filter { $0.total > 0 }
        #expect(s.rows.count > 400 && !nonzero.isEmpty)
        // Ties broken by the rows' order (the query's: busiest first).
        let ranked = nonzero.sorted { $0.total != $1.total ? $0.total > $1.total : $0.row < $1.row }
        let expected = ranked.prefix(30).sorted { $0.row < $1.row }.map(\.name)
        #expect(d.categories == expected)
        #expect(d.categoryCap?.total == s.rows.count)
        #expect(d.series.contains { $0.values.contains { ($0 ?? 0) > 0 } }, "the chart draws bars")
    }
}
