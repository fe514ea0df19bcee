import BatonCore
import SQLite

/// The read views people use every day: the requester's ticket view, a team's queue, the manager's open work.
extension OrchestrationStore {
    /// The requester's view of one ticket: the header and one row per step run.
    public struct TicketView: Sendable {
        public var ticket: TicketState
        public var serviceName: String
        public var columns: [String]
        public var rows: [[SQLValue]]
    }

    public func ticketView(_ id: String, now: Int64 = Instant.now()) throws -> TicketView {
        guard let t = try loadTicket(id) else { throw try noTicket(id) }
        let service = try self.service(t.service, version: t.serviceVersion)
        let columns = ["step", "name", "team", "attempt", "state", "since", "age_hours", "by", "tasks"]
        var rows: [[SQLValue]] = []
        for r in t.runs {
            let def = service?.definition.step(r.step)
            let since: Int64?
            switch r.state {
            case .waiting: since = nil
            case .ready: since = r.readyAt
            case .active: since = r.startedAt
            case .paused: since = r.pauses.last?.pausedAt
            case .done, .skipped, .cancelled: since = r.doneAt
            }
            let age: SQLValue = r.isOpen ? .real(Double(now - (r.readyAt ?? now)) / 3600) : .null
            let allTasks = def?.tasks ?? []
            let done = t.tasks.filter { $0.step == r.step }.map(\.task)
            let tasks = allTasks.isEmpty ? "" : allTasks.map { done.contains($0) ? "[x] \($0)" : "[ ] \($0)" }.joined(separator: "; ")
            rows.append([.text(r.step), .text(def?.name ?? r.step), r.team.map(SQLValue.text) ?? .null, .integer(Int64(r.attempt)),
                         .text(r.state.rawValue), since.map { .text(Instant.iso($0)) } ?? .null, age,
                         r.actor.map(SQLValue.text) ?? .null, .text(tasks)])
        }
        return TicketView(ticket: t, serviceName: service?.definition.name ?? t.service, columns: columns, rows: rows)
    }

    /// A ticket's audit trail: every event recorded for it, in the order they apply (time, then arrival), with who
    /// did it, from where (`cli`, an import's file), the team it names, the task and the note.
    public func ticketHistory(_ id: String) throws -> [Row] {
        let rows = try db.rows("""
            SELECT at, step, kind, actor, source, team, task, note FROM events
            WHERE ticket_id = ? ORDER BY at, id
            """, [id])
        if rows.isEmpty { throw try noTicket(id) }
        return rows
    }

    /// "no ticket 'T-1O01'; did you mean 'T-1001'?" over the most recent tickets.
    private func noTicket(_ id: String) throws -> ActionRefused {
        let ids = try db.rows("SELECT id FROM tickets ORDER BY opened_at DESC LIMIT 2000").compactMap { $0.string("id") }
        return ActionRefused("no ticket '\(id)'\(Suggest.didYouMean(id, in: ids))")
    }

    /// A team's queue: its ready, active and paused step runs, oldest first, with their age in hours.
    public func queue(team: String, now: Int64 = Instant.now()) throws -> [Row] {
        let known = try db.scalar("SELECT 1 FROM teams WHERE key = ?", [team]) != nil
            || (try db.scalar("SELECT 1 FROM step_runs WHERE team = ? LIMIT 1", [team])) != nil
        if !known {
            let teams = try teamKeys()
            throw ActionRefused("no team '\(team)'\(Suggest.didYouMean(team, in: teams))")
        }
        return try db.rows("""
            SELECT r.ticket_id, t.title, r.service, r.step, r.state, iso(r.ready_at) AS ready_at,
                   (? - r.ready_at) / 3600.0 AS age_hours, r.actor AS by
            FROM step_runs r JOIN tickets t ON t.id = r.ticket_id
            WHERE r.team = ? AND (r.state = 'ready' OR r.state = 'active' OR r.state = 'paused') AND t.state = 'open'   -- step_runs_open's condition
            ORDER BY r.ready_at, r.ticket_id
            """, [now, team])
    }

    /// The manager's view: open tickets grouped by service and current step, with counts and ages.
    ///
    /// A ticket with no step run open has no owner: `(between steps)` in a service created by an import (no declared
    /// next step; it waits until its log shows one), `(all steps done, not closed)` in a defined service whose runs are
    /// all done or skipped, `(no step ready)` in a defined one with a step still waiting. Their age counts from
    /// since when they wait (the latest done_at among their runs, else the opening), every other ticket's from its
    /// opening; `age_from` says which (`opened` or `last step done`).
    public func openWork(now: Int64 = Instant.now()) throws -> [Row] {
        try db.rows("""
            WITH current AS (
                SELECT t.id, t.service, t.opened_at, s.origin,
                       (SELECT r.step FROM step_runs r WHERE r.ticket_id = t.id AND r.state IN ('ready','active','paused')
                        ORDER BY coalesce(r.position, 1e9), r.ready_at LIMIT 1) AS step
                FROM tickets t LEFT JOIN services s ON s.key = t.service AND s.version = t.service_version
                WHERE t.state = 'open'
            ),
            labelled AS (
                SELECT c.service,
                       CASE WHEN c.step IS NOT NULL THEN c.step
                            WHEN coalesce(c.origin, 'log') <> 'definition' THEN '(between steps)'
                            WHEN EXISTS (SELECT 1 FROM step_runs r WHERE r.ticket_id = c.id AND r.state = 'waiting') THEN '(no step ready)'
                            ELSE '(all steps done, not closed)' END AS current_step,
                       CASE WHEN c.step IS NOT NULL THEN c.opened_at
                            ELSE coalesce((SELECT max(r.done_at) FROM step_runs r WHERE r.ticket_id = c.id), c.opened_at) END AS since,
                       CASE WHEN c.step IS NOT NULL THEN 'opened' ELSE 'last step done' END AS age_from
                FROM current c
            )
            SELECT service, current_step, count(*) AS tickets,
                   (? - min(since)) / 3600.0 AS oldest_age_hours,
                   median((? - since) / 3600.0) AS median_age_hours,
                   age_from
            FROM labelled GROUP BY service, current_step, age_from ORDER BY service, tickets DESC, current_step
            """, [now, now])
    }

    /// The import history: every import run to its end (not dry runs), newest first (at most `limit`).
    public func importHistory(limit: Int = 50) throws -> [Row] {
        try db.rows("""
            SELECT id, file, format, profile, iso(started_at) AS started_at, rows_read, tickets_new, tickets_updated,
                   events_added, duplicates, rejected, seconds
            FROM imports ORDER BY id DESC LIMIT ?
            """, [limit])
    }
}
