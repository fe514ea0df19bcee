import BatonCore
import Foundation
import SQLite
#if canImport(Glibc)
import Glibc
#endif

/// What the runner needs of a scheduled definition (Reporting's `ScheduleDefinition`; tests' own).
public protocol ScheduledJob: Sendable {
    /// The definition's name: the key of its run history and its report folder.
    var name: String { get }
    var cron: CronExpression { get }
    var jobKind: ScheduledJobKind { get }
}

/// A report is a folder per period, published whole and caught up period by period; an alert file is one file,
/// written for the latest due period only (older ones would be overwritten at once); so is the static site, a
/// folder swapped whole, built after the period's reports so its archive lists them.
public enum ScheduledJobKind: String, Sendable { case report, alerts, site }

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
/// (`schedule_runs`, one row per period; `schedule_attempts`, one row per attempt at it).
///
/// - Catch-up: a report definition with history runs every fire time after its latest recorded period up to now,
///   oldest first, each for its own period. With no history, only the latest due period runs. An alert definition
///   runs only its latest due period (older alert files would be overwritten at once).
/// - Exactly once: a period is claimed in a `BEGIN IMMEDIATE` transaction on the unique (definition, period_end)
///   key before it is generated. A claim whose process is gone (its pid is not alive on this host), or older than
///   `staleAfter`, is taken over: its attempt is recorded as `killed` and the period is generated again.
/// - Atomic outputs: a report is built in a temporary folder and renamed into `<out>/<name>/<label>` when complete;
///   `<out>/<name>/latest` is a symbolic link replaced atomically. Temporaries of dead runs are removed.
/// - Failure: the attempt and its error are recorded and the period is `failed` (its outputs are as before); it is
///   retried by the next run, later periods of that definition wait for it, and other definitions still run.
/// - Mail: a generated period's message (`mailMessage`) is queued in `schedule_mail` as the period is recorded, and
///   every pending message is handed off (`handOffMail`) at the end of the run; a failed hand-off stays pending.
public final class ScheduleRunner<Job: ScheduledJob> {
    /// `mailed`/`mailFailed`: a period's e-mail was handed off, or the hand-off failed (it stays pending; retried next run).
    public enum Status: String, Sendable { case generated, failed, busy, mailed, mailFailed = "mail_failed" }

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
    public var generateReport: (Job, SchedulePeriod, String) throws -> String
    /// Writes one alert file for as_of = `period.end` into the output folder (atomically); returns the paths written.
    public var generateAlerts: (Job, SchedulePeriod, String) throws -> [String]
    /// The message file to e-mail for a generated period (its outputs given), or nil when the definition sends none.
    public var mailMessage: (Job, SchedulePeriod, [String]) -> String? = { _, _, _ in nil }
    /// Hands one message file to the mail system; throws when it was not accepted.
    public var handOffMail: (Job, String) throws -> Void = { _, _ in }
    /// Builds the static site for as_of = `period.end` in the output folder; returns the paths written.
    public var generateSite: (Job, SchedulePeriod, String) throws -> [String] = { job, _, _ in
        throw ScheduleError("\(job.name): this runner does not build sites")
    }
    /// Called after each period is generated and recorded.
    public var onGenerated: (Outcome) -> Void = { _ in }

    let host = ProcessInfo.processInfo.hostName
    let pid = Int64(getpid())

    public init(db: Database, outputFolder: String,
                generateReport: @escaping (Job, SchedulePeriod, String) throws -> String,
                generateAlerts: @escaping (Job, SchedulePeriod, String) throws -> [String]) throws {
        try SchedulingSchema.migrator.migrate(db)
        self.db = db
        self.outputFolder = outputFolder
        self.generateReport = generateReport
        self.generateAlerts = generateAlerts
    }

    /// The period ending at fire time `end`.
    public func period(_ d: Job, endingAt end: Int64) -> SchedulePeriod {
        SchedulePeriod(start: d.cron.previous(atOrBefore: end - 1) ?? end, end: end)
    }

