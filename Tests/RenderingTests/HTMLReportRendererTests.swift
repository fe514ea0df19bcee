import BatonTestSupport
import Foundation
import Reporting
@testable import Rendering
import SQLite
import Testing

@Suite struct HTMLReportRendererTests {
    let report = ReportFixtures.report()

    @Test func everySectionHasItsHeadingTableAndChart() throws {
        let html = try HTMLReportRenderer().html(report)
        for s in report.sections {
            #expect(html.contains("id=\"section-\(s.key)\""), "section \(s.key)")
            if s.rows.isEmpty { continue }
            #expect(html.contains("id=\"table-\(s.key)\""), "table \(s.key)")
            if s.chart != nil {
                #expect(html.contains("<svg class=\"chart\" id=\"chart-\(s.key)\" role=\"img\" aria-label=\""), "chart \(s.key)")
            }
        }
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 == report.sections.filter { $0.chart != nil && !$0.rows.isEmpty }.count)
        #expect(html.contains("id=\"definitions\""))
        #expect(html.contains("Hyndman–Fan type 7"))
        #expect(html.contains(HTMLReportRenderer.contentSecurityPolicy))
        #expect(!html.contains("<script"))
    }

    /// Each cell's data-value is the CSV's field, and its visible text is that number by the stated rule.
    @Test func tableCellsShowTheCSVNumbers() throws {
        let tables = try HTMLTableReader.tables(HTMLReportRenderer().html(report))
        var checked = 0
        for s in report.sections where !s.rows.isEmpty {
            let csv = RFC4180.records(ReportFixtures.csv(s))
            let table = try #require(tables[s.key], "table \(s.key)")
            #expect(table.columns == csv[0])
            #expect(table.rows.count == csv.count - 1)
            for (r, row) in table.rows.enumerated() {
                #expect(row.count == s.columns.count)
                for (c, cell) in row.enumerated() {
                    let field = csv[r + 1][c]
                    let unit = s.columns[c].unit
                    // The CSV guards formula-like text with a leading '; the page shows the text itself.
                    #expect(field == (unit == .text ? CSVWriter.guardFormula(cell.value) : cell.value), "\(s.key) row \(r) col \(c)")
                    try Self.expectShown(cell.text, for: field, unit: unit, at: "\(s.key)[\(r)][\(c)]")
                    checked += 1
                }
            }
            if s.highlight { #expect(table.rowClasses.allSatisfy { $0 == "alert" }) }
        }
        #expect(checked > 150)
    }

    /// The display rule, checked from the CSV text: hours one decimal + " h", ratios % with one decimal,
    /// counts as integers, instants as "YYYY-MM-DD hh:mm UTC", text unchanged, empty as "–".
    static func expectShown(_ shown: String, for field: String, unit: ColumnUnit, at place: String) throws {
        if field.isEmpty { #expect(shown == "–" || (unit == .text && shown.isEmpty), "\(place)"); return }
        switch unit {
        case .hours:
            #expect(shown.hasSuffix(" h"), "\(place)")
            let number = String(shown.dropLast(2))
            #expect(number.split(separator: ".").last?.count == 1, "\(place): \(shown)")
            #expect(abs(try #require(Double(number)) - Double(field)!) <= 0.05 + 1e-9, "\(place): \(shown) vs \(field)")
        case .ratio:
            #expect(shown.hasSuffix(" %"), "\(place)")
            let number = String(shown.dropLast(2))
            #expect(number.split(separator: ".").last?.count == 1, "\(place): \(shown)")
            #expect(abs(try #require(Double(number)) / 100 - Double(field)!) <= 0.0005 + 1e-12, "\(place): \(shown) vs \(field)")
        case .count:
            #expect(shown == field, "\(place)")
        case .number:
            #expect(abs(try #require(Double(shown)) - Double(field)!) <= 0.005 + 1e-12, "\(place): \(shown) vs \(field)")
        case .instant:
            // 2026-03-02T09:15:17Z → 2026-03-02 09:15 UTC
            let expected = field.prefix(10) + " " + field.dropFirst(11).prefix(5) + " UTC"
            #expect(shown == expected, "\(place)")
        case .text, .week:
            #expect(CSVWriter.guardFormula(shown) == field, "\(place)")
        }
    }

    @Test func textFromDataNeverBecomesMarkup() throws {
        let html = try HTMLReportRenderer().html(report)
        // Every '<' in the page starts one of the renderer's own elements.
        let allowed: Set<String> = ["html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "time", "nav", "ul", "li", "a",
                                    "main", "section", "div", "small", "figure", "svg", "desc", "text", "g", "line", "circle", "rect", "path",
                                    "figcaption", "table", "caption", "thead", "tr", "th", "tbody", "td", "dl", "dt", "dd", "footer", "span"]
        let tags = Set(html.matches(of: try Regex(#"<([a-zA-Z][a-zA-Z0-9]*)"#)).map { String($0.output[1].substring!).lowercased() })
        #expect(tags.subtracting(allowed).isEmpty, "unexpected elements: \(tags.subtracting(allowed))")
        // No event-handler attribute: look at attribute names only (quoted values are data, escaped).
        for tag in html.matches(of: try Regex(#"<[a-zA-Z][^>]*>"#)) {
            let names = String(tag.output[0].substring!).replacing(try Regex(#""[^"]*""#), with: "\"\"")
            #expect(names.matches(of: try Regex(#"\son[a-z]+\s*="#)).isEmpty, "event handler in \(tag.output[0].substring!)")
            #expect(!names.contains("src="))
        }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"))
        #expect(html.contains("مرحبا بالعالم \u{202E}txt.exe"))
        #expect(html.contains("🚀 launch 👩‍💻"))
        // Hostile text in a series name reaches the SVG legend escaped too.
        let chart = try #require(html.range(of: "id=\"chart-throughput\"")).upperBound
        #expect(html[chart...].prefix(4000).contains("&lt;script&gt;"))
    }

    @Test(arguments: [
        ("\u{0001}bell\u{7F}", "\u{FFFD}bell\u{FFFD}"),
        ("a<b>&\"'", "a&lt;b&gt;&amp;&quot;&#39;"),
        ("tab\tnew\nline", "tab\tnew\nline"),
        ("\u{FFFE}x", "\u{FFFD}x"),
    ])
    func escapesAndReplacesForbiddenCharacters(input: String, expected: String) {
        #expect(HTMLEscape.text(input) == expected)
    }

    @Test func emptySectionSaysNoDataAndDrawsNoChart() throws {
        let html = try HTMLReportRenderer().html(report)
        let start = try #require(html.range(of: "id=\"section-cancellations\""))
        let end = try #require(html.range(of: "</section>", range: start.upperBound..<html.endIndex))
        let section = html[start.upperBound..<end.lowerBound]
        #expect(section.contains("No data for this period."))
        #expect(!section.contains("<svg"))
        #expect(!section.contains("<table"))
    }

    @Test(arguments: [
        (60.0, 50.0, true, "▲ +20.0 % (previous 50)", "good"),
        (40.0, 50.0, true, "▼ −20.0 % (previous 50)", "bad"),
        (53.925, 40.0, false, "▲ +34.8 % (previous 40.0 h)", "bad"),
        (5.0, 0.0, true, "▲ from 0 (previous 0)", "good"),
        (7.0, 7.0, true, "→ no change (previous 7)", "flat"),
    ])
    func headlineChangeAgainstPreviousPeriod(value: Double, previous: Double, higherIsBetter: Bool, text: String, cls: String) {
        let unit: ColumnUnit = text.contains(" h)") ? .hours : .count
        let change = HTMLReportRenderer.change(Headline(key: "k", label: "k", unit: unit, value: value, previous: previous, higherIsBetter: higherIsBetter))
        #expect(change.text == text)
        #expect(change.cls == cls)
    }

    @Test func headlineWithoutPreviousPeriod() {
        let change = HTMLReportRenderer.change(Headline(key: "k", label: "k", unit: .ratio, value: 0.05, previous: nil, higherIsBetter: false))
        #expect(change == ("no previous period", "flat"))
    }

    @Test func headlinesShowValueAndExactNumber() throws {
        let html = try HTMLReportRenderer().html(report)
        #expect(html.contains("<div class=\"kpi-value\" data-value=\"53.925\" title=\"53.925\">53.9 h <small>(2.2 d)</small></div>"))
        #expect(html.contains("<div class=\"kpi-value\" data-value=\"0.05\" title=\"0.05\">5.0 %</div>"))
    }

    @Test func definitionsEndThePageWithTheStandardTermsOnce() throws {
        var r = report
        r.definitions = [("Window", "the engine's own words"), ("Percentile", "type 7")]
        let terms = ReportGlossary.terms(r, numbersRule: "rule")
        #expect(terms.map(\.0) == ["Window", "Percentile", "As of", "Generated at", "Store", "Numbers"])
        #expect(terms[0].1 == "the engine's own words")
        #expect(terms[2].1.hasPrefix("2026-03-30T00:00:00Z"))
        #expect(terms[3].1 == "2026-03-30T00:02:00Z")
        let html = try HTMLReportRenderer().html(report)
        let defs = try #require(html.range(of: "<section class=\"definitions\""))
        #expect(html[defs.lowerBound...].contains("<dt>Percentile method</dt>"))
        #expect(html[defs.lowerBound...].contains("<dt>Store</dt><dd>/tmp/&lt;script&gt;alert(1)&lt;/script&gt;.db</dd>"))
        #expect(!html[defs.upperBound...].contains("class=\"report-section"))
    }

    @Test func writesOneFileAtomicallyIntoTheFolder() throws {
        let folder = try TemporaryFolder.make("html")
        defer { try? FileManager.default.removeItem(at: folder) }
        try HTMLReportRenderer().write(report, to: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["report.html"])
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func longTablesAreCutWithANote() throws {
        var renderer = HTMLReportRenderer()
        renderer.maxTableRows = 3
        let html = try renderer.html(report)
        let tables = try HTMLTableReader.tables(html)
        #expect(tables["lead_times"]?.rows.count == 3)
        #expect(html.contains("Showing the first 3 of 10 rows"))
    }
}
