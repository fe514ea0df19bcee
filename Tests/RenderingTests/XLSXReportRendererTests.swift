import BatonCore
import BatonTestSupport
import Foundation
import Reporting
@testable import Rendering
import SQLite
import Testing

/// The workbook read back by a real reader (openpyxl) and compared with the CSV of the same result.
@Suite struct XLSXReportRendererTests {
    static let openpyxlAvailable = ExternalTools.hasOpenpyxl

    /// Dumps every sheet: name, frozen pane, autofilter, chart count, bold header, and each cell as
    /// [type, text] where type is n (number), d (date-time, rounded to the second), s (string) or null.
    static let dumpScript = #"""
    import json, sys, datetime, openpyxl
    wb = openpyxl.load_workbook(sys.argv[1])
    out = []
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for c in row:
                v = c.value
                if v is None: cells.append(None)
                elif isinstance(v, datetime.datetime):
                    v = (v + datetime.timedelta(microseconds=500000)).replace(microsecond=0)
                    cells.append(["d", v.strftime("%Y-%m-%dT%H:%M:%SZ"), c.number_format])
                elif isinstance(v, bool): cells.append(["b", str(v), c.number_format])
                elif isinstance(v, (int, float)): cells.append(["n", repr(v), c.number_format])
                else: cells.append(["s", v, c.number_format, c.data_type])
            rows.append(cells)
        ps = ws.page_setup
        out.append({"name": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
                    "charts": len(ws._charts), "chart_types": [type(ch).__name__ for ch in ws._charts],
                    "header_bold": bool(ws.cell(1, 1).font.b), "rows": rows, "state": ws.sheet_state,
                    "print": [ps.orientation or "", str(ps.paperSize or ""), str(ps.fitToWidth), str(ps.fitToHeight),
                              str(bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)),
                              ws.print_title_rows or "", str(ws.print_area or ""), ws.oddFooter.center.text or ""]})
    def hexof(fill):
        v = fill.srgbClr
        return str(v if isinstance(v, str) else v.val)
    charts = []
    for cs in wb.chartsheets:
        ch = cs._charts[0] if cs._charts else None
        fills = []
        if ch is not None:
            for s in ch.series:
                sp = s.graphicalProperties
                colour = None
                if s.marker is not None and s.marker.graphicalProperties is not None and s.marker.graphicalProperties.solidFill is not None:
                    colour = "marker:" + hexof(s.marker.graphicalProperties.solidFill)
                elif sp is not None and sp.solidFill is not None:
                    colour = "fill:" + hexof(sp.solidFill)
                elif sp is not None and sp.line is not None and sp.line.solidFill is not None:
                    colour = "line:" + hexof(sp.line.solidFill)
                name = s.tx.strRef.f if s.tx and s.tx.strRef else (s.tx.v if s.tx else "")
                fills.append([str(name), colour or "", str(s.val.numRef.f if s.val else (s.yVal.numRef.f if s.yVal else ""))])
        charts.append({"name": cs.title, "type": type(ch).__name__ if ch else "", "orientation": (cs.pageSetup.orientation if cs.pageSetup is not None else "") or "",
                       "series": fills})
    json.dump({"sheets": out, "charts": charts, "order": wb.sheetnames}, sys.stdout)
    """#

    struct Sheet {
        var name: String, freeze: String?, filter: String?, charts: Int, chartTypes: [String], headerBold: Bool
        var rows: [[[String]?]]
        var state: String
        /// orientation, paper, fitToWidth, fitToHeight, fitToPage, print title rows, print area, footer centre.
        var print: [String]
    }

    /// A chart sheet: its name, chart type, orientation, and per series [name, colour ("fill:RRGGBB",
    /// "marker:RRGGBB" or "line:RRGGBB"), values range].
    struct Chartsheet { var name: String, type: String, orientation: String, series: [[String]] }

    struct Book { var sheets: [Sheet]; var charts: [Chartsheet]; var order: [String] }

    static func readBook(_ file: URL) throws -> Book {
        let r = try Subprocess.run(try #require(ExternalTools.python3), ["-c", dumpScript, file.path], timeout: 120)
        #expect(r.status == 0, "openpyxl failed: \(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: r.output) as? [String: Any])
        let sheets = (json["sheets"] as! [[String: Any]]).map { s in
            Sheet(name: s["name"] as! String, freeze: s["freeze"] as? String, filter: s["filter"] as? String,
                  charts: s["charts"] as! Int, chartTypes: s["chart_types"] as! [String], headerBold: s["header_bold"] as! Bool,
                  rows: (s["rows"] as! [[Any]]).map { $0.map { ($0 as? [Any])?.map { "\($0)" } } },
                  state: s["state"] as! String, print: s["print"] as! [String])
        }
        let charts = (json["charts"] as! [[String: Any]]).map { c in
            Chartsheet(name: c["name"] as! String, type: c["type"] as! String, orientation: c["orientation"] as! String,
                       series: c["series"] as! [[String]])
        }
        return Book(sheets: sheets, charts: charts, order: json["order"] as! [String])
    }

    static func read(_ file: URL) throws -> [Sheet] { try readBook(file).sheets }

    /// libxlsxwriter writes numbers with 16 significant digits (`%.16G`; Excel shows 15), so a double whose
    /// shortest text needs 17 digits reads back within half a unit of the 16th digit; any other is exact.
    static func sameNumber(_ xlsx: String, _ csv: String) -> Bool {
        guard let a = Double(xlsx), let b = Double(csv) else { return false }
        if a == b { return true }
        return a == Double(String(format: "%.16G", b))
    }

    @Test func sixteenDigitRuleIsNotLoose() {
        #expect(Self.sameNumber("14.16666666666667", "14.166666666666666"))
        #expect(!Self.sameNumber("14.16666666666666", "14.166666666666666"))
        #expect(Self.sameNumber("0.3", "0.30000000000000004"))
        #expect(!Self.sameNumber("53.93", "53.925"))
    }

    static func columnLetter(_ i: Int) -> String {
        var n = i + 1, s = ""
        while n > 0 { let r = (n - 1) % 26; s = String(UnicodeScalar(65 + r)!) + s; n = (n - 1) / 26 }
        return s
    }

    @Test(.enabled(if: openpyxlAvailable, "python3 with openpyxl not found: pip install openpyxl to read the workbook back"))
    func everyCellAgreesWithTheCSV() throws {
        let report = ReportFixtures.report()
        let folder = try TemporaryFolder.make("xlsx")
        defer { try? FileManager.default.removeItem(at: folder) }
        try XLSXReportRenderer().write(report, to: folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.xlsx"])
        let book = try Self.readBook(folder.appendingPathComponent("report.xlsx"))
        let sheets = book.sheets

        #expect(sheets.map(\.name) == ["Summary"] + report.sections.map(\.key) + ["Definitions", "Chart data"])
        // Each chart on a chart sheet right after its section's sheet.
        let charted = report.sections.filter { $0.chart != nil && !$0.rows.isEmpty }.map(\.key)
        #expect(book.charts.map(\.name) == charted.map { "\($0) chart" })
        for key in charted { #expect(book.order.firstIndex(of: "\(key) chart") == book.order.firstIndex(of: key)! + 1, "\(key) chart placed") }
        var checked = 0
        for (s, sheet) in zip(report.sections, sheets.dropFirst()) {
            let csv = RFC4180.records(ReportFixtures.csv(s))
            #expect(sheet.freeze == "A2", "\(s.key) frozen header")
            #expect(sheet.headerBold, "\(s.key) bold header")
            let lastRow = max(s.rows.count, 1) + 1
            #expect(sheet.filter == "A1:\(Self.columnLetter(s.columns.count - 1))\(lastRow)", "\(s.key) autofilter")
            #expect(sheet.charts == 0, "\(s.key): the chart is on its own sheet")
            #expect(sheet.state == "visible")
            // Header: the column labels with their units; nothing else on the sheet's first row (no helper columns).
            #expect(sheet.rows[0].compactMap { $0?[1] } == s.columns.map(XLSXReportRenderer.headerLabel))
            if s.rows.isEmpty {
                #expect(sheet.rows[1][0]?[1] == "No data for this period.")
                continue
            }
            for r in 0..<s.rows.count {
                for (c, column) in s.columns.enumerated() {
                    let field = csv[r + 1][c]
                    let cell = r + 1 < sheet.rows.count && c < sheet.rows[r + 1].count ? sheet.rows[r + 1][c] : nil
                    let place = "\(s.key)!\(Self.columnLetter(c))\(r + 2)"
                    guard let cell else { #expect(field.isEmpty, "\(place) empty in the workbook, '\(field)' in the CSV"); continue }
                    switch column.unit {
                    case .count, .number, .hours, .ratio:
                        #expect(cell[0] == "n", "\(place) is a number")
                        #expect(Self.sameNumber(cell[1], field), "\(place): \(cell[1]) vs \(field)")
                        let format = cell[2]
                        switch column.unit {
                        case .ratio: #expect(format.hasSuffix("%"), "\(place) format \(format)")
                        case .hours: #expect(format == "0.00", "\(place) format \(format)")
                        default: break
                        }
                    case .instant:
                        #expect(cell[0] == "d", "\(place) is a date-time")
                        #expect(cell[1] == field, "\(place): \(cell[1]) vs \(field)")
                    case .text where ChartData.isISODate(field) && field.count == 10:
                        #expect(cell[0] == "d" && cell[1] == field + "T00:00:00Z" && cell[2] == "yyyy-mm-dd", "\(place) is a day: \(cell)")
                    case .text, .week:
                        #expect(cell[0] == "s" && cell[3] == "s", "\(place) is a string, not a formula: \(cell)")
                        // The CSV guards formula-like text with a leading '; the workbook holds the text itself as a string.
                        #expect(CSVWriter.guardFormula(cell[1]) == field, "\(place): \(cell[1]) vs \(field)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 150)
        // The hostile formula is a string cell holding the text.
        let readiness = try #require(sheets.first { $0.name == "automation_readiness" })
        #expect(readiness.rows[4][1] == ["s", "@SUM(A1)", "General", "s"])
        // Scatter charts are scatter charts; the categorical aging chart is a line chart with markers only.
        #expect(book.charts.first { $0.name == "lead_times chart" }?.type == "ScatterChart")
        #expect(book.charts.first { $0.name == "team_load chart" }?.type == "BarChart")
        #expect(book.charts.first { $0.name == "cumulative_flow chart" }?.type == "LineChart")
        #expect(book.charts.allSatisfy { $0.orientation == "landscape" })
        // Every series has its colour; scatter and aging markers are filled.
        for c in book.charts { #expect(c.series.allSatisfy { !$0[1].isEmpty }, "\(c.name): \(c.series)") }
        #expect(book.charts.first { $0.name == "lead_times chart" }?.series.first?[1].hasPrefix("marker:") == true)
        let aging = try #require(book.charts.first { $0.name == "aging chart" })
        #expect(aging.series.first?[1].hasPrefix("marker:") == true, "\(aging.series)")
        // The helper tables are on the hidden sheet.
        #expect(sheets.last?.state == "hidden")
        #expect(book.charts.first { $0.name == "throughput chart" }?.series.allSatisfy { $0[2].hasPrefix("'Chart data'!") } == true)
        // Printing: landscape A4, one page wide, the header repeated; sections print their first rows on one page.
        for sheet in sheets where sheet.state == "visible" {
            // A fit of 1 page is the file format's default, which libxlsxwriter leaves out and openpyxl reads as None.
            #expect(Array(sheet.print.prefix(2)) == ["landscape", "9"] && ["1", "None"].contains(sheet.print[2]), "\(sheet.name) \(sheet.print)")
            #expect(sheet.print[4] == "True", "\(sheet.name) fit to page")
            if sheet.name != "Summary" { #expect(sheet.print[5] == "$1:$1", "\(sheet.name) repeats its header: \(sheet.print)") }
        }
        for s in report.sections {
            let p = try #require(sheets.first { $0.name == s.key }).print
            let printed = min(max(s.rows.count, 1), XLSXReportRenderer.maxPrintedRows)
            #expect(["1", "None"].contains(p[3]) && p[6].hasSuffix("$A$1:$\(Self.columnLetter(s.columns.count - 1))$\(printed + 1)"), "\(s.key) \(p)")
            #expect(p[7].isEmpty == (s.rows.count <= XLSXReportRenderer.maxPrintedRows), "\(s.key) footer note \(p[7])")
        }

        // Summary: headlines as numbers; Definitions last with the percentile method.
        let summary = sheets[0]
        let headline = try #require(summary.rows.first { $0.first??[1] == "Lead time p85" })
        #expect(headline[1]?[0] == "n" && Double(headline[1]![1]) == 53.925)
        #expect(headline[2]?[1] == "40")
        let definitions = try #require(sheets.first { $0.name == "Definitions" })
        #expect(definitions.freeze == "A2")
        #expect(definitions.rows.contains { $0.first??[1] == "Percentile method" })
    }

    /// HTML, XLSX and CSV of one result show the same numbers: both renderers are compared with the one CSV above
    /// and the HTML test; here the three are read side by side for the numeric cells of every section.
    @Test(.enabled(if: openpyxlAvailable, "python3 with openpyxl not found"))
    func htmlXlsxAndCsvAgreeNumberForNumber() throws {
        let report = ReportFixtures.report(hostile: false)
        let folder = try TemporaryFolder.make("agree")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The three renderers the report command runs, through the engine's writer, into one folder.
        let run = try ReportWriter.write(report, renderers: [ReportCSV(), HTMLReportRenderer(), XLSXReportRenderer()], outputDirectory: folder)
        let sheets = try Self.read(run.appendingPathComponent("report.xlsx"))
        let tables = try HTMLTableReader.tables(String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8))
        var compared = 0
        for s in report.sections where !s.rows.isEmpty {
            let csv = RFC4180.records(try String(contentsOf: run.appendingPathComponent("\(s.key).csv"), encoding: .utf8))
            let sheet = try #require(sheets.first { $0.name == s.key })
            let table = try #require(tables[s.key])
            for r in 0..<s.rows.count {
                for (c, column) in s.columns.enumerated() where HTMLReportRenderer.isNumeric(column.unit) && !csv[r + 1][c].isEmpty {
                    let csvNumber = Double(csv[r + 1][c])
                    #expect(Double(table.rows[r][c].value) == csvNumber)
                    #expect(Self.sameNumber(sheet.rows[r + 1][c]?[1] ?? "", csv[r + 1][c]))
                    compared += 1
                }
            }
        }
        #expect(compared > 80)
    }

    @Test(arguments: [
        (["Summary", "summary", "a[b]:c*d?e/f\\g", String(repeating: "x", count: 40), String(repeating: "x", count: 40), "History", "'quoted'", "", "Definitions"],
         ["Summary", "summary (2)", "abcdefg", String(repeating: "x", count: 31), String(repeating: "x", count: 27) + " (2)", "Sheet History", "quoted", "Sheet", "Definitions"]),
    ])
    func sheetNamesAreValidAndUnique(wanted: [String], expected: [String]) {
        var names = SheetNames()
        let got = wanted.map { names.unique($0) }
        #expect(got == expected)
        #expect(got.allSatisfy { $0.utf16.count <= 31 && !$0.contains(where: { "[]:*?/\\".contains($0) }) })
    }

    @Test func textLosesCharactersXMLForbidsAndIsCutToExcelsLimit() {
        #expect(XLSXText.clean("a\u{0001}b\u{0008}c\td\ne") == "abc\td\ne")
        #expect(XLSXText.clean("x\u{FFFE}y\u{FFFF}") == "xy")
        #expect(XLSXText.clean("ünïcødé 🚀") == "ünïcødé 🚀")
        #expect(XLSXText.clean(String(repeating: "é", count: 40_000)).unicodeScalars.count == 32_767)
    }

    /// Long text wraps in a column 40 wide, and its row is as tall as its lines (readers do not grow streamed rows).
    @Test(.enabled(if: openpyxlAvailable, "python3 with openpyxl not found"))
    func longTextWrapsInARowTallEnoughForIt() throws {
        let long = String(repeating: "reason ", count: 15)  // 105 characters: 3 lines of 36
        let section = SectionResult(key: "wrap", title: "Wrap", description: "",
                                    columns: [ColumnSpec(name: "step", label: "Step", unit: .text), ColumnSpec(name: "reasons", label: "Reasons", unit: .text)],
                                    rows: [[.text("a"), .text(long)], [.text("b"), .text("short")]])
        let report = ReportResult(name: "w", title: "w", description: "", from: 0, to: 1, asOf: 1, generatedAt: 1, store: "",
                                  headlines: [], sections: [section], definitions: [])
        let folder = try TemporaryFolder.make("wrap")
        defer { try? FileManager.default.removeItem(at: folder) }
        try XLSXReportRenderer().write(report, to: folder)
        let script = """
        import sys, openpyxl
        ws = openpyxl.load_workbook(sys.argv[1])["wrap"]
        print(ws.column_dimensions["B"].width, ws["B2"].alignment.wrap_text, ws["A2"].alignment.vertical, ws.row_dimensions[2].height, ws.row_dimensions[3].height)
        """
        let r = try Subprocess.run(try #require(ExternalTools.python3), ["-c", script, folder.appendingPathComponent("report.xlsx").path])
        // Width 40 characters is stored as 40.7109375 (libxlsxwriter adds the cell padding, as Excel does); 3 lines of 15 pt.
        #expect(String(decoding: r.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "40.7109375 True top 45.0 None", "\(r.err)")
        #expect(XLSXReportRenderer.wrappedLines([.text(long), .null], [0, 1]) == 3)
    }

    @Test func excelDatesAreDaysSince1899_12_30() {
        #expect(XLSXReportRenderer.excelDate(0) == 25_569)                          // 1970-01-01
        #expect(XLSXReportRenderer.excelDate(Instant.parse("2026-03-02T12:00:00Z")!) == 46_083.5)
    }

    @Test func chartNamingAMissingColumnIsAClearError() throws {
        var report = ReportFixtures.report(hostile: false)
        report.sections[0].chart = ChartSpec(kind: .bar, title: "t", x: "week", y: ["closd"])
        let folder = try TemporaryFolder.make("badchart")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: RenderError.self) { try XLSXReportRenderer().write(report, to: folder) }
        #expect(throws: RenderError("section 'throughput': chart 't' names column 'closd', which is not one of: week, service, opened, closed, cancelled")) {
            try HTMLReportRenderer().html(report)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "no partial workbook left behind")
    }
}
