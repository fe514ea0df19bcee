import BatonCore
import Foundation
import Reporting
import SQLite

/// Writes a report as `report.xlsx`: a Summary sheet, one sheet per section and a Definitions sheet.
///
/// Section sheets have a bold, frozen header with an autofilter; numbers are number cells with a format by
/// unit (counts `0`, numbers and hours `0.00`, ratios `0.0%`), instants are Excel date-times (UTC), and text
/// is always a string cell (never a formula). A section's chart is a native Excel chart whose series
/// reference the sheet's cells (split series get a small helper table to the right of the data).
/// Sheets stream in constant-memory mode, so the memory used does not grow with the number of rows.
public struct XLSXReportRenderer: FileReportRenderer, Sendable {
    public let format = "xlsx"
    /// Sections with more rows than this get no chart (a note says so).
    public var maxChartRows = 100_000

    public init() {}

    public func write(_ r: ReportResult, toFile file: URL) throws {
        try AtomicFile.publishFile(at: file.path) { tmp in
            let book = try XLSXWorkbook(path: tmp, tmpdir: file.deletingLastPathComponent().path)
            try Self.summary(r, book)
            for s in r.sections {
                let chart = try s.chart.map { try ChartData(section: s, spec: $0) }
                try Self.writeTable(book: book, sheetName: s.key, columns: s.columns, rows: s.rows, highlight: s.highlight,
                                    chart: s.rows.count <= maxChartRows ? chart : nil,
                                    chartOmittedNote: chart != nil && s.rows.count > maxChartRows
                                        ? "Chart omitted: \(s.rows.count) rows (more than \(maxChartRows))." : nil)
            }
            try Self.definitions(r, book)
            try book.close()
        }
    }

    /// Writes one table as a one-sheet workbook, atomically: the header is bold and frozen, rows are typed as
    /// in a report. `rows` is read once in order (plus its first 200 rows for column widths), so a lazy
    /// collection streams through without ever being held in memory.
    public static func writeTable<Rows: Collection>(columns: [ColumnSpec], rows: Rows, sheetName: String, toFile file: URL) throws
        where Rows.Element == [SQLValue] {
        // libxlsxwriter writes the temporary; the publisher gives it its mode, fsyncs it and renames it into place.
        try AtomicFile.publishFile(at: file.path) { tmp in
            let book = try XLSXWorkbook(path: tmp, tmpdir: file.deletingLastPathComponent().path)
            try writeTable(book: book, sheetName: sheetName, columns: columns, rows: rows)
            try book.close()
        }
    }

