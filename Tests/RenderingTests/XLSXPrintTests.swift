import BatonTestSupport
import Foundation
import Testing

/// The weekly workbook printed by a real spreadsheet: headless LibreOffice converts it to PDF (each workbook once,
/// in one run, with a profile of its own), poppler's `pdftotext` reads the pages back, and each page's footer (the
/// sheet's name, left) says which sheet it belongs to.
///
/// The page budget: a printed weekly report is one page per section sheet (its first 40 rows), one per chart sheet,
/// the summary and at most two of definitions: 14 sections + 11 charts + 1 + 2 = 28 pages for the weekly report,
/// whatever the number of rows (before: 167 pages for the demo, 538 for BPI 2013, charts cut across pages).
@Suite(.serialized) struct XLSXPrintTests {
    static let soffice = Subprocess.which("soffice") ?? Subprocess.which("libreoffice")
    static let pdftotext = Subprocess.which("pdftotext")
    static let ready = soffice != nil && pdftotext != nil && ExternalTools.hasOpenpyxl && TestPaths.binaryAvailable
    static let weeklyBudget = 28

    /// The weekly workbook of the BPI 2013 incidents, over the window `samples/demo.sh` reports, as `bpic.xlsx`.
    static func bpicWeekly(_ imported: SharedImports.Imported, in folder: URL) throws -> URL {
        let db = folder.appendingPathComponent("bpic.db").path
        try FileManager.default.copyItem(atPath: imported.dbPath, toPath: db)
        let run = try DemoReports.report(db, "weekly", ["--from", "2012-02-27T00:00:00Z", "--to", "2012-05-21T00:00:00Z"], formats: "xlsx", in: folder)
        return try copy(run, as: "bpic", in: folder)
    }

    /// The run's workbook copied to `name.xlsx` in `folder` (its PDF is named after it).
    static func copy(_ run: URL, as name: String, in folder: URL) throws -> URL {
        let file = folder.appendingPathComponent("\(name).xlsx")
        try FileManager.default.copyItem(at: run.appendingPathComponent("report.xlsx"), to: file)
        return file
    }

    /// Converts every workbook to PDF in one LibreOffice run, HOME and profile in `folder`.
    static func convert(_ books: [URL], in folder: URL) throws {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = folder.path
        let r = try Subprocess.run(try #require(soffice), [
            "-env:UserInstallation=file://\(folder.path)/lo-profile", "--headless", "--norestore", "--convert-to", "pdf",
            "--outdir", folder.path,
        ] + books.map(\.path), environment: env, timeout: 900)
        #expect(r.status == 0, "soffice: \(r.err.suffix(1500))")
    }

    /// The sheet each page of `pdf` belongs to (its footer's left part) and the page's text.
    static func pages(_ pdf: URL) throws -> [(sheet: String, text: String)] {
        let r = try Subprocess.run(try #require(pdftotext), ["-layout", pdf.path, "-"], timeout: 120)
        #expect(r.status == 0, "\(r.err)")
        var pages = String(decoding: r.output, as: UTF8.self).components(separatedBy: "\u{0C}")
        if pages.last?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true { pages.removeLast() }
        return pages.map { text in
            let footer = text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            let sheet = footer.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ").first ?? ""
            return (sheet, text)
        }
    }

    /// The visible sheets of a workbook in order (worksheets and chart sheets), and the chart sheets' titles.
    static func sheets(_ book: URL) throws -> (visible: [String], chartTitles: [String: String]) {
        let script = """
        import json, sys, openpyxl
        wb = openpyxl.load_workbook(sys.argv[1])
        vis = [ws.title for ws in wb._sheets if ws.sheet_state == "visible"]
        titles = {}
        for cs in wb.chartsheets:
            t = cs._charts[0].title
            titles[cs.title] = "".join(r.t for p in t.tx.rich.p for r in (p.r or []))
        json.dump([vis, titles], sys.stdout)
        """
        let r = try Subprocess.run(try #require(ExternalTools.python3), ["-c", script, book.path], timeout: 120)
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: r.output) as? [Any])
        return (json[0] as! [String], json[1] as! [String: String])
    }

    @Test(.enabled(if: ready, "needs LibreOffice (soffice), poppler-utils (pdftotext), python3 with openpyxl and the debug binary"))
    func weeklyWorkbooksPrintOnAPageASheetWithChartsWhole() throws {
        let folder = try TemporaryFolder.make("xlsx-print")
        defer { try? FileManager.default.removeItem(at: folder) }
        var books = [try Self.copy(try DemoReports.demo("weekly", formats: "xlsx", in: folder), as: "demo", in: folder)]
        if let imported = try SharedImports.bpic2013?.get() { books.append(try Self.bpicWeekly(imported, in: folder)) }
        try Self.convert(books, in: folder)

        for book in books {
            let name = book.deletingPathExtension().lastPathComponent
            let pages = try Self.pages(book.deletingPathExtension().appendingPathExtension("pdf"))
            let (visible, chartTitles) = try Self.sheets(book)
            #expect(pages.count <= Self.weeklyBudget, "\(name): \(pages.count) pages")
            #expect(!visible.contains("Chart data") && visible.count >= 20, "\(name): \(visible)")
            // Every page is a visible sheet's, in the workbook's order; each sheet but the definitions prints on one page.
            var seen: [String] = []
            for p in pages where seen.last != p.sheet { seen.append(p.sheet) }
            #expect(seen == visible, "\(name): pages of \(seen)")
            for sheet in visible {
                let n = pages.filter { $0.sheet == sheet }.count
                #expect(sheet == "Definitions" ? (1...2).contains(n) : n == 1, "\(name): \(sheet) prints on \(n) pages")
            }
            // A chart sheet's page shows its chart whole: the title, the axes' labels, and nothing of a table.
            #expect(chartTitles.count >= 8, "\(name): \(chartTitles.keys.sorted())")
            for (sheet, title) in chartTitles {
                let page = try #require(pages.first { $0.sheet == sheet }, "\(name): \(sheet) not printed")
                let words = page.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                #expect(words.contains(title.split(whereSeparator: \.isWhitespace).joined(separator: " ")), "\(name): \(sheet) page lacks '\(title)'")
            }
            // A long section says on paper that it printed its first rows.
            let scatter = try #require(pages.first { $0.sheet == "lead_time_scatter" })
            #expect(scatter.text.contains("Rows 1–40 of"), "\(name): \(scatter.text.suffix(300))")
        }
    }
}
