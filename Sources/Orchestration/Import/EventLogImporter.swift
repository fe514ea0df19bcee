import BatonCore
import Foundation
import SQLite

/// Formats the importer reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    case csv, jsonl, xes

    /// The format a file name implies (`.csv`, `.jsonl`/`.ndjson`, `.xes`, each optionally `.gz`).
    public static func from(path: String) -> ImportFormat? {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") || name.hasSuffix(".json") { return .jsonl }
        if name.hasSuffix(".xes") { return .xes }
        return nil
    }
}

/// What one import did (or, in a dry run, would do).
public struct ImportSummary: Sendable, Equatable {
    public var rowsRead = 0
    public var ticketsNew = 0
    public var ticketsUpdated = 0
    /// Existing tickets whose projection was rebuilt from all their events because the file placed events among them.
    public var ticketsReplayed = 0
    public var eventsAdded = 0
    public var duplicates = 0
    public var rejected = 0
    public var servicesCreated: [String] = []
    public var servicesUpdated: [String] = []
    public var warnings: [String] = []
    public var seconds = 0.0
    public var dryRun = false

    public var tickets: Int { ticketsNew + ticketsUpdated }

    /// The one-line summary printed at the end.
    public var line: String {
        let verb = dryRun ? "Dry run (nothing written): would import" : "Imported"
        var text = "\(verb) \(rowsRead) rows: \(tickets) tickets (\(ticketsNew) new, \(ticketsUpdated) updated\(ticketsReplayed > 0 ? ", \(ticketsReplayed) replayed" : "")), \(eventsAdded) events added, \(duplicates) duplicates skipped, \(rejected) rejected, \(String(format: "%.1f", seconds)) s"
        if eventsAdded == 0 && duplicates > 0 && rejected == 0 { text += " — nothing new: every event was already in the store" }
        return text + "."
    }
}

/// Imports an event log into the store in one transaction. A file grouped by ticket (each ticket's rows together,
/// as exports and generated logs are) is applied while it is read, one ticket at a time; as soon as a ticket comes
/// back after others, the rest of the file is staged in a bounded external sort (`StagedRowSorter`: sorted runs
/// spilled to temporary files, so memory stays flat however large the file) and read back ordered by ticket, time
/// and file line. Either way each ticket's rows are put in
/// time order (file order breaks ties), turned into events (directly, or through a status-change profile) and
/// applied by the state machine in history mode; tickets already in the store are replayed from all their events.
public final class EventLogImporter {
    public struct Options {
        public var format: ImportFormat
        public var profile: ImportProfile?
        /// Overrides the profile's time zone (`--timezone`).
        public var timezone: String?
        /// Service for XES traces that do not name one (a `service` trace attribute); default: the log's name.
        public var xesService: String?
        public var dryRun = false
        /// Write rejected rows here (with the reason) and import the rest; nil: any bad row fails the whole file.
        public var skipBadPath: String?
        /// Called with a progress line now and then (only set it when standard error is a terminal).
        public var progress: ((String) -> Void)?
        /// Called once per warning (e.g. extra columns).
        public var warn: ((String) -> Void)?
        /// When tickets the log does not close are closed (`--cases-complete`, `--close-on`); a profile adds its own.
        public var closing = TicketClosing()
        /// The CSV delimiter (`--delimiter`): a comma unless told (`;`, a tab, `|`).
        public var delimiter: UInt8 = 44
        /// Whether the writes overlap the reading (off: each write is waited for; tests compare the two).
        var writerThread = true
        /// Rows per sorted run of a file not grouped by ticket (tests make it tiny to spill many runs).
        var sortRunRows = StagedRowSorter.defaultRunRows

        public init(format: ImportFormat, profile: ImportProfile? = nil) { self.format = format; self.profile = profile }
    }

    let store: OrchestrationStore

    public init(store: OrchestrationStore) { self.store = store }

