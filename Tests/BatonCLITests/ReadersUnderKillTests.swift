import BatonCore
import BatonTestSupport
import Foundation
import Scheduling
import SQLite
import Testing
@testable import BatonCLI

/// Readers of what Baton publishes (the alert file, the latest report) while it is regenerated over and over, every
/// fifth run a real process SIGKILLed as soon as it has begun writing: a reader never sees a missing, empty or
/// truncated file, and nothing a killed run left stays once a later run completes. The other runs are in-process.
@Suite struct ReadersUnderKillTests {
    /// A thread that reads published files in a loop until stopped, keeping the reads and what was wrong with them.
    final class Reader: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false, reads = 0, bad: [String] = []
        private let done = DispatchSemaphore(value: 0)

        /// `check` reads once and returns the problems it saw (empty: all well) and how many files it read.
        init(_ check: @escaping @Sendable () -> (reads: Int, bad: [String])) {
            Thread { [self] in
                while !lock.withLock({ stopped }) {
                    let r = check()
                    lock.withLock { reads += r.reads; bad += r.bad }
                }
                done.signal()
            }.start()
        }

        /// Stops the thread and waits for its last read; the reads and the problems.
        func stop() -> (reads: Int, bad: [String]) {
            lock.withLock { stopped = true }
            done.wait()
            return lock.withLock { (reads, bad) }
        }
    }

    /// Runs `baton ARGS` in a real process and SIGKILLs it as soon as it has begun writing an output (a temporary
    /// named with its pid appears in one of `folders`: its sign that it is mid-write), or lets it end. Whether the
    /// kill came before the end.
    func killMidWrite(_ args: [String], env: [String: String], watching folders: [String]) throws -> Bool {
        let p = try CLIHarness.startBinary(args, env: env, standardError: FileHandle.nullDevice)
        let mine = ["\(AtomicFile.temporaryMarker)\(p.processIdentifier)-", ".partial-\(p.processIdentifier)-"]
        func writing() -> Bool {
            folders.contains { folder in
                ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { name in mine.contains { name.contains($0) } }
            }
        }
        waitUntil("baton \(args[0]) to begin writing") { !p.isRunning || writing() }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return p.terminationReason == .uncaughtSignal
    }

    func environment(_ h: CLIHarness) -> [String: String] { h.binaryEnvironment(["BATON_QUERIES": TestPaths.queries]) }

    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func readersNeverSeeAPartialAlertFile() throws {
        let h = try CLIHarness().alertStore(stalled: 400)   // about 150 KB of JSON
        let path = h.directory.path + "/alerts.json"
        #expect(h.run(["alerts", "--out", path, "--as-of", CLIHarness.alertsAsOf]).code == 0)
        let reader = Reader {
            guard let data = FileManager.default.contents(atPath: path) else { return (0, ["missing"]) }
            if data.isEmpty { return (1, ["empty"]) }
            if (try? JSONSerialization.jsonObject(with: data)) == nil || data.last != 0x0A { return (1, ["truncated (\(data.count) bytes)"]) }
            return (1, [])
        }
        var killed = 0
        for i in 0..<200 {
            let args = ["alerts", "--out", path, "--as-of", Instant.iso(Instant.parse(CLIHarness.alertsAsOf)! + Int64(i) * 60)]
            if i % 5 == 4 {
                if try killMidWrite(args, env: environment(h), watching: [h.directory.path]) { killed += 1 }
            } else {
                #expect(h.run(args).code == 0)
            }
        }
        let (reads, bad) = reader.stop()
        #expect(bad.count == 0, "first problems: \(bad.prefix(5))")
        #expect(reads > 100)
        #expect(killed > 0, "no run was killed mid-write")
        print("reader: \(reads) reads, \(killed) runs killed")
        #expect(h.run(["alerts", "--out", path, "--as-of", CLIHarness.alertsAsOf]).code == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: h.directory.path).filter { $0.contains(".tmp-") }.isEmpty)
    }
}

