import Foundation
import SQLite

/// Writes imported events and the projections of new tickets: the hot path of a large import. Events and step
/// runs are buffered and written `batchSize` rows per INSERT (one statement prepared once per shape), values bound
/// one by one without per-row arrays or SQL lookups. Writes the same rows as `OrchestrationStore.insertEvent` and
/// `saveTicket(_, isNew: true)`. Call `flush()` before anything reads `events` or `step_runs` back.
///
/// With `startWriterThread()` the SQLite work moves to a thread of its own, so that reading and replaying the log
/// (one core) and writing it (the other) overlap: `insert` and `insertNew` then only queue rows, and the thread
/// owns the connection until `quiesce()`, `flush()` or `stopWriterThread()` returns. Until then the importing
/// thread must not touch the database; `EventLogImporter` reaches it only through accessors that quiesce first.
/// (Hence `@unchecked Sendable`: the queued rows are handed over under a lock, and the statements and row
/// buffers are used by one thread at a time.)
final class ProjectionWriter: @unchecked Sendable {
    static let batchSize = 64
    private static let eventColumns = "ticket_id, step, kind, at, actor, source, team, task, note, service, service_version, payload"
    private static let runColumns = "ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at, paused_seconds, actor, known_at, reassignments, team_since"
    private static let runWidth = 15

    private let db: Database
    private let event, events, ticket, run, runs, pause, reassignment, task: Statement
    private var pendingEvents: [Event] = []
    private var pendingRuns: [(ticket: String, service: String, run: TicketState.Run)] = []

    init(db: Database) throws {
        self.db = db
        func values(_ columns: Int, rows: Int) -> String {
            let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
            return Array(repeating: row, count: rows).joined(separator: ",")
        }
        event = try db.prepare("INSERT OR IGNORE INTO events(\(Self.eventColumns)) VALUES \(values(12, rows: 1))")
        events = try db.prepare("INSERT OR IGNORE INTO events(\(Self.eventColumns)) VALUES \(values(12, rows: Self.batchSize))")
        ticket = try db.prepare("""
            INSERT INTO tickets(id, service, service_version, requester, title, intake, state, opened_at, closed_at, cancelled_at, last_event_at)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """)
        run = try db.prepare("INSERT INTO step_runs(\(Self.runColumns)) VALUES \(values(Self.runWidth, rows: 1))")
        runs = try db.prepare("INSERT INTO step_runs(\(Self.runColumns)) VALUES \(values(Self.runWidth, rows: Self.batchSize))")
        reassignment = try db.prepare("INSERT INTO step_reassignments(run_id, at, from_team, to_team) VALUES (?,?,?,?)")
        pause = try db.prepare("INSERT INTO step_pauses(run_id, paused_at, resumed_at) VALUES (?,?,?)")
        task = try db.prepare("INSERT INTO ticket_tasks(ticket_id, step, task, done_at, actor) VALUES (?,?,?,?,?)")
        pendingEvents.reserveCapacity(Self.batchSize)
        pendingRuns.reserveCapacity(Self.batchSize)
    }

    private func text(_ s: Statement, _ i: Int32, _ v: String?) throws { try s.bindText(v, at: i) }
    private func int(_ s: Statement, _ i: Int32, _ v: Int64?) throws { try s.bindInteger(v, at: i) }

    /// Appends a ticket's events (an `opened` event carries its title and requester as payload when the log gives them).
    func insert(_ events: [Event]) throws {
        if let handoff {
            outgoing.events.append(contentsOf: events)
            if outgoing.count >= Handoff.batchItems { try ship(handoff) }
            return
        }
        try write(events)
    }

    /// Binds full 64-row batches straight from `events`; what is left waits in `pendingEvents`.
    private func write(_ events: [Event]) throws {
        var i = 0
        while !pendingEvents.isEmpty && i < events.count {
            pendingEvents.append(events[i])
            i += 1
            if pendingEvents.count == Self.batchSize { try flushEvents() }
        }
        while events.count - i >= Self.batchSize {
            for k in 0..<Self.batchSize { try bindEvent(events[i + k], self.events, Int32(k * 12)) }
            try self.events.execute()
            i += Self.batchSize
        }
        if i < events.count { pendingEvents.append(contentsOf: events[i...]) }
    }

