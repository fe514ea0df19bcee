import BatonTestSupport
import Foundation
@testable import BatonCLI
import Testing

/// `baton site`: prints the index, refuses bad options with exit 64 (store unchanged), and `schedule run` builds a
/// site definition.
@Suite struct SiteCommandTests {
    static func harness() throws -> CLIHarness {
        let h = try CLIHarness().prepared()
        h.run(["ticket", "open", "onboarding", "--title", "Onboard <Ana>", "--field", "employee=Ana", "--at", "2026-03-02T09:00:00Z"])
        return h
    }

    @Test func buildsTheSiteAndPrintsItsIndex() throws {
        let h = try Self.harness()
        let r = h.run(["site", "--out", "www", "--as-of", "2026-03-03T09:00:00Z", "--queries", TestPaths.queries, "--list-service", "onboarding"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == h.path("www") + "/index.html\n")
        #expect(r.err.isEmpty, "quiet on success (cron mails any output): \(r.err)")
        let index = try String(contentsOfFile: h.path("www/index.html"), encoding: .utf8)
        #expect(index.contains("<b>1</b>open tickets") && index.contains("href=\"find.html\""))
        #expect(try String(contentsOfFile: h.path("www/queues/hr.html"), encoding: .utf8).contains("Onboard &lt;Ana&gt;"))
        let verbose = h.run(["site", "--out", "www", "--as-of", "2026-03-03T09:00:00Z", "--queries", TestPaths.queries, "--verbose"])
        #expect(verbose.err.contains("unchanged"), "\(verbose.err)")
    }

    @Test(arguments: [
        (["--list-service", "onbording"], "--list-service 'onbording' is not a service of the store; did you mean 'onboarding'?"),
        (["--keep", "0"], "--keep must be a whole number of reports, 1 or more, not '0'"),
        (["--list-service", " "], "--list-service needs a service key"),
        (["--as-of", "yesterday"], "--as-of 'yesterday' is not an ISO 8601 date-time"),
    ])
    func badOptionsAreUsageErrors(_ extra: [String], _ message: String) throws {
        let h = try Self.harness()
        let before = try String(decoding: Data(contentsOf: URL(fileURLWithPath: h.dbPath)), as: UTF8.self).count
        let r = h.run(["site", "--out", "www", "--queries", TestPaths.queries] + extra)
        #expect(r.code == 64, "\(r.err)")
        #expect(r.err.contains(message), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: h.path("www")))
        #expect(try String(decoding: Data(contentsOf: URL(fileURLWithPath: h.dbPath)), as: UTF8.self).count == before)
    }

    @Test func withoutOutItIsAUsageError() throws {
        let r = try Self.harness().run(["site"])
        #expect(r.code == 64 && r.err.contains("--out"), "\(r.err)")
    }

    @Test func scheduleRunBuildsASiteDefinition() throws {
        let h = try Self.harness()
        try FileManager.default.createDirectory(atPath: h.path("reports"), withIntermediateDirectories: true)
        try #"{"kind": "site", "title": "Desk", "schedule": "0 * * * *", "out": "www"}"#.write(toFile: h.path("reports/site.json"), atomically: true, encoding: .utf8)
        let r = h.run(["schedule", "run", "--now", "2026-03-03T09:30:00Z", "--reports", h.path("reports"), "--out", h.path("out"),
                       "--queries", TestPaths.queries])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("site 2026-03-03T0900Z: site as of 2026-03-03T09:00:00Z -> \(h.path("out/www/index.html"))"), "\(r.out)")
        #expect(try String(contentsOfFile: h.path("out/www/index.html"), encoding: .utf8).contains("<h1><bdi>Desk</bdi></h1>"))
    }
}
