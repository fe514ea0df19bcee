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
/// back after others, the rest of the file is staged in a temporary table (on disk, so memory stays flat however
/// large the file) and read back ordered by ticket, time and file line. Either way each ticket's rows are put in
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
        /// Whether writes may run on a writer thread while the file streams (tests turn it off to compare the paths).
        var writerThread = true

        public init(format: ImportFormat, profile: ImportProfile? = nil) { self.format = format; self.profile = profile }
    }

    let store: OrchestrationStore
    var db: Database { store.db }

    public init(store: OrchestrationStore) { self.store = store }

    private struct DryRunDone: Error { let summary: ImportSummary }

    /// Imports `source`. Throws `InputError` (naming the file, line and field) and leaves the store unchanged
    /// on the first bad row unless `skipBadPath` is set.
    public func run(_ source: ByteSource, options: Options) throws -> ImportSummary {
        let started = Date()
        let run = Run(importer: self, source: source, options: options)
        // Staging goes to disk, and a larger page cache keeps the indexes being written from spilling
        // mid-transaction (see `Run.importCacheSize`).
        let cacheSize = try db.scalar("PRAGMA cache_size")?.int ?? -2000
        try db.execute("PRAGMA temp_store=FILE; PRAGMA cache_size=\(Run.importCacheSize)")
        defer {
            try? db.execute("DROP TABLE IF EXISTS temp.import_stage; PRAGMA temp_store=MEMORY; PRAGMA cache_size=\(cacheSize)")
            store.forgetCachedServices()
        }
        // The first load into an empty store writes every page once, to the file, under a rollback journal (which
        // has nothing to save for pages the file did not have), instead of twice: to the WAL, then the checkpoint.
        // Needs the only connection to the store; otherwise the import stays in WAL mode. WAL comes back at the end.
        var journalSwitched = false
        if !options.dryRun, try db.scalar("SELECT 1 FROM events LIMIT 1") == nil {
            journalSwitched = (try? db.scalar("PRAGMA journal_mode=DELETE")?.string) == "delete"
            if journalSwitched { try db.execute("PRAGMA synchronous=FULL") }
        }
        defer {
            if journalSwitched { try? db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL") }
        }
        do {
            try db.transaction {
                let timing = ProcessInfo.processInfo.environment["BATON_IMPORT_TIMING"] != nil
                var mark = Date()
                func phase(_ name: String) {
                    guard timing else { return }
                    FileHandle.standardError.write(Data(String(format: "%@: %.2f s\n", name, Date().timeIntervalSince(mark)).utf8))
                    mark = Date()
                }
                try run.recordStart()
                try run.prepare()
                // Stopped (its unwritten rows discarded) before the transaction rolls back on an error.
                defer { try? run.writer.stopWriterThread(discard: true) }
                try run.beginBulkLoadIfLarge()
                // The writes run on a thread of their own while the file streams, when the tickets the import must
                // look up can be found without the writer: none (an empty store), or on a second connection.
                if options.writerThread, !run.storeHadTickets || run.priorTickets != nil { run.writer.startWriterThread() }
                try run.read()
                try run.writer.stopWriterThread()
                run.priorTickets = nil
                try run.writer.flush()
                phase("read (and apply grouped tickets)")
                try run.services.finish(run.db)
                run.summary.servicesCreated = run.services.created
                run.summary.servicesUpdated = run.services.updated
                try run.applyStaged()
                try run.writer.flush()
                phase("apply staged rows (\(run.stagedRows))")
                // A dry run rolls back, which brings the dropped indexes back by itself.
                if !options.dryRun {
                    try run.restoreIndexes()
                    phase("build indexes")
                }
                run.summary.seconds = Date().timeIntervalSince(started)
                try run.recordEnd()
                try run.finishRejects()
                if options.dryRun { throw DryRunDone(summary: run.summary) }
            }
        } catch let done as DryRunDone {
            var summary = done.summary
            summary.dryRun = true
            return summary
        }
        return run.summary
    }

    /// One import's state.
    final class Run: StagedRowSink {
        unowned let importer: EventLogImporter
        let source: ByteSource
        let options: Options
        let file: String
        /// The `source` of the events this import adds: `import:<id>`, the row of `imports` that describes it.
        var sourceLabel = "import"
        var importID: Int64?
        var summary = ImportSummary()
        var rejects: FileHandle?
        var insertStage: Statement!
        var lastProgress = Date()
        let startedAt = Date()

        var services: ServiceInference!

        // Streaming (grouped files) and staging (the rest).
        var streaming = true
        var group: [StagedRow] = []
        var flushed = Set<Int>()
        var storeHadTickets = true
        var stagedRows = 0
        var writer: ProjectionWriter!
        var exists: Statement!
        /// Whether a streamed ticket was in the store before this import, asked of a second, read-only connection: in
        /// WAL mode it reads the store as last committed, which is all a streamed ticket can be found in (one the
        /// file names twice is staged), so the lookup needs nothing the writer thread has yet to write.
        var priorTickets: (db: Database, statement: Statement)?
        var converter: StatusChangeConverter?
        /// Status histories: tickets a row with a team has been read for (the rows before hold it unassigned).
        var ticketsWithTeam = Set<Int>()
        /// The closing rule in force (the options', with the profile's `cases_complete`).
        var closing = TicketClosing()

        init(importer: EventLogImporter, source: ByteSource, options: Options) {
            self.importer = importer; self.source = source; self.options = options
            file = source.name
        }

        /// The connection, once the writer thread (if any) has written what it was given and left it.
        var db: Database { get throws { try writer?.quiesce(); return importer.db } }
        var store: OrchestrationStore { get throws { try writer?.quiesce(); return importer.store } }

        /// Adds this import's row to `imports` (not for a dry run, which writes nothing).
        func recordStart() throws {
            guard !options.dryRun else { return }
            let db = try self.db
            try db.run("INSERT INTO imports(file, format, profile, started_at) VALUES (?, ?, ?, ?)",
                       [file, options.format.rawValue, options.profile.map { $0.name ?? $0.service }, Instant.now()])
            importID = db.lastInsertRowID
            sourceLabel = "import:\(db.lastInsertRowID)"
        }

        func recordEnd() throws {
            guard let importID else { return }
            try db.run("""
                UPDATE imports SET finished_at = ?, rows_read = ?, tickets_new = ?, tickets_updated = ?, events_added = ?,
                    duplicates = ?, rejected = ?, seconds = ? WHERE id = ?
                """, [Instant.now(), summary.rowsRead, summary.ticketsNew, summary.ticketsUpdated, summary.eventsAdded,
                      summary.duplicates, summary.rejected, (summary.seconds * 100).rounded() / 100, importID])
        }

        func prepare() throws {
            try db.execute("""
                DROP TABLE IF EXISTS temp.import_stage;
                CREATE TEMP TABLE import_stage(seq INTEGER PRIMARY KEY, ticket TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,
                    service TEXT NOT NULL, step TEXT NOT NULL, team TEXT NOT NULL, actor TEXT NOT NULL, task TEXT NOT NULL,
                    status TEXT NOT NULL, title TEXT NOT NULL, requester TEXT NOT NULL, line INTEGER NOT NULL);
                """)
            insertStage = try db.prepare("INSERT INTO temp.import_stage(ticket, at, kind, service, step, team, actor, task, status, title, requester, line) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
            writer = try ProjectionWriter(db: db)
            exists = try db.prepare("SELECT 1 FROM tickets WHERE id = ?")
            storeHadTickets = try db.scalar("SELECT 1 FROM tickets LIMIT 1") != nil
            let path = try db.path
            if storeHadTickets, try db.scalar("PRAGMA journal_mode")?.string == "wal", FileManager.default.fileExists(atPath: path),
               let reader = try? Database(path: path, readOnly: true), let lookup = try? reader.prepare("SELECT 1 FROM tickets WHERE id = ?") {
                priorTickets = (reader, lookup)
            }
            closing = options.closing
            if let profile = options.profile {
                converter = StatusChangeConverter(service: profile.service, serviceVersion: 0, source: sourceLabel, opens: profile.opens.map(Set.init))
                converter?.statusField = profile.status.joined(separator: "+")
                converter?.leadTimeEnds = profile.leadTimeEnds ?? .resolved
                closing.casesComplete = closing.casesComplete || profile.casesComplete == true
                converter?.casesComplete = closing.casesComplete
            }
            services = ServiceInference(store: { [unowned self] in try self.store }, profile: options.profile,
                                        leadTimeEnds: closing.leadTimeEnds(profile: options.profile))
            if let path = options.skipBadPath {
                guard FileManager.default.createFile(atPath: path, contents: Data("line,field,reason,record\n".utf8)),
                      let h = FileHandle(forWritingAtPath: path) else { throw InputError(file: path, "cannot write the file for rejected rows") }
                h.seekToEndOfFile()
                rejects = h
            }
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
            let storedEvents = try db.scalar("SELECT max(id) FROM events")?.int ?? 0
            // About 70–90 bytes per canonical row; a .gz file holds roughly ten times its size.
            let estimatedRows = source.totalBytes.map { source.name.hasSuffix(".gz") ? $0 / 8 : $0 / 80 } ?? 0
            guard storedEvents == 0 || estimatedRows > storedEvents else { return }
            droppedIndexes = try StoreSchema.secondaryIndexes(db).filter { !StoreSchema.bulkLoadKeptIndexes.contains($0.name) }
            for index in droppedIndexes { try db.execute("DROP INDEX \(Database.quoteIdentifier(index.name))") }
            try db.execute("PRAGMA cache_size=\(Self.bulkLoadCacheSize)")
        }

        func restoreIndexes() throws {
            guard !droppedIndexes.isEmpty else { return }
            try writer.flush()
            let threads = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 2)
            try db.execute("PRAGMA threads=\(threads); PRAGMA cache_size=\(Self.indexBuildCacheSize)")
            defer { try? db.execute("PRAGMA threads=0; PRAGMA cache_size=\(Self.bulkLoadCacheSize)") }
            // Seconds at 1M tickets, after the rows have all been read: say what is going on.
            for (k, index) in droppedIndexes.enumerated() {
                options.progress?("building indexes: \(index.name) (\(k + 1) of \(droppedIndexes.count))")
                try db.execute(index.sql)
            }
            droppedIndexes = []
        }

        // MARK: reading

        func read() throws {
            let reader = CanonicalLogReader(source: source)
            if let profile = options.profile {
                let times = try profile.timeParser(file: file, timezoneOverride: options.timezone)
                switch options.format {
                case .xes:
                    try XESLogReader(source: source).forEachEvent { record, line in
                        try self.profileRow(profile, times: times, line: line) { record[$0] }
                    }
                case .csv:
                    var header: [String: Int] = [:]
                    try CSVRecordReader(source: source).forEachRecord { fields, line in
                        if header.isEmpty {
                            for (i, name) in fields.enumerated() where header[name] == nil { header[name] = i }
                            for name in [profile.ticket, profile.time, profile.team] + profile.status where header[name] == nil {
                                throw InputError(file: self.file, line: line, field: name, "missing required column (the profile names it)")
                            }
                            return
                        }
                        try self.profileRow(profile, times: times, line: line, record: fields.map(CanonicalLogReader.csvField).joined(separator: ",")) { name in
                            header[name].flatMap { $0 < fields.count ? fields[$0] : nil }
                        }
                    }
                case .jsonl:
                    try source.forEachLine { bytes, line in
                        guard !bytes.allSatisfy({ $0 == 32 || $0 == 9 }) else { return }
                        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
                        guard let object else {
                            try self.reject(InputError(file: self.file, line: line, "is not a JSON object"), record: String(decoding: bytes, as: UTF8.self))
                            return
                        }
                        try self.profileRow(profile, times: times, line: line, record: String(decoding: bytes, as: UTF8.self)) { key in
                            switch object[key] { case let s as String: return s; case let n as NSNumber: return n.stringValue; default: return nil }
                        }
                    }
                }
            } else {
                switch options.format {
                case .csv: try reader.readCSV(into: self)
                case .jsonl: try reader.readJSONLines(into: self)
                case .xes:
                    let xes = XESLogReader(source: source)
                    try xes.forEachEvent { record, line in try self.xesRow(record, line: line) }
                }
            }
            if streaming, !group.isEmpty { try flush(group, streamed: true) }
            group.removeAll()
            progress(rows: summary.rowsRead, force: true)
        }

        private func profileRow(_ profile: ImportProfile, times: TimeParser, line: Int, record: String? = nil, _ value: (String) -> String?) throws {
            do {
                let (row, names) = try profile.stagedRow(value, line: line, file: file, times: times)
                if row.step.isEmpty && !ticketsWithTeam.contains(row.ticket.hashValue) {
                    // It may open the ticket's (unassigned) run (see StatusChangeConverter): the step is noted as a row of its own.
                    var held = row
                    held.step = StatusChangeConverter.unassigned.key
                    held.team = StatusChangeConverter.unassigned.key
                    try services.note(held, names: RowNames(step: StatusChangeConverter.unassigned.name, team: StatusChangeConverter.unassigned.name))
                }
                if !row.team.isEmpty { ticketsWithTeam.insert(row.ticket.hashValue) }
                try self.row(row, names: names)
            } catch let error as InputError {
                try reject(error, record: record ?? "")
            }
        }

        /// XES without a profile: case `concept:name` = ticket, event `concept:name` = step,
        /// `lifecycle:transition` = kind (a `baton:event` attribute, as Baton exports it, wins), `org:group` = team,
        /// `org:resource` = actor, `time:timestamp` = time. A trace without an `opened` event opens at its first event.
        private func xesRow(_ r: [String: String], line: Int) throws {
            let describe = { r.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            do {
                guard let ticket = r["case:concept:name"], !ticket.isEmpty else {
                    throw InputError(file: file, line: line, field: "concept:name", "the trace has no concept:name (the ticket id)")
                }
                guard let time = r["time:timestamp"], let at = Instant.parse(time) else {
                    throw InputError(file: file, line: line, field: "time:timestamp", "'\(r["time:timestamp"] ?? "")' is not an ISO 8601 date-time")
                }
                let kind: EventKind
                if let k = r["baton:event"] {
                    guard let parsed = EventKind(rawValue: k) else {
                        throw InputError(file: file, line: line, field: "baton:event", "unknown event kind '\(k)'\(Suggest.didYouMean(k, in: EventKind.allCases.map(\.rawValue)))")
                    }
                    kind = parsed
                } else {
                    let transition = (r["lifecycle:transition"] ?? "complete").lowercased()
                    guard let mapped = Self.lifecycle[transition] else {
                        throw InputError(file: file, line: line, field: "lifecycle:transition",
                                         "unknown transition '\(transition)' (read: \(Self.lifecycle.keys.sorted().joined(separator: ", "))); a status-change log needs --profile (see samples/profiles/)")
                    }
                    kind = mapped
                }
                let service = r["case:service"] ?? options.xesService ?? r["log:concept:name"].map(KeySlug.make) ?? KeySlug.make(((file as NSString).lastPathComponent as NSString).deletingPathExtension.replacingOccurrences(of: ".xes", with: ""))
                let stepName = kind.isTicketEvent ? "" : (r["concept:name"] ?? "")
                guard kind.isTicketEvent || !stepName.isEmpty else {
                    throw InputError(file: file, line: line, field: "concept:name", "the event has no concept:name (the step)")
                }
                let teamName = r["org:group"] ?? ""
                // Baton's own export (baton:event) carries its keys as they are; any other log's labels become keys
                // by the one slug rule every path uses, and stay as the steps' and teams' names.
                let own = r["baton:event"] != nil
                let step = stepName.isEmpty || own ? stepName : KeySlug.make(stepName)
                let team = teamName.isEmpty || own ? teamName : KeySlug.make(teamName)
                let row = StagedRow(ticket: ticket, at: at, kind: kind.rawValue, service: service, step: step, team: team,
                                    actor: r["org:resource"] ?? "", task: r["baton:task"] ?? "",
                                    title: kind == .opened ? r["baton:title"] ?? "" : "",
                                    requester: kind == .opened ? r["baton:requester"] ?? "" : "", line: line)
                try self.row(row, names: RowNames(step: own || stepName.isEmpty ? nil : stepName, team: own || teamName.isEmpty ? nil : teamName))
            } catch let error as InputError {
                try reject(error, record: describe())
            }
        }

        static let lifecycle: [String: EventKind] = [
            "start": .started, "complete": .completed, "schedule": .ready, "assign": .ready, "suspend": .paused,
            "resume": .resumed, "manualskip": .skipped, "autoskip": .skipped, "ate_abort": .skipped, "reassign": .reassigned,
        ]

        func row(_ row: StagedRow, names: RowNames) throws {
            summary.rowsRead += 1
            if !row.service.isEmpty { try services.note(row, names: names) }
            if streaming {
                if let last = group.last, last.ticket != row.ticket {
                    try flush(group, streamed: true)
                    group.removeAll(keepingCapacity: true)
                }
                if !group.isEmpty || !flushed.contains(row.ticket.hashValue) {
                    group.append(row)
                    if summary.rowsRead & 0x3FFF == 0 { progress(rows: summary.rowsRead) }
                    return
                }
                // A ticket seen earlier comes back: the file is not grouped by ticket. The rest is staged and
                // sorted; tickets already applied take their later rows as a replay.
                streaming = false
                try writer.stopWriterThread()
            }
            stagedRows += 1
            try insertStage.run([row.ticket, row.at, row.kind, row.service, row.step, row.team, row.actor, row.task, row.status, row.title, row.requester, row.line])
            if summary.rowsRead & 0x3FFF == 0 { progress(rows: summary.rowsRead) }
        }

        func reject(_ error: InputError, record: String) throws {
            guard let rejects else { throw error }
            summary.rejected += 1
            let line = [error.line.map(String.init) ?? "", error.field ?? "", error.message, record].map(CanonicalLogReader.csvField).joined(separator: ",") + "\n"
            rejects.write(Data(line.utf8))
        }

        func warn(_ message: String) {
            summary.warnings.append(message)
            options.warn?(message)
        }

        func progress(rows: Int) { progress(rows: rows, force: false) }

        func progress(rows: Int, force: Bool) {
            guard let report = options.progress else { return }
            let now = Date()
            guard force || now.timeIntervalSince(lastProgress) >= 0.5 else { return }
            lastProgress = now
            let rate = Double(rows) / max(now.timeIntervalSince(startedAt), 0.001)
            var text = "reading \(file): \(rows) rows, \(Int(rate)) rows/s"
            if let total = source.totalBytes, total > 0 {
                text += String(format: ", %.0f%%", min(100, Double(source.consumedBytes) * 100 / Double(total)))
            }
            report(text)
        }

        func finishRejects() throws {
            try rejects?.synchronize()
            try rejects?.close()
            rejects = nil
        }

        func service(_ key: String, version: Int? = nil) throws -> ServiceVersion? { try services.service(key, version: version) }

        // MARK: applying

        /// Applies the staged rows (a file not grouped by ticket), ticket by ticket in time order.
        func applyStaged() throws {
            guard stagedRows > 0 else { return }
            let read = try db.prepare("SELECT ticket, at, kind, service, step, team, actor, task, status, title, requester, line FROM temp.import_stage ORDER BY ticket, at, seq")
            var rows: [StagedRow] = []
            var processed = 0
            try read.forEach { s in
                let row = StagedRow(ticket: s.string(at: 0) ?? "", at: s.int(at: 1) ?? 0, kind: s.string(at: 2) ?? "", service: s.string(at: 3) ?? "",
                                    step: s.string(at: 4) ?? "", team: s.string(at: 5) ?? "", actor: s.string(at: 6) ?? "",
                                    task: s.string(at: 7) ?? "", status: s.string(at: 8) ?? "", title: s.string(at: 9) ?? "",
                                    requester: s.string(at: 10) ?? "", line: Int(s.int(at: 11) ?? 0))
                if let last = rows.last, last.ticket != row.ticket {
                    try flush(rows, streamed: false)
                    processed += rows.count
                    rows.removeAll(keepingCapacity: true)
                    if let report = options.progress, Date().timeIntervalSince(lastProgress) >= 0.5 {
                        lastProgress = Date()
                        report(String(format: "applying: %d of %d staged rows (%.0f%%)", processed, stagedRows, Double(processed) * 100 / Double(max(stagedRows, 1))))
                    }
                }
                rows.append(row)
            }
            try flush(rows, streamed: false)
        }

        /// One ticket's rows → events → the state machine → the store.
        private func flush(_ rows: [StagedRow], streamed: Bool) throws {
            guard let first = rows.first else { return }
            var group = rows
            if streamed {
                // Staged rows come back sorted; a streamed group is put in time order here (file order breaks ties).
                var sorted = true
                for i in 1..<max(group.count, 1) where group[i].at < group[i - 1].at { sorted = false; break }
                if !sorted {
                    group = group.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }.map(\.element)
                }
                flushed.insert(first.ticket.hashValue)
            }
            var known = false
            if streamed, storeHadTickets, let prior = priorTickets {
                try prior.statement.forEach([first.ticket]) { _ in known = true }
            } else if !streamed || storeHadTickets {
                try writer.quiesce()
                try exists.forEach([first.ticket]) { _ in known = true }
            }
            let events: [(Event, Int)]
            if var converter, let profile = options.profile {
                guard let s = try service(profile.service) else { return }
                converter.serviceVersion = s.version
                do { events = try converter.events(ticket: first.ticket, rows: group) } catch let f as StatusChangeConverter.Failure {
                    if streamed { try stage(group); return }
                    for r in group where r.line == f.line || rejects != nil { try rejectRow(r, field: f.field, f.message) }
                    return
                }
            } else {
                events = try canonicalEvents(group, known: known)
            }
            let settled = known ? try applyToExisting(first.ticket, events, streamed: streamed)
                                : try applyNew(first.ticket, events, streamed: streamed)
            if !settled { try stage(group) }
        }

        /// Canonical rows → events; the `opened` event names the service's current version. XES traces without an
        /// `opened` event open at their first event (XES has no ticket events of its own).
        private func canonicalEvents(_ rows: [StagedRow], known: Bool) throws -> [(Event, Int)] {
            var out: [(Event, Int)] = []
            out.reserveCapacity(rows.count + 1)
            if !known, options.format == .xes, let first = rows.first, !rows.contains(where: { $0.kind == EventKind.opened.rawValue }) {
                let version = try service(first.service)?.version
                out.append((Event(ticketID: first.ticket, kind: .opened, at: first.at, actor: first.actor.isEmpty ? nil : first.actor,
                                  source: sourceLabel, service: first.service, serviceVersion: version), first.line))
            }
            for r in rows {
                let kind = EventKind(name: r.kind)!
                var version: Int? = nil
                if kind == .opened {
                    guard let s = try service(r.service) else {
                        try rejectRow(r, field: "service", "\(r.ticket): no service '\(r.service)' in the store")
                        continue
                    }
                    version = s.version
                }
                out.append((Event(ticketID: r.ticket, step: r.step, kind: kind, at: r.at, actor: r.actor.isEmpty ? nil : r.actor,
                                  source: sourceLabel, team: r.team.isEmpty ? nil : r.team, task: r.task,
                                  service: kind == .opened ? r.service : nil, serviceVersion: version,
                                  title: r.title.isEmpty ? nil : r.title, requester: r.requester.isEmpty ? nil : r.requester), r.line))
            }
            return out
        }

        private func rejectRow(_ r: StagedRow, field: String, _ message: String) throws {
            let record = [r.ticket, r.service, r.step, r.team, r.kind, Instant.iso(r.at), r.actor].map(CanonicalLogReader.csvField).joined(separator: ",")
            try reject(InputError(file: file, line: r.line, field: field, message), record: record)
        }

        /// Rejections of the ticket being applied, issued only once the ticket is settled (see `settle`).
        private var pendingRejections: [(Event, Int, String, String)] = []

        private func rejectEvent(_ e: Event, line: Int, _ message: String, field: String? = nil) throws {
            pendingRejections.append((e, line, message, field ?? "event"))
        }

        /// A streamed ticket with a rejected event may only lack rows that come later in an ungrouped file, so its
        /// rows are staged and judged after the whole file is read. Otherwise the rejections are final.
        private func settle(streamed: Bool) throws -> Bool {
            defer { pendingRejections.removeAll() }
            if streamed && !pendingRejections.isEmpty { return false }
            for (e, line, message, field) in pendingRejections { try issueRejection(e, line: line, field: field, message) }
            return true
        }

        private func issueRejection(_ e: Event, line: Int, field: String, _ message: String) throws {
            let record = [e.ticketID, e.service ?? "", e.step, e.team ?? "", e.kind.rawValue, Instant.iso(e.at), e.actor ?? ""]
                .map(CanonicalLogReader.csvField).joined(separator: ",")
            try reject(InputError(file: file, line: line, field: field, message), record: record)
        }

        private func stage(_ rows: [StagedRow]) throws {
            try writer.quiesce()
            for row in rows {
                stagedRows += 1
                try insertStage.run([row.ticket, row.at, row.kind, row.service, row.step, row.team, row.actor, row.task, row.status, row.title, row.requester, row.line])
            }
        }

        private func applyNew(_ id: String, _ events: [(Event, Int)], streamed: Bool) throws -> Bool {
            var events = events
            if converter == nil, let close = closing.closingEvent(for: events, source: sourceLabel) { events.append(close) }
            var ticket = TicketState(id: id)
            var serviceVersion: ServiceVersion?
            var seen = Set<Event.Identity>()
            var added: [Event] = []
            added.reserveCapacity(events.count)
            var duplicates = 0
            let machine = StateMachine(mode: .history)
            // Identical events share their instant: in a list in time order (as groups are), an event can only
            // repeat one of the events just before it at the same instant, found without hashing.
            var inTimeOrder = true
            for k in events.indices.dropFirst() where events[k].0.at < events[k - 1].0.at { inTimeOrder = false; break }
            for (k, (e, line)) in events.enumerated() {
                if inTimeOrder {
                    var j = k - 1
                    var repeated = false
                    while j >= 0, events[j].0.at == e.at {
                        let p = events[j].0
                        if p.kind == e.kind, p.step == e.step, p.task == e.task, p.ticketID == e.ticketID { repeated = true; break }
                        j -= 1
                    }
                    if repeated { duplicates += 1; continue }
                } else {
                    guard seen.insert(e.identity).inserted else { duplicates += 1; continue }
                }
                if e.kind == .opened, serviceVersion == nil, let key = e.service {
                    serviceVersion = try service(key, version: e.serviceVersion)
                }
                guard let sv = serviceVersion else {
                    try rejectEvent(e, line: line, "\(id): a '\(e.kind.rawValue)' event comes before the ticket was opened (the file has no 'opened' row for it before this one)")
                    continue
                }
                do {
                    try machine.apply(e, to: &ticket, service: sv)
                    added.append(e)
                } catch let refused as ActionRefused {
                    try rejectEvent(e, line: line, refused.message, field: refused.field)
                }
            }
            guard try settle(streamed: streamed) else { return false }
            summary.duplicates += duplicates
            guard !added.isEmpty, ticket.isOpened else { return true }
            try writer.insert(added)
            try writer.insertNew(ticket)
            summary.ticketsNew += 1
            summary.eventsAdded += added.count
            return true
        }

        /// A ticket already in the store: events it already has are duplicates; new ones are placed among the
        /// stored ones by time and the projection is rebuilt from all of them (a replay).
        private func applyToExisting(_ id: String, _ events: [(Event, Int)], streamed: Bool) throws -> Bool {
            try writer.flush()   // the ticket's own rows may still be buffered
            let stored = try store.events(ofTicket: id)
            var seen = Set(stored.map(\.identity))
            var fresh: [(Event, Int)] = []
            var duplicates = 0
            defer { if pendingRejections.isEmpty { summary.duplicates += duplicates } }
            for (e, line) in events {
                if seen.insert(e.identity).inserted { fresh.append((e, line)) } else { duplicates += 1 }
            }
            guard !fresh.isEmpty else { return true }
            let latest = stored.map(\.at).max() ?? .min
            let replayed = fresh.contains(where: { $0.0.at < latest })
            // Stored events first on equal instants (they came from an earlier file), then file order.
            var merged: [(event: Event, line: Int?, order: Int)] = stored.enumerated().map { ($0.element, nil, $0.offset) }
            merged += fresh.enumerated().map { ($0.element.0, $0.element.1, stored.count + $0.offset) }
            merged.sort { $0.event.at != $1.event.at ? $0.event.at < $1.event.at : $0.order < $1.order }
            // The closing rule looks at the whole ticket, stored events and the file's (a ticket already closed or
            // cancelled keeps its ending).
            if converter == nil, let (close, line) = closing.closingEvent(for: merged.map { ($0.event, $0.line ?? 0) }, source: sourceLabel),
               seen.insert(close.identity).inserted {
                fresh.append((close, line))
                merged.append((close, line, merged.count))
            }
            var ticket = TicketState(id: id)
            var serviceVersion: ServiceVersion?
            let machine = StateMachine(mode: .history)
            var added: [Event] = []
            for item in merged {
                let e = item.event
                if e.kind == .opened, serviceVersion == nil, let key = e.service { serviceVersion = try service(key, version: e.serviceVersion) }
                do {
                    guard let sv = serviceVersion else { throw ActionRefused("\(id): a '\(e.kind.rawValue)' event comes before the ticket was opened") }
                    try machine.apply(e, to: &ticket, service: sv)
                    if item.line != nil { added.append(e) }
                } catch let refused as ActionRefused {
                    if let line = item.line {
                        try rejectEvent(e, line: line, refused.message, field: refused.field)
                    } else {
                        // A stored event no longer fits once the file's events are placed before it: the file's events
                        // for this ticket are refused together, and the ticket keeps what it had.
                        let first = fresh.first!
                        let message = "\(id): placing this file's events among the stored ones makes the stored '\(e.kind.rawValue)' event at \(Instant.iso(e.at)) invalid: \(refused.message)"
                        pendingRejections.removeAll()
                        for (ev, line) in fresh { try rejectEvent(ev, line: line, message) }
                        _ = first
                        return try settle(streamed: streamed)
                    }
                }
            }
            guard try settle(streamed: streamed) else { duplicates = 0; return false }
            if replayed { summary.ticketsReplayed += 1 }
            guard !added.isEmpty else { return true }
            try writer.insert(added)
            try store.saveTicket(ticket, isNew: false)
            // A ticket this import created while streaming is counted once, as new.
            if streamed || !flushed.contains(id.hashValue) { summary.ticketsUpdated += 1 }
            summary.eventsAdded += added.count
            return true
        }

    }
}