    /// Writes a generic table (header + rows, streamed in order) to a new sheet of `book`; rows beyond
    /// Excel's limit continue on sheets named `name (2)`, … Used for sections and by the XLSX benchmark.
    static func writeTable<Rows: Collection>(book: XLSXWorkbook, sheetName: String, columns: [ColumnSpec], rows: Rows,
                                           highlight: Bool = false, chart: ChartData? = nil,
                                           chartOmittedNote: String? = nil,
                                           maxRowsPerSheet: Int = XLSXWorkbook.maxDataRows) throws where Rows.Element == [SQLValue] {
        let header = book.format(.init(bold: true, bottomBorder: true))
        let alertFill: UInt32? = highlight ? 0xFFE4D6 : nil
        let formats = columns.map { book.format(.init(numFormat: numFormat($0.unit), background: alertFill)) }
        // Plain arrays for the row loop: a million rows × columns must not copy ColumnSpecs (and retain their strings).
        let units = columns.map(\.unit)
        let layout = chart.map { ChartLayout($0, columns: columns) }
        let widths = columnWidths(columns, rows: rows)

        var sheet = try book.addSheet(sheetName)
        var sheetRow = 0
        var dataRows = 0
        func start(_ s: XLSXSheet) throws {
            for (c, w) in widths.enumerated() { s.column(c, width: w) }
            s.freezeHeader()
            for (c, col) in columns.enumerated() { try s.string(0, c, col.label, header) }
        }
        func finish(_ s: XLSXSheet, lastRow: Int) {
            // An empty table's filter still covers its "no data" line, as Excel needs two rows for one.
            s.autofilter(lastRow: max(lastRow, 1), lastCol: max(columns.count - 1, 0))
        }
        try start(sheet)
        if let layout { try layout.writeHeader(sheet, header) }
        if let note = chartOmittedNote { try sheet.string(0, columns.count + 1, note, nil) }

        for row in rows {
            if sheetRow == maxRowsPerSheet {
                finish(sheet, lastRow: sheetRow)
                sheet = try book.addSheet("\(sheetName) (\(dataRows / maxRowsPerSheet + 1))")
                try start(sheet)
                sheetRow = 0
            }
            sheetRow += 1
            for c in 0..<min(row.count, units.count) {
                try cell(sheet, sheetRow, c, row[c], units[c], formats[c])
            }
            if let layout, dataRows == sheetRow - 1 { try layout.writeRow(sheet, dataIndex: dataRows, row: row) }
            dataRows += 1
        }
        if dataRows == 0 {
            try sheet.string(1, 0, "No data for this period.", nil)
        }
        finish(sheet, lastRow: sheetRow)
        if let layout, dataRows > 0 { try layout.addChart(book, sheet: sheet, dataRows: dataRows) }
    }

    /// One typed cell: numbers as numbers, instants as Excel date-times, text as strings.
    static func cell(_ sheet: XLSXSheet, _ r: Int, _ c: Int, _ v: SQLValue, _ unit: ColumnUnit, _ format: OpaquePointer?) throws {
        switch v {
        case .null: return
        case .integer(let i):
            try sheet.number(r, c, unit == .instant ? excelDate(i) : Double(i), format)
        case .real(let d):
            try sheet.number(r, c, unit == .instant ? excelDate(Int64(d.rounded(.down))) : d, format)
        case .text(let s):
            try sheet.string(r, c, s, format)
        case .blob(let b):
            try sheet.string(r, c, String(decoding: b, as: UTF8.self), format)
        }
    }

    /// Unix seconds → Excel serial date-time (days since 1899-12-30, the 1900 date system), UTC.
    static func excelDate(_ t: Int64) -> Double { Double(t) / 86_400 + 25_569 }

    static func numFormat(_ unit: ColumnUnit) -> String? {
        switch unit {
        case .count: return "0"
        case .number, .hours: return "0.00"
        case .ratio: return "0.0%"
        case .instant: return "yyyy-mm-dd hh:mm:ss"
        case .text, .week: return nil
        }
    }

    /// Widths from the header and the first rows (a sample: the table may stream a million rows).
    static func columnWidths<Rows: Collection>(_ columns: [ColumnSpec], rows: Rows) -> [Double] where Rows.Element == [SQLValue] {
        var widths = columns.map { min(Double($0.label.count) + 3, 40) }
        for row in rows.prefix(200) {
            for (c, col) in columns.enumerated() where c < row.count {
                let text: Int
                switch col.unit {
                case .instant: text = 19
                case .ratio: text = 7
                case .count, .number, .hours: text = ValueText.display(row[c], unit: col.unit).count + 1
                case .text, .week: text = ValueText.display(row[c], unit: col.unit).count
                }
                widths[c] = max(widths[c], min(Double(text) + 2, 60))
            }
        }
        return widths.map { max($0, 8) }
    }

