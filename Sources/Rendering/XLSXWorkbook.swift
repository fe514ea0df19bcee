import CXLSXWriter
import Foundation
import Reporting
import SQLite

/// A libxlsxwriter workbook in constant-memory mode: sheets are written row by row in order and each row
/// goes to disk once the next begins, so a sheet of a million rows takes no more memory than one of ten.
/// No C type leaves this file.
final class XLSXWorkbook {
    private let workbook: UnsafeMutablePointer<lxw_workbook>
    private var closed = false
    private var sheetNames = SheetNames()
    private var formatCache: [String: UnsafeMutablePointer<lxw_format>] = [:]
    let path: String

    /// Excel's last row is 1,048,576; with the header, a sheet holds this many data rows.
    static let maxDataRows = 1_048_575
    /// Excel's longest cell text.
    static let maxStringLength = 32_767

    init(path: String, constantMemory: Bool = true, tmpdir: String? = nil) throws {
        self.path = path
        var options = lxw_workbook_options()
        options.constant_memory = constantMemory ? 1 : 0
        options.use_zip64 = 1
        let tmp = tmpdir.map { strdup($0) } ?? nil
        defer { free(tmp) }
        options.tmpdir = tmp
        guard let wb = workbook_new_opt(path, &options) else { throw RenderError("cannot create workbook \(path)") }
        workbook = wb
    }

    deinit {
        // A workbook abandoned after an error still frees its memory; the partial file is removed by the caller.
        if !closed { _ = workbook_close(workbook) }
    }

    func close() throws {
        closed = true
        let err = workbook_close(workbook)
        guard err == LXW_NO_ERROR else { throw RenderError("cannot write workbook \(path): \(String(cString: lxw_strerror(err)))") }
    }

    /// Reserves a valid, unique sheet name for a sheet added later (a chart may name it before it exists).
    func reserveSheetName(_ wanted: String) -> String { sheetNames.unique(wanted) }

    /// Adds a sheet under a name `reserveSheetName` gave.
    func addSheet(reserved name: String) throws -> XLSXSheet {
        guard let ws = workbook_add_worksheet(workbook, name) else { throw RenderError("cannot add sheet '\(name)' to \(path)") }
        return XLSXSheet(ws, name: name, book: self)
    }

    /// Adds a chart sheet (a page holding one chart) showing `chart`; it prints on one landscape A4 page.
    func addChartsheet(_ wanted: String, chart: XLSXChart) throws {
        let name = sheetNames.unique(wanted)
        guard let cs = workbook_add_chartsheet(workbook, name) else { throw RenderError("cannot add chart sheet '\(name)' to \(path)") }
        guard chartsheet_set_chart(cs, chart.chart) == LXW_NO_ERROR else { throw RenderError("cannot place the chart on '\(name)' in \(path)") }
        chartsheet_set_landscape(cs)
        chartsheet_set_paper(cs, XLSXSheet.paperA4)
        _ = chartsheet_set_footer(cs, XLSXSheet.footer(nil))
    }

    /// Adds a sheet; the name is made valid and unique first.
    func addSheet(_ wanted: String) throws -> XLSXSheet {
        let name = sheetNames.unique(wanted)
        guard let ws = workbook_add_worksheet(workbook, name) else { throw RenderError("cannot add sheet '\(name)' to \(path)") }
        return XLSXSheet(ws, name: name, book: self)
    }

    struct FormatSpec: Hashable {
        var numFormat: String? = nil
        var bold = false
        var background: UInt32? = nil
        var wrap = false
        /// Aligned to the top (wrapped text is): the rest of a row with a wrapped cell lines up with it.
        var top = false
        var bottomBorder = false
    }

    /// A cell format, created once per distinct spec (Excel's format table is small). The default spec is
    /// nil (no format): libxlsxwriter would otherwise hash an empty format again on every cell it is used
    /// for, as it matches the built-in default and never gets its own index (a fifth of the writer's time).
    func format(_ spec: FormatSpec) -> OpaquePointer? {
        if spec == FormatSpec() { return nil }
        let key = "\(spec.numFormat ?? "")|\(spec.bold)|\(spec.background ?? 0)|\(spec.wrap)|\(spec.bottomBorder)|\(spec.top)"
        if let f = formatCache[key] { return OpaquePointer(f) }
        let f = workbook_add_format(workbook)!
        if let nf = spec.numFormat { format_set_num_format(f, nf) }
        if spec.bold { format_set_bold(f) }
        if let bg = spec.background { format_set_bg_color(f, bg) }
        if spec.wrap { format_set_text_wrap(f) }
        if spec.wrap || spec.top { format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue)) }
        if spec.bottomBorder { format_set_bottom(f, UInt8(LXW_BORDER_THIN.rawValue)) }
        formatCache[key] = f
        return OpaquePointer(f)
    }

    /// A chart of the given type; series and axes are set through `XLSXChart`.
    func addChart(_ kind: ChartSpec.Kind, categoricalScatter: Bool) -> XLSXChart? {
        let type: lxw_chart_type
        switch kind {
        case .bar: type = LXW_CHART_COLUMN
        case .stackedBar: type = LXW_CHART_COLUMN_STACKED
        case .line: type = LXW_CHART_LINE
        case .scatter: type = categoricalScatter ? LXW_CHART_LINE : LXW_CHART_SCATTER
        }
        guard let c = workbook_add_chart(workbook, UInt8(type.rawValue)) else { return nil }
        return XLSXChart(c)
    }
}

