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

/// Imports an event log into the store in one transaction: rows are staged in a temporary table (on disk, so
/// memory stays flat however large the file), read back ordered by ticket, time and file line, turned into events
/// (directly, or through a status-change profile) and applied by the state machine in history mode.
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
        try db.execute("PRAGMA temp_store=FILE")
        defer { try? db.execute("DROP TABLE IF EXISTS temp.import_stage; PRAGMA temp_store=MEMORY") }
        do {
            try db.transaction {
                try run.stage()
                try run.prepareServices()
                try run.apply()
                run.summary.seconds = Date().timeIntervalSince(started)
                try run.finishRejects()
                if options.dryRun { throw DryRunDone(summary: run.summary) }
            }
        } catch let done as DryRunDone {
            var summary = done.summary
            summary.dryRun = true
            return summary
        }
        store.forgetCachedServices()
        return run.summary
    }

    /// One import's state.
    final class Run: StagedRowSink {
        unowned let importer: EventLogImporter
        let source: ByteSource
        let options: Options
        let file: String
        let sourceLabel: String
        var summary = ImportSummary()
        var rejects: FileHandle?
        var rejectsPath: String?
        /// Steps seen per service, in order of first appearance: (step, team key, team name).
        var stepsSeen: [String: [(step: String, team: String, teamName: String)]] = [:]
        var stepKeysSeen: [String: Set<String>] = [:]
        var serviceOrder: [String] = []
        var insertStage: Statement!
        var insertEvent: Statement!
        var lastProgress = Date()
        let startedAt = Date()
        var services: [String: ServiceVersion] = [:]

        init(importer: EventLogImporter, source: ByteSource, options: Options) {
            self.importer = importer; self.source = source; self.options = options
            file = source.name
            sourceLabel = "import:" + (source.name as NSString).lastPathComponent
        }

        var db: Database { importer.db }
        var store: OrchestrationStore { importer.store }

        // MARK: staging

        func stage() throws {
            try db.execute("""
                DROP TABLE IF EXISTS temp.import_stage;
                CREATE TEMP TABLE import_stage(seq INTEGER PRIMARY KEY, ticket TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,
                    service TEXT NOT NULL, step TEXT NOT NULL, team TEXT NOT NULL, actor TEXT NOT NULL, task TEXT NOT NULL,
                    status TEXT NOT NULL, line INTEGER NOT NULL);
                """)
            insertStage = try db.prepare("INSERT INTO temp.import_stage(ticket, at, kind, service, step, team, actor, task, status, line) VALUES (?,?,?,?,?,?,?,?,?,?)")
            if let path = options.skipBadPath {
                FileManager.default.createFile(atPath: path, contents: Data("line,field,reason,record\n".utf8))
                guard let h = FileHandle(forWritingAtPath: path) else { throw InputError(file: path, "cannot write the file for rejected rows") }
                h.seekToEndOfFile()
                rejects = h
                rejectsPath = path
            }
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
            progress(rows: summary.rowsRead, force: true)
        }

        private func profileRow(_ profile: ImportProfile, times: TimeParser, line: Int, record: String? = nil, _ value: (String) -> String?) throws {
            do {
                let (row, teamName) = try profile.stagedRow(value, line: line, file: file, times: times)
                try self.row(row, teamName: teamName)
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
                                         "unknown transition '\(transition)' (read: \(Self.lifecycle.keys.sorted().joined(separator: ", ")))")
                    }
                    kind = mapped
                }
                let service = r["case:service"] ?? options.xesService ?? r["log:concept:name"].map(KeySlug.make) ?? KeySlug.make(((file as NSString).lastPathComponent as NSString).deletingPathExtension.replacingOccurrences(of: ".xes", with: ""))
                let stepName = kind.isTicketEvent ? "" : (r["concept:name"] ?? "")
                guard kind.isTicketEvent || !stepName.isEmpty else {
                    throw InputError(file: file, line: line, field: "concept:name", "the event has no concept:name (the step)")
                }
                let step = ServiceDefinition.isValidKey(stepName) || stepName.isEmpty ? stepName : KeySlug.make(stepName)
                let teamName = r["org:group"] ?? ""
                let team = teamName.isEmpty || ServiceDefinition.isValidKey(teamName) ? teamName : KeySlug.make(teamName)
                let row = StagedRow(ticket: ticket, at: at, kind: kind.rawValue, service: service, step: step, team: team,
                                    actor: r["org:resource"] ?? "", task: r["baton:task"] ?? "", status: "implicit-open", line: line)
                try self.row(row, teamName: teamName)
            } catch let error as InputError {
                try reject(error, record: describe())
            }
        }

        static let lifecycle: [String: EventKind] = [
            "start": .started, "complete": .completed, "schedule": .ready, "assign": .ready, "suspend": .paused,
            "resume": .resumed, "manualskip": .skipped, "autoskip": .skipped, "ate_abort": .skipped, "reassign": .reopened,
        ]

        func row(_ row: StagedRow, teamName: String?) throws {
            summary.rowsRead += 1
            if !row.step.isEmpty, !row.service.isEmpty {
                if stepKeysSeen[row.service] == nil { serviceOrder.append(row.service); stepKeysSeen[row.service] = []; stepsSeen[row.service] = [] }
                if stepKeysSeen[row.service]!.insert(row.step).inserted {
                    stepsSeen[row.service]!.append((row.step, row.team, teamName ?? row.team))
                }
            } else if !row.service.isEmpty, stepKeysSeen[row.service] == nil {
                serviceOrder.append(row.service); stepKeysSeen[row.service] = []; stepsSeen[row.service] = []
            }
            try insertStage.run([row.ticket, row.at, row.kind, row.service, row.step, row.team, row.actor, row.task, row.status, row.line])
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

        // MARK: services

        /// Creates services the log names but the store lacks (origin `log`, steps in order of first appearance,
        /// enforced order), and adds a version to a log-made service when the file shows new steps.
        func prepareServices() throws {
            for key in serviceOrder {
                let seen = stepsSeen[key] ?? []
                if let existing = try store.service(key) {
                    guard !existing.isDefined else { continue }   // a defined service is never changed by an import
                    let known = Set(existing.definition.steps.map(\.key))
                    let added = seen.filter { !known.contains($0.step) }
                    guard !added.isEmpty else { continue }
                    var definition = existing.definition
                    var names = definition.teams ?? [:]
                    for s in added {
                        definition.steps.append(.init(key: s.step, name: s.step, team: s.team.isEmpty ? nil : s.team))
                        if !s.team.isEmpty { names[s.team] = s.teamName }
                    }
                    definition.teams = names.isEmpty ? nil : names
                    try store.apply(definition, origin: "log")
                    summary.servicesUpdated.append(key)
                } else {
                    guard ServiceDefinition.isValidKey(key) else { continue }
                    var names: [String: String] = [:]
                    for s in seen where !s.team.isEmpty { names[s.team] = s.teamName }
                    let name = key == options.profile?.service ? (options.profile?.serviceName ?? key) : key
                    let definition = ServiceDefinition(key: key, name: name, enforceOrder: true, autoClose: false,
                                                       steps: seen.map { .init(key: $0.step, name: $0.step, team: $0.team.isEmpty ? nil : $0.team) },
                                                       teams: names.isEmpty ? nil : names)
                    if definition.steps.isEmpty {
                        // A service seen only in ticket events: it still needs a definition to open tickets against.
                        var d = definition
                        d.steps = []
                        try applyStepless(d)
                    } else {
                        try store.apply(definition, origin: "log")
                    }
                    summary.servicesCreated.append(key)
                }
            }
        }

        private func applyStepless(_ d: ServiceDefinition) throws {
            try store.apply(d, origin: "log")
        }

        func service(_ key: String, version: Int? = nil) throws -> ServiceVersion? {
            if version == nil, let s = services[key] { return s }
            let s = try store.service(key, version: version)
            if version == nil { services[key] = s }
            return s
        }

        // MARK: applying

        func apply() throws {
            insertEvent = try db.prepare("""
                INSERT OR IGNORE INTO events(ticket_id, step, kind, at, actor, source, team, task, note, service, service_version, payload)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL)
                """)
            let exists = try db.prepare("SELECT 1 FROM tickets WHERE id = ?")
            let read = try db.prepare("SELECT ticket, at, kind, service, step, team, actor, task, status, line FROM temp.import_stage ORDER BY ticket, at, seq")
            let converter: StatusChangeConverter? = try options.profile.map { profile in
                guard let s = try service(profile.service) else { throw InputError(file: file, field: "service", "the profile's service '\(profile.service)' could not be created") }
                return StatusChangeConverter(service: s.key, serviceVersion: s.version, source: sourceLabel, opens: profile.opens.map(Set.init))
            }
            var group: [StagedRow] = []
            var processed = 0
            func flush() throws {
                guard let first = group.first else { return }
                var known = false
                try exists.forEach([first.ticket]) { _ in known = true }
                let events: [(Event, Int)]
                if let converter {
                    do { events = try converter.events(ticket: first.ticket, rows: group) } catch let f as StatusChangeConverter.Failure {
                        for r in group { try rejectRow(r, field: f.field, f.message, only: r.line == f.line) }
                        group.removeAll(keepingCapacity: true)
                        return
                    }
                } else {
                    events = try canonicalEvents(group, known: known)
                }
                if known { try applyToExisting(first.ticket, events) } else { try applyNew(first.ticket, events) }
                processed += group.count
                if let report = options.progress, Date().timeIntervalSince(lastProgress) >= 0.5 {
                    lastProgress = Date()
                    report(String(format: "applying: %d of %d rows (%.0f%%)", processed, summary.rowsRead, Double(processed) * 100 / Double(max(summary.rowsRead, 1))))
                }
                group.removeAll(keepingCapacity: true)
            }
            try read.forEach { s in
                let row = StagedRow(ticket: s.string(at: 0) ?? "", at: s.int(at: 1) ?? 0, kind: s.string(at: 2) ?? "", service: s.string(at: 3) ?? "",
                                    step: s.string(at: 4) ?? "", team: s.string(at: 5) ?? "", actor: s.string(at: 6) ?? "",
                                    task: s.string(at: 7) ?? "", status: s.string(at: 8) ?? "", line: Int(s.int(at: 9) ?? 0))
                if let last = group.last, last.ticket != row.ticket { try flush() }
                group.append(row)
            }
            try flush()
        }

        /// Canonical rows → events; the `opened` event names the service's current version. XES traces without an
        /// `opened` event open at their first event (XES has no ticket events of its own).
        private func canonicalEvents(_ rows: [StagedRow], known: Bool) throws -> [(Event, Int)] {
            var out: [(Event, Int)] = []
            out.reserveCapacity(rows.count + 1)
            if !known, let first = rows.first, first.status == "implicit-open", !rows.contains(where: { $0.kind == EventKind.opened.rawValue }) {
                let version = try service(first.service)?.version
                out.append((Event(ticketID: first.ticket, kind: .opened, at: first.at, actor: first.actor.isEmpty ? nil : first.actor,
                                  source: sourceLabel, service: first.service, serviceVersion: version), first.line))
            }
            for r in rows {
                let kind = EventKind(rawValue: r.kind)!
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
                                  service: kind == .opened ? r.service : nil, serviceVersion: version), r.line))
            }
            return out
        }

        private func rejectRow(_ r: StagedRow, field: String, _ message: String, only: Bool = true) throws {
            guard only || rejects != nil else { return }
            let record = [r.ticket, r.service, r.step, r.team, r.kind, Instant.iso(r.at), r.actor].map(CanonicalLogReader.csvField).joined(separator: ",")
            try reject(InputError(file: file, line: r.line, field: field, message), record: record)
        }

        private func rejectEvent(_ e: Event, line: Int, _ message: String) throws {
            let field = message.contains("is not a step of") ? "step" : (message.contains("has no task") ? "task" : "event")
            let record = [e.ticketID, e.service ?? "", e.step, e.team ?? "", e.kind.rawValue, Instant.iso(e.at), e.actor ?? ""]
                .map(CanonicalLogReader.csvField).joined(separator: ",")
            try reject(InputError(file: file, line: line, field: field, message), record: record)
        }

        private func applyNew(_ id: String, _ events: [(Event, Int)]) throws {
            var ticket = TicketState(id: id)
            var serviceVersion: ServiceVersion?
            var seen = Set<Event.Identity>()
            var added: [Event] = []
            let machine = StateMachine(mode: .history)
            for (e, line) in events {
                guard seen.insert(e.identity).inserted else { summary.duplicates += 1; continue }
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
                    try rejectEvent(e, line: line, refused.message)
                }
            }
            guard !added.isEmpty, ticket.isOpened else { return }
            for e in added { try write(e) }
            try store.saveTicket(ticket, isNew: true)
            summary.ticketsNew += 1
            summary.eventsAdded += added.count
        }

        /// A ticket already in the store: events it already has are duplicates; new ones are placed among the
        /// stored ones by time and the projection is rebuilt from all of them (a replay).
        private func applyToExisting(_ id: String, _ events: [(Event, Int)]) throws {
            let stored = try store.events(ofTicket: id)
            var seen = Set(stored.map(\.identity))
            var fresh: [(Event, Int)] = []
            for (e, line) in events {
                if seen.insert(e.identity).inserted { fresh.append((e, line)) } else { summary.duplicates += 1 }
            }
            guard !fresh.isEmpty else { return }
            let latest = stored.map(\.at).max() ?? .min
            if fresh.contains(where: { $0.0.at < latest }) { summary.ticketsReplayed += 1 }
            // Stored events first on equal instants (they came from an earlier file), then file order.
            var merged: [(event: Event, line: Int?, order: Int)] = stored.enumerated().map { ($0.element, nil, $0.offset) }
            merged += fresh.enumerated().map { ($0.element.0, $0.element.1, stored.count + $0.offset) }
            merged.sort { $0.event.at != $1.event.at ? $0.event.at < $1.event.at : $0.order < $1.order }
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
                        try rejectEvent(e, line: line, refused.message)
                    } else {
                        // A stored event no longer fits once the file's events are placed before it: the file's events
                        // for this ticket are refused together, and the ticket keeps what it had.
                        let first = fresh.first!
                        let message = "\(id): placing this file's events among the stored ones makes the stored '\(e.kind.rawValue)' event at \(Instant.iso(e.at)) invalid: \(refused.message)"
                        for (ev, line) in fresh { try rejectEvent(ev, line: line, message) }
                        _ = first
                        return
                    }
                }
            }
            guard !added.isEmpty else { return }
            for e in added { try write(e) }
            try store.saveTicket(ticket, isNew: false)
            summary.ticketsUpdated += 1
            summary.eventsAdded += added.count
        }

        private func write(_ e: Event) throws {
            try insertEvent.run([e.ticketID, e.step, e.kind.rawValue, e.at, e.actor, e.source, e.team, e.task, e.note, e.service, e.serviceVersion])
        }
    }
}
