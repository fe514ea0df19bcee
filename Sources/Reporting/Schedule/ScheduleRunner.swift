import Foundation
import SQLite
#if canImport(Glibc)
import Glibc
#endif

/// One period of a scheduled definition: [start, end), where `end` is a fire time (and the run's as_of) and
/// `start` the fire time before it.
public struct SchedulePeriod: Sendable, Equatable, Hashable {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) { self.start = start; self.end = end }

    /// The folder name of a report for this period: the fire time, e.g. `2026-11-23T0600Z` (sorts by time).
    public var label: String {
        let c = Instant.civil(end)
        return String(format: "%04d-%02d-%02dT%02d%02dZ", c.year, c.month, c.day, c.hour, c.minute)
    }
}

/// Runs the scheduled definitions that are due, each period exactly once, and records the run history in the store
/// (`schedule_runs`).
///
/// - Catch-up: a report definition with history runs every fire time after its latest recorded period up to now,
///   oldest first, each for its own period. With no history, only the latest due period runs. An alert definition
///   runs only its latest due period (older alert files would be overwritten at once).
/// - Exactly once: a period is claimed in a `BEGIN IMMEDIATE` transaction on the unique (definition, period_end)
///   key before it is generated. A claim whose process is dead, or older than `staleAfter`, is taken over.
/// - Atomic outputs: a report is built in a temporary folder and renamed into `<out>/<name>/<label>` when complete;
///   `<out>/<name>/latest` is a symbolic link replaced atomically. Temporaries of dead runs are removed.
/// - Failure: the claim is removed (the store is as before), later periods of that definition wait for the next
///   run, and other definitions still run.
public final class ScheduleRunner {
    public enum Status: String, Sendable { case generated, failed, busy }

    public struct Outcome: Sendable {
        public var definition: String
        public var period: SchedulePeriod
        public var status: Status
        public var outputs: [String]
        public var message: String
    }

    public let db: Database
    public let outputFolder: String
    /// A claim older than this (seconds) is considered abandoned even when its pid seems alive.
    public var staleAfter: Int64 = 3600
    /// The most periods one definition catches up in one run (the oldest are run first; the rest next time).
    public var maximumCatchUp = 500
    /// Writes one report for `period` into `folder` (a temporary folder that is published when this returns) and
    /// says what it covered (e.g. its window).
    public var generateReport: (ScheduleDefinition, SchedulePeriod, String) throws -> String
    /// Writes one alert file for as_of = `period.end` into the output folder (atomically); returns the paths written.
    public var generateAlerts: (ScheduleDefinition, SchedulePeriod, String) throws -> [String]
    /// Called after each period is generated and recorded.
    public var onGenerated: (Outcome) -> Void = { _ in }

    let host = ProcessInfo.processInfo.hostName
    let pid = Int64(getpid())

    public init(db: Database, outputFolder: String,
                generateReport: @escaping (ScheduleDefinition, SchedulePeriod, String) throws -> String,
                generateAlerts: @escaping (ScheduleDefinition, SchedulePeriod, String) throws -> [String]) {
        self.db = db
        self.outputFolder = outputFolder
        self.generateReport = generateReport
        self.generateAlerts = generateAlerts
    }

    /// The period ending at fire time `end`.
    public func period(_ d: ScheduleDefinition, endingAt end: Int64) -> SchedulePeriod {
        SchedulePeriod(start: d.cron.previous(atOrBefore: end - 1) ?? end, end: end)
    }

    /// The periods of `d` that are due at `now`, oldest first.
    public func duePeriods(_ d: ScheduleDefinition, now: Int64) throws -> [SchedulePeriod] {
        let rows = try db.rows("SELECT period_end, state, pid, host, started_at FROM schedule_runs WHERE definition = ? ORDER BY period_end", [d.name])
        let retry = rows.filter { $0.string("state") == "running" && isStale($0) }.compactMap { $0.int("period_end") }.filter { $0 <= now }
        guard let latest = d.cron.previous(atOrBefore: now) else { return [] }
        var ends: [Int64]
        if d.kind == .alerts {
            let recorded = rows.first { $0.int("period_end") == latest }
            ends = recorded == nil || retry.contains(latest) ? [latest] : []
        } else if let anchor = rows.compactMap({ $0.int("period_end") }).max() {
            ends = Array(Set(retry + d.cron.fireTimes(after: anchor, through: now))).sorted()
        } else {
            ends = [latest]
        }
        return ends.prefix(maximumCatchUp).map { period(d, endingAt: $0) }
    }

    func isStale(_ row: Row) -> Bool {
        let started = row.int("started_at") ?? 0
        if Instant.now() - started > staleAfter { return true }
        if row.string("host") == host, let p = row.int("pid") {
            return p != pid && !ProcessLiveness.isRunning(pid_t(p))
        }
        return false
    }

