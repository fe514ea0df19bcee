import BatonCore
import BatonTestSupport
import Foundation
@testable import Site
import Testing

/// The site in a real browser: headless Chromium loads the index, every link it finds in the DOM it built is
/// followed (pages loaded in turn, other files checked to exist), nothing is requested over the network, and the
/// pages are photographed at phone and desktop widths (kept under `.build/site/`).
@Suite(.serialized) struct SiteChromiumTests {
    static let chromium = ExternalTools.chromium
    static let browserHosts = ["google.com", "googleapis.com", "gvt1.com", "gstatic.com"]

    struct Load { var dom: String; var requests: Set<String> }

    static func load(_ file: URL, extra: [String] = []) throws -> Load {
        let chromium = try #require(Self.chromium)
        let netLog = FileManager.default.temporaryDirectory.appendingPathComponent("site-net-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: netLog) }
        let shot = extra.contains { $0.hasPrefix("--screenshot") }
        let result = try Subprocess.run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--log-net-log=\(netLog.path)",
        ] + extra + (shot ? [] : ["--dump-dom"]) + [file.absoluteString], timeout: 120)
        var requests = Set<String>()
        let log = (try? String(contentsOf: netLog, encoding: .utf8)) ?? ""
        for m in log.matches(of: try Regex(#""url":"([^"]*)""#)) {
            let url = String(m.output[1].substring!)
            let host = URL(string: url)?.host ?? ""
            if !browserHosts.contains(where: { host == $0 || host.hasSuffix("." + $0) }) { requests.insert(url) }
        }
        return Load(dom: result.out, requests: requests)
    }

    struct Crawl { var pages: [String] = []; var files: [String] = []; var broken: [String] = []; var requests: Set<String> = []; var unrendered: [String] = [] }

    /// Follows every `href` of the DOMs Chromium builds, from `start` (a file in `root`).
    static func crawl(root: URL, start: String) throws -> Crawl {
        var crawl = Crawl(), queue = [start], seen: Set<String> = [start]
        while !queue.isEmpty {
            let relative = queue.removeFirst()
            let url = root.appendingPathComponent(relative).standardizedFileURL
            let load = try load(url)
            crawl.pages.append(relative)
            crawl.requests.formUnion(load.requests)
            if !load.dom.contains("</html>") || !load.dom.contains("<h1>") { crawl.unrendered.append(relative) }
            for m in load.dom.matches(of: try Regex(#"href="([^"]*)""#)) {
                let href = String(m.output[1].substring!).replacingOccurrences(of: "&amp;", with: "&")
                guard let target = URL(string: href, relativeTo: url)?.standardizedFileURL, target.isFileURL else {
                    crawl.broken.append("\(relative) -> \(href) (not a file on the site)"); continue
                }
                guard target.path.hasPrefix(root.standardizedFileURL.path + "/") else { crawl.broken.append("\(relative) -> \(href) (outside)"); continue }
                let inSite = String(target.path.dropFirst(root.standardizedFileURL.path.count + 1))
                guard FileManager.default.fileExists(atPath: target.path) else { crawl.broken.append("\(relative) -> \(href)"); continue }
                guard seen.insert(inSite).inserted else { continue }
                if inSite.hasSuffix(".html") { queue.append(inSite) } else { crawl.files.append(inSite) }
            }
        }
        return crawl
    }

    @Test(.enabled(if: chromium != nil, "chromium not found: install the Debian chromium package to crawl the site"))
    func everyLinkFromTheIndexResolvesAndNothingIsFetched() throws {
        let f = try SiteFixture("site-crawl")
        _ = try SiteArchiveTests.schedule(f)
        try f.build()
        let root = URL(fileURLWithPath: f.out).resolvingSymlinksInPath()
        let crawl = try Self.crawl(root: root, start: "index.html")
        #expect(crawl.broken.isEmpty, "\(crawl.broken)")
        #expect(crawl.requests.isEmpty, "\(crawl.requests)")
        #expect(crawl.unrendered.isEmpty, "\(crawl.unrendered)")
        // Every page of the site was reached: queues, the four tickets (through queues and find.html), the archive.
        let all = try f.pages()
        #expect(Set(crawl.pages) == Set(all.filter { !$0.hasPrefix("reports/") } + ["reports/weekly/2026-03-23T0600Z/report.html",
            "reports/weekly/2026-03-16T0600Z/report.html", "reports/weekly/2026-03-09T0600Z/report.html", "reports/weekly/2026-03-02T0600Z/report.html"]))
        #expect(crawl.files.filter { $0.hasSuffix("throughput.csv") }.count == 4)
        // Negative control: the crawler does see a broken link.
        let control = root.appendingPathComponent("control.html")
        try (try f.page("index.html")).replacingOccurrences(of: "<main>", with: "<main><a href=\"queues/nobody.html\">x</a>")
            .write(to: control, atomically: true, encoding: .utf8)
        let bad = try Self.crawl(root: root, start: "control.html")
        #expect(bad.broken.contains { $0.contains("queues/nobody.html") })
    }

    @Test(.enabled(if: chromium != nil, "chromium not found: install the Debian chromium package to take screenshots"))
    func screenshotsAtPhoneAndDesktopWidths() throws {
        let f = try SiteFixture("site-shots")
        _ = try SiteArchiveTests.schedule(f)
        try f.build()
        let folder = TestPaths.packageRoot.appendingPathComponent(".build/site")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: f.out).resolvingSymlinksInPath()
        for (name, page) in [("index", "index.html"), ("queue", "queues/hr.html"), ("ticket", try f.ticketPage("T-1")),
                             ("ticket-long", try f.ticketPage("T-3")), ("alerts", "alerts.html"), ("archive", "reports.html")] {
            for (width, height) in [(390, 1600), (1400, 1000)] {
                let shot = folder.appendingPathComponent("\(name)-\(width).png")
                try? FileManager.default.removeItem(at: shot)
                _ = try Self.load(root.appendingPathComponent(page), extra: ["--screenshot=\(shot.path)", "--window-size=\(width),\(height)", "--hide-scrollbars"])
                let size = (try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
                #expect(size > 5_000, "screenshot \(shot.path)")
            }
        }
    }
}
