import BatonCore
import Foundation
import Reporting
import SQLite

/// Writes a report as `report.xlsx`: a Summary sheet, one sheet per section and a Definitions sheet.
///
/// Section sheets have a bold, frozen header with an autofilter, each heading with its unit (`p50 (h)`); numbers
/// are number cells with a format by unit (counts `0`, numbers and hours `0.00`, ratios `0.0%`), instants are
/// Excel date-times (UTC), text columns holding ISO days (`2026-09-01`) are dates, and other text is always a
/// string cell (never a formula). A section's chart is a native Excel chart on a chart sheet of its own after the
/// section's sheet, in the HTML's series colours; its series reference the section's cells, or helper tables on
/// the hidden `Chart data` sheet when the chart aggregates or splits them.
///
/// Printing: every sheet is landscape A4, one page wide, with its header row repeated; a section sheet prints its
/// first `maxPrintedRows` rows on one page (its footer says so when there are more) and each chart sheet one page.
/// Sheets stream in constant-memory mode, so the memory used does not grow with the number of rows.
public struct XLSXReportRenderer: FileReportRenderer, Sendable {
    public let format = "xlsx"
    /// Sections with more rows than this get no chart (a note says so).
    public var maxChartRows = 100_000
    /// Rows a section sheet prints (its print area); the sheet and the CSV hold every row.
    public static let maxPrintedRows = 40

    public init() {}

    public func write(_ r: ReportResult, toFile file: URL) throws {
        try AtomicFile.publishFile(at: file.path) { tmp in
            let book = try XLSXWorkbook(path: tmp, tmpdir: file.deletingLastPathComponent().path)
            try Self.summary(r, book)
            let helper = XLSXChartData(book: book)
            for s in r.sections {
                let chart = try s.chart.map { try ChartData(section: s, spec: $0) }
                try Self.writeTable(book: book, sheetName: s.key, columns: s.columns, rows: s.rows, highlight: s.highlight,
                                    chart: s.rows.count <= maxChartRows ? chart.map { (data: $0, helper: helper) } : nil,
                                    chartOmittedNote: chart != nil && s.rows.count > maxChartRows
                                        ? "Chart omitted: \(s.rows.count) rows (more than \(maxChartRows))." : nil,
                                    printedRows: Self.maxPrintedRows)
            }
            try Self.definitions(r, book)
            try helper.write(book)
            try book.close()
        }
    }

    /// Writes one table as a one-sheet workbook, atomically: the header is bold and frozen, rows are typed as
    /// in a report. `rows` is read once in order (plus its first 200 rows for column widths), so a lazy
    /// collection streams through without ever being held in memory.
    /// `constantMemory: false` holds the sheet in memory (libxlsxwriter's default mode: the benchmark's control).
    public static func writeTable<Rows: Collection>(columns: [ColumnSpec], rows: Rows, sheetName: String, toFile file: URL,
                                                    constantMemory: Bool = true) throws
        where Rows.Element == [SQLValue] {
        // libxlsxwriter writes the temporary; the publisher gives it its mode, fsyncs it and renames it into place.
        try AtomicFile.publishFile(at: file.path) { tmp in
            let book = try XLSXWorkbook(path: tmp, constantMemory: constantMemory, tmpdir: file.deletingLastPathComponent().path)
            try writeTable(book: book, sheetName: sheetName, columns: columns, rows: rows)
            try book.close()
        }
    }