    /// Writes every buffered row (waiting for the writer thread, if any, to write what it was given).
    func flush() throws {
        try quiesce()
        try flushEvents()
        try flushRuns()
    }

    // MARK: writer thread

    /// Rows handed over at once. Events and tickets are independent tables, so each list keeps its own order.
    private struct Batch {
        var events: [Event] = []
        var tickets: [TicketState] = []
        var count: Int { events.count + tickets.count }
    }
    private var handoff: Handoff?
    private var outgoing = Batch()

    /// Moves the writes to a thread of their own until `stopWriterThread()`.
    func startWriterThread() {
        guard handoff == nil else { return }
        let handoff = Handoff()
        self.handoff = handoff
        outgoing.events.reserveCapacity(Handoff.batchItems)
        let thread = Thread { [self] in
            while let batch = handoff.next() {
                do {
                    try write(batch.events)
                    for t in batch.tickets { try write(t) }
                    handoff.done(nil)
                } catch {
                    handoff.done(error)
                }
            }
        }
        thread.name = "baton-import-writer"
        thread.start()
    }

    /// Hands the queued rows to the writer thread and waits until it has written them: the importing thread may
    /// use the connection again when this returns (rows of a partial 64-row batch may still be buffered).
    func quiesce() throws {
        guard let handoff else { return }
        if outgoing.count > 0 { try ship(handoff) }
        try handoff.waitIdle()
    }

    /// Ends the writer thread; with `discard`, after throwing away what it has not written yet (the import failed
    /// and is about to roll back, which must not happen while the thread is inside a statement).
    func stopWriterThread(discard: Bool = false) throws {
        guard let handoff else { return }
        // The thread ends even when the quiesce throws (the writer's error), so it never outlives the import.
        defer { handoff.stop(discard: true); self.handoff = nil; outgoing = Batch() }
        if !discard { try quiesce() }
    }

    private func ship(_ handoff: Handoff) throws {
        let batch = outgoing
        outgoing = Batch()
        outgoing.events.reserveCapacity(Handoff.batchItems)
        try handoff.put(batch)
    }

    /// A bounded queue of row batches between the importing thread and the writer thread, and the writer's state.
    private final class Handoff: @unchecked Sendable {
        /// Rows per hand-over, and batches in flight: enough to keep both threads busy, little enough to keep
        /// memory flat (a few MB).
        static let batchItems = 2048, maxQueued = 4

        private let condition = NSCondition()
        private var queue: [Batch] = []
        private var busy = false
        private var stopped = false
        private var exited = false
        private var failure: Error?

        /// Queues a batch, waiting while the queue is full; rethrows the writer's first error.
        func put(_ batch: Batch) throws {
            condition.lock(); defer { condition.unlock() }
            while queue.count >= Self.maxQueued && failure == nil { condition.wait() }
            if let failure { throw failure }
            queue.append(batch)
            condition.broadcast()
        }

        /// The writer's next batch; nil once stopped.
        func next() -> Batch? {
            condition.lock(); defer { condition.unlock() }
            while queue.isEmpty && !stopped { condition.wait() }
            guard !queue.isEmpty else {
                exited = true
                condition.broadcast()
                return nil
            }
            busy = true
            return queue.removeFirst()
        }

        func done(_ error: Error?) {
            condition.lock(); defer { condition.unlock() }
            busy = false
            if let error, failure == nil {
                failure = error
                queue.removeAll()
            }
            condition.broadcast()
        }

        func waitIdle() throws {
            condition.lock(); defer { condition.unlock() }
            while !queue.isEmpty || busy { condition.wait() }
            if let failure { throw failure }
        }

        func stop(discard: Bool) {
            condition.lock(); defer { condition.unlock() }
            if discard { queue.removeAll() }
            stopped = true
            condition.broadcast()
            while !exited { condition.wait() }
        }
    }

