import Foundation
import SQLite

/// Writes imported events and the projections of new tickets with statements prepared once and values bound
/// one by one (no per-row arrays or SQL lookups): the hot path of a large import. Writes the same rows as
/// `OrchestrationStore.insertEvent` and `saveTicket(_, isNew: true)`.
final class ProjectionWriter {
    private let db: Database
    private let event, ticket, run, pause, task: Statement

    init(db: Database) throws {
        self.db = db
        event = try db.prepare("""
            INSERT OR IGNORE INTO events(ticket_id, step, kind, at, actor, source, team, task, note, service, service_version)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """)
        ticket = try db.prepare("""
            INSERT INTO tickets(id, service, service_version, requester, title, intake, state, opened_at, closed_at, cancelled_at, last_event_at)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """)
        run = try db.prepare("""
            INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at, paused_seconds, actor)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        pause = try db.prepare("INSERT INTO step_pauses(run_id, paused_at, resumed_at) VALUES (?,?,?)")
        task = try db.prepare("INSERT INTO ticket_tasks(ticket_id, step, task, done_at, actor) VALUES (?,?,?,?,?)")
    }

    private func text(_ s: Statement, _ i: Int32, _ v: String?) throws { try s.bind(v.map { .text($0) } ?? .null, at: i) }
    private func int(_ s: Statement, _ i: Int32, _ v: Int64?) throws { try s.bind(v.map { .integer($0) } ?? .null, at: i) }
    private func finish(_ s: Statement) throws {
        defer { s.reset() }
        try s.step()
    }

    /// Appends an event (imported events carry no title, requester or intake payload).
    func insert(_ e: Event) throws {
        try text(event, 1, e.ticketID); try text(event, 2, e.step); try text(event, 3, e.kind.rawValue); try int(event, 4, e.at)
        try text(event, 5, e.actor); try text(event, 6, e.source); try text(event, 7, e.team); try text(event, 8, e.task)
        try text(event, 9, e.note); try text(event, 10, e.service); try int(event, 11, e.serviceVersion.map(Int64.init))
        try finish(event)
    }

    /// Writes the projection of a ticket the store did not have.
    func insertNew(_ t: TicketState) throws {
        guard let openedAt = t.openedAt else { throw ActionRefused("\(t.id) has no opened event") }
        let intake = t.intake.isEmpty ? "{}" : String(decoding: try JSONEncoder.sorted.encode(t.intake), as: UTF8.self)
        try text(ticket, 1, t.id); try text(ticket, 2, t.service); try int(ticket, 3, Int64(t.serviceVersion)); try text(ticket, 4, t.requester)
        try text(ticket, 5, t.title); try text(ticket, 6, intake); try text(ticket, 7, t.state.rawValue); try int(ticket, 8, openedAt)
        try int(ticket, 9, t.closedAt); try int(ticket, 10, t.cancelledAt); try int(ticket, 11, t.lastEventAt)
        try finish(ticket)
        for r in t.runs {
            try text(run, 1, t.id); try text(run, 2, t.service); try text(run, 3, r.step); try text(run, 4, r.team)
            try int(run, 5, r.position.map(Int64.init)); try int(run, 6, Int64(r.attempt)); try text(run, 7, r.state.rawValue)
            try int(run, 8, r.readyAt); try int(run, 9, r.startedAt); try int(run, 10, r.doneAt); try int(run, 11, r.pausedSeconds)
            try text(run, 12, r.actor)
            try finish(run)
            guard !r.pauses.isEmpty else { continue }
            let runID = db.lastInsertRowID
            for p in r.pauses {
                try int(pause, 1, runID); try int(pause, 2, p.pausedAt); try int(pause, 3, p.resumedAt)
                try finish(pause)
            }
        }
        for d in t.tasks {
            try text(task, 1, t.id); try text(task, 2, d.step); try text(task, 3, d.task); try int(task, 4, d.at); try text(task, 5, d.actor)
            try finish(task)
        }
    }
}
