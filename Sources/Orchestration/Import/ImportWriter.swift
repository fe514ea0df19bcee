import Foundation
import SQLite

/// One write of an import, sent to the writer thread with others in a batch (`ImportWriterThread.write`).
enum ImportWrite: Sendable {
    /// A ticket's events, in the order they apply.
    case events([Event])
    /// The projection of a ticket the store did not have.
    case newTicket(TicketState)
    /// The projection of a ticket the store had, replacing what was stored for it.
    case replacedTicket(TicketState)
    /// A row put aside in the staging table, to be read back ordered by ticket and time (`stagedChunk`).
    case staged(StagedRow)
}

/// Writes handed to the writer thread at once. Events, projections and staged rows go to tables independent of
/// one another, so each list keeps only its own order (a ticket's projection is written after the projection it
/// replaces).
struct ImportBatch: Sendable {
    var events: [Event] = []
    var tickets: [(ticket: TicketState, isNew: Bool)] = []
    var staged: [StagedRow] = []

    /// Rows in the batch.
    var count: Int { events.count + tickets.count + staged.count }

    mutating func append(_ write: ImportWrite) {
        switch write {
        case .events(let added): events.append(contentsOf: added)
        case .newTicket(let ticket): tickets.append((ticket, true))
        case .replacedTicket(let ticket): tickets.append((ticket, false))
        case .staged(let row): staged.append(row)
        }
    }
}

/// A staged ticket as the writer thread reads it back: its rows in time order (file order breaking ties) and, when
/// the store has the ticket, its stored events.
struct StagedTicket: Sendable {
    var rows: [StagedRow]
    /// nil: the store does not have the ticket.
    var stored: [Event]?
}

/// What the import's writer thread owns: its own connection to the store (opened on that thread and never handed
/// to another), the store and the projection writer over it, and the staging table (a temporary table of that
/// connection). The importing thread reaches it only by messages (`ImportWriterThread`), which run here in order
/// inside the import's one transaction.
final class ImportWriter {
    let db: Database
    let store: OrchestrationStore
    let projections: ProjectionWriter
    private let insertStage, exists: Statement
    /// The read of the staged rows: not begun (nil), under way, or done.
    private var stagedRead: Statement??
    /// The first row of the next ticket, read while finding the end of a chunk.
    private var lookahead: StagedRow?

    static let stageColumns = ["ticket", "at", "kind", "service", "step", "team", "actor", "task", "status", "title", "requester", "line"]

    /// Opens the connection. `firstLoad`: the store is under a rollback journal for a first load (the importing
    /// thread switched it, being its only connection then), which this connection keeps.
    init(path: String, firstLoad: Bool) throws {
        db = try Database(path: path, keepingJournalMode: firstLoad)
        // Staging goes to disk (set before the temporary table exists), and a larger page cache keeps the indexes
        // being written from spilling mid-transaction (see `EventLogImporter.Run.importCacheSize`).
        try db.execute("PRAGMA temp_store=FILE; PRAGMA cache_size=\(EventLogImporter.Run.importCacheSize)")
        if firstLoad { try db.execute("PRAGMA synchronous=FULL") }
        try db.execute("""
            CREATE TEMP TABLE import_stage(seq INTEGER PRIMARY KEY, ticket TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,
                service TEXT NOT NULL, step TEXT NOT NULL, team TEXT NOT NULL, actor TEXT NOT NULL, task TEXT NOT NULL,
                status TEXT NOT NULL, title TEXT NOT NULL, requester TEXT NOT NULL, line INTEGER NOT NULL);
            """)
        let values = Array(repeating: "?", count: Self.stageColumns.count).joined(separator: ",")
        insertStage = try db.prepare("INSERT INTO temp.import_stage(\(Self.stageColumns.joined(separator: ", "))) VALUES (\(values))")
        exists = try db.prepare("SELECT 1 FROM tickets WHERE id = ?")
        store = OrchestrationStore(connection: db)
        projections = try ProjectionWriter(db: db)
    }

    /// Writes a batch.
    func write(_ batch: ImportBatch) throws {
        try projections.insert(batch.events)
        for (ticket, isNew) in batch.tickets {
            if isNew { try projections.insertNew(ticket) } else { try projections.replace(ticket) }
        }
        for row in batch.staged { try stage(row) }
    }

    private func stage(_ r: StagedRow) throws {
        let s = insertStage
        try s.bindText(r.ticket, at: 1); try s.bindInteger(r.at, at: 2); try s.bindText(r.kind, at: 3); try s.bindText(r.service, at: 4)
        try s.bindText(r.step, at: 5); try s.bindText(r.team, at: 6); try s.bindText(r.actor, at: 7); try s.bindText(r.task, at: 8)
        try s.bindText(r.status, at: 9); try s.bindText(r.title, at: 10); try s.bindText(r.requester, at: 11)
        try s.bindInteger(Int64(r.line), at: 12)
        try s.execute()
    }

    /// Whether the store has the ticket (including what this import wrote before).
    func hasTicket(_ id: String) throws -> Bool {
        var known = false
        try exists.forEach([id]) { _ in known = true }
        return known
    }

    /// The next staged tickets, about `rows` rows of them (whole tickets; empty once every staged row is read).
    /// The cursor stays open between calls while the importing thread's writes for earlier tickets run on this
    /// connection; those only touch tickets already read, so what a chunk says of its tickets stays true.
    func stagedChunk(rows limit: Int) throws -> [StagedTicket] {
        if stagedRead == nil {
            let columns = Self.stageColumns.joined(separator: ", ")
            stagedRead = .some(try db.prepare("SELECT \(columns) FROM temp.import_stage ORDER BY ticket, at, seq"))
        }
        var chunk: [StagedTicket] = []
        var count = 0
        var rows: [StagedRow] = lookahead.map { [$0] } ?? []
        lookahead = nil
        while case .some(.some(let read)) = stagedRead {
            guard try read.step() else {
                read.reset()
                stagedRead = .some(nil)
                break
            }
            let row = StagedRow(ticket: read.string(at: 0) ?? "", at: read.int(at: 1) ?? 0, kind: read.string(at: 2) ?? "",
                                service: read.string(at: 3) ?? "", step: read.string(at: 4) ?? "", team: read.string(at: 5) ?? "",
                                actor: read.string(at: 6) ?? "", task: read.string(at: 7) ?? "", status: read.string(at: 8) ?? "",
                                title: read.string(at: 9) ?? "", requester: read.string(at: 10) ?? "", line: Int(read.int(at: 11) ?? 0))
            if let last = rows.last, last.ticket != row.ticket {
                chunk.append(try staged(rows))
                count += rows.count
                rows = []
                if count >= limit {
                    lookahead = row
                    return chunk
                }
            }
            rows.append(row)
        }
        if !rows.isEmpty { chunk.append(try staged(rows)) }
        return chunk
    }

    private func staged(_ rows: [StagedRow]) throws -> StagedTicket {
        let id = rows[0].ticket
        return StagedTicket(rows: rows, stored: try hasTicket(id) ? store.events(ofTicket: id) : nil)
    }
}
