import BatonTestSupport
import Foundation
import Reporting
@testable import Rendering
import Testing

/// The page checked in a real browser: headless Chromium parses it, we read the DOM it built, take
/// screenshots (kept under `.build/rendering/`), and make sure the page asks for nothing over the network.
@Suite(.serialized) struct HTMLChromiumTests {
    static let chromium = ExternalTools.chromium

    /// Hosts Chromium itself talks to in the background (updates, clock, sign-in); not the page's requests.
    static let browserHosts = ["google.com", "googleapis.com", "gvt1.com", "gstatic.com"]

    struct Run { var dom: String; var stderr: String; var requestedURLs: Set<String> }

    /// Loads `file` headless with DNS disabled, logging the console to stderr and the network to a net log.
    func load(_ file: URL, extra: [String] = []) throws -> Run {
        let chromium = try #require(Self.chromium)
        let netLog = file.deletingLastPathComponent().appendingPathComponent("net-\(UUID().uuidString).json")
        let result = try Subprocess.run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0", "--log-net-log=\(netLog.path)",
        ] + extra + (extra.contains { $0.hasPrefix("--screenshot") || $0.hasPrefix("--print-to-pdf") } ? [] : ["--dump-dom"]) + [file.absoluteString],
            timeout: 120)
        let log = (try? String(contentsOf: netLog, encoding: .utf8)) ?? ""
        var urls = Set<String>()
        for m in log.matches(of: try Regex(#""url":"([^"]*)""#)) {
            let url = String(m.output[1].substring!)
            let host = URL(string: url)?.host ?? ""
            if !Self.browserHosts.contains(where: { host == $0 || host.hasSuffix("." + $0) }) { urls.insert(url) }
        }
        return Run(dom: result.out, stderr: result.err, requestedURLs: urls)
    }

    /// `report` rendered as HTML in a new temporary folder (the caller removes it): the folder and the page.
    static func write(_ report: ReportResult, label: String) throws -> (folder: URL, page: URL) {
        let folder = try TemporaryFolder.make(label)
        try HTMLReportRenderer().write(report, to: folder)
        return (folder, folder.appendingPathComponent("report.html"))
    }

    static func cspViolations(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.contains("Content Security Policy") }
    }

    @Test(.enabled(if: chromium != nil, "chromium not found: install the Debian chromium package to check the page in a browser"))
    func browserBuildsEverySectionAndChartAndFetchesNothing() throws {
        let report = ReportFixtures.report()
        let (folder, page) = try Self.write(report, label: "chromium")
        defer { try? FileManager.default.removeItem(at: folder) }

        let run = try load(page)
        #expect(run.dom.contains("</html>"), "no DOM dumped; stderr: \(run.stderr.suffix(2000))")
        for s in report.sections {
            #expect(run.dom.contains("id=\"section-\(s.key)\""), "section \(s.key) in the DOM")
            if s.rows.isEmpty { continue }
            #expect(run.dom.contains("id=\"table-\(s.key)\""), "table \(s.key) in the DOM")
            if s.chart != nil { #expect(run.dom.contains("<svg class=\"chart\" id=\"chart-\(s.key)\""), "chart \(s.key) in the DOM") }
        }
        #expect(run.dom.contains("No data for this period."))
        // Hostile text stayed text in the browser's DOM too.
        #expect(!run.dom.contains("<script"))
        #expect(!run.dom.contains("<img"))
        #expect(!run.dom.contains("<b>bold"))
        #expect(run.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        // Nothing requested, nothing even attempted (the CSP would log any attempt it blocked).
        #expect(run.requestedURLs.isEmpty, "requests: \(run.requestedURLs)")
        #expect(Self.cspViolations(run.stderr).isEmpty, "\(Self.cspViolations(run.stderr))")

        // Negative controls: the same checks catch a page that does reach out.
        let html = try String(contentsOf: page, encoding: .utf8)
        let reaching = "<main><img src=\"http://baton-control.invalid/pixel.png\" alt=\"\"><link rel=\"stylesheet\" href=\"other.css\">"
        let withCSP = folder.appendingPathComponent("control-csp.html")
        try html.replacingOccurrences(of: "<main>", with: reaching).write(to: withCSP, atomically: true, encoding: .utf8)
        let blocked = try load(withCSP)
        #expect(Self.cspViolations(blocked.stderr).count >= 2, "the CSP should report the blocked image and stylesheet")
        let withoutCSP = folder.appendingPathComponent("control-no-csp.html")
        let stripped = html.replacingOccurrences(of: "<meta http-equiv=\"Content-Security-Policy\" content=\"\(HTMLReportRenderer.contentSecurityPolicy)\">", with: "")
        #expect(stripped != html)
        try stripped.replacingOccurrences(of: "<main>", with: reaching).write(to: withoutCSP, atomically: true, encoding: .utf8)
        let leaked = try load(withoutCSP)
        #expect(leaked.requestedURLs.contains("http://baton-control.invalid/pixel.png"), "net log: \(leaked.requestedURLs)")
    }

    /// Printed, each section after the first and the definitions start a new page; without the print rule
    /// (the negative control) the same page prints on fewer pages.
    @Test(.enabled(if: chromium != nil, "chromium not found: install the Debian chromium package to print the page"))
    func printingPutsEachSectionOnItsOwnPage() throws {
        let report = ReportFixtures.report()
        let (folder, page) = try Self.write(report, label: "print")
        defer { try? FileManager.default.removeItem(at: folder) }
        func pages(_ html: URL) throws -> Int {
            let pdf = folder.appendingPathComponent(html.lastPathComponent + ".pdf")
            _ = try load(html, extra: ["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer"])
            let text = String(decoding: try Data(contentsOf: pdf), as: Unicode.ASCII.self)
            return text.matches(of: try Regex(#"/Type\s*/Page[^s]"#)).count
        }
        let printed = try pages(page)
        // The first section shares the headlines' page; every other section and the definitions begin one.
        #expect(printed >= report.sections.count + 1, "pages: \(printed)")
        let rule = ".report-section+.report-section,.definitions{break-before:page;page-break-before:always}"
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains(rule))
        let control = folder.appendingPathComponent("no-breaks.html")
        try html.replacingOccurrences(of: rule, with: "").write(to: control, atomically: true, encoding: .utf8)
        #expect(try pages(control) < printed)
    }

    @Test(.enabled(if: chromium != nil, "chromium not found: install the Debian chromium package to take screenshots"))
    func screenshotsForDesktopAndPhone() throws {
        let folder = TestPaths.packageRoot.appendingPathComponent(".build/rendering")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = folder.appendingPathComponent("report.html")
        try HTMLReportRenderer().write(ReportFixtures.report(), toFile: page)
        for (name, size) in [("report-1280.png", "1280,4000"), ("report-phone.png", "390,2400")] {
            let shot = folder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: shot)
            _ = try load(page, extra: ["--screenshot=\(shot.path)", "--window-size=\(size)", "--hide-scrollbars"])
            let size = (try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "screenshot \(shot.path)")
        }
    }
}
