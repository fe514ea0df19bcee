import BatonTestSupport
import Foundation
import Testing

/// The demo's weekly and automation-readiness pages laid out by headless Chromium at a phone's width (390 px) and
/// a desktop's (1400 px). A test copy of each page (its CSP removed) ends with a small script that measures the
/// laid-out page; the copy is shown in an iframe of the width wanted (headless Chromium's window is at least 500 px
/// wide), whose script writes the numbers into the wrapper's DOM, which Chromium dumps. Screenshots go to
/// `.build/rendering/`.
@Suite(.serialized) struct HTMLLayoutChromiumTests {
    static let ready = HTMLChromiumTests.chromium != nil && TestPaths.binaryAvailable

    /// Measures the page: its scroll width; per chart its box and its last x tick (the newest category); per
    /// column heading whether it lies inside its table's visible box; per scrolled table where its first column went.
    static let measure = """
    <script>
    (function () {
      const out = {vw: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, charts: [], columns: {}, sticky: []};
      for (const s of document.querySelectorAll('svg.chart')) {
        const r = s.getBoundingClientRect(), ticks = s.querySelectorAll('.x-axis text.tick'), last = ticks[ticks.length - 1];
        out.charts.push({id: s.id, left: r.left, right: r.right, lastTick: last ? last.textContent : '',
                         lastTickRight: last ? last.getBoundingClientRect().right : 0});
      }
      for (const th of document.querySelectorAll('table.data th[data-column]')) {
        const w = th.closest('.table-wrap').getBoundingClientRect(), r = th.getBoundingClientRect();
        const cells = [...th.closest('table').querySelectorAll('tbody tr td:nth-child(' + (th.cellIndex + 1) + ')')];
        out.columns[th.closest('table').id + ':' + th.dataset.column] = {
          visible: r.left >= w.left - 1 && r.right <= w.right + 1,
          cut: cells.filter(td => td.scrollWidth > td.clientWidth + 1).length};
      }
      for (const w of document.querySelectorAll('.table-wrap')) {
        if (w.scrollWidth <= w.clientWidth) continue;
        const first = w.querySelector('tbody td'), second = w.querySelector('tbody td:nth-child(2)');
        const before = second.getBoundingClientRect().left;
        w.scrollLeft = 150;
        out.sticky.push({id: w.querySelector('table').id, offset: first.getBoundingClientRect().left - w.getBoundingClientRect().left,
                         secondMoved: before - second.getBoundingClientRect().left, scrolled: w.scrollLeft});
      }
      parent.document.body.setAttribute('data-measure', JSON.stringify(out));
    })();
    </script>
    """

    struct Measure: Decodable {
        struct Chart: Decodable { var id: String; var left: Double; var right: Double; var lastTick: String; var lastTickRight: Double }
        struct Column: Decodable { var visible: Bool; var cut: Int }
        struct Sticky: Decodable { var id: String; var offset: Double; var secondMoved: Double; var scrolled: Double }
        var vw: Double, scrollWidth: Double
        var charts: [Chart], columns: [String: Column], sticky: [Sticky]
    }

    /// Lays `page` out at `width` px (with `extraCSS` appended, for the negative controls) and measures it.
    static func measure(_ page: URL, width: Int, extraCSS: String = "") throws -> Measure {
        var html = try String(contentsOf: page, encoding: .utf8)
        html = html.replacingOccurrences(of: #"<meta http-equiv="Content-Security-Policy"[^>]*>"#, with: "", options: .regularExpression)
        html = html.replacingOccurrences(of: "</head>", with: "<style>\(extraCSS)</style></head>")
        html = html.replacingOccurrences(of: "</body>", with: measure + "</body>")
        let srcdoc = html.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
        let wrapper = """
        <!DOCTYPE html><html><body style="margin:0"><iframe style="border:0;width:\(width)px;height:2000px" srcdoc="\(srcdoc)"></iframe></body></html>
        """
        let copy = page.deletingLastPathComponent().appendingPathComponent("measure-\(width)-\(UUID().uuidString).html")
        try wrapper.write(to: copy, atomically: true, encoding: .utf8)
        let run = try HTMLChromiumTests().load(copy, extra: ["--window-size=\(max(width, 500) + 40),2100"])
        let attr = try #require(run.dom.firstMatch(of: try Regex(#"data-measure="([^"]*)""#)), "no measurement: \(run.stderr.suffix(1500))")
        let json = String(attr.output[1].substring!).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Measure.self, from: Data(json.utf8))
    }