/// One worksheet being written.
final class XLSXSheet {
    let ws: UnsafeMutablePointer<lxw_worksheet>
    let name: String
    unowned let book: XLSXWorkbook

    init(_ ws: UnsafeMutablePointer<lxw_worksheet>, name: String, book: XLSXWorkbook) {
        self.ws = ws; self.name = name; self.book = book
    }

    private func check(_ err: lxw_error, _ row: Int, _ col: Int) throws {
        guard err == LXW_NO_ERROR else {
            throw RenderError("sheet '\(name)' row \(row + 1) column \(col + 1): \(String(cString: lxw_strerror(err)))")
        }
    }

    func number(_ row: Int, _ col: Int, _ v: Double, _ format: OpaquePointer?) throws {
        guard v.isFinite else { return }
        try check(worksheet_write_number(ws, lxw_row_t(row), lxw_col_t(col), v, UnsafeMutablePointer(format)), row, col)
    }

    /// Text is always written as a string cell, never a formula, after removing characters XML forbids.
    func string(_ row: Int, _ col: Int, _ s: String, _ format: OpaquePointer?) throws {
        let clean = XLSXText.clean(s)
        try clean.withCString { try check(worksheet_write_string(ws, lxw_row_t(row), lxw_col_t(col), $0, UnsafeMutablePointer(format)), row, col) }
    }

    func column(_ col: Int, width: Double, _ format: OpaquePointer? = nil) {
        _ = worksheet_set_column(ws, lxw_col_t(col), lxw_col_t(col), width, UnsafeMutablePointer(format))
    }

    func freezeHeader() { worksheet_freeze_panes(ws, 1, 0) }

    func hide() { worksheet_hide(ws) }

    /// A row tall enough for `lines` lines of text (15 points a line); before the row's cells, for streaming mode.
    func rowHeight(_ row: Int, lines: Int) {
        guard lines > 1 else { return }
        _ = worksheet_set_row(ws, lxw_row_t(row), 15 * Double(lines), nil)
    }

    /// libxlsxwriter's paper code for A4 (a fixed size keeps the page count the same on every machine).
    static let paperA4: UInt8 = 9

    /// The footer: sheet name left, `note` centred, page of pages right (`&` is a footer code, so doubled).
    static func footer(_ note: String?) -> String {
        let centre = note.map { "&C" + XLSXText.clean($0).replacingOccurrences(of: "&", with: "&&") } ?? ""
        return "&L&A" + centre + "&RPage &P of &N"
    }

    /// Prints landscape on A4, `wide` pages across (always 1) and `tall` down (0: as many as needed), with row 0
    /// repeated on every page when `repeatHeader`; the print area is rows 0...lastRow and columns 0...lastCol when given.
    func printSetup(tall: Int, repeatHeader: Bool, lastRow: Int? = nil, lastCol: Int? = nil, note: String? = nil) {
        worksheet_set_landscape(ws)
        worksheet_set_paper(ws, Self.paperA4)
        worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5)
        worksheet_fit_to_pages(ws, 1, UInt16(tall))
        if repeatHeader { _ = worksheet_repeat_rows(ws, 0, 0) }
        if let lastRow, let lastCol { _ = worksheet_print_area(ws, 0, 0, lxw_row_t(lastRow), lxw_col_t(lastCol)) }
        _ = worksheet_set_footer(ws, Self.footer(note))
    }

    func autofilter(lastRow: Int, lastCol: Int) {
        _ = worksheet_autofilter(ws, 0, 0, lxw_row_t(lastRow), lxw_col_t(lastCol))
    }

}

/// A native Excel chart; its series reference ranges of a sheet's cells.
struct XLSXChart {
    let chart: UnsafeMutablePointer<lxw_chart>
    init(_ c: UnsafeMutablePointer<lxw_chart>) { chart = c }

    /// How a series is drawn: its kind's marks in `color` (RGB), or a dashed grey reference line.
    enum Look { case bar(UInt32), line(UInt32), markers(UInt32), reference }

