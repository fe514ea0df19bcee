import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import SQLite

/// `baton schedule run` with a report definition that has `mail`: the shipped weekly report, a fake sendmail that
/// keeps what it is given (and one that refuses once), and the message read back by Python's `email` package.
@Suite(.serialized) struct ScheduleMailTests {
    static let python = ExternalTools.python3 != nil

    /// The shipped weekly.json with `mail` (and `title` when given) added; a fake sendmail at `sendmail`.
    func harness(title: String? = nil, failFirst: Bool = false, store: CLIHarness? = nil) throws -> (CLIHarness, String) {
        let h = try store ?? CLIHarness().alertStore(stalled: 3)
        let reports = h.directory.path + "/reports"
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        let shipped = try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent("reports/weekly.json"))
        var definition = try #require(try JSONSerialization.jsonObject(with: shipped) as? [String: Any])
        if let title { definition["title"] = title }
        definition["mail"] = ["to": ["Équipe Ops <ops@example.com>"], "from": "baton@example.com", "sendmail": h.directory.path + "/sendmail"]
        try JSONSerialization.data(withJSONObject: definition).write(to: URL(fileURLWithPath: reports + "/weekly.json"))
        try fakeSendmail(h, failFirst: failFirst)
        return (h, reports)
    }

    /// A fake sendmail at `h.directory/sendmail`.
    func fakeSendmail(_ h: CLIHarness, failFirst: Bool = false) throws {
        // Keeps each message and its arguments; with failFirst, the first hand-off fails like an MTA that is down.
        let script = """
            #!/bin/sh
            dir=\(h.directory.path)
            \(failFirst ? "if [ ! -e \"$dir/refused-once\" ]; then touch \"$dir/refused-once\"; echo 'sendmail: cannot connect to mail.example.com' >&2; exit 75; fi" : "")
            echo "$@" >> "$dir/sendmail-args"
            n=$(ls "$dir" | grep -c '^sent-')
            cat > "$dir/sent-$n.eml"
            """
        let path = h.directory.path + "/sendmail"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    func run(_ h: CLIHarness, _ reports: String, _ now: String) -> CLIHarness.Result {
        h.run(["schedule", "run", "--now", now, "--reports", reports, "--out", h.directory.path + "/out"],
              env: h.binaryEnvironment(["BATON_QUERIES": TestPaths.queries]))
    }

    func sent(_ h: CLIHarness) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: h.directory.path)) ?? []).filter { $0.hasPrefix("sent-") }.sorted()
    }

    @Test(.enabled(if: python, "needs python3")) func theWeeklyReportIsMailedWithItsFiles() throws {
        let (h, reports) = try harness()
        let result = run(h, reports, "2026-03-16T06:30:00Z")
        #expect(result.code == 0, "\(result.err)")
        let folder = h.directory.path + "/out/weekly/2026-03-16T0600Z"
        #expect(result.out.contains("weekly 2026-03-16T0600Z: mail handed off (attempt 1) <- \(folder)/message.eml"), "\(result.out)")
        #expect(sent(h) == ["sent-0.eml"])
        #expect(try String(contentsOfFile: h.directory.path + "/sendmail-args", encoding: .utf8) == "-t -oi\n")
        // What sendmail got is the message published in the report folder.
        #expect(try Data(contentsOf: URL(fileURLWithPath: h.directory.path + "/sent-0.eml")) == (try Data(contentsOf: URL(fileURLWithPath: folder + "/message.eml"))))
        let m = try ParsedMail.parse(h.directory.path + "/sent-0.eml")
        #expect(m.defects.isEmpty, "\(m.defects)")
        #expect(m.to == [.init("Équipe Ops", "ops@example.com")] && m.from == [.init("", "baton@example.com")])
        #expect(m.subject == "Weekly throughput report: 2025-12-22 to 2026-03-15")
        #expect(abs(m.date - Date().timeIntervalSince1970) < 600)
        #expect(m.messageID == "<weekly-2026-03-16T0600Z.weekly.baton@example.com>")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".csv") || $0.hasSuffix(".xlsx") }
        #expect(Set(m.attachments.map(\.filename)) == Set(files) && files.contains("stalled.csv") && files.contains("report.xlsx"))
        for a in m.attachments { #expect(a.data == (try Data(contentsOf: URL(fileURLWithPath: folder + "/" + a.filename))), "\(a.filename)") }
        // The stalled summary: the 3 HR reviews ready for more than 48 h.
        #expect(m.html.contains("3 rows need attention") && m.text.contains("S-0001"), "\(m.text)")
        #expect(m.html.contains("Tickets closed"))
        #expect(run(h, reports, "2026-03-16T06:40:00Z").out.isEmpty)  // nothing due, nothing pending
        #expect(sent(h).count == 1)
    }

    /// A refused hand-off is recorded (exit 1, the history's mail column) and retried by the next run from the same
    /// message: the report is not generated again.
    @Test func aFailedHandOffIsRecordedAndRetriedNextRun() throws {
        let (h, reports) = try harness(failFirst: true)
        let first = run(h, reports, "2026-03-16T06:30:00Z")
        #expect(first.code == 1)
        #expect(first.err.contains("Error: weekly 2026-03-16T0600Z: mail hand-off failed (attempt 1), retried next run: \(h.directory.path)/sendmail -t -oi failed (exit status 75): sendmail: cannot connect to mail.example.com"), "\(first.err)")
        #expect(sent(h).isEmpty)
        let history = h.run(["schedule", "history", "--format", "json"], env: h.binaryEnvironment())
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(history.out.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["state"] as? String == "done")
        #expect((rows[0]["mail"] as? String)?.hasPrefix("pending (1 hand-off): ") == true, "\(rows)")
        let message = h.directory.path + "/out/weekly/2026-03-16T0600Z/message.eml"
        let before = try Data(contentsOf: URL(fileURLWithPath: message))
        let second = run(h, reports, "2026-03-16T06:35:00Z")
        #expect(second.code == 0, "\(second.err)")
        #expect(second.out == "weekly 2026-03-16T0600Z: mail handed off (attempt 2) <- \(message)\n")
        #expect(sent(h) == ["sent-0.eml"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: h.directory.path + "/sent-0.eml")) == before)
        let db = try Database(path: h.dbPath)
        #expect(try db.scalar("SELECT attempts FROM schedule_runs")?.int == 1)  // the report ran once
        #expect(try db.scalar("SELECT state || ' ' || attempts || ' ' || (error IS NULL) FROM schedule_mail")?.string == "sent 2 1")
        #expect(run(h, reports, "2026-03-16T06:40:00Z").out.isEmpty)
        #expect(sent(h).count == 1)
    }

    /// A title with CR LF becomes one line of the subject; no header is added.
    @Test(.enabled(if: python, "needs python3")) func aTitleCannotAddAHeader() throws {
        let (h, reports) = try harness(title: "Weekly\r\nBcc: evil@example.com")
        #expect(run(h, reports, "2026-03-16T06:30:00Z").code == 0)
        let m = try ParsedMail.parse(h.directory.path + "/sent-0.eml")
        #expect(!m.headerNames.contains { $0.lowercased() == "bcc" })
        #expect(m.subject == "Weekly  Bcc: evil@example.com: 2025-12-22 to 2026-03-15")
    }

    /// A missing sendmail is a failed hand-off too, said plainly.
    @Test func aMissingSendmailIsAFailedHandOff() throws {
        let (h, reports) = try harness()
        try FileManager.default.removeItem(atPath: h.directory.path + "/sendmail")
        let result = run(h, reports, "2026-03-16T06:30:00Z")
        #expect(result.code == 1 && result.err.contains("\(h.directory.path)/sendmail is not an executable program"), "\(result.err)")
        #expect(FileManager.default.fileExists(atPath: h.directory.path + "/out/weekly/2026-03-16T0600Z/message.eml"))
    }

    /// An alert definition with `mail`: a message with the alert lines when there are alerts, none when there are none.
    @Test(.enabled(if: python, "needs python3"), arguments: [2, 0])
    func alertsAreMailedOnlyWhenThereAreAlerts(stalled: Int) throws {
        let h = stalled > 0 ? try CLIHarness().alertStore(stalled: stalled) : try CLIHarness().prepared()
        let reports = h.directory.path + "/reports"
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        _ = try h.write("reports/stalled.json", """
            {"kind": "alerts", "title": "Stalled steps", "schedule": "*/10 * * * *", "out": "alerts.txt",
             "mail": {"to": ["hr@example.com"], "from": "baton@example.com", "sendmail": "\(h.directory.path)/sendmail"}}
            """)
        try fakeSendmail(h)
        let result = run(h, reports, "2026-03-10T12:05:00Z")
        #expect(result.code == 0, "\(result.err)")
        guard stalled > 0 else {
            #expect(sent(h).isEmpty && !result.out.contains("mail"), "\(result.out)")
            #expect(try Database(path: h.dbPath).scalar("SELECT count(*) FROM schedule_mail")?.int == 0)
            return
        }
        #expect(sent(h) == ["sent-0.eml"])
        let m = try ParsedMail.parse(h.directory.path + "/sent-0.eml")
        #expect(m.defects.isEmpty && m.attachments.isEmpty && m.to == [.init("", "hr@example.com")])
        // The store's two stalled runs, and its one-person team's thin_ownership alert.
        let file = try String(contentsOfFile: h.directory.path + "/out/alerts.txt", encoding: .utf8)
        let lines = file.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("stalled ") }.count == stalled && lines.filter { $0.hasPrefix("thin_ownership ") }.count == 1, "\(file)")
        #expect(m.subject == "Stalled steps: \(stalled + 1) alerts (\(stalled + 1) new) as of 2026-03-10T12:00:00Z")
        #expect(m.messageID == "<2026-03-10T1200Z.stalled.baton@example.com>")
        // The body holds the alert file's lines.
        #expect(file.contains("S-0001") && m.text.hasSuffix(file.replacingOccurrences(of: "\r\n", with: "\n")), "\(m.text)")
    }

    static var bpic: String? { TestPaths.sharedFile("bpic2013_incidents.xes.gz") }

    /// The weekly report of a real log (BPI Challenge 2013 incidents through its profile): the message parses
    /// cleanly, carries the files byte for byte, and its stalled count is the stalled CSV's row count.
    @Test(.enabled(if: python && bpic != nil, "needs python3 and ../shared/data/bpic2013_incidents.xes.gz"))
    func theWeeklyReportOfARealLogIsMailed() throws {
        let (h, reports) = try harness(store: try CLIHarness(copyOf: try #require(SharedImports.bpic2013).get().dbPath))
        let result = run(h, reports, "2012-05-14T06:30:00Z")
        #expect(result.code == 0, "\(result.err)")
        let folder = h.directory.path + "/out/weekly/2012-05-14T0600Z"
        let m = try ParsedMail.parse(h.directory.path + "/sent-0.eml")
        #expect(m.defects.isEmpty && m.longestLine <= 78 && !m.bareLineFeed, "\(m.defects)")
        #expect(m.subject == "Weekly throughput report: 2012-02-20 to 2012-05-13")
        #expect(m.attachments.count >= 5)
        for a in m.attachments { #expect(a.data == (try Data(contentsOf: URL(fileURLWithPath: folder + "/" + a.filename))), "\(a.filename)") }
        let stalled = RFC4180.records(try String(contentsOfFile: folder + "/stalled.csv", encoding: .utf8)).filter { $0 != [""] }.count - 1
        #expect(stalled > 0)
        #expect(m.html.contains("\(stalled) row\(stalled == 1 ? "" : "s") need attention"), "\(stalled)")
        #expect(m.text.contains("\(stalled) row\(stalled == 1 ? "" : "s") need attention"))
    }
}
