import BatonCore
import Foundation
import SQLite

/// The one writer of events and projections (`tickets`, `step_runs`, `step_pauses`, `step_reassignments`,
/// `ticket_tasks`): it owns their INSERT statements and the column list of each table, so a new column is added
/// here (its column name and its bind, side by side) and in `StoreSchema`, and nowhere else. The state machine's
/// callers write through it: `OrchestrationStore.record` and `rebuild`, and the importer (on the connection its
/// writer thread owns).
///
/// Statements are prepared once per writer. Events and step runs are buffered and
/// written `batchSize` rows per INSERT, values bound one by one without per-row arrays or SQL lookups: the hot
/// path of a large import. Call `flush()` before anything reads `events` or `step_runs` back. It runs in the
/// caller's transaction; it opens none of its own.
final class ProjectionWriter {
    static let batchSize = 64

    private let db: Database
    private let event, events, newTicket, replacedTicket, run, runs, pause, reassignment, task: Statement
    private let deletes: [Statement]
    private var pendingEvents: [Event] = []
    private var pendingRuns: [(ticket: String, service: String, version: Int, run: TicketState.Run)] = []

    init(db: Database) throws {
        self.db = db
        func insert(_ table: String, _ columns: [String], rows: Int = 1, verb: String = "INSERT", suffix: String = "") throws -> Statement {
            let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
            let values = Array(repeating: row, count: rows).joined(separator: ",")
            return try db.prepare("\(verb) INTO \(table)(\(columns.joined(separator: ", "))) VALUES \(values)\(suffix)")
        }
        event = try insert("events", Self.eventColumns, verb: "INSERT OR IGNORE")
        events = try insert("events", Self.eventColumns, rows: Self.batchSize, verb: "INSERT OR IGNORE")
        newTicket = try insert("tickets", Self.ticketColumns)
        // A ticket the store has is updated in place (events refer to it by id).
        replacedTicket = try insert("tickets", Self.ticketColumns, suffix: " ON CONFLICT(id) DO UPDATE SET "
            + Self.ticketColumns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        run = try insert("step_runs", Self.runColumns)
        runs = try insert("step_runs", Self.runColumns, rows: Self.batchSize)
        pause = try insert("step_pauses", ["run_id", "paused_at", "resumed_at"])
        reassignment = try insert("step_reassignments", ["run_id", "at", "from_team", "to_team"])
        task = try insert("ticket_tasks", ["ticket_id", "step", "task", "done_at", "actor"])
        // A replaced ticket's runs (with their pauses and reassignments) and checklist go before it is written again.
        deletes = try [
            "DELETE FROM step_pauses WHERE run_id IN (SELECT id FROM step_runs WHERE ticket_id = ?)",
            "DELETE FROM step_reassignments WHERE run_id IN (SELECT id FROM step_runs WHERE ticket_id = ?)",
            "DELETE FROM step_runs WHERE ticket_id = ?",
            "DELETE FROM ticket_tasks WHERE ticket_id = ?",
        ].map(db.prepare)
        pendingEvents.reserveCapacity(Self.batchSize)
        pendingRuns.reserveCapacity(Self.batchSize)
    }

    // MARK: columns

    /// `events`, in bind order (`bindEvent`).
    static let eventColumns = ["ticket_id", "step", "kind", "at", "actor", "source", "team", "task", "note", "service",
                               "service_version", "payload"]

    private func bindEvent(_ e: Event, _ s: Statement, _ o: Int32) throws {
        try text(s, o + 1, e.ticketID); try text(s, o + 2, e.step); try text(s, o + 3, e.kind.rawValue); try int(s, o + 4, e.at)
        try text(s, o + 5, e.actor); try text(s, o + 6, e.source); try text(s, o + 7, e.team); try text(s, o + 8, e.task)
        try text(s, o + 9, e.note); try text(s, o + 10, e.service); try int(s, o + 11, e.serviceVersion.map(Int64.init))
        try text(s, o + 12, e.payloadJSON)
    }

    /// `tickets`, in bind order (`bindTicket`).
    static let ticketColumns = ["id", "service", "service_version", "requester", "title", "intake", "state", "opened_at",
                                "closed_at", "cancelled_at", "last_event_at"]

    private func bindTicket(_ t: TicketState, openedAt: Int64, _ s: Statement) throws {
        let intake = t.intake.isEmpty ? "{}" : String(decoding: try JSONEncoder.sorted.encode(t.intake), as: UTF8.self)
        try text(s, 1, t.id); try text(s, 2, t.service); try int(s, 3, Int64(t.serviceVersion)); try text(s, 4, t.requester)
        try text(s, 5, t.title); try text(s, 6, intake); try text(s, 7, t.state.rawValue); try int(s, 8, openedAt)
        try int(s, 9, t.closedAt); try int(s, 10, t.cancelledAt); try int(s, 11, t.lastEventAt)
    }

    /// `step_runs` as written, in bind order (`bindRun`). `OrchestrationStore.loadTicket` reads the same columns
    /// back (`run(from:)`), besides the row id.
    static let runColumns = ["ticket_id", "service", "step", "team", "position", "attempt", "state", "ready_at", "started_at",
                             "done_at", "paused_seconds", "actor", "known_at", "reassignments", "team_since", "service_version"]

    private func bindRun(_ ticket: String, _ service: String, _ version: Int, _ r: TicketState.Run, _ s: Statement, _ o: Int32) throws {
        try text(s, o + 1, ticket); try text(s, o + 2, service); try text(s, o + 3, r.step); try text(s, o + 4, r.team)
        try int(s, o + 5, r.position.map(Int64.init)); try int(s, o + 6, Int64(r.attempt)); try text(s, o + 7, r.state.rawValue)
        try int(s, o + 8, r.readyAt); try int(s, o + 9, r.startedAt); try int(s, o + 10, r.doneAt); try int(s, o + 11, r.pausedSeconds)
        try text(s, o + 12, r.actor); try int(s, o + 13, r.knownAt); try int(s, o + 14, Int64(r.reassignments.count))
        try int(s, o + 15, r.reassignments.last?.at); try int(s, o + 16, Int64(version))
    }

    /// A run as `loadTicket` reads it back (pauses and reassignments are read from their own tables).
    static func run(from r: Row) -> TicketState.Run {
        .init(step: r.string("step") ?? "", team: r.string("team"), position: r.int("position").map { Int($0) },
              attempt: Int(r.int("attempt") ?? 1), state: TicketState.RunState(rawValue: r.string("state") ?? "waiting") ?? .waiting,
              readyAt: r.int("ready_at"), startedAt: r.int("started_at"), doneAt: r.int("done_at"),
              pausedSeconds: r.int("paused_seconds") ?? 0, actor: r.string("actor"), knownAt: r.int("known_at"))
    }

    private func text(_ s: Statement, _ i: Int32, _ v: String?) throws { try s.bindText(v, at: i) }
    private func int(_ s: Statement, _ i: Int32, _ v: Int64?) throws { try s.bindInteger(v, at: i) }

    // MARK: events

    /// Appends a ticket's events (an `opened` event carries its title and requester as payload when the log gives
    /// them). Full 64-row batches are bound straight from `events`; what is left waits in `pendingEvents`.
    func insert(_ events: [Event]) throws {
        var i = 0
        while !pendingEvents.isEmpty && i < events.count {
            pendingEvents.append(events[i])
            i += 1
            if pendingEvents.count == Self.batchSize { try flushEvents() }
        }
        while events.count - i >= Self.batchSize {
            for k in 0..<Self.batchSize { try bindEvent(events[i + k], self.events, Int32(k * Self.eventColumns.count)) }
            try self.events.execute()
            i += Self.batchSize
        }
        if i < events.count { pendingEvents.append(contentsOf: events[i...]) }
    }

    /// Appends one event now (after the buffered ones); false when an identical one (same ticket, step, kind,
    /// instant and task) is already stored.
    func insertEvent(_ e: Event) throws -> Bool {
        try flushEvents()
        try bindEvent(e, event, 0)
        try event.execute()
        return db.changes == 1
    }

    private func flushEvents() throws {
        guard !pendingEvents.isEmpty else { return }
        if pendingEvents.count == Self.batchSize {
            for (k, e) in pendingEvents.enumerated() { try bindEvent(e, events, Int32(k * Self.eventColumns.count)) }
            try events.execute()
        } else {
            for e in pendingEvents {
                try bindEvent(e, event, 0)
                try event.execute()
            }
        }
        pendingEvents.removeAll(keepingCapacity: true)
    }

    // MARK: projections

    /// Writes the projection of a ticket the store does not have.
    func insertNew(_ t: TicketState) throws {
        try write(t, newTicket)
    }

    /// Writes the projection of a ticket the store has, replacing what was stored for it.
    func replace(_ t: TicketState) throws {
        try flushRuns()   // a buffered run of this ticket must go before its rows are deleted
        for delete in deletes {
            try text(delete, 1, t.id)
            try delete.execute()
        }
        try write(t, replacedTicket)
    }

    /// The ticket row is written at once; its runs are buffered, but a run with pauses or reassignments is written
    /// at once, after the buffer, for its row id (so run ids follow the order of the runs).
    private func write(_ t: TicketState, _ ticket: Statement) throws {
        guard let openedAt = t.openedAt else { throw ActionRefused("\(t.id) has no opened event") }
        try bindTicket(t, openedAt: openedAt, ticket)
        try ticket.execute()
        for r in t.runs {
            guard !r.pauses.isEmpty || !r.reassignments.isEmpty else {
                pendingRuns.append((t.id, t.service, t.serviceVersion, r))
                if pendingRuns.count == Self.batchSize { try flushRuns() }
                continue
            }
            try flushRuns()
            try bindRun(t.id, t.service, t.serviceVersion, r, run, 0)
            try run.execute()
            let runID = db.lastInsertRowID
            for p in r.pauses {
                try int(pause, 1, runID); try int(pause, 2, p.pausedAt); try int(pause, 3, p.resumedAt)
                try pause.execute()
            }
            for x in r.reassignments {
                try int(reassignment, 1, runID); try int(reassignment, 2, x.at); try text(reassignment, 3, x.from); try text(reassignment, 4, x.to)
                try reassignment.execute()
            }
        }
        for d in t.tasks {
            try text(task, 1, t.id); try text(task, 2, d.step); try text(task, 3, d.task); try int(task, 4, d.at); try text(task, 5, d.actor)
            try task.execute()
        }
    }

    private func flushRuns() throws {
        guard !pendingRuns.isEmpty else { return }
        if pendingRuns.count == Self.batchSize {
            for (k, r) in pendingRuns.enumerated() { try bindRun(r.ticket, r.service, r.version, r.run, runs, Int32(k * Self.runColumns.count)) }
            try runs.execute()
        } else {
            for r in pendingRuns {
                try bindRun(r.ticket, r.service, r.version, r.run, run, 0)
                try run.execute()
            }
        }
        pendingRuns.removeAll(keepingCapacity: true)
    }

    /// Writes every buffered row.
    func flush() throws {
        try flushEvents()
        try flushRuns()
    }

    // MARK: service versions

    /// Steps of `service` that moved in its definition (an import orders a log-made service's steps once it has
    /// seen them all): the runs written already take their new positions.
    func reposition(service: String, _ moved: [(step: String, position: Int)]) throws {
        guard !moved.isEmpty else { return }
        try flush()
        let cases = Array(repeating: "WHEN ? THEN ?", count: moved.count).joined(separator: " ")
        let keys = Array(repeating: "?", count: moved.count).joined(separator: ",")
        let values: [SQLBindable] = moved.flatMap { [$0.step, $0.position] as [SQLBindable] } + [service] + moved.map(\.step)
        try db.run("UPDATE step_runs SET position = CASE step \(cases) END WHERE service = ? AND step IN (\(keys))", values)
    }

    /// Tickets written against version `from` of `service` (and their `opened` events) name version `to` instead.
    func repoint(service: String, from: Int, to: Int) throws {
        try flush()
        try db.run("UPDATE tickets SET service_version = ? WHERE service = ? AND service_version = ?", [to, service, from])
        try db.run("UPDATE step_runs SET service_version = ? WHERE service = ? AND service_version = ?", [to, service, from])
        try db.run("UPDATE events SET service_version = ? WHERE kind = 'opened' AND service = ? AND service_version = ?", [to, service, from])
    }

    /// Drops the buffered rows (their transaction is rolling back).
    func discard() {
        pendingEvents.removeAll(keepingCapacity: true)
        pendingRuns.removeAll(keepingCapacity: true)
    }
}
