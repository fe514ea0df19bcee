import BatonTestSupport
import Foundation
import Testing

/// `make install` into a temporary prefix, then the installed copy — not the checkout's — runs the walkthrough and
/// the demo reports from an empty folder, with nothing but the prefix on PATH; `make uninstall` removes what it wrote.
@Suite struct InstallTests {
    static var canInstall: Bool { TestPaths.binaryAvailable && Subprocess.which("make") != nil && Subprocess.which("install") != nil }

    /// `make install|uninstall PREFIX=… BATON_BIN=<debug binary>`: the Makefile's own targets, without a release build.
    static func make(_ target: String, prefix: String) throws {
        let r = try Subprocess.run("/usr/bin/env", ["make", "--no-print-directory", "-C", TestPaths.packageRoot.path, target,
                                                    "PREFIX=\(prefix)", "BATON_BIN=\(TestPaths.batonBinary.path)"])
        #expect(r.status == 0, "make \(target): \(r.err)")
    }

    /// Every file under `folder`, relative to it, sorted.
    static func files(under folder: String) -> [String] {
        let all = FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []
        return all.filter { !isDirectory(folder + "/" + $0) }.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    @Test(.enabled(if: canInstall, "needs the built binary, make and install(1)"))
    func theInstalledCopyRunsTheWalkthroughAndTheDemoReports() throws {
        let folder = try TemporaryFolder("install")
        let prefix = folder.path("prefix"), work = folder.path("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try Self.make("install", prefix: prefix)
        let share = prefix + "/share/baton"
        // A query only the installed folder has: the installed copy must read the SQL installed with it.
        try "-- Where this SQL came from.\nSELECT 'installed' AS source;\n".write(toFile: share + "/queries/where_from.sql", atomically: true, encoding: .utf8)

        let env = ["PATH": "\(prefix)/bin:/usr/bin:/bin", "BATON_DB": work + "/baton.db", "BATON_ACTOR": "ana", "HOME": work]
        @discardableResult
        func baton(_ args: [String]) throws -> String {
            let r = try Subprocess.run("/usr/bin/env", ["baton"] + args, environment: env, directory: URL(fileURLWithPath: work))
            #expect(r.status == 0, "baton \(args.joined(separator: " ")): \(r.err)")
            return r.out
        }
        let version = try baton(["version"])
        #expect(version.contains("executable: \(prefix)/bin/baton"), "\(version)")
        #expect(version.contains("queries: \(share)/queries") && version.contains("reports: \(share)/reports"), "\(version)")
        #expect(!version.contains(TestPaths.packageRoot.path), "the checkout is out of reach: \(version)")

        let samples = share + "/samples"
        try baton(["init"])
        #expect(try baton(["query", "where_from"]).contains("installed"))
        try baton(["calendar", "apply"] + Self.files(under: samples + "/calendars").map { "\(samples)/calendars/\($0)" })
        try baton(["service", "apply"] + Self.files(under: samples + "/services").map { "\(samples)/services/\($0)" })
        #expect(try baton(["ticket", "open", "onboarding", "--title", "Onboard Ana", "--requester", "ana", "--field", "employee=Ana Silva",
                           "--field", "start_date=2026-12-01", "--field", "dept=eng"]) == "T-1001\n")
        try baton(["step", "start", "T-1001", "hr-review", "--by", "bo"])
        try baton(["task", "done", "T-1001", "hr-review", "Verify contract"])
        try baton(["step", "complete", "T-1001", "hr-review"])
        #expect(try baton(["queue", "it"]).contains("T-1001"))
        #expect(try baton(["ticket", "history", "T-1001", "--format", "tsv"]).contains("\tcompleted\tana\tcli\t"))
        try baton(["import", samples + "/walkthrough.csv"])
        #expect(try baton(["ticket", "show", "W-1"]).contains("closed"))
        #expect(try baton(["queue", "security"]).contains("W-2"))
        #expect(try baton(["alerts", "--as-of", "2026-11-23T00:00:00Z"]).contains("W-3"))
        try baton(["export", "--format", "xes", "--out", "history.xes"])

        // The demo's reports, on a small generated history.
        try baton(["generate", "--tickets", "150", "--seed", "7", "--start", "2026-06-01", "--days", "180",
                   "--services", samples + "/services", "--out", "history.csv"])
        try baton(["import", "history.csv"])
        for report in ["weekly", "team-load", "automation-readiness"] {
            let out = try baton(["report", report, "--as-of", "2026-11-23T00:00:00Z", "--format", "csv,html,xlsx", "--out", "reports"])
            let written = out.trimmingCharacters(in: .newlines)
            #expect(written.hasPrefix(work + "/reports/\(report)-"), "\(out)")
            #expect(["report.html", "report.xlsx", "definitions.csv"].allSatisfy { FileManager.default.fileExists(atPath: written + "/" + $0) })
        }

        try Self.make("uninstall", prefix: prefix)
        #expect(Self.files(under: prefix) == ["share/baton/queries/where_from.sql"], "only the file of our own is left")
    }

    @Test(.enabled(if: canInstall, "needs the built binary, make and install(1)"))
    func installWritesTheManPageAndCompletionsAndUninstallRemovesExactlyThem() throws {
        let folder = try TemporaryFolder("install")
        let prefix = folder.path("prefix")
        try FileManager.default.createDirectory(atPath: prefix + "/share/man/man1", withIntermediateDirectories: true)
        try "mine".write(toFile: prefix + "/share/man/man1/other.1", atomically: true, encoding: .utf8)
        try Self.make("install", prefix: prefix)
        let installed = Self.files(under: prefix)
        for file in ["bin/baton", "share/man/man1/baton.1", "share/bash-completion/completions/baton", "share/zsh/site-functions/_baton",
                     "share/fish/vendor_completions.d/baton.fish", "share/baton/queries/stalled.sql", "share/baton/reports/weekly.json",
                     "share/baton/samples/services/onboarding.json", "share/baton/samples/walkthrough.csv"] {
            #expect(installed.contains(file), "\(file) installed")
        }
        #expect(!installed.contains { $0.contains("bench") || $0.contains("fuzz") }, "developer tools stay in the checkout")
        let page = try String(contentsOfFile: prefix + "/share/man/man1/baton.1", encoding: .utf8)
        #expect(page.hasPrefix(".TH BATON 1") && page.contains(".SS \"baton ticket history\""))
        if let groff = Subprocess.which("groff") {
            let r = try Subprocess.run(groff, ["-man", "-Tutf8", "-ww", "-z", prefix + "/share/man/man1/baton.1"])
            #expect(r.status == 0 && r.err.isEmpty, "groff warnings: \(r.err)")
        }
        try Self.make("install", prefix: prefix)   // again: a reinstall, still one manifest's worth
        try Self.make("uninstall", prefix: prefix)
        #expect(Self.files(under: prefix) == ["share/man/man1/other.1"])
        #expect(Self.isDirectory(prefix + "/share/man/man1"), "a folder that was there before stays")
        #expect(!Self.isDirectory(prefix + "/bin") && !Self.isDirectory(prefix + "/share/baton"), "folders install made are gone")
    }
}