    /// Claims the period for this process; false when it is done or held by a live run.
    func claim(_ d: ScheduleDefinition, _ p: SchedulePeriod) throws -> Bool {
        try db.transaction {
            let now = Instant.now()
            if let row = try db.rows("SELECT state, pid, host, started_at FROM schedule_runs WHERE definition = ? AND period_end = ?", [d.name, p.end]).first {
                guard row.string("state") == "running", isStale(row) else { return false }
                try db.run("UPDATE schedule_runs SET pid = ?, host = ?, started_at = ?, attempts = attempts + 1 WHERE definition = ? AND period_end = ?",
                           [pid, host, now, d.name, p.end])
                return true
            }
            try db.run("""
                INSERT INTO schedule_runs(definition, kind, period_start, period_end, state, started_at, pid, host)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?)
                """, [d.name, d.kind.rawValue, p.start, p.end, now, pid, host])
            return true
        }
    }

    func finish(_ d: ScheduleDefinition, _ p: SchedulePeriod, outputs: [String], message: String) throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: outputs, options: [.withoutEscapingSlashes]), as: UTF8.self)
        try db.run("UPDATE schedule_runs SET state = 'done', finished_at = ?, outcome = ?, outputs = ? WHERE definition = ? AND period_end = ? AND pid = ?",
                   [Instant.now(), message, json, d.name, p.end, pid])
    }

    func release(_ d: ScheduleDefinition, _ p: SchedulePeriod) {
        try? db.run("DELETE FROM schedule_runs WHERE definition = ? AND period_end = ? AND pid = ? AND state = 'running'", [d.name, p.end, pid])
    }

    /// Removes temporaries left by killed runs in the output folder and each report's folder.
    public func removeStaleTemporaries(_ definitions: [ScheduleDefinition]) {
        AtomicFile.removeStaleTemporaries(in: outputFolder)
        for d in definitions where d.kind == .report {
            AtomicFile.removeStaleTemporaries(in: outputFolder + "/" + d.name)
        }
    }

    /// Runs every due period of every definition; returns what happened, in order.
    public func run(_ definitions: [ScheduleDefinition], now: Int64) throws -> [Outcome] {
        removeStaleTemporaries(definitions)
        var outcomes: [Outcome] = []
        for d in definitions {
            for p in try duePeriods(d, now: now) {
                guard try claim(d, p) else {
                    outcomes.append(Outcome(definition: d.name, period: p, status: .busy, outputs: [], message: "claimed by another run"))
                    continue
                }
                do {
                    let (outputs, message) = try generate(d, p)
                    try finish(d, p, outputs: outputs, message: message)
                    let outcome = Outcome(definition: d.name, period: p, status: .generated, outputs: outputs, message: message)
                    outcomes.append(outcome)
                    onGenerated(outcome)
                } catch {
                    release(d, p)
                    outcomes.append(Outcome(definition: d.name, period: p, status: .failed, outputs: [], message: "\(error)"))
                    break  // later periods wait, so the failed one stays due (it is older than anything recorded)
                }
            }
        }
        return outcomes
    }

    func generate(_ d: ScheduleDefinition, _ p: SchedulePeriod) throws -> ([String], String) {
        switch d.kind {
        case .alerts:
            try AtomicFile.makeFolders(outputFolder)
            return (try generateAlerts(d, p, outputFolder), "alerts as of \(Instant.iso(p.end))")
        case .report:
            let folder = outputFolder + "/" + d.name
            let final = folder + "/" + p.label
            var message = "report as of \(Instant.iso(p.end))"
            if FileManager.default.fileExists(atPath: final) {
                // An earlier attempt published the folder and was killed before recording it: the report is complete.
                message += " (found complete from an earlier attempt)"
            } else {
                try AtomicFile.publishFolder(at: final) { temp in
                    let covered = try generateReport(d, p, temp)
                    if !covered.isEmpty { message += ", " + covered }
                }
            }
            try updateLatest(folder: folder, label: p.label)
            return ([final], message)
        }
    }

    /// Points `<folder>/latest` at `label` unless it already points at a later period.
    func updateLatest(folder: String, label: String) throws {
        let link = folder + "/latest"
        if let current = try? FileManager.default.destinationOfSymbolicLink(atPath: link), current > label { return }
        try AtomicFile.replaceSymlink(link, pointingTo: label)
    }

    /// The run history, newest first (for `baton schedule list` and tests).
    public func history(limit: Int = 1000) throws -> [Row] {
        try db.rows("""
            SELECT definition, kind, iso(period_start) AS period_start, iso(period_end) AS period_end, state, iso(started_at) AS started,
                   iso(finished_at) AS finished, attempts, outcome, outputs
            FROM schedule_runs ORDER BY period_end DESC, definition LIMIT ?
            """, [limit])
    }
}

/// An exclusive lock on a file next to the store, held while `baton schedule run` works, so overlapping cron
/// invocations queue instead of racing. The kernel releases it when the process dies (even by SIGKILL).
public final class ScheduleLock {
    let fd: Int32
    public let path: String

    /// Takes the lock, waiting up to `waitSeconds`; nil when another process still holds it.
    public static func acquire(path: String, waitSeconds: Double) throws -> ScheduleLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: "open the lock file", errno: errno) }
        let deadline = Date().addingTimeInterval(waitSeconds)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                return nil
            }
            usleep(20_000)
        }
        return ScheduleLock(fd: fd, path: path)
    }

    init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
