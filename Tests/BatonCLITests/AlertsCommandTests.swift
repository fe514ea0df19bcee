import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import SQLite

extension CLIHarness {
    static let alertsAsOf = "2026-03-10T12:00:00Z"

    /// The onboarding store with `count` tickets whose HR review (target 2 days) has been ready 1…count hours
    /// beyond 48 h at `alertsAsOf`, written straight into the projections so big fixtures are quick.
    func alertStore(stalled count: Int) throws -> CLIHarness {
        _ = try prepared()
        let db = try Database(path: dbPath)
        let asOf = Instant.parse(Self.alertsAsOf)!
        try db.transaction {
            try db.run("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO tickets(id, service, service_version, title, state, opened_at, last_event_at)
                SELECT printf('S-%04d', i), 'onboarding', 1, 'Stalled "' || i || '"', 'open', ? - (48 + i) * 3600, ? - (48 + i) * 3600 FROM n
                """, [count, asOf, asOf])
            try db.run("""
                INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, known_at)
                SELECT id, 'onboarding', 'hr-review', 'hr', 0, 1, 'ready', opened_at, opened_at FROM tickets WHERE id LIKE 'S-%'
                """)
        }
        return self
    }

    /// Every row of `tables`, to compare the store before and after a command that must change nothing.
    func fingerprint(_ tables: [String] = ["reported_alerts", "schedule_runs", "events", "step_runs"]) throws -> String {
        try Database(path: dbPath).dump(tables)
    }
}

@Suite struct AlertsCommandTests {
    let asOf = ["--as-of", CLIHarness.alertsAsOf]

    @Test func formatFollowsTheOptionThenTheExtensionThenText() throws {
        let h = try CLIHarness().alertStore(stalled: 2)
        let stdout = h.run(["alerts", "--no-record"] + asOf)
        #expect(stdout.code == 0)
        #expect(stdout.out.hasPrefix("# baton alerts as_of=2026-03-10T12:00:00Z"))
        // The fields scripts read, then the sentence for a person (title from the ticket, the step's name).
        let line = try #require(stdout.out.split(separator: "\n").first { $0.contains("ticket=S-0002") })
        #expect(line.hasPrefix("stalled new=yes team=hr service=onboarding step=hr-review ticket=S-0002 state=ready ready_at=2026-03-08T10:00:00Z age_hours=50 active_age_hours=50 threshold_hours=48 source=target"))
        #expect(line.hasSuffix(#" msg="S-0002 “Stalled \"2\"” HR review (hr): 50 h, 2 h over its 48 h target, not started""#), "\(line)")
        #expect(h.run(["alerts", "--out", "a.json"] + asOf).code == 0)
        #expect(try String(contentsOfFile: h.directory.path + "/a.json", encoding: .utf8).hasPrefix("{\n  \"as_of\": \"2026-03-10T12:00:00Z\""))
        #expect(h.run(["alerts", "--out", "a.prom"] + asOf).code == 0)
        #expect(try String(contentsOfFile: h.directory.path + "/a.prom", encoding: .utf8).contains("baton_stalled_steps{team=\"hr\",service=\"onboarding\",step=\"hr-review\"} 2\n"))
        #expect(h.run(["alerts", "--out", "a.prom", "--format", "json"] + asOf).code == 0)
        #expect(try String(contentsOfFile: h.directory.path + "/a.prom", encoding: .utf8).hasPrefix("{"))
        let mode = (try FileManager.default.attributesOfItem(atPath: h.directory.path + "/a.json")[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o640)
        #expect(h.run(["alerts", "--format", "yaml"]).code == 64)
        #expect(h.run(["alerts", "--as-of", "yesterday"]).code == 64)
        #expect(h.run(["alerts", "--percentile", "85"]).code == 64)
        #expect(h.run(["alerts", "--help"]).out.contains("3 written, and --fail-on-alert"))
    }

    @Test func failOnAlertExitsThreeOnlyForNewAlerts() throws {
        let h = try CLIHarness().alertStore(stalled: 2)
        #expect(h.run(["alerts", "--out", "a.json", "--fail-on-alert"] + asOf).code == 3)
        #expect(h.run(["alerts", "--out", "a.json", "--fail-on-alert", "--as-of", "2026-03-10T12:30:00Z"]).code == 0)
        // At 13:00 a third ticket… none: the same two alerts, still not new.
        #expect(h.run(["alerts", "--out", "a.json", "--fail-on-alert", "--as-of", "2026-03-10T13:00:00Z"]).code == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: h.directory.appendingPathComponent("a.json"))) as? [String: Any]
        // The two stalled runs and hr's queue, which no one has started anything from (thin ownership): none new.
        #expect((doc?["alerts"] as? [[String: Any]])?.map { ($0["new"] as? NSNumber)?.boolValue } == [false, false, false])
    }

    /// Looking by hand never silences the cron mail: "new" is kept per output file, and standard output is never
    /// remembered.
    @Test func manualRunsDoNotMakeTheCronRunsAlertsOld() throws {
        let h = try CLIHarness().alertStore(stalled: 2)
        // An operator looks at the alerts on the terminal, then writes them to a scratch file.
        let look = h.run(["alerts"] + asOf)
        #expect(look.code == 0 && look.out.contains("stalled new=yes"))
        #expect(h.run(["alerts", "--out", "scratch.json"] + asOf).code == 0)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("cron"), withIntermediateDirectories: true)
        // The cron run that follows, to its own file, still sees them as new and mails.
        let cron = h.run(["alerts", "--out", "cron/alerts.json", "--fail-on-alert", "--as-of", "2026-03-10T12:10:00Z"])
        #expect(cron.code == 3, "\(cron.err)")
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: h.directory.appendingPathComponent("cron/alerts.json"))) as? [String: Any]
        #expect((doc?["counts"] as? [String: Any])?["new"] as? NSNumber == 3)  // two stalled, hr's thin ownership
        // Its next run does not (and the same file by another spelling of its path is the same file).
        #expect(h.run(["alerts", "--out", "cron/../cron/alerts.json", "--fail-on-alert", "--as-of", "2026-03-10T12:20:00Z"]).code == 0)
        let rows = try Database(path: h.dbPath).rows("SELECT DISTINCT output FROM reported_alerts ORDER BY output").compactMap { $0.string("output") }
        #expect(rows == [h.directory.path + "/cron/alerts.json", h.directory.path + "/scratch.json"])
    }

    /// Root ignores permissions, so the unwritable folder is a path under a regular file (ENOTDIR).
    @Test func anUnwritableOutputFailsAndChangesNothing() throws {
        let h = try CLIHarness().alertStore(stalled: 2)
        _ = try h.write("plain", "not a folder")
        let before = try h.fingerprint()
        let r = h.run(["alerts", "--out", "plain/alerts.json"] + asOf)
        #expect(r.code == 1)
        #expect(r.err.hasPrefix("Error: cannot write the alert file: cannot write a file in \(h.directory.path)/plain: Not a directory"), "\(r.err)")
        #expect(try h.fingerprint() == before)
        #expect(h.run(["alerts", "--out", "/proc/baton-alerts.json"] + asOf).code == 1)
        #expect(try h.fingerprint() == before)
    }

    /// A full disk is a tiny tmpfs: the alert file is not replaced, no temporary is left, the store is unchanged.
    @Test(.enabled(if: TinyDisk.available, "needs to mount a tmpfs (root in a VM or container that allows it)"))
    func aFullDiskFailsAndKeepsTheOldAlertFile() throws {
        let h = try CLIHarness().alertStore(stalled: 2)
        let disk = try #require(TinyDisk(kilobytes: 32, in: h.directory.path))
        defer { disk.unmount() }
        let tiny = disk.path
        #expect(h.run(["alerts", "--out", "tiny/alerts.json", "--no-record"] + asOf).code == 0)
        let old = try Data(contentsOf: URL(fileURLWithPath: tiny + "/alerts.json"))
        // 200 stalled tickets make a file far bigger than the 32 KiB disk.
        let big = try CLIHarness().alertStore(stalled: 200)
        let bigBefore = try big.fingerprint()
        let full = big.run(["alerts", "--out", tiny + "/alerts.json"] + asOf)
        #expect(full.code == 1)
        #expect(full.err.contains("No space left on device"), "\(full.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: tiny + "/alerts.json")) == old)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tiny) == ["alerts.json"])
        #expect(try big.fingerprint() == bigBefore)
    }

    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func identicalBytesInEveryTimeZone() throws {
        let h = try CLIHarness().alertStore(stalled: 5)
        for ext in ["json", "txt", "prom"] {
            var files: [Data] = []
            for tz in ["UTC", "Europe/Berlin", "America/Sao_Paulo"] {
                let path = h.directory.path + "/\(tz.replacingOccurrences(of: "/", with: "-")).\(ext)"
                // The same instant written in a local offset must not matter either.
                let r = try CLIHarness.runBinary(["alerts", "--out", path, "--as-of", "2026-03-10T09:00:00-03:00"],
                                                 env: ["BATON_DB": h.dbPath, "TZ": tz, "PATH": "/usr/bin:/bin"])
                #expect(r.status == 0, "\(r.err)")
                files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
            #expect(files[0].count > 200)
            #expect(files[1] == files[0] && files[2] == files[0], "\(ext) differs between time zones")
        }
    }
}