    private func flushEvents() throws {
        let statement = pendingEvents.count == Self.batchSize ? events : event
        if statement === event {
            for e in pendingEvents {
                try bindEvent(e, statement, 0)
                try statement.execute()
            }
        } else {
            for (k, e) in pendingEvents.enumerated() { try bindEvent(e, statement, Int32(k * 12)) }
            try statement.execute()
        }
        pendingEvents.removeAll(keepingCapacity: true)
    }

    private func bindEvent(_ e: Event, _ s: Statement, _ o: Int32) throws {
        try text(s, o + 1, e.ticketID); try text(s, o + 2, e.step); try text(s, o + 3, e.kind.rawValue); try int(s, o + 4, e.at)
        try text(s, o + 5, e.actor); try text(s, o + 6, e.source); try text(s, o + 7, e.team); try text(s, o + 8, e.task)
        try text(s, o + 9, e.note); try text(s, o + 10, e.service); try int(s, o + 11, e.serviceVersion.map(Int64.init))
        try text(s, o + 12, e.payloadJSON)
    }

    private func flushRuns() throws {
        if pendingRuns.count == Self.batchSize {
            for (k, r) in pendingRuns.enumerated() { try bindRun(r.ticket, r.service, r.run, runs, Int32(k * Self.runWidth)) }
            try runs.execute()
        } else {
            for r in pendingRuns {
                try bindRun(r.ticket, r.service, r.run, run, 0)
                try run.execute()
            }
        }
        pendingRuns.removeAll(keepingCapacity: true)
    }

    private func bindRun(_ ticket: String, _ service: String, _ r: TicketState.Run, _ s: Statement, _ o: Int32) throws {
        try text(s, o + 1, ticket); try text(s, o + 2, service); try text(s, o + 3, r.step); try text(s, o + 4, r.team)
        try int(s, o + 5, r.position.map(Int64.init)); try int(s, o + 6, Int64(r.attempt)); try text(s, o + 7, r.state.rawValue)
        try int(s, o + 8, r.readyAt); try int(s, o + 9, r.startedAt); try int(s, o + 10, r.doneAt); try int(s, o + 11, r.pausedSeconds)
        try text(s, o + 12, r.actor); try int(s, o + 13, r.knownAt); try int(s, o + 14, Int64(r.reassignments.count))
        try int(s, o + 15, r.reassignments.last?.at)
    }

    /// Writes the projection of a ticket the store did not have. Its runs are buffered (the ticket row they refer
    /// to is written at once); a run with pauses or reassignments is written at once, after the buffer, for its row id.
    func insertNew(_ t: TicketState) throws {
        if let handoff {
            outgoing.tickets.append(t)
            if outgoing.count >= Handoff.batchItems { try ship(handoff) }
            return
        }
        try write(t)
    }

    private func write(_ t: TicketState) throws {
        guard let openedAt = t.openedAt else { throw ActionRefused("\(t.id) has no opened event") }
        let intake = t.intake.isEmpty ? "{}" : String(decoding: try JSONEncoder.sorted.encode(t.intake), as: UTF8.self)
        try text(ticket, 1, t.id); try text(ticket, 2, t.service); try int(ticket, 3, Int64(t.serviceVersion)); try text(ticket, 4, t.requester)
        try text(ticket, 5, t.title); try text(ticket, 6, intake); try text(ticket, 7, t.state.rawValue); try int(ticket, 8, openedAt)
        try int(ticket, 9, t.closedAt); try int(ticket, 10, t.cancelledAt); try int(ticket, 11, t.lastEventAt)
        try ticket.execute()
        for r in t.runs {
            guard !r.pauses.isEmpty || !r.reassignments.isEmpty else {
                pendingRuns.append((t.id, t.service, r))
                if pendingRuns.count == Self.batchSize { try flushRuns() }
                continue
            }
            try flushRuns()
            try bindRun(t.id, t.service, r, run, 0)
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
}
