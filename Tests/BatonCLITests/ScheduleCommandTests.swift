import Foundation
import Testing
@testable import BatonCLI
import SQLite

@Suite(.serialized) struct ScheduleCommandTests {
    static var binaryAvailable: Bool { FileManager.default.isExecutableFile(atPath: CLIHarness.batonBinary.path) }

    func environment(_ h: CLIHarness) -> [String: String] {
        ["BATON_DB": h.dbPath, "PATH": "/usr/bin:/bin", "BATON_QUERIES": CLIHarness.packageRoot.appendingPathComponent("queries").path]
    }

    @Test func listAndCrontab() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.prom"}"#)
        _ = try h.write("reports/adhoc.json", #"{"title": "no schedule"}"#)
        let now = ["--now", "2026-03-10T12:05:00Z"]
        let list = h.run(["schedule", "list", "--format", "csv"] + now)
        #expect(list.out.replacingOccurrences(of: "\r\n", with: "\n") == "definition,kind,schedule,timezone,next_fire,last_period,last_state,last_finished,due\nalerts,alerts,*/10 * * * *,UTC,2026-03-10T12:10:00Z,,,,1\n")
        let run = h.run(["schedule", "run"] + now)
        #expect(run.code == 0, "\(run.err)")
        #expect(run.out.hasPrefix("alerts 2026-03-10T1200Z: alerts as of 2026-03-10T12:00:00Z -> \(h.directory.path)/out/alerts.prom"))
        #expect(try String(contentsOfFile: h.directory.path + "/out/alerts.prom", encoding: .utf8).contains("baton_alerts_as_of_timestamp_seconds 1773144000\n"))
        let after = h.run(["schedule", "list", "--format", "csv"] + now)
        #expect(after.out.range(of: #",2026-03-10T12:00:00Z,done,20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ,0\r?\n$"#, options: .regularExpression) != nil, "\(after.out)")
        #expect(h.run(["schedule", "run"] + now).out.isEmpty)  // nothing due
        let cron = h.run(["schedule", "crontab", "--every", "10"])
        #expect(cron.out.contains("*/10 * * * * "))
        #expect(cron.out.contains("--db \(h.dbPath) schedule run --reports \(h.directory.path)/reports --out \(h.directory.path)/out"))
        #expect(h.run(["schedule", "crontab", "--every", "0"]).code == 64)
    }

    @Test func anUnwritableOutputFolderFailsAndLeavesTheStore() throws {
        let h = try CLIHarness().alertStore(stalled: 1)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json"}"#)
        _ = try h.write("plain", "a file, not a folder")
        let before = try h.fingerprint()
        let r = h.run(["schedule", "run", "--out", "plain/out", "--now", "2026-03-10T12:05:00Z"])
        #expect(r.code == 1)
        #expect(r.err.contains("Error: alerts 2026-03-10T1200Z:") && r.err.contains("Not a directory"), "\(r.err)")
        #expect(try h.fingerprint() == before)
        #expect(h.run(["schedule", "run", "--now", "2026-03-10T12:05:00Z"]).code == 0)  // retried once the folder is fine
    }

    /// 10 `baton schedule run` processes at once, 20 times: each period is generated exactly once.
    @Test(.enabled(if: binaryAvailable, "needs .build/debug/baton (swift build)"))
    func overlappingRunsGenerateEachPeriodOnce() throws {
        let h = try CLIHarness().alertStore(stalled: 3)
        try FileManager.default.createDirectory(at: h.directory.appendingPathComponent("reports"), withIntermediateDirectories: true)
        _ = try h.write("reports/alerts.json", #"{"kind": "alerts", "schedule": "*/10 * * * *", "out": "alerts.json"}"#)
        let log = h.directory.path + "/generated.log"
        let start = Instant.parse("2026-03-10T12:05:00Z")!
        var codes: [Int32] = []
        for round in 0..<20 {
            let now = Instant.iso(start + Int64(round) * 600)
            let processes = try (0..<10).map { _ -> Process in
                let p = Process()
                p.executableURL = CLIHarness.batonBinary
                p.arguments = ["schedule", "run", "--now", now, "--reports", h.directory.path + "/reports", "--out", h.directory.path + "/out", "--log", log]
                p.environment = environment(h)
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                return p
            }
            for p in processes { p.waitUntilExit(); codes.append(p.terminationStatus) }
        }
        #expect(codes.allSatisfy { $0 == 0 || $0 == ScheduleCommands.busyExitCode })
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { String($0.split(separator: " ")[1]) }
        let expected = (0..<20).map { Instant.iso(start - 300 + Int64($0) * 600) }
        #expect(lines == expected)  // one generation per period, in order
        let db = try Database(path: h.dbPath)
        #expect(try db.scalar("SELECT count(*) FROM schedule_runs WHERE state = 'done' AND attempts = 1")?.int == 20)
    }

    /// A reader polls the alert file while 200 regenerations run, every fifth killed with SIGKILL part-way:
    /// it never sees a missing, empty or truncated file, and no temporary is left once a run completes.
    @Test(.enabled(if: binaryAvailable, "needs .build/debug/baton (swift build)"))
    func readersNeverSeeAPartialAlertFile() throws {
        let h = try CLIHarness().alertStore(stalled: 400)   // about 150 KB of JSON
        let path = h.directory.path + "/alerts.json"
        #expect(h.run(["alerts", "--out", path, "--as-of", CLIHarness.alertsAsOf]).code == 0)
        final class Flag: @unchecked Sendable { var stop = false; var reads = 0; var bad: [String] = [] }
        let flag = Flag()
        let reader = Thread {
            while !flag.stop {
                guard let data = FileManager.default.contents(atPath: path) else { flag.bad.append("missing"); continue }
                flag.reads += 1
                if data.isEmpty { flag.bad.append("empty"); continue }
                if (try? JSONSerialization.jsonObject(with: data)) == nil || data.last != 0x0A { flag.bad.append("truncated (\(data.count) bytes)") }
            }
        }
        reader.start()
        var killed = 0
        for i in 0..<200 {
            let p = Process()
            p.executableURL = CLIHarness.batonBinary
            p.arguments = ["alerts", "--out", path, "--as-of", Instant.iso(Instant.parse(CLIHarness.alertsAsOf)! + Int64(i) * 60)]
            p.environment = environment(h)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            if i % 5 == 4 {
                usleep(UInt32.random(in: 5_000...60_000))
                if p.isRunning { kill(p.processIdentifier, SIGKILL); killed += 1 }
            }
            p.waitUntilExit()
        }
        flag.stop = true
        while reader.isExecuting { usleep(1000) }
        #expect(flag.bad.count == 0, "first problems: \(flag.bad.prefix(5))")
        #expect(flag.reads > 100)
        print("reader: \(flag.reads) reads, \(killed) runs killed")
        #expect(h.run(["alerts", "--out", path, "--as-of", CLIHarness.alertsAsOf]).code == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: h.directory.path).filter { $0.contains(".tmp-") }.isEmpty)
    }
}