    /// Imports `source`. Throws `InputError` (naming the file, line and field) and leaves the store unchanged
    /// on the first bad row unless `skipBadPath` is set.
    ///
    /// The import runs on a writer thread with a connection of its own to the store file, in one transaction
    /// (`ImportWriterThread`); this thread reads the file and applies the tickets, and sends it the writes and the
    /// lookups. The store's own connection stays idle meanwhile (it holds no lock, so the writer is not kept waiting).
    public func run(_ source: ByteSource, options: Options) throws -> ImportSummary {
        let started = Date()
        let db = store.db
        guard !db.isInTransaction else { throw ActionRefused("an import is a transaction of its own: it cannot run inside another one") }
        guard FileManager.default.fileExists(atPath: db.path) else { throw ActionRefused("an import needs a store file; '\(db.path)' is not one") }
        defer { store.forgetCachedServices() }
        // The first load into an empty store writes every page once, to the file, under a rollback journal (which
        // has nothing to save for pages the file did not have), instead of twice: to the WAL, then the checkpoint.
        // Only the only connection to the store can leave WAL mode (this one, before the writer's opens; the writer's
        // keeps the mode it finds); otherwise the import stays in WAL mode. WAL comes back at the end. Meanwhile
        // other commands wait: each connection opened during the load waits (within its busy timeout) to put the
        // store back in WAL mode (`Database.setJournalModeWAL`), which it can only do once the import is done.
        var firstLoad = false
        if !options.dryRun, try db.scalar("SELECT 1 FROM events LIMIT 1") == nil {
            firstLoad = (try? db.scalar("PRAGMA journal_mode=DELETE")?.string) == "delete"
        }
        defer {
            // Commands that waited may hold read locks for a moment, or have switched back already: wait for the
            // lock like they do (if this fails, the next connection to open puts the store in WAL mode).
            if firstLoad { try? db.setJournalModeWAL(timeoutMilliseconds: 30_000) }
        }
        let writer = ImportWriterThread(path: db.path, firstLoad: firstLoad, synchronous: !options.writerThread)
        // Rolls back unless committed below (a failed import, a dry run), before the journal mode comes back.
        defer { try? writer.finish(commit: false) }
        let run = Run(writer: writer, path: db.path, source: source, options: options)
        try run.importAll(started: started)
        // A dry run rolls back, which brings the dropped indexes back by itself.
        try writer.finish(commit: !options.dryRun)
        var summary = run.summary
        summary.dryRun = options.dryRun
        return summary
    }

    /// One import's state.
    final class Run: StagedRowSink {
        let writer: ImportWriterThread
        /// The store file (for the read-only connection of `priorTickets`).
        let path: String
        let source: ByteSource
        let options: Options
        let file: String
        /// The `source` of the events this import adds: `import:<id>`, the row of `imports` that describes it.
        var sourceLabel = "import"
        var importID: Int64?
        var summary = ImportSummary()
        var rejects: RejectsWriter?
        var lastProgress = Date()
        let startedAt = Date()

        var services: ServiceInference!

        // Streaming (grouped files) and staging (the rest).
        var streaming = true
        var group: [StagedRow] = []
        var flushed = Set<Int>()
        var storeHadTickets = true
        var stagedRows = 0
        /// The rows staged after the file proved not to be grouped by ticket.
        let sorter: StagedRowSorter
        /// Whether a streamed ticket was in the store before this import, and its stored events, asked of a second,
        /// read-only connection (this thread's own): in WAL mode it reads the store as last committed, which is all
        /// a streamed ticket can be found in (this import writes a streamed ticket once; one the file names twice is
        /// staged), so the lookup waits for nothing the writer thread has yet to write.
        var priorTickets: (store: OrchestrationStore, exists: Statement)?
        var converter: StatusChangeConverter?
        /// Rejections of the ticket being applied, issued only once the ticket is settled (see `settle`).
        var pendingRejections: [(Event, Int, String, String)] = []
        /// Status histories: tickets a row with a team has been read for (the rows before hold it unassigned).
        var ticketsWithTeam = Set<Int>()
        /// The closing rule in force (the options', with the profile's `cases_complete`).
        var closing = TicketClosing()
        /// Case attributes by ticket, for its opened event's intake (`EventLogImporter+CaseAttributes.swift`).
        var caseAttributes: [String: [String: String]] = [:]
        var lastCase: String?

        init(writer: ImportWriterThread, path: String, source: ByteSource, options: Options) {
            self.writer = writer; self.path = path; self.source = source; self.options = options
            file = source.name
            sorter = StagedRowSorter(runRows: options.sortRunRows)
        }

        /// The import, from its row in `imports` to its end (the caller commits).
        func importAll(started: Date) throws {
            let timing = ProcessInfo.processInfo.environment["BATON_IMPORT_TIMING"] != nil
            var mark = Date()
            func phase(_ name: String) throws {
                guard timing else { return }
                try writer.ask { _ in }   // the phase ends when the writer thread has written it
                FileHandle.standardError.write(Data(String(format: "%@: %.2f s\n", name, Date().timeIntervalSince(mark)).utf8))
                mark = Date()
            }
            try recordStart()
            try prepare()
            try beginBulkLoadIfLarge()
            try read()
            priorTickets = nil
            try phase("read (and apply grouped tickets)")
            try services.finish()
            summary.servicesCreated = services.created
            summary.servicesUpdated = services.updated
            try applyStaged()
            try phase("apply staged rows (\(stagedRows))")
            if !options.dryRun {
                try restoreIndexes()
                try phase("build indexes")
            }
            summary.seconds = Date().timeIntervalSince(started)
            try recordEnd()
            try finishRejects()
        }

        /// Adds this import's row to `imports` (not for a dry run, which writes nothing).
        func recordStart() throws {
            guard !options.dryRun else { return }
            let (file, format, profile) = (file, options.format.rawValue, options.profile.map { $0.name ?? $0.service })
            let id = try writer.ask { w in
                try w.db.run("INSERT INTO imports(file, format, profile, started_at) VALUES (?, ?, ?, ?)", [file, format, profile, Instant.now()])
                return w.db.lastInsertRowID
            }
            importID = id
            sourceLabel = "import:\(id)"
        }

