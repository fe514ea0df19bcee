import Foundation
import Reporting

/// Where a section's chart gets its cells, and the chart itself: straight from the section sheet's columns when
/// the chart's series are those columns in row order, else from a helper table on the hidden `Chart data` sheet.
/// The chart goes on a chart sheet of its own right after the section's sheet, so it prints whole on one page.
struct XLSXChartLayout {
    let data: ChartData
    let sheet: String
    let xColumn: Int
    let yColumns: [Int]
    let refColumns: [Int]
    /// Bar and line charts over aggregated, capped or reordered categories: a category column and a column per series.
    let categoryTable: Bool
    /// Scatter split into series: a column per series holding the row's y (same row as on the section sheet).
    let splitScatter: Bool
    /// The helper table's first column on the `Chart data` sheet.
    let helperStart: Int
    let helperSheet: String

    init(_ data: ChartData, columns: [ColumnSpec], sheet: String, helper: XLSXChartData) {
        self.data = data
        self.sheet = sheet
        let index = { (n: String) in columns.firstIndex { $0.name == n }! }  // ChartData checked the names.
        xColumn = index(data.spec.x)
        yColumns = data.spec.y.map(index)
        refColumns = (data.spec.referenceLines ?? []).map(index)
        helperSheet = helper.name
        let yFormat = XLSXReportRenderer.numFormat(data.yUnit)
        if data.spec.kind == .scatter {
            categoryTable = false
            splitScatter = (data.spec.colorBy ?? data.spec.series) != nil
        } else {
            splitScatter = false
            // Direct only when every row is its own category, in row order, and there is no split.
            categoryTable = data.spec.series != nil || data.categories.count != data.totalRows || !data.rowOrderCategories
        }
        let d = data
        if categoryTable {
            helperStart = helper.add(header: [d.xLabel] + d.series.map(\.name), rows: d.categories.count, numFormat: yFormat) { i in
                [(0, .text(d.categories[i]))] + d.series.enumerated().compactMap { k, s in s.values[i].map { (k + 1, .number($0)) } }
            }
        } else if splitScatter {
            var byRow: [Int: [(Int, XLSXChartData.Cell)]] = [:]
            for (k, s) in d.series.enumerated() { for p in s.points { byRow[p.row, default: []].append((k, .number(p.y))) } }
            helperStart = helper.add(header: d.series.map(\.name), rows: d.totalRows, numFormat: yFormat) { byRow[$0] ?? [] }
        } else {
            helperStart = -1
        }
    }

    /// The chart, on a chart sheet named after the section's sheet; nothing when libxlsxwriter has no chart to give.
    func addChart(_ book: XLSXWorkbook, dataRows: Int) throws {
        let numericX = data.numericX
        let isScatter = data.spec.kind == .scatter
        guard let chart = book.addChart(data.spec.kind, categoricalScatter: isScatter && !numericX) else { return }
        func look(_ s: ChartData.Series) -> XLSXChart.Look {
            let rgb = ChartPalette.light[s.color]
            switch data.spec.kind {
            case .bar, .stackedBar: return .bar(rgb)
            case .line: return .line(rgb)
            case .scatter: return .markers(rgb)
            }
        }
        let last = dataRows  // sheet rows 1...dataRows
        if categoryTable {
            for (k, s) in data.series.enumerated() {
                chart.addSeries(name: s.name, categories: (helperSheet, helperStart), values: (helperSheet, helperStart + 1 + k),
                                firstRow: 1, lastRow: data.categories.count, look: look(s))
            }
        } else if splitScatter {
            for (k, s) in data.series.enumerated() {
                chart.addSeries(name: s.name, categories: (sheet, xColumn), values: (helperSheet, helperStart + k),
                                firstRow: 1, lastRow: last, look: look(s))
            }
        } else {
            for (k, y) in yColumns.enumerated() {
                chart.addSeries(name: data.series[k].name, categories: (sheet, xColumn), values: (sheet, y),
                                firstRow: 1, lastRow: last, look: look(data.series[k]))
            }
        }
        if isScatter {
            for (k, ref) in data.references.enumerated() where ref.constant != nil || !numericX {
                chart.addSeries(name: ref.name, categories: (sheet, xColumn), values: (sheet, refColumns[k]),
                                firstRow: 1, lastRow: last, look: .reference)
            }
        }
        let title = data.spec.title + (data.capNote.map { " — drawn: \($0)" } ?? "")
        chart.setTitles(title: title, x: data.xLabel, y: data.yLabel,
                        xNumFormat: numericX && data.xUnit == .instant ? "yyyy-mm-dd" : nil,
                        yNumFormat: data.yUnit == .ratio ? "0%" : nil)
        try book.addChartsheet("\(sheet) chart", chart: chart)
    }
}

/// The hidden `Chart data` sheet: the helper tables of the workbook's charts side by side (one blank column
/// between), each with a header row. Written after every section, row by row across the tables, as
/// constant-memory mode writes a sheet's rows strictly in order.
final class XLSXChartData {
    enum Cell { case text(String), number(Double) }

    private struct Table {
        var start: Int
        var header: [String]
        var rows: Int
        var numFormat: String?
        /// The cells of data row `i` (sheet row i + 1): (column within the table, value).
        var cells: (Int) -> [(Int, Cell)]
    }

    let name: String
    private var tables: [Table] = []
    private var width = 0

    init(book: XLSXWorkbook) { name = book.reserveSheetName("Chart data") }

    /// Adds a helper table; its first column.
    func add(header: [String], rows: Int, numFormat: String?, cells: @escaping (Int) -> [(Int, Cell)]) -> Int {
        let start = width
        tables.append(Table(start: start, header: header, rows: rows, numFormat: numFormat, cells: cells))
        width += header.count + 1
        return start
    }

    /// Writes the sheet, hidden, when any chart needs it.
    func write(_ book: XLSXWorkbook) throws {
        guard !tables.isEmpty else { return }
        let sheet = try book.addSheet(reserved: name)
        sheet.hide()
        let header = book.format(.init(bold: true, bottomBorder: true))
        for t in tables { for (i, h) in t.header.enumerated() { try sheet.string(0, t.start + i, h, header) } }
        let formats = tables.map { book.format(.init(numFormat: $0.numFormat)) }
        for r in 0..<(tables.map(\.rows).max() ?? 0) {
            for (k, t) in tables.enumerated() where r < t.rows {
                for (c, v) in t.cells(r) {
                    switch v {
                    case .text(let s): try sheet.string(r + 1, t.start + c, s, nil)
                    case .number(let d): try sheet.number(r + 1, t.start + c, d, formats[k])
                    }
                }
            }
        }
    }
}