    /// Writes a generic table (header + rows, streamed in order) to a new sheet of `book`; rows beyond
    /// Excel's limit continue on sheets named `name (2)`, … Used for sections and by the XLSX benchmark.
    static func writeTable<Rows: Collection>(book: XLSXWorkbook, sheetName: String, columns: [ColumnSpec], rows: Rows,
                                           highlight: Bool = false, chart: (data: ChartData, helper: XLSXChartData)? = nil,
                                           chartOmittedNote: String? = nil, printedRows: Int? = nil,
                                           maxRowsPerSheet: Int = XLSXWorkbook.maxDataRows) throws where Rows.Element == [SQLValue] {
        let header = book.format(.init(bold: true, bottomBorder: true))
        let alertFill: UInt32? = highlight ? 0xFFE4D6 : nil
        let days = dayColumns(columns, rows: rows)
        let widths = columnWidths(columns, rows: rows)
        // Long text (reasons, evidence) wraps in a column of `wrapWidth` rather than widening the printed page.
        let wrapped = widths.indices.filter { widths[$0] > wrapWidth }
        let wraps = !wrapped.isEmpty
        let formats = columns.enumerated().map { c, col in
            book.format(.init(numFormat: days.contains(c) ? dayFormat : numFormat(col.unit), background: alertFill,
                              wrap: widths[c] > wrapWidth, top: wraps))
        }
        // Plain arrays for the row loop: a million rows × columns must not copy ColumnSpecs (and retain their strings).
        let units = columns.map(\.unit)
        let isDay = columns.indices.map { days.contains($0) }

        var sheet = try book.addSheet(sheetName)
        var sheetRow = 0
        var dataRows = 0
        func start(_ s: XLSXSheet) throws {
            for (c, w) in widths.enumerated() { s.column(c, width: min(w, wrapWidth)) }
            s.freezeHeader()
            for (c, col) in columns.enumerated() { try s.string(0, c, headerLabel(col), header) }
        }
        func finish(_ s: XLSXSheet, lastRow: Int) {
            // An empty table's filter still covers its "no data" line, as Excel needs two rows for one.
            s.autofilter(lastRow: max(lastRow, 1), lastCol: max(columns.count - 1, 0))
            let lastCol = max(columns.count - 1, 0)
            if let printedRows, lastRow > printedRows {
                s.printSetup(tall: 1, repeatHeader: true, lastRow: printedRows, lastCol: lastCol,
                             note: "Rows 1–\(printedRows) of \(lastRow) printed; the sheet holds them all")
            } else {
                s.printSetup(tall: printedRows == nil ? 0 : 1, repeatHeader: true, lastRow: max(lastRow, 1), lastCol: lastCol)
            }
        }
        try start(sheet)
        if let note = chartOmittedNote { try sheet.string(0, columns.count + 1, note, nil) }

        for row in rows {
            if sheetRow == maxRowsPerSheet {
                finish(sheet, lastRow: sheetRow)
                sheet = try book.addSheet("\(sheetName) (\(dataRows / maxRowsPerSheet + 1))")
                try start(sheet)
                sheetRow = 0
            }
            sheetRow += 1
            if !wrapped.isEmpty { sheet.rowHeight(sheetRow, lines: wrappedLines(row, wrapped)) }
            for c in 0..<min(row.count, units.count) {
                if isDay[c], case .text(let t) = row[c], let day = Instant.parse(t + "T00:00:00Z") {
                    try sheet.number(sheetRow, c, excelDate(day), formats[c])
                } else {
                    try cell(sheet, sheetRow, c, row[c], units[c], formats[c])
                }
            }
            dataRows += 1
        }
        if dataRows == 0 {
            try sheet.string(1, 0, "No data for this period.", nil)
        }
        finish(sheet, lastRow: sheetRow)
        if let chart, dataRows > 0 {
            try XLSXChartLayout(chart.data, columns: columns, sheet: sheet.name, helper: chart.helper).addChart(book, dataRows: dataRows)
        }
    }

    static let dayFormat = "yyyy-mm-dd"

    /// Lines the longest wrapped cell of `row` takes (about `wrapWidth` - 4 characters a line, as words wrap whole):
    /// the row's height is set from it, as readers do not grow rows for wrapped text written in streaming mode.
    static func wrappedLines(_ row: [SQLValue], _ wrapped: [Int]) -> Int {
        let perLine = Int(wrapWidth) - 4
        return wrapped.reduce(1) { lines, c in
            guard c < row.count, case .text(let t) = row[c] else { return lines }
            return max(lines, min((t.count + perLine - 1) / perLine, 20))
        }
    }
    /// Widest a column gets; longer text wraps.
    static let wrapWidth = 40.0

    /// Text columns whose sampled values (the first 200 rows) are all ISO days, `YYYY-MM-DD`: written as dates.
    static func dayColumns<Rows: Collection>(_ columns: [ColumnSpec], rows: Rows) -> Set<Int> where Rows.Element == [SQLValue] {
        var days = Set(columns.indices.filter { columns[$0].unit == .text })
        var seen = Set<Int>()
        for row in rows.prefix(200) {
            for c in days where c < row.count {
                switch row[c] {
                case .null: continue
                case .text(let t) where t.utf8.count == 10 && ChartData.isISODate(t): seen.insert(c)
                default: days.remove(c)
                }
            }
        }
        return days.intersection(seen)
    }

    /// A column's heading with its unit, unless the label already says it: `p50 (h)`, `Share (%)`, `Closed (UTC)`.
    static func headerLabel(_ c: ColumnSpec) -> String {
        let unit: (suffix: String, words: [String])
        switch c.unit {
        case .hours: unit = ("h", ["hours", "(h)"])
        case .ratio: unit = ("%", ["%"])
        case .instant: unit = ("UTC", ["utc"])
        default: return c.label
        }
        let lower = c.label.lowercased()
        return unit.words.contains { lower.contains($0) } ? c.label : "\(c.label) (\(unit.suffix))"
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
        s.printSetup(tall: 0, repeatHeader: false)
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
        s.printSetup(tall: 0, repeatHeader: true)
    }
}