        func recordEnd() throws {
            guard let importID else { return }
            let s = summary
            try writer.perform { w in
                try w.db.run("""
                    UPDATE imports SET finished_at = ?, rows_read = ?, tickets_new = ?, tickets_updated = ?, events_added = ?,
                        duplicates = ?, rejected = ?, seconds = ? WHERE id = ?
                    """, [Instant.now(), s.rowsRead, s.ticketsNew, s.ticketsUpdated, s.eventsAdded,
                          s.duplicates, s.rejected, (s.seconds * 100).rounded() / 100, importID])
            }
        }

        func prepare() throws {
            let (hadTickets, wal) = try writer.ask { w in
                (try w.db.scalar("SELECT 1 FROM tickets LIMIT 1") != nil, try w.db.scalar("PRAGMA journal_mode")?.string == "wal")
            }
            storeHadTickets = hadTickets
            if storeHadTickets, wal, let reader = try? Database(path: path, readOnly: true),
               (try? reader.execute("PRAGMA mmap_size=0")) != nil,  // as the writer's: resident memory stays flat
               let lookup = try? reader.prepare("SELECT 1 FROM tickets WHERE id = ?") {
                priorTickets = (OrchestrationStore(connection: reader), lookup)
            }
            closing = options.closing
            if let profile = options.profile {
                converter = StatusChangeConverter(service: profile.service, serviceVersion: 0, source: sourceLabel, opens: profile.opens.map(Set.init))
                converter?.statusField = profile.status.joined(separator: "+")
                converter?.leadTimeEnds = profile.leadTimeEnds ?? .resolved
                closing.casesComplete = closing.casesComplete || profile.casesComplete == true
                converter?.casesComplete = closing.casesComplete
                // A status history is converted from a ticket's whole row sequence (its first row opens it, its last
                // closing streak closes it), so a ticket applied while streaming could not take rows that come
                // back later: every row is staged and sorted by ticket, time and file order, whatever the file's order.
                streaming = false
            }
            services = ServiceInference(store: writer, profile: options.profile, leadTimeEnds: closing.leadTimeEnds(profile: options.profile))
            if let path = options.skipBadPath { rejects = try RejectsWriter(path: path) }
        }

        // MARK: bulk load

        /// Page cache during an import (64 MiB: one that updates the indexes of a large store row by row), during a
        /// bulk load (16 MiB: it appends, so a larger cache only holds pages longer before they are written), and
        /// while dropped indexes are built again (4 MiB: the sorter behind CREATE INDEX sorts runs of up to
        /// cache_size bytes and merges them with a helper thread; small runs sort in the CPU's caches). Measured at
        /// 1M tickets: building with 32 MiB took 5.0 s, 4 MiB 3.3 s; the bulk load's peak went from 227 to 78 MB.
        static let importCacheSize = -65536, bulkLoadCacheSize = -16384, indexBuildCacheSize = -4096

        /// Secondary indexes dropped for a bulk load; `restoreIndexes` builds them again before the transaction ends.
        var droppedIndexes: [(name: String, sql: String)] = []

        /// A file that brings more events than the store holds (an empty store, a first load of history) is loaded
        /// without the secondary indexes of the tables it fills (but those of `StoreSchema.bulkLoadKeptIndexes`,
        /// which also keep the lookups of `applyToExisting` indexed): building an index once at the end sorts once,
        /// where keeping it costs a random B-tree insert per row. All of it happens inside the import's
        /// transaction, so a failed import leaves the indexes as they were.
        func beginBulkLoadIfLarge() throws {
            // About 70–90 bytes per canonical row; a .gz file holds roughly ten times its size.
            let estimatedRows = source.totalBytes.map { source.name.hasSuffix(".gz") ? $0 / 8 : $0 / 80 } ?? 0
            droppedIndexes = try writer.ask { w in
                let storedEvents = try w.db.scalar("SELECT max(id) FROM events")?.int ?? 0
                guard storedEvents == 0 || estimatedRows > storedEvents else { return [] }
                let dropped = try StoreSchema.secondaryIndexes(w.db).filter { !StoreSchema.bulkLoadKeptIndexes.contains($0.name) }
                for index in dropped { try w.db.execute("DROP INDEX \(Database.quoteIdentifier(index.name))") }
                try w.db.execute("PRAGMA cache_size=\(Self.bulkLoadCacheSize)")
                return dropped
            }
        }

        func restoreIndexes() throws {
            guard !droppedIndexes.isEmpty else { return }
            let threads = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 2)
            try writer.perform { try $0.db.execute("PRAGMA threads=\(threads); PRAGMA cache_size=\(Self.indexBuildCacheSize)") }
            // Seconds at 1M tickets, after the rows have all been read: say what is going on.
            for (k, index) in droppedIndexes.enumerated() {
                options.progress?("building indexes: \(index.name) (\(k + 1) of \(droppedIndexes.count))")
                try writer.ask { try $0.db.execute(index.sql) }
            }
            try writer.perform { try $0.db.execute("PRAGMA threads=0; PRAGMA cache_size=\(Self.bulkLoadCacheSize)") }
            droppedIndexes = []
        }

    }
}