    static func summary(_ r: ReportResult, _ book: XLSXWorkbook) throws {
        let s = try book.addSheet("Summary")
        let bold = book.format(.init(bold: true))
        let header = book.format(.init(bold: true, bottomBorder: true))
        let date = book.format(.init(numFormat: "yyyy-mm-dd hh:mm:ss"))
        s.column(0, width: 28); s.column(1, width: 22); s.column(2, width: 16); s.column(3, width: 12); s.column(4, width: 10)
        var row = 0
        try s.string(row, 0, r.title, book.format(.init(bold: true))); row += 1
        if !r.description.isEmpty { try s.string(row, 0, r.description, nil); row += 1 }
        row += 1
        for (label, t) in [("Window from", r.from), ("Window to (excluded)", r.to), ("As of", r.asOf), ("Generated at", r.generatedAt)] {
            try s.string(row, 0, label, bold); try s.number(row, 1, excelDate(t), date); row += 1
        }
        try s.string(row, 0, "Store", bold); try s.string(row, 1, r.store, nil); row += 2
        if !r.headlines.isEmpty {
            for (c, h) in ["Headline", "Value", "Previous period", "Change", "Unit"].enumerated() { try s.string(row, c, h, header) }
            row += 1
            for k in r.headlines {
                let f = book.format(.init(numFormat: numFormat(k.unit)))
                try s.string(row, 0, k.label, nil)
                if let v = k.value { try s.number(row, 1, v, f) }
                if let p = k.previous { try s.number(row, 2, p, f) }
                if let v = k.value, let p = k.previous, p != 0 {
                    try s.number(row, 3, (v - p) / abs(p), book.format(.init(numFormat: "+0.0%;-0.0%;0.0%")))
                }
                try s.string(row, 4, k.unit.rawValue, nil)
                row += 1
            }
            row += 1
        }
        for (c, h) in ["Section", "Rows"].enumerated() { try s.string(row, c, h, header) }
        row += 1
        for sec in r.sections {
            try s.string(row, 0, sec.title, nil); try s.number(row, 1, Double(sec.rows.count), book.format(.init(numFormat: "0"))); row += 1
        }
    }

    static func definitions(_ r: ReportResult, _ book: XLSXWorkbook) throws {
        let s = try book.addSheet("Definitions")
        let header = book.format(.init(bold: true, bottomBorder: true))
        let wrap = book.format(.init(wrap: true))
        s.column(0, width: 24, wrap); s.column(1, width: 100, wrap)
        s.freezeHeader()
        try s.string(0, 0, "Term", header); try s.string(0, 1, "Definition", header)
        let terms = ReportGlossary.terms(r, numbersRule: "Numbers are number cells with their full precision; formats only round the display (hours 0.00, ratios 0.0%). Instants are Excel date-times in UTC. Text is never a formula.")
        for (i, (term, text)) in terms.enumerated() {
            try s.string(i + 1, 0, term, wrap); try s.string(i + 1, 1, text, wrap)
        }
    }
}

/// Where a section's chart gets its cells: straight from the data columns when the chart's series are the
/// sheet's columns in row order, else from a helper table written to the right of the data, row by row
/// alongside it (constant-memory mode writes rows strictly in order).
struct ChartLayout {
    let data: ChartData
    let xColumn: Int
    let yColumns: [Int]
    let refColumns: [Int]
    /// First helper column (one blank column after the data).
    let helperStart: Int
    /// Bar and line charts over aggregated or reordered categories: a category column and a column per series.
    let categoryTable: Bool
    /// Scatter split into series: a column per series holding the row's y, blank for other series' rows.
    let splitScatter: [Int: [(col: Int, y: Double)]]
    let splitColumns: Int

    init(_ data: ChartData, columns: [ColumnSpec]) {
        self.data = data
        let index = { (n: String) in columns.firstIndex { $0.name == n }! }  // ChartData checked the names.
        xColumn = index(data.spec.x)
        yColumns = data.spec.y.map(index)
        refColumns = (data.spec.referenceLines ?? []).map(index)
        helperStart = columns.count + 1
        if data.spec.kind == .scatter {
            categoryTable = false
            let split = data.spec.colorBy ?? data.spec.series
            if split != nil {
                var map: [Int: [(Int, Double)]] = [:]
                for (i, s) in data.series.enumerated() {
                    for p in s.points { map[p.row, default: []].append((columns.count + 1 + i, p.y)) }
                }
                splitScatter = map
                splitColumns = data.series.count
            } else {
                splitScatter = [:]
                splitColumns = 0
            }
        } else {
            splitScatter = [:]
            splitColumns = 0
            // Direct only when every row is its own category, in row order, and there is no split.
            categoryTable = data.spec.series != nil || data.categories.count != data.totalRows || !data.rowOrderCategories
        }
    }

