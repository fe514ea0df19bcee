import BatonTestSupport
import Foundation
import Reporting
@testable import Rendering
import SQLite
import Testing

/// Chart series derived from a section by its spec alone, checked against values worked out by hand.
@Suite struct ChartDataTests {
    /// A small report that is nothing like the weekly one: fruit sold per market day.
    static let fruit = SectionResult(
        key: "fruit", title: "Fruit sold", description: "",
        columns: [ColumnSpec(name: "day", label: "Day", unit: .week), ColumnSpec(name: "fruit", label: "Fruit", unit: .text),
                  ColumnSpec(name: "kg", label: "Weight", unit: .number)],
        rows: [[.text("Mon"), .text("apple"), .real(2.5)], [.text("Mon"), .text("pear"), .integer(1)],
               [.text("Tue"), .text("apple"), .integer(4)], [.text("Mon"), .text("apple"), .real(0.5)],
               [.text("Wed"), .text("pear"), .integer(3)]],
        chart: ChartSpec(kind: .stackedBar, title: "Fruit", x: "day", y: ["kg"], series: "fruit"))

    @Test func seriesSplitByAColumnAddUpPerCategory() throws {
        let d = try ChartData(section: Self.fruit, spec: Self.fruit.chart!)
        #expect(d.categories == ["Mon", "Tue", "Wed"])
        #expect(d.series.map(\.name) == ["apple", "pear"])
        #expect(d.series[0].values == [3.0, 4.0, nil])   // Mon: 2.5 + 0.5
        #expect(d.series[1].values == [1.0, nil, 3.0])
        #expect(d.rowOrderCategories == false)
        #expect(d.yLabel == "Weight")
    }

    @Test func scatterReferenceLinesAreConstantOrPerCategory() throws {
        let report = ReportFixtures.report(hostile: false)
        let lead = report.sections.first { $0.key == "lead_times" }!
        let d = try ChartData(section: lead, spec: lead.chart!)
        #expect(d.numericX)
        #expect(d.references.map(\.constant) == [14.166666666666666, 53.925, 79.78749999999999])
        #expect(d.series.map(\.name) == ["onboarding", "alpha"])
        #expect(d.series.map { $0.points.count } == [5, 5])
        #expect(d.yLabel == "Lead time (hours)")
        let aging = report.sections.first { $0.key == "aging" }!
        let a = try ChartData(section: aging, spec: aging.chart!)
        #expect(!a.numericX)
        #expect(a.categories == ["hr-review", "it-access", "gamma"])
        #expect(a.references[0].constant == nil)
        #expect(a.references[0].perCategory == [40, 8, nil])
        #expect(a.series[0].points.map(\.x) == [0, 0, 1, 2, 1])
    }

    @Test func shortRowsReadAsEmptyCells() throws {
        var s = Self.fruit
        s.rows.append([.text("Thu")])
        let d = try ChartData(section: s, spec: s.chart!)
        #expect(d.categories == ["Mon", "Tue", "Wed", "Thu"])
        #expect(d.series.map(\.name) == ["apple", "pear", "–"])
        #expect(d.series.allSatisfy { $0.values[3] == nil })
        let html = try HTMLReportRenderer().html(ReportResult(name: "f", title: "f", description: "", from: 0, to: 1, asOf: 1, generatedAt: 1, store: "",
                                                              headlines: [], sections: [s], definitions: []))
        #expect(html.contains("<td class=\"nw\" data-value=\"Thu\">Thu</td><td class=\"nw\" data-value=\"\">–</td><td class=\"num\" data-value=\"\" title=\"\">–</td>"))
    }

    @Test func instantCategoriesAreSortedAndLabelledByDate() throws {
        let s = SectionResult(key: "k", title: "", description: "",
                              columns: [ColumnSpec(name: "t", label: "Day", unit: .instant), ColumnSpec(name: "v", label: "V", unit: .count)],
                              rows: [[.integer(172_800), .integer(2)], [.integer(86_400), .integer(1)]],
                              chart: ChartSpec(kind: .line, title: "", x: "t", y: ["v"]))
        let d = try ChartData(section: s, spec: s.chart!)
        #expect(d.categoryTicks == ["1970-01-02", "1970-01-03"])
        #expect(d.series[0].values == [1, 2])
    }

    @Test func bigScattersAreThinnedEvenly() throws {
        let n = ChartData.maxScatterPoints * 3 + 1
        let s = SectionResult(key: "k", title: "", description: "",
                              columns: [ColumnSpec(name: "x", label: "X", unit: .number), ColumnSpec(name: "y", label: "Y", unit: .number)],
                              rows: (0..<n).map { [.integer(Int64($0)), .integer(Int64($0))] },
                              chart: ChartSpec(kind: .scatter, title: "", x: "x", y: ["y"]))
        let d = try ChartData(section: s, spec: s.chart!)
        // 12001 rows, at most 4000 points: every ⌈12001/4000⌉ = 4th row, rows 0, 4, …, 12000 → 3001 points.
        #expect(d.drawnRows == 3001)
        #expect(d.series[0].points.allSatisfy { $0.row % 4 == 0 })
    }

    @Test(arguments: [(0.0, 95.0, [0.0, 20, 40, 60, 80, 100]), (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]), (-3.0, 7.0, [-4.0, -2, 0, 2, 4, 6, 8]), (5.0, 5.0, [0.0, 1, 2, 3, 4, 5])])
    func niceTicksCoverTheRange(lo: Double, hi: Double, expected: [Double]) {
        let ticks = Axis.niceTicks(lo, hi)
        #expect(ticks.count == expected.count)
        #expect(zip(ticks, expected).allSatisfy { abs($0 - $1) < 1e-9 }, "\(ticks)")
    }

    /// A report the renderers have never seen renders in both formats, including its empty section.
    @Test func aCustomReportRendersInBothFormats() throws {
        let report = ReportResult(name: "fruit", title: "Fruit", description: "", from: 0, to: 7 * 86_400, asOf: 7 * 86_400,
                                  generatedAt: 7 * 86_400, store: "fruit.db", headlines: [],
                                  sections: [Self.fruit, SectionResult(key: "empty", title: "Nothing", description: "", columns: Self.fruit.columns, rows: [], chart: Self.fruit.chart)],
                                  definitions: [])
        let folder = try TemporaryFolder.make("fruit")
        defer { try? FileManager.default.removeItem(at: folder) }
        try HTMLReportRenderer().write(report, to: folder)
        try XLSXReportRenderer().write(report, to: folder)
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg class=\"chart\" id=\"chart-fruit\""))
        #expect(html.contains("<td class=\"num\" data-value=\"2.5\" title=\"2.5\">2.50</td>"))
        #expect(html.contains("No data for this period."))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.xlsx").path))
    }
}