    /// The periods of `d` that are due at `now`, oldest first: new fire times, and periods whose last attempt failed
    /// or whose runner is gone.
    public func duePeriods(_ d: Job, now: Int64) throws -> [SchedulePeriod] {
        let rows = try db.rows("SELECT period_end, state, pid, host, started_at FROM schedule_runs WHERE definition = ? ORDER BY period_end", [d.name])
        let retry = rows.filter { $0.string("state") == "failed" || ($0.string("state") == "running" && isStale($0)) }
            .compactMap { $0.int("period_end") }.filter { $0 <= now }
        guard let latest = d.cron.previous(atOrBefore: now) else { return [] }
        var ends: [Int64]
        if d.jobKind != .report {
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
        staleReason(row) != nil
    }

    /// Why a `running` claim is abandoned (its process is gone, or it is older than `staleAfter`), or nil.
    func staleReason(_ row: Row) -> String? {
        let started = row.int("started_at") ?? 0
        let p = row.int("pid")
        if row.string("host") == host, let p, p != pid, !ProcessLiveness.isRunning(pid_t(p)) {
            return "killed: its runner (pid \(p) on \(host)) is gone"
        }
        if Instant.now() - started > staleAfter {
            return "abandoned: its runner (pid \(p.map(String.init) ?? "?") on \(row.string("host") ?? "?")) did not finish within \(staleAfter) s"
        }
        return nil
    }

    /// Records the attempts whose runner is gone as `killed` and their periods as `failed` (so the history tells the
    /// truth even for a period no run will retry, such as an alert file's older period); returns how many.
    @discardableResult
    public func recordAbandonedAttempts() throws -> Int {
        try db.transaction {
            var count = 0
            for row in try db.rows("SELECT id, definition, period_end, attempts, pid, host, started_at FROM schedule_runs WHERE state = 'running'") {
                guard let reason = staleReason(row), let name = row.string("definition"), let end = row.int("period_end") else { continue }
                try markAbandoned(name, end, attempt: row.int("attempts") ?? 1, pid: row.int("pid"), reason: reason)
                count += 1
            }
            return count
        }
    }

    func markAbandoned(_ name: String, _ end: Int64, attempt: Int64, pid claimPid: Int64?, reason: String) throws {
        let now = Instant.now()
        let message = "attempt \(attempt) \(reason)"
        try db.run("UPDATE schedule_runs SET state = 'failed', finished_at = ?, outcome = ?, error = ? WHERE definition = ? AND period_end = ? AND state = 'running' AND pid IS ?",
                   [now, message, message, name, end, claimPid])
        try db.run("""
            INSERT INTO schedule_attempts(definition, period_end, attempt, state, started_at, finished_at, pid, host, error)
            SELECT definition, period_end, attempts, 'killed', started_at, ?, pid, host, ? FROM schedule_runs WHERE definition = ? AND period_end = ?
            ON CONFLICT(definition, period_end, attempt) DO UPDATE SET state = 'killed', finished_at = excluded.finished_at, error = excluded.error
            WHERE schedule_attempts.state = 'running'
            """, [now, reason, name, end])
    }

    /// Claims the period for this process; false when it is done or held by a live run.
    func claim(_ d: Job, _ p: SchedulePeriod) throws -> Bool {
        try db.transaction {
            let now = Instant.now()
            if let row = try db.rows("SELECT state, attempts, pid, host, started_at FROM schedule_runs WHERE definition = ? AND period_end = ?", [d.name, p.end]).first {
                switch row.string("state") {
                case "failed": break
                case "running":
                    guard let reason = staleReason(row) else { return false }
                    try markAbandoned(d.name, p.end, attempt: row.int("attempts") ?? 1, pid: row.int("pid"), reason: reason)
                default: return false
                }
                try db.run("UPDATE schedule_runs SET state = 'running', pid = ?, host = ?, started_at = ?, finished_at = NULL, attempts = attempts + 1 WHERE definition = ? AND period_end = ?",
                           [pid, host, now, d.name, p.end])
            } else {
                try db.run("""
                    INSERT INTO schedule_runs(definition, kind, period_start, period_end, state, started_at, pid, host)
                    VALUES (?, ?, ?, ?, 'running', ?, ?, ?)
                    """, [d.name, d.jobKind.rawValue, p.start, p.end, now, pid, host])
            }
            try db.run("""
                INSERT INTO schedule_attempts(definition, period_end, attempt, state, started_at, pid, host)
                SELECT definition, period_end, attempts, 'running', started_at, pid, host FROM schedule_runs WHERE definition = ? AND period_end = ?
                ON CONFLICT(definition, period_end, attempt) DO UPDATE SET state = 'running', started_at = excluded.started_at,
                    finished_at = NULL, pid = excluded.pid, host = excluded.host, error = NULL
                """, [d.name, p.end])
            return true
        }
    }

    func finish(_ d: Job, _ p: SchedulePeriod, outputs: [String], message: String) throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: outputs, options: [.withoutEscapingSlashes]), as: UTF8.self)
        try db.transaction {
            let now = Instant.now()
            try db.run("UPDATE schedule_runs SET state = 'done', finished_at = ?, outcome = ?, outputs = ?, error = NULL WHERE definition = ? AND period_end = ? AND pid = ?",
                       [now, message, json, d.name, p.end, pid])
            try db.run("""
                UPDATE schedule_attempts SET state = 'done', finished_at = ? WHERE definition = ? AND period_end = ? AND pid = ? AND state = 'running'
                """, [now, d.name, p.end, pid])
            // In the same transaction: a period recorded as done always has its e-mail queued.
            if let mail = mailMessage(d, p, outputs) { try queueMail(d, p, message: mail) }
        }
    }

    /// Records a failed attempt: the period stays due (state `failed`) with the error, outputs as before.
    func fail(_ d: Job, _ p: SchedulePeriod, error: String) {
        let line = error.replacingOccurrences(of: "\n", with: " ")
        try? db.transaction {
            let now = Instant.now()
            let attempt = try db.scalar("SELECT attempts FROM schedule_runs WHERE definition = ? AND period_end = ? AND pid = ?", [d.name, p.end, pid])?.int ?? 1
            try db.run("UPDATE schedule_runs SET state = 'failed', finished_at = ?, outcome = ?, error = ? WHERE definition = ? AND period_end = ? AND pid = ? AND state = 'running'",
                       [now, "attempt \(attempt) failed: \(line)", line, d.name, p.end, pid])
            try db.run("""
                UPDATE schedule_attempts SET state = 'failed', finished_at = ?, error = ? WHERE definition = ? AND period_end = ? AND pid = ? AND state = 'running'
                """, [now, line, d.name, p.end, pid])
        }
    }

    /// Removes temporaries left by killed runs in the output folder and each report's folder.
    public func removeStaleTemporaries(_ definitions: [Job]) {
        AtomicFile.removeStaleTemporaries(in: outputFolder)
        for d in definitions where d.jobKind == .report {
            AtomicFile.removeStaleTemporaries(in: outputFolder + "/" + d.name)
        }
    }

    /// Runs every due period of every definition; returns what happened, in order.
    public func run(_ definitions: [Job], now: Int64) throws -> [Outcome] {
        removeStaleTemporaries(definitions)
        try recordAbandonedAttempts()
        var outcomes: [Outcome] = []
        // Sites last, so a site built in this run lists the reports this run wrote.
        for d in definitions.filter({ $0.jobKind != .site }) + definitions.filter({ $0.jobKind == .site }) {
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
                    fail(d, p, error: "\(error)")
                    outcomes.append(Outcome(definition: d.name, period: p, status: .failed, outputs: [], message: "\(error)"))
                    break  // later periods wait, so the failed one stays due (it is older than anything recorded)
                }
            }
        }
        return outcomes + (try deliverMail(definitions))
    }

    func generate(_ d: Job, _ p: SchedulePeriod) throws -> ([String], String) {
        switch d.jobKind {
        case .alerts:
            try AtomicFile.makeFolders(outputFolder)
            return (try generateAlerts(d, p, outputFolder), "alerts as of \(Instant.iso(p.end))")
        case .site:
            try AtomicFile.makeFolders(outputFolder)
            return (try generateSite(d, p, outputFolder), "site as of \(Instant.iso(p.end))")
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
}
