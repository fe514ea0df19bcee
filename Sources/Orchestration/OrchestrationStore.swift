import BatonCore
import Foundation
import SQLite

/// The orchestration store: one SQLite file holding services, the event log and its projections.
/// Every public mutating call is one transaction: all or nothing.
public final class OrchestrationStore {
    /// The store's connection, owned by the thread that opened the store. `package`: the modules of Baton run
    /// their queries on it (reports, alerts, schedules); nothing outside Baton reaches it.
    package let db: Database
    private var serviceCache: [String: ServiceVersion] = [:]
    private var writer: ProjectionWriter?

    /// Opens the store at `path`, creating or upgrading its schema. Refuses a store written by a newer Baton.
    public init(path: String) throws {
        db = try Database(path: path, pageSize: Self.pageSize)
        try StoreSchema.migrator.migrate(db)
        try registerServiceLevels()
    }

    /// Page size of a new store: 16 KiB pages make a bulk import about a tenth faster than SQLite's default 4 KiB
    /// (fewer pages to allocate, balance and write), and the reports read long runs of index pages anyway.
    static let pageSize = 16_384

    /// Opens an existing store without migrating (for read-only tools); fails when the file is missing.
    public init(existingPath path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ActionRefused("no store at \(path); create one with 'baton init' (or pass --db PATH)")
        }
        db = try Database(path: path, pageSize: Self.pageSize)
        try StoreSchema.migrator.migrate(db)
        try registerServiceLevels()
    }

    /// A store over a connection its caller opened on the thread that owns it, to a store already migrated (the
    /// import's writer thread, and its importing thread's read-only lookups).
    init(connection: Database) {
        db = connection
    }

    public static var schemaVersion: Int { StoreSchema.migrator.latestVersion }
    /// The store's own migrations (not the modules' tracks), for tests that rebuild an older store.
    public static var schemaMigrations: [Migrator.Migration] { StoreSchema.migrator.migrations }

    // MARK: services

    public enum ApplyOutcome: Equatable, Sendable {
        case created(version: Int), updated(version: Int), unchanged(version: Int)
    }

    /// Stores `definition` as a new version when it differs from the latest one.
    @discardableResult
    public func apply(_ definition: ServiceDefinition, origin: String = "definition", at: Int64 = Instant.now()) throws -> ApplyOutcome {
        try db.transaction {
            let json = definition.canonicalJSON()
            let latest = try db.rows("SELECT version, definition, origin FROM services WHERE key = ? ORDER BY version DESC LIMIT 1", [definition.key]).first
            if let latest, latest.string("definition") == json, latest.string("origin") == origin {
                return .unchanged(version: Int(latest.int("version") ?? 1))
            }
            let version = Int(latest?.int("version") ?? 0) + 1
            try db.run("INSERT INTO services(key, version, name, enforce_order, auto_close, origin, definition, created_at) VALUES (?,?,?,?,?,?,?,?)",
                       [definition.key, version, definition.name, definition.enforceOrder, definition.autoClose, origin, json, at])
            for (i, step) in definition.steps.enumerated() {
                try db.run("INSERT INTO service_steps(service, version, position, key, name, team, kind, target_seconds, calendar) VALUES (?,?,?,?,?,?,?,?,?)",
                           [definition.key, version, i, step.key, step.name, step.team, step.kind.rawValue, step.targetSeconds, step.calendar])
                if let team = step.team {
                    let name = definition.teams?[team] ?? team
                    let defined = origin == "definition"
                    try db.run("""
                        INSERT INTO teams(key, name, defined) VALUES (?, ?, ?)
                        ON CONFLICT(key) DO UPDATE SET defined = max(defined, excluded.defined),
                            name = CASE WHEN excluded.defined = 1 AND excluded.name <> excluded.key THEN excluded.name ELSE name END
                        """, [team, name, defined])
                }
            }
            // The new version's targets and calendars count from now on this connection too.
            if definition.steps.contains(where: { $0.target != nil || $0.calendar != nil }) { try registerServiceLevels() }
            return latest == nil ? .created(version: version) : .updated(version: version)
        }
    }

    /// A stored service version (the latest when `version` is nil).
    public func service(_ key: String, version: Int? = nil) throws -> ServiceVersion? {
        if let version, let cached = serviceCache["\(key)@\(version)"] { return cached }
        let row: Row?
        if let version {
            row = try db.rows("SELECT * FROM services WHERE key = ? AND version = ?", [key, version]).first
        } else {
            row = try db.rows("SELECT * FROM services WHERE key = ? ORDER BY version DESC LIMIT 1", [key]).first
        }
        guard let row, let json = row.string("definition") else { return nil }
        let definition = try JSONDecoder().decode(ServiceDefinition.self, from: Data(json.utf8))
        let sv = ServiceVersion(key: key, version: Int(row.int("version") ?? 1), enforceOrder: row.int("enforce_order") == 1,
                                autoClose: row.int("auto_close") == 1, origin: row.string("origin") ?? "definition",
                                definition: definition)
        serviceCache["\(key)@\(sv.version)"] = sv
        return sv
    }

    func forgetCachedServices() { serviceCache.removeAll() }

    /// Every service's latest version with its ticket counts.
    public func serviceList() throws -> [Row] {
        try db.rows("""
            SELECT s.key AS service, s.name, s.version, CASE s.enforce_order WHEN 1 THEN 'enforced' ELSE 'flexible' END AS step_order,
                   s.origin, (SELECT count(*) FROM service_steps st WHERE st.service = s.key AND st.version = s.version) AS steps,
                   (SELECT count(*) FROM tickets t WHERE t.service = s.key AND t.state = 'open') AS open_tickets,
                   (SELECT count(*) FROM tickets t WHERE t.service = s.key) AS tickets
            FROM services s
            WHERE s.version = (SELECT max(version) FROM services s2 WHERE s2.key = s.key)
            ORDER BY s.key
            """)
    }

    public func serviceKeys() throws -> [String] {
        try db.rows("SELECT DISTINCT key FROM services ORDER BY key").compactMap { $0.string("key") }
    }

    // MARK: tickets

    /// Opens a ticket (validating its intake) and returns its id.
    public func openTicket(service key: String, title: String, requester: String, fields: [String: String],
                           at: Int64 = Instant.now(), actor: String? = nil, id: String? = nil) throws -> String {
        try db.transaction {
            guard let service = try service(key) else {
                throw ActionRefused("no service '\(key)'\(Suggest.didYouMean(key, in: try serviceKeys())); apply its definition with 'baton service apply FILE'")
            }
            let intake = try service.definition.validateIntake(fields)
            guard !title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw InputError(file: "command line", field: "title", "must not be empty")
            }
            let ticketID = try id ?? nextTicketID()
            let event = Event(ticketID: ticketID, kind: .opened, at: at, actor: actor ?? requester, source: "cli",
                              service: service.key, serviceVersion: service.version, title: title, requester: requester, intake: intake)
            try record(event, mode: .strict)
            return ticketID
        }
    }

    private func nextTicketID() throws -> String {
        var n = try db.scalar("SELECT value FROM counters WHERE name = 'ticket'")?.int ?? 1000
        repeat {
            n += 1
        } while try db.scalar("SELECT 1 FROM tickets WHERE id = ?", ["T-\(n)"]) != nil
        try db.run("INSERT INTO counters(name, value) VALUES ('ticket', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", [n])
        return "T-\(n)"
    }

    /// Records one event through the state machine, in one transaction. In strict mode a completed or skipped
    /// last step closes the ticket by itself (a `closed` event of its own) when the service says so.
    public func record(_ event: Event, mode: StateMachine.Mode = .strict) throws {
        try db.transaction {
            var ticket: TicketState
            let service: ServiceVersion
            let isNew: Bool
            if event.kind == .opened {
                if let existing = try loadTicket(event.ticketID) {
                    throw ActionRefused("\(event.ticketID) already exists (opened \(Instant.iso(existing.openedAt ?? 0)))")
                }
                guard let key = event.service, let s = try self.service(key, version: event.serviceVersion) else {
                    throw ActionRefused("\(event.ticketID): no service '\(event.service ?? "")'")
                }
                ticket = TicketState(id: event.ticketID)
                service = s
                isNew = true
            } else {
                guard let t = try loadTicket(event.ticketID) else {
                    throw ActionRefused("no ticket '\(event.ticketID)'\(Suggest.didYouMean(event.ticketID, in: try recentTicketIDs()))")
                }
                ticket = t
                guard let s = try self.service(t.service, version: t.serviceVersion) else {
                    throw ActionRefused("\(t.id): its service '\(t.service)' version \(t.serviceVersion) is missing from the store")
                }
                service = s
                isNew = false
            }
            let machine = StateMachine(mode: mode)
            try machine.apply(event, to: &ticket, service: service)
            // A step event is stored with the team that owns the run once it applies, so the log (and an export of
            // it) says who did the work even when the run was reassigned on the way.
            var event = event
            if !event.kind.isTicketEvent, event.team?.isEmpty ?? true, let i = ticket.currentRunIndex(event.step) {
                event.team = ticket.runs[i].team
            }
            guard try insertEvent(event) else {
                throw ActionRefused("\(event.ticketID): an identical '\(event.kind.rawValue)' event at \(Instant.iso(event.at)) is already recorded")
            }
            if mode == .strict, event.kind == .completed || event.kind == .skipped, service.autoClose,
               ticket.state == .open, StateMachine.allStepsFinished(ticket, service: service) {
                let close = Event(ticketID: ticket.id, kind: .closed, at: event.at, actor: event.actor, source: event.source,
                                  note: "closed by itself: every step is done")
                try machine.apply(close, to: &ticket, service: service)
                try insertEvent(close)
            }
            try saveTicket(ticket, isNew: isNew)
        }
    }

    private func recentTicketIDs() throws -> [String] {
        try db.rows("SELECT id FROM tickets ORDER BY opened_at DESC LIMIT 2000").compactMap { $0.string("id") }
    }

    /// Appends an event; false when an identical one (same ticket, step, kind, instant and task) is already stored.
    /// Internal: only the state machine's callers (`record`, the importer) write events, after it has applied them.
    @discardableResult
    func insertEvent(_ e: Event) throws -> Bool {
        try writingProjections { try $0.insertEvent(e) }
    }

    /// The stored events of one ticket, in the order they apply (time, then arrival).
    public func events(ofTicket id: String) throws -> [Event] {
        try db.rows("SELECT * FROM events WHERE ticket_id = ? ORDER BY at, id", [id]).map(Self.event(from:))
    }

    static func event(from row: Row) -> Event {
        var e = Event(ticketID: row.string("ticket_id") ?? "", step: row.string("step") ?? "",
                      kind: EventKind(rawValue: row.string("kind") ?? "") ?? .opened, at: row.int("at") ?? 0,
                      actor: row.string("actor"), source: row.string("source") ?? "", team: row.string("team"),
                      task: row.string("task") ?? "", note: row.string("note"), service: row.string("service"),
                      serviceVersion: row.int("service_version").map { Int($0) })
        if let payload = row.string("payload"),
           let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] {
            e.title = object["title"] as? String
            e.requester = object["requester"] as? String
            e.intake = object["intake"] as? [String: String]
        }
        return e
    }

    // MARK: projections

    /// Reads one ticket's projection.
    public func loadTicket(_ id: String) throws -> TicketState? {
        guard let row = try db.rows("SELECT * FROM tickets WHERE id = ?", [id]).first else { return nil }
        var t = TicketState(id: id)
        t.service = row.string("service") ?? ""
        t.serviceVersion = Int(row.int("service_version") ?? 0)
        t.requester = row.string("requester")
        t.title = row.string("title")
        if let json = row.string("intake"), let obj = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) {
            t.intake = obj
        }
        t.state = TicketState.State(rawValue: row.string("state") ?? "open") ?? .open
        t.openedAt = row.int("opened_at")
        t.closedAt = row.int("closed_at")
        t.cancelledAt = row.int("cancelled_at")
        t.lastEventAt = row.int("last_event_at") ?? .min
        var runIDs: [Int64] = []
        for r in try db.rows("SELECT * FROM step_runs WHERE ticket_id = ? ORDER BY id", [id]) {
            runIDs.append(r.int("id") ?? 0)
            t.runs.append(ProjectionWriter.run(from: r))
        }
        for (k, runID) in runIDs.enumerated() {
            t.runs[k].pauses = try db.rows("SELECT paused_at, resumed_at FROM step_pauses WHERE run_id = ? ORDER BY paused_at", [runID])
                .map { .init(pausedAt: $0.int("paused_at") ?? 0, resumedAt: $0.int("resumed_at")) }
            t.runs[k].reassignments = try db.rows("SELECT at, from_team, to_team FROM step_reassignments WHERE run_id = ? ORDER BY at, rowid", [runID])
                .map { .init(at: $0.int("at") ?? 0, from: $0.string("from_team"), to: $0.string("to_team") ?? "") }
        }
        t.tasks = try db.rows("SELECT * FROM ticket_tasks WHERE ticket_id = ? ORDER BY done_at", [id]).map {
            .init(step: $0.string("step") ?? "", task: $0.string("task") ?? "", at: $0.int("done_at") ?? 0, actor: $0.string("actor"))
        }
        return t
    }

    /// Writes one ticket's projection (replacing what was stored for it unless `isNew`), through the one projection
    /// writer. Internal: projections are written only from what the state machine made of the events.
    func saveTicket(_ t: TicketState, isNew: Bool) throws {
        try writingProjections { writer in
            if isNew { try writer.insertNew(t) } else { try writer.replace(t) }
        }
    }

    /// Runs `body` with the store's projection writer (prepared on first use), then writes what it buffered. On an
    /// error the buffered rows are dropped: the caller's transaction rolls back.
    private func writingProjections<T>(_ body: (ProjectionWriter) throws -> T) throws -> T {
        let writer = try self.writer ?? ProjectionWriter(db: db)
        self.writer = writer
        do {
            let result = try body(writer)
            try writer.flush()
            return result
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Replays a ticket's stored events into a fresh projection (history mode).
    public func replay(_ events: [Event]) throws -> TicketState? {
        guard let first = events.first else { return nil }
        var ticket = TicketState(id: first.ticketID)
        let machine = StateMachine(mode: .history)
        var service: ServiceVersion?
        for e in events {
            if e.kind == .opened {
                guard let key = e.service, let s = try self.service(key, version: e.serviceVersion) else {
                    throw ActionRefused("\(e.ticketID): its service '\(e.service ?? "")' is missing from the store")
                }
                service = s
            }
            guard let service else { throw ActionRefused("\(e.ticketID): a '\(e.kind.rawValue)' event comes before the ticket was opened") }
            try machine.apply(e, to: &ticket, service: service)
        }
        return ticket
    }

    /// Rebuilds every projection from the events table alone. Returns (tickets, events) replayed.
    @discardableResult
    public func rebuild() throws -> (tickets: Int, events: Int) {
        try db.transaction {
            try db.execute("DELETE FROM step_pauses; DELETE FROM step_runs; DELETE FROM ticket_tasks; DELETE FROM tickets;")
            // Projections rewritten without new events: derived tables keyed on the events (the alerts' cache of
            // completed runs) see the change in this counter.
            try db.execute("INSERT INTO counters(name, value) VALUES ('projections', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1")
            return try writingProjections { writer in
                var tickets = 0, events = 0
                var batch: [Event] = []
                func flush() throws {
                    guard !batch.isEmpty else { return }
                    if let t = try replay(batch) { try writer.insertNew(t) }
                    tickets += 1
                    events += batch.count
                    batch.removeAll(keepingCapacity: true)
                }
                let statement = try db.prepare("SELECT * FROM events ORDER BY ticket_id, at, id")
                try statement.forEach { s in
                    let e = Self.event(from: s.currentRow())
                    if let last = batch.last, last.ticketID != e.ticketID { try flush() }
                    batch.append(e)
                }
                try flush()
                return (tickets, events)
            }
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