    /// Adds a series from rows [first, last] (0-based, inclusive): categories from `categories` (sheet, column) and
    /// values from `values`; bars get their fill, lines their stroke and markers their fill and border in `look`'s colour.
    func addSeries(name: String, categories: (sheet: String, col: Int)?, values: (sheet: String, col: Int), firstRow: Int, lastRow: Int,
                   look: Look) {
        guard let s = chart_add_series(chart, nil, nil) else { return }
        if let c = categories {
            chart_series_set_categories(s, c.sheet, lxw_row_t(firstRow), lxw_col_t(c.col), lxw_row_t(lastRow), lxw_col_t(c.col))
        }
        chart_series_set_values(s, values.sheet, lxw_row_t(firstRow), lxw_col_t(values.col), lxw_row_t(lastRow), lxw_col_t(values.col))
        chart_series_set_name(s, XLSXText.clean(name))
        switch look {
        case .bar(let rgb):
            var fill = lxw_chart_fill(); fill.color = rgb
            chart_series_set_fill(s, &fill)
        case .line(let rgb):
            var line = lxw_chart_line(); line.color = rgb; line.width = 2.25
            chart_series_set_line(s, &line)
            chart_series_set_marker_type(s, UInt8(LXW_CHART_MARKER_NONE.rawValue))
        case .markers(let rgb):
            var line = lxw_chart_line(); line.none = 1
            chart_series_set_line(s, &line)
            chart_series_set_marker_type(s, UInt8(LXW_CHART_MARKER_CIRCLE.rawValue))
            chart_series_set_marker_size(s, 5)
            // Without an explicit fill, LibreOffice draws the markers hollow.
            var fill = lxw_chart_fill(); fill.color = rgb
            chart_series_set_marker_fill(s, &fill)
            var border = lxw_chart_line(); border.color = rgb
            chart_series_set_marker_line(s, &border)
        case .reference:
            var line = lxw_chart_line(); line.color = 0x404040; line.width = 1.5; line.dash_type = UInt8(LXW_CHART_LINE_DASH_DASH.rawValue)
            chart_series_set_line(s, &line)
            chart_series_set_marker_type(s, UInt8(LXW_CHART_MARKER_NONE.rawValue))
        }
    }

    func setTitles(title: String, x: String, y: String, xNumFormat: String?, yNumFormat: String?) {
        chart_title_set_name(chart, XLSXText.clean(title))
        chart_axis_set_name(chart.pointee.x_axis, XLSXText.clean(x))
        chart_axis_set_name(chart.pointee.y_axis, XLSXText.clean(y))
        if let f = xNumFormat { chart_axis_set_num_format(chart.pointee.x_axis, f) }
        if let f = yNumFormat { chart_axis_set_num_format(chart.pointee.y_axis, f) }
        chart_legend_set_position(chart, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue))
        chart_show_blanks_as(chart, UInt8(LXW_CHART_BLANKS_AS_GAP.rawValue))
    }
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, not starting or ending with `'`, not
/// empty, unique without regard to case, and not the reserved "History".
struct SheetNames {
    private var used: Set<String> = []

    mutating func unique(_ wanted: String) -> String {
        var base = String(String.UnicodeScalarView(XLSXText.clean(wanted).unicodeScalars.filter { !"[]:*?/\\".unicodeScalars.contains($0) && $0.value >= 0x20 }))
        base = base.trimmingCharacters(in: CharacterSet(charactersIn: "' ").union(.whitespacesAndNewlines))
        if base.isEmpty || base.lowercased() == "history" { base = "Sheet" + (base.isEmpty ? "" : " " + base) }
        // Excel counts UTF-16 units.
        func cut(_ s: String, _ n: Int) -> String {
            var out = "", count = 0
            for ch in s { let w = ch.utf16.count; if count + w > n { break }; out.append(ch); count += w }
            return out.trimmingCharacters(in: CharacterSet(charactersIn: "' "))
        }
        var name = cut(base, 31)
        var n = 2
        while used.contains(name.lowercased()) {
            let suffix = " (\(n))"
            name = cut(base, 31 - suffix.count) + suffix
            n += 1
        }
        used.insert(name.lowercased())
        return name
    }
}

/// Text made safe for a cell: characters XML 1.0 forbids removed, cut to Excel's longest cell.
enum XLSXText {
    static func clean(_ s: String) -> String {
        var needsWork = s.utf8.count > XLSXWorkbook.maxStringLength
        if !needsWork {
            for b in s.utf8 where (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0xEF { needsWork = true; break }
        }
        guard needsWork else { return s }
        var out = String.UnicodeScalarView()
        var count = 0
        for u in s.unicodeScalars {
            let v = u.value
            if (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0xFFFE || v == 0xFFFF { continue }
            if count >= XLSXWorkbook.maxStringLength { break }
            out.append(u); count += 1
        }
        return String(out)
    }
}