    static func screenshot(_ page: URL, _ name: String, width: Int) throws {
        let folder = TestPaths.packageRoot.appendingPathComponent(".build/rendering")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shot = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: shot)
        _ = try HTMLChromiumTests().load(page, extra: ["--screenshot=\(shot.path)", "--window-size=\(width),3000", "--hide-scrollbars"])
        #expect(((try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0) > 10_000, "screenshot \(shot.path)")
    }

    @Test(.enabled(if: ready, "needs chromium and the debug binary (swift build)"))
    func onAPhoneChartsFitTheWidthAndTablesKeepTheirFirstColumn() throws {
        let folder = try TemporaryFolder.make("layout-phone")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["weekly", "automation-readiness"] {
            let page = try DemoReports.demo(name, formats: "html", in: folder).appendingPathComponent("report.html")
            try Self.screenshot(page, "\(name)-390.png", width: 390)
            let m = try Self.measure(page, width: 390)
            #expect(m.vw == 390)
            #expect(m.scrollWidth <= m.vw, "\(name): the page scrolls sideways (\(m.scrollWidth) px)")
            #expect(!m.charts.isEmpty)
            for c in m.charts {
                #expect(c.left >= 0 && c.right <= m.vw, "\(name) \(c.id): \(c.left)…\(c.right) px")
                #expect(c.lastTickRight <= m.vw, "\(name) \(c.id): the newest tick '\(c.lastTick)' ends at \(c.lastTickRight) px")
            }
            // Scrolled sideways, a wide table's first column stays at the box's left edge while the rest moves.
            #expect(!m.sticky.isEmpty, "\(name): no table wider than the phone")
            for s in m.sticky {
                #expect(abs(s.offset) <= 1 && s.scrolled > 0 && abs(s.secondMoved - s.scrolled) <= 1,
                        "\(name) \(s.id): first column at \(s.offset), second moved \(s.secondMoved) of \(s.scrolled)")
            }
            // Negative control: charts with a minimum width (as before) overflow the phone.
            let control = try Self.measure(page, width: 390, extraCSS: "svg.chart{min-width:560px}")
            #expect(control.charts.contains { $0.right > control.vw })
        }
    }

    @Test(.enabled(if: ready, "needs chromium and the debug binary (swift build)"))
    func atDesktopWidthTheVerdictAndReasonsAreReadable() throws {
        let folder = try TemporaryFolder.make("layout-desktop")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weekly = try DemoReports.demo("weekly", formats: "html", in: folder).appendingPathComponent("report.html")
        try Self.screenshot(weekly, "weekly-1400.png", width: 1400)
        let page = try DemoReports.demo("automation-readiness", formats: "html,csv", in: folder).appendingPathComponent("report.html")
        try Self.screenshot(page, "automation-readiness-1400.png", width: 1400)
        let m = try Self.measure(page, width: 1400)
        for column in ["service", "step", "verdict", "reasons"] {
            let c = try #require(m.columns["table-automation_readiness:\(column)"])
            #expect(c.visible && c.cut == 0, "\(column): visible \(c.visible), cut cells \(c.cut)")
        }
        // Negative control: the page as wide as before (1100 px) hides the verdict off the table's box.
        let narrow = try Self.measure(page, width: 1400, extraCSS: "body{max-width:1100px}")
        #expect(narrow.columns["table-automation_readiness:reasons"]?.visible == false)
        // Each dot of the readiness chart says which step it is.
        let html = try String(contentsOf: page, encoding: .utf8)
        let csv = RFC4180.records(try String(contentsOf: page.deletingLastPathComponent().appendingPathComponent("automation_readiness.csv"), encoding: .utf8))
        let titles = html.matches(of: try Regex(#"<circle class="dot c\d"[^>]*><title>([^<]*)</title>"#)).map { String($0.output[1].substring!) }
        let plotted = csv.dropFirst().filter { !$0[12].isEmpty && !$0[9].isEmpty }
        #expect(titles.count == plotted.count && !plotted.isEmpty)
        for row in plotted { #expect(titles.contains { $0.hasPrefix("\(row[0]) · \(row[1]) — \(row[10]):") }, "no dot names \(row[0]) · \(row[1])") }
    }

    /// Printed, the readiness table's every column fits its landscape page: each heading's words are on the page.
    @Test(.enabled(if: ready && XLSXPrintTests.pdftotext != nil, "needs chromium, pdftotext and the debug binary"))
    func printedTheWideTableFitsItsLandscapePage() throws {
        let folder = try TemporaryFolder.make("layout-print")
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = try DemoReports.demo("automation-readiness", formats: "html", in: folder).appendingPathComponent("report.html")
        func printed(_ html: URL) throws -> String {
            let pdf = folder.appendingPathComponent(html.lastPathComponent + ".pdf")
            _ = try HTMLChromiumTests().load(html, extra: ["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer"])
            let r = try Subprocess.run(try #require(XLSXPrintTests.pdftotext), [pdf.path, "-"])
            return String(decoding: r.output, as: UTF8.self)
        }
        let labels = ["Verdict", "Reasons", "Work spread", "Usual predecessor", "Same predecessor", "Same place", "Reassigned", "With start events"]
        let words = Set(try printed(page).split(whereSeparator: \.isWhitespace).map(String.init))
        for label in labels { #expect(label.split(separator: " ").allSatisfy { words.contains(String($0)) }, "'\(label)' not on the printed page") }
        // Negative control: without the landscape page rule the last columns run off the page.
        let html = try String(contentsOf: page, encoding: .utf8)
        let control = folder.appendingPathComponent("portrait.html")
        try html.replacingOccurrences(of: ".report-section.wide{page:wide}", with: "")
            .replacingOccurrences(of: ".wide table.data{font-size:6.5pt;width:100%}", with: "")
            .write(to: control, atomically: true, encoding: .utf8)
        let cut = Set(try printed(control).split(whereSeparator: \.isWhitespace).map(String.init))
        #expect(!labels.allSatisfy { $0.split(separator: " ").allSatisfy { cut.contains(String($0)) } })
    }
}
