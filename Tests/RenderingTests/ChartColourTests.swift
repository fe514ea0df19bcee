import BatonTestSupport
import Foundation
import Reporting
@testable import Rendering
import SQLite
import Testing

/// A series' colour follows its key (a service, team, state, verdict or y column), not the order its rows come in:
/// the same in every chart of a report, across reports, and in the HTML and the XLSX.
@Suite struct ChartColourTests {
    @Test func theHashIsFNV1aOfTheUTF8Bytes() {
        // FNV-1a 32: "" is the offset basis 0x811C9DC5, "a" is 0xE40C292C (published test vectors); mod 8.
        #expect(ChartPalette.preferred("") == 0xC5 % 8)
        #expect(ChartPalette.preferred("a") == 0x2C % 8)
        #expect(ChartPalette.hex(ChartPalette.light[0]) == "#0072b2")
    }

    @Test(arguments: [["ready", "active", "paused"], ["a", "b", "c", "d", "e", "f", "g", "h"], ["x", "x", "y"]])
    func keysOfOneChartGetDistinctColoursWhateverTheirOrder(keys: [String]) {
        let colours = ChartPalette.assign(keys)
        #expect(Set(colours).count == Set(keys).count, "\(zip(keys, colours).map { "\($0)=\($1)" })")
        let reversed = ChartPalette.assign(keys.reversed())
        #expect(Array(colours.reversed()) == reversed, "the order of appearance changed a colour")
        // A key alone in its chart gets the colour it prefers.
        for k in keys { #expect(ChartPalette.assign([k]) == [ChartPalette.preferred(k)]) }
        // More keys than colours: colours repeat, but every key still gets one.
        let many = (0..<20).map { "team-\($0)" }
        #expect(ChartPalette.assign(many).allSatisfy { (0..<ChartPalette.count).contains($0) })
    }

    /// The bug this fixes: a service first in one chart and fifth in another got colour 0 in one and 4 in the other.
    @Test func aServiceKeepsItsColourWhenItsRowsComeInAnotherOrder() throws {
        let cols = [ColumnSpec(name: "week", label: "Week", unit: .week), ColumnSpec(name: "service", label: "Service", unit: .text),
                    ColumnSpec(name: "n", label: "N", unit: .count)]
        let services = ["access-request", "onboarding", "laptop-repair", "offboarding", "contract-review"]
        func section(_ order: [String], _ kind: ChartSpec.Kind) -> SectionResult {
            let rows: [[SQLValue]] = order.enumerated().map { [.text("2026-W01"), .text($1), .integer(Int64($0 + 1))] }
            return SectionResult(key: "s", title: "s", description: "", columns: cols, rows: rows,
                                 chart: ChartSpec(kind: kind, title: "t", x: "week", y: ["n"], series: kind == .scatter ? nil : "service",
                                                  colorBy: kind == .scatter ? "service" : nil))
        }
        func colours(_ s: SectionResult) throws -> [String: Int] {
            let d = try ChartData(section: s, spec: s.chart!)
            return Dictionary(uniqueKeysWithValues: d.series.map { ($0.key, $0.color) })
        }
        let a = try colours(section(services, .stackedBar))
        let b = try colours(section(services.reversed(), .scatter))
        let c = try colours(section(services.shuffled(), .line))
        #expect(a == b && b == c)
        #expect(Set(a.values).count == services.count)
        // And the page draws each with its class.
        let sec = section(services.reversed(), .stackedBar)
        let svg = SVGChart.render(try ChartData(section: sec, spec: sec.chart!), id: "x")
        #expect(try Self.legends(svg)["x"] == a)
    }

    /// Colour per series name, per chart id, from the legends of a page.
    static func legends(_ html: String) throws -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        let item = try Regex(#"<g class="legend-item"><(?:rect|circle|line) class="(?:bar|dot|line) c(\d)"[^>]*/><text[^>]*>([^<]*)</text></g>"#)
        for chunk in html.components(separatedBy: "<svg class=\"chart\" id=\"").dropFirst() {
            let id = String(chunk.prefix { $0 != "\"" })
            for m in chunk.components(separatedBy: "</svg>")[0].matches(of: item) {
                out[id, default: [:]][String(m.output[2].substring!)] = Int(String(m.output[1].substring!))!
            }
        }
        return out
    }

    @Test(.enabled(if: TestPaths.binaryAvailable && ExternalTools.hasOpenpyxl, "needs the debug binary and python3 with openpyxl"))
    func aKeyKeepsItsColourAcrossChartsReportsAndFormats() throws {
        let folder = try TemporaryFolder.make("colours")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weekly = try DemoReports.demo("weekly", formats: "html,xlsx", in: folder)
        let teamLoad = try DemoReports.demo("team-load", formats: "html,xlsx", in: folder)
        let w = try Self.legends(String(contentsOf: weekly.appendingPathComponent("report.html"), encoding: .utf8))
        let t = try Self.legends(String(contentsOf: teamLoad.appendingPathComponent("report.html"), encoding: .utf8))

        // Services: one colour in throughput, WIP and the lead-time scatter.
        let services = try #require(w["chart-throughput"])
        #expect(services.count >= 5)
        #expect(Set(services.values).count == services.count, "two services share a colour: \(services)")
        for id in ["chart-wip", "chart-lead_time_scatter"] {
            for (service, colour) in services { #expect(w[id]?[service] == colour, "\(service) in \(id): \(w[id]?[service] ?? -1) vs \(colour)") }
        }
        // States: the same in the weekly and the team-load report's aging charts, and as the team-load bars' columns.
        let states = try #require(w["chart-aging"])
        #expect(!states.isEmpty)
        for (state, colour) in states {
            #expect(t["chart-aging"]?[state] == colour, "state \(state) across reports")
            #expect(t["chart-team_load"]?[state.prefix(1).uppercased() + state.dropFirst()] == colour, "state \(state) as a column")
        }
        #expect(w["chart-team_load"] == t["chart-team_load"])

        // The workbook draws each series in the page's colour (the light palette).
        for (run, legend) in [(weekly, w), (teamLoad, t)] {
            let book = try XLSXReportRendererTests.readBook(run.appendingPathComponent("report.xlsx"))
            #expect(book.charts.count == legend.count)
            var compared = 0
            for chart in book.charts {
                let names = try #require(legend["chart-" + chart.name.replacingOccurrences(of: " chart", with: "")], "\(chart.name)")
                for s in chart.series {
                    guard let c = names[s[0]] else { continue }  // reference lines are not series colours
                    let hex = String(ChartPalette.hex(ChartPalette.light[c]).dropFirst()).uppercased()
                    #expect(s[1].hasSuffix(":" + hex), "\(chart.name) \(s[0]): \(s[1]) vs \(hex)")
                    compared += 1
                }
            }
            #expect(compared >= legend.values.map(\.count).reduce(0, +))
        }
    }
}
