import BatonCore
import Foundation
import SQLite
#if canImport(Glibc)
import Glibc
#endif

/// What the store records of scheduled runs (`schedule_runs`, `schedule_attempts`), as `baton schedule list` and
/// `baton schedule history` show it. A `running` row whose process is gone from this host is shown as it really
/// stands (see `truthful`).
public struct ScheduleHistory {
    let db: Database

    public init(db: Database) throws {
        try SchedulingSchema.migrator.migrate(db)
        self.db = db
    }

    /// The latest recorded period of `definition` (period_end, state, finished_at as instants), or nil.
    public func lastRun(of definition: String) throws -> Row? {
        try db.rows("SELECT period_end, state, finished_at FROM schedule_runs WHERE definition = ? ORDER BY period_end DESC LIMIT 1",
                    [definition]).first
    }

    /// Refuses a definition name with no recorded run, suggesting a close one that has.
    public func requireRuns(of definition: String) throws {
        guard try db.scalar("SELECT 1 FROM schedule_runs WHERE definition = ? LIMIT 1", [definition]) == nil else { return }
        let known = try db.rows("SELECT DISTINCT definition FROM schedule_runs").compactMap { $0.string("definition") }
        throw ScheduleError("no scheduled run of '\(definition)' in the store\(Suggest.didYouMean(definition, in: known))")
    }

    /// One row per period, newest first (all definitions when `definition` is nil); a period whose runner is gone
    /// shows as `failed`. `mail`: the period's e-mail, `sent (N hand-offs)` or `pending (N hand-offs): last error`.
    public func periods(definition: String?, limit: Int) throws -> [Row] {
        try db.rows("""
            SELECT definition, kind, iso(period_start) AS period_start, iso(period_end) AS period_end, state, attempts,
                   iso(started_at) AS started_at, iso(finished_at) AS finished_at, finished_at - started_at AS seconds,
                   outcome, error, outputs, pid, host,
                   (SELECT m.state || ' (' || m.attempts || ' hand-off' || CASE m.attempts WHEN 1 THEN '' ELSE 's' END || ')'
                           || CASE WHEN m.state = 'pending' AND m.error IS NOT NULL THEN ': ' || m.error ELSE '' END
                    FROM schedule_mail m WHERE m.definition = schedule_runs.definition AND m.period_end = schedule_runs.period_end) AS mail
            FROM schedule_runs WHERE ?1 IS NULL OR definition = ?1
            ORDER BY period_end DESC, definition LIMIT ?2
            """, [definition, limit]).map { Self.truthful($0, running: "running", gone: "failed") }
    }

    /// One row per attempt, newest period first (all definitions when `definition` is nil); an attempt whose runner
    /// is gone shows as `killed`.
    public func attempts(definition: String?, limit: Int) throws -> [Row] {
        try db.rows("""
            SELECT definition, iso(period_end) AS period_end, attempt, state, iso(started_at) AS started_at,
                   iso(finished_at) AS finished_at, finished_at - started_at AS seconds, pid, host, error
            FROM schedule_attempts WHERE ?1 IS NULL OR definition = ?1
            ORDER BY period_end DESC, definition, attempt DESC LIMIT ?2
            """, [definition, limit]).map { Self.truthful($0, running: "running", gone: "killed") }
    }

    /// A history row as it really stands: a `running` row whose process is gone from this host says so.
    static func truthful(_ row: Row, running: String, gone: String) -> Row {
        guard row.string("state") == running, row.string("host") == ProcessInfo.processInfo.hostName,
              let pid = row.int("pid"), pid != Int64(getpid()), !ProcessLiveness.isRunning(pid_t(pid)) else { return row }
        var values = row.values
        let note = "its runner (pid \(pid)) is gone; the next run retries it"
        if let i = row.columns.firstIndex(of: "state") { values[i] = .text(gone) }
        if let i = row.columns.firstIndex(of: "error"), values[i].isNull { values[i] = .text(note) }
        return Row(columns: row.columns, values: values)
    }
}
