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
}

/// Writes handed to the writer thread at once. Events and projections go to tables independent of one another, so
/// each list keeps only its own order (a ticket's projection is written after the projection it replaces).
struct ImportBatch: Sendable {
    var events: [Event] = []
    var tickets: [(ticket: TicketState, isNew: Bool)] = []

    /// Rows in the batch.
    var count: Int { events.count + tickets.count }

    mutating func append(_ write: ImportWrite) {
        switch write {
        case .events(let added): events.append(contentsOf: added)
        case .newTicket(let ticket): tickets.append((ticket, true))
        case .replacedTicket(let ticket): tickets.append((ticket, false))
        }
    }
}

/// A staged ticket as the sorter gives it back: its rows in time order (file order breaking ties) and, when the
/// store has the ticket, its stored events.
struct StagedTicket: Sendable {
    var rows: [StagedRow]
    /// nil: the store does not have the ticket.
    var stored: [Event]?
}

/// What the import's writer thread owns: its own connection to the store (opened on that thread and never handed
/// to another), and the store and the projection writer over it. The importing thread reaches it only by messages
/// (`ImportWriterThread`), which run here in order inside the import's one transaction.
final class ImportWriter {
    let db: Database
    let store: OrchestrationStore
    let projections: ProjectionWriter
    private let exists: Statement

    /// Opens the connection. `firstLoad`: the store is under a rollback journal for a first load (the importing
    /// thread switched it, being its only connection then), which this connection keeps.
    init(path: String, firstLoad: Bool) throws {
        db = try Database(path: path, keepingJournalMode: firstLoad)
        // Temporary storage on disk rather than in memory (the connection's default) keeps a large import's memory
        // flat, and a larger page cache keeps the indexes being written from spilling mid-transaction (see `EventLogImporter.Run.importCacheSize`).
        // No mmap: pages an import touches would count in its resident memory (the whole file, at 1M tickets).
        // No foreign-key checks: they cost a lookup of the ticket per run and task written (5 % of this thread's
        // work), and the projection writer writes a ticket before its runs and deletes a replaced ticket's runs,
        // pauses and reassignments itself (ImportForeignKeyTests checks the store after imports and replays).
        try db.execute("PRAGMA temp_store=FILE; PRAGMA mmap_size=0; PRAGMA foreign_keys=OFF; PRAGMA cache_size=\(EventLogImporter.Run.importCacheSize)")
        if firstLoad { try db.execute("PRAGMA synchronous=FULL") }
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
    }

    /// Whether the store has the ticket (including what this import wrote before).
    func hasTicket(_ id: String) throws -> Bool {
        var known = false
        try exists.forEach([id]) { _ in known = true }
        return known
    }

    /// The stored events of each ticket, nil for a ticket the store does not have.
    func storedEvents(ofTickets ids: [String]) throws -> [[Event]?] {
        try ids.map { try hasTicket($0) ? store.events(ofTicket: $0) : nil }
    }
}