extension ReadersUnderKillTests {
    /// The latest report (every file of `OUT/NAME/latest/`) and the alert file, while 200 `schedule run`s each
    /// generate the next minute's report and alerts; afterwards every period exists exactly once.
    @Test(.enabled(if: TestPaths.binaryAvailable, "needs .build/debug/baton (swift build)"))
    func readersNeverSeeAPartialReport() throws {
        let h = try CLIHarness().alertStore(stalled: 150)
        let reports = h.directory.path + "/reports", out = h.directory.path + "/out"
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        _ = try h.write("reports/minutely.json", """
            {"title": "Stalled steps every minute", "period": {"period": "days", "count": 1}, "formats": ["csv"], "schedule": "* * * * *",
             "sections": [{"key": "stalled", "title": "Stalled", "query": "stalled",
                           "columns": [{"name": "ticket_id", "label": "Ticket", "unit": "text"}, {"name": "age_hours", "label": "Age", "unit": "hours"}]}]}
            """)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "* * * * *", "out": "alerts.json"}"#)
        let start = Instant.parse(CLIHarness.alertsAsOf)!
        func args(_ minute: Int) -> [String] {
            ["schedule", "run", "--now", Instant.iso(start + Int64(minute) * 60 + 5), "--reports", reports, "--out", out,
             "--log", h.directory.path + "/generated.log"]
        }
        #expect(h.run(args(0), env: environment(h)).code == 0)
        let reader = Reader { Self.problems(in: out) }
        var killed = 0
        for minute in 1...200 {
            if minute % 5 == 0 {
                if try killMidWrite(args(minute), env: environment(h), watching: [out, out + "/minutely"]) { killed += 1 }
            } else {
                let r = h.run(args(minute), env: environment(h))
                #expect(r.code == 0, "\(r.err)")
            }
        }
        let (reads, bad) = reader.stop()
        #expect(bad.count == 0, "first problems: \(bad.prefix(5))")
        #expect(killed > 0, "no run was killed mid-write")
        print("reader: \(reads) reads, \(killed) runs killed")
        // A last run retries whatever a killed run left; then every minute 0…200 has exactly one report.
        #expect(h.run(args(200), env: environment(h)).code == 0)
        try expectEveryMinuteOnce(h, out: out, start: start, killed: killed)
    }

    /// What a reader of the latest report and the alert file finds wrong in one pass over them (150 stalled rows).
    static func problems(in out: String) -> (reads: Int, bad: [String]) {
        var reads = 0, bad: [String] = []
        for file in ["\(out)/alerts.json", "\(out)/minutely/latest/stalled.csv", "\(out)/minutely/latest/definitions.csv"] {
            guard let data = FileManager.default.contents(atPath: file) else { bad.append("missing \(file)"); continue }
            reads += 1
            if data.isEmpty { bad.append("empty \(file)") }
            else if data.last != 0x0A { bad.append("truncated \(file) (\(data.count) bytes)") }
            else if file.hasSuffix(".json"), (try? JSONSerialization.jsonObject(with: data)) == nil { bad.append("truncated \(file)") }
            else if file.hasSuffix("stalled.csv"), data.filter({ $0 == 0x0A }).count != 151 { bad.append("short \(file)") }
        }
        return (reads, bad)
    }

    /// Minutes 0…200 each have one report folder and one done period in the store, the log names each at most once
    /// (a run killed between its record and its log line leaves its period out of the log: at most once per kill),
    /// and no temporary is left.
    func expectEveryMinuteOnce(_ h: CLIHarness, out: String, start: Int64, killed: Int) throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: out + "/minutely").sorted()
        let expected = (0...200).map { SchedulePeriod(start: 0, end: start + Int64($0) * 60).label }
        #expect(folders == expected + ["latest"])
        let db = try Database(path: h.dbPath)
        #expect(try db.scalar("SELECT count(DISTINCT period_end) FROM schedule_runs WHERE definition = 'minutely' AND state = 'done'")?.int == 201)
        #expect(try db.scalar("SELECT count(*) FROM schedule_runs WHERE definition = 'minutely'")?.int == 201)
        let log = try String(contentsOfFile: h.directory.path + "/generated.log", encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("minutely ") }
        let logged = Set(log.map { $0.split(separator: " ")[1] })
        #expect(logged.count == log.count && log.count >= 201 - killed, "\(log.count) lines, \(logged.count) periods, \(killed) kills")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.contains(".tmp-") }.isEmpty)
        #expect(folders.allSatisfy { !$0.contains(".tmp-") })
        let retried = try db.scalar("SELECT count(*) FROM schedule_runs WHERE attempts > 1")?.int ?? 0
        print("periods retried after a kill: \(retried)")
    }
}