    var helperWidth: Int { categoryTable ? 1 + data.series.count : splitColumns }

    func writeHeader(_ sheet: XLSXSheet, _ header: OpaquePointer?) throws {
        if categoryTable {
            try sheet.string(0, helperStart, data.xLabel, header)
            for (i, s) in data.series.enumerated() { try sheet.string(0, helperStart + 1 + i, s.name, header) }
            sheet.column(helperStart, width: Double(max(10, min(40, (data.categories.map(\.count).max() ?? 8) + 2))))
        } else if splitColumns > 0 {
            for (i, s) in data.series.enumerated() { try sheet.string(0, helperStart + i, s.name, header) }
        }
    }

    /// The helper cells of one data row (row index 0 = the first data row, sheet row 1).
    func writeRow(_ sheet: XLSXSheet, dataIndex i: Int, row: [SQLValue]) throws {
        if categoryTable, i < data.categories.count {
            try sheet.string(i + 1, helperStart, data.categories[i], nil)
            let f = sheet.book.format(.init(numFormat: XLSXReportRenderer.numFormat(data.yUnit)))
            for (k, s) in data.series.enumerated() {
                if let v = s.values[i] { try sheet.number(i + 1, helperStart + 1 + k, v, f) }
            }
        } else if let cells = splitScatter[i] {
            let f = sheet.book.format(.init(numFormat: XLSXReportRenderer.numFormat(data.yUnit)))
            for (col, y) in cells { try sheet.number(i + 1, col, y, f) }
        }
    }

    func addChart(_ book: XLSXWorkbook, sheet: XLSXSheet, dataRows: Int) throws {
        let numericX = data.numericX
        guard let chart = book.addChart(data.spec.kind, categoricalScatter: data.spec.kind == .scatter && !numericX) else { return }
        let isScatter = data.spec.kind == .scatter
        let last = dataRows  // sheet rows 1...dataRows
        if categoryTable {
            for (k, s) in data.series.enumerated() {
                chart.addSeries(sheet: sheet.name, name: s.name, categoriesColumn: helperStart, valuesColumn: helperStart + 1 + k,
                                firstRow: 1, lastRow: data.categories.count)
            }
        } else if splitColumns > 0 {
            for (k, s) in data.series.enumerated() {
                chart.addSeries(sheet: sheet.name, name: s.name, categoriesColumn: xColumn, valuesColumn: helperStart + k,
                                firstRow: 1, lastRow: last, markersOnly: isScatter)
            }
        } else {
            for (k, y) in yColumns.enumerated() {
                chart.addSeries(sheet: sheet.name, name: data.series[k].name, categoriesColumn: xColumn, valuesColumn: y,
                                firstRow: 1, lastRow: last, markersOnly: isScatter)
            }
        }
        if isScatter {
            for (k, ref) in data.references.enumerated() where ref.constant != nil || !numericX {
                chart.addSeries(sheet: sheet.name, name: ref.name, categoriesColumn: xColumn, valuesColumn: refColumns[k],
                                firstRow: 1, lastRow: last, referenceLine: true)
            }
        }
        chart.setTitles(title: data.spec.title, x: data.xLabel, y: data.yLabel,
                        xNumFormat: numericX && data.xUnit == .instant ? "yyyy-mm-dd" : nil,
                        yNumFormat: data.yUnit == .ratio ? "0%" : nil)
        try sheet.insert(chart, row: 1, col: helperStart + helperWidth + (helperWidth > 0 ? 1 : 0))
    }
}
