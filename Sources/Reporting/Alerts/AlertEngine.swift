import BatonCore
import Foundation
import SQLite

/// Computes alerts from the store with the SQL files in a query folder, and remembers which were reported.
///
/// Queries: `stalled.sql` (the report engine's: one definition of a stalled step for reports and alerts),
/// `alerts_at_risk.sql`, `alerts_unowned.sql`, `alerts_unwatched.sql`, `alerts_handoff.sql`, `alerts_ownership.sql`,
/// `alerts_open_work.sql`
/// and `alerts_attainment.sql`. They run through
/// the query runner like every other query (the file's `-- param` defaults, then the settings, one name per
/// parameter: `AlertSettings.parameters`).
///
/// "New" is kept per output file: an alert is new in a file until an earlier as_of wrote it to that file, so a run
/// by hand (to standard output, or to another file) never makes the cron run's alerts old.
public struct AlertEngine {
    public let db: Database
    public let queryFolder: String
    /// Whether the stall percentiles and the target attainment are read from the cache of completed runs per day
    /// (`CompletedRunCache`, exact); false computes them from every run, as the queries alone do.
    public var usesCache = true
    /// How many alerts, in the report's order, get their ticket's title and requester and their step's name; nil:
    /// all. A caller that shows only the first ones (the static site's alert page) sets it: where every open run is
    /// stalled, one lookup per alert costs more than the rules.
    public var describedAlerts: Int?
    /// Whether each alert's `isNew` is looked up in the store's memory of earlier runs; false leaves them all new,
    /// for a caller that does not show it (the static site: one lookup per alert where every open run is stalled).
    public var marksNew = true

    public init(db: Database, queryFolder: String) {
        self.db = db
        self.queryFolder = queryFolder
    }

    /// A query file of the folder, or an error naming the file. `replacing`: fragments answered by the engine.
    func query(_ name: String, replacing: [String: String] = [:]) throws -> QueryFile {
        let path = queryFolder + "/" + name
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AlertError("cannot read the query \(path) (pass --queries DIR or set BATON_QUERIES)")
        }
        return try QueryFile.load(URL(fileURLWithPath: path), replacing: replacing)
    }

    func run(_ file: String, _ parameters: [String: SQLValue], replacing: [String: String] = [:]) throws -> [Row] {
        let output = try QueryRunner.run(try query(file, replacing: replacing), on: db, parameters: parameters)
        return output.rows.map { Row(columns: output.columns, values: $0) }
    }

    /// The output key alerts are remembered under: the file's absolute, standardised path.
    public static func outputKey(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The alerts at `settings.asOf`, with `isNew` from the store's memory of earlier runs: of runs that wrote
    /// `output` (a path), or with no output of any run (a look on standard output: new means no file had it yet).
    public func compute(_ settings: AlertSettings, generatedAt: Int64, output: String? = nil) throws -> AlertReport {
        try compute(settings, generatedAt: generatedAt, output: output) { report, _ in report }
    }

    /// Brings the engine's tables and its cache of completed runs up to date for `settings` (what `compute` does
    /// first), for a caller that then opens the read transaction `compute` joins.
    public func prepare(_ settings: AlertSettings) throws {
        try AlertSchema.migrator.migrate(db)
        _ = try prepareCache(settings)
    }

    /// The alerts as `compute` gives them, then `body` with them and the fragments the engine's temporary tables
    /// answer (`_open_runs.sql`: `open_runs AS (SELECT * FROM temp.alert_open_runs)`, …; empty when not shared), in
    /// the same read snapshot and before those tables are dropped: a caller reading the same open work (the static
    /// site) does not compute it again.
    public func compute<T>(_ settings: AlertSettings, generatedAt: Int64, output: String? = nil,
                           then body: (AlertReport, [String: String]) throws -> T) throws -> T {
        try AlertSchema.migrator.migrate(db)
        let cache = try prepareCache(settings)
        // One snapshot for every query, so the cache checked fresh in it stays fresh for them.
        return try reading {
            let shared = try share(settings, cache: cache)
            defer { try? dropShared() }
            return try body(try compute(settings, generatedAt: generatedAt, output: output, replacing: shared), shared)
        }
    }

    private func compute(_ settings: AlertSettings, generatedAt: Int64, output: String?, replacing: [String: String]) throws -> AlertReport {
        let parameters = settings.parameters
        var alerts: [Alert] = []
        for (file, kind) in [("stalled.sql", Alert.Kind.stalled), ("alerts_at_risk.sql", .atRisk), ("alerts_unowned.sql", .unowned),
                             ("alerts_unwatched.sql", .unwatched), ("alerts_handoff.sql", .handoff),
                             ("alerts_ownership.sql", .thinOwnership)] {
            // Columns looked up once per query, not once per row (a stalled store has an alert per open run).
            let result = try QueryRunner.run(try query(file, replacing: replacing), on: db, parameters: parameters)
            func column(_ name: String) -> Int? { result.columns.firstIndex(of: name) }
            let c = (ticket: column("ticket_id"), service: column("service"), step: column("step"), team: column("team"),
                     state: column("state"), readyAt: column("ready_at"), age: column("age_hours"), active: column("active_age_hours"),
                     threshold: column("threshold_hours"), source: column("source"), thresholdSource: column("threshold_source"),
                     lastStarted: column("last_started_at"), working: column("working_age_hours"), due: column("due_at"),
                     overBy: kind == .stalled ? column("over_by_hours") : nil)
            for v in result.rows {
                func value(_ i: Int?) -> SQLValue { i.map { v[$0] } ?? .null }
                alerts.append(Alert(
                    kind: kind,
                    ticketID: value(c.ticket).string ?? "", service: value(c.service).string ?? "",
                    step: value(c.step).string ?? "", team: value(c.team).string.flatMap { $0.isEmpty ? nil : $0 },
                    state: value(c.state).string ?? "",
                    readyAt: value(c.readyAt).int ?? 0, ageHours: value(c.age).double ?? 0,
                    activeAgeHours: value(c.active).double ?? 0, thresholdHours: value(c.threshold).double,
                    source: value(c.source).string ?? value(c.thresholdSource).string ?? "",
                    lastStartedAt: value(c.lastStarted).int, isNew: true,
                    workingAgeHours: value(c.working).double, dueAt: value(c.due).int,
                    overByHours: value(c.overBy).double))
            }
        }
        if !settings.teams.isEmpty {
            let wanted = Set(settings.teams)
            alerts = alerts.filter { $0.team.map(wanted.contains) ?? false }
        }
        let kindOrder = Dictionary(uniqueKeysWithValues: Alert.Kind.allCases.enumerated().map { ($1, $0) })
        alerts.sort {
            ($0.team ?? "", kindOrder[$0.kind]!, $0.readyAt, $0.ticketID, $0.step)
                < ($1.team ?? "", kindOrder[$1.kind]!, $1.readyAt, $1.ticketID, $1.step)
        }
        try describe(&alerts[..<min(alerts.count, describedAlerts ?? alerts.count)])
        // Rows written before memory was kept per file (output '') count for every file.
        let seen = output == nil
            ? try db.cached("SELECT 1 FROM reported_alerts WHERE alert_key = ? AND first_as_of < ? LIMIT 1")
            : try db.cached("SELECT 1 FROM reported_alerts WHERE alert_key = ? AND first_as_of < ? AND output IN (?, '') LIMIT 1")
        let key = output.map(Self.outputKey)
        for i in alerts.indices where marksNew {
            alerts[i].isNew = try seen.rows(key.map { [alerts[i].key, settings.asOf, $0] } ?? [alerts[i].key, settings.asOf]).isEmpty
        }
        var openWork = try run("alerts_open_work.sql", parameters, replacing: replacing).map {
            TeamOpenWork(team: $0.string("team") ?? "", openRuns: Int($0.int("open_runs") ?? 0), ready: Int($0.int("ready") ?? 0),
                         active: Int($0.int("active") ?? 0), paused: Int($0.int("paused") ?? 0),
                         oldestReadyAt: $0.int("oldest_ready_at"))
        }
        if !settings.teams.isEmpty {
            let wanted = Set(settings.teams)
            openWork = openWork.filter { wanted.contains($0.team) }
        }
        var attainment = try run("alerts_attainment.sql", parameters, replacing: replacing).map {
            TargetAttainment(team: $0.string("team") ?? "", service: $0.string("service") ?? "", step: $0.string("step") ?? "",
                             runs: Int($0.int("runs") ?? 0), met: Int($0.int("met") ?? 0))
        }
        if !settings.teams.isEmpty {
            let wanted = Set(settings.teams)
            attainment = attainment.filter { wanted.contains($0.team) }
        }
        return AlertReport(settings: settings, generatedAt: generatedAt, alerts: alerts, openWork: openWork, attainment: attainment)
    }

    /// Remembers the report's alerts as written to `output` (call after the file is safely written), so later as_of
    /// values say `new: false` in that file. Without an output they are remembered for every file (`output` '').
    public func remember(_ report: AlertReport, reportedAt: Int64, output: String? = nil) throws {
        try AlertSchema.migrator.migrate(db)
        let key = output.map(Self.outputKey) ?? ""
        try db.transaction {
            let upsert = try db.cached("""
                INSERT INTO reported_alerts(alert_key, output, kind, ticket_id, step, team, first_as_of, last_as_of, first_reported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(alert_key, output) DO UPDATE SET first_as_of = min(first_as_of, excluded.first_as_of),
                                                             last_as_of = max(last_as_of, excluded.last_as_of)
                """)
            for a in report.alerts {
                try upsert.run([a.key, key, a.kind.rawValue, a.ticketID, a.step, a.team, report.settings.asOf, report.settings.asOf, reportedAt])
            }
        }
    }
}

/// An alert run that cannot proceed (missing query, unwritable output), with a message for people.
public struct AlertError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension AlertEngine {
    /// Computes the alerts, writes them to `path` atomically in `format` (or returns the text when `path` is nil),
    /// then remembers them for that file when `remember` is true. `mode`: exact permission bits; nil: `FileMode`'s
    /// rule (0640 narrowed by the umask). Output to standard output (`path` nil) is never
    /// remembered: looking does not make the next file's alerts old. A failed write leaves the old file and the
    /// store untouched.
    public func publish(_ settings: AlertSettings, generatedAt: Int64, format: AlertFormat, to path: String?,
                        mode: mode_t? = nil, remember: Bool = true) throws -> (report: AlertReport, text: String) {
        let report = try compute(settings, generatedAt: generatedAt, output: path)
        let text = format.render(report)
        if let path {
            // Temporaries of runs killed mid-write (SIGKILL) would otherwise pile up next to the file.
            AtomicFile.removeStaleTemporaries(in: URL(fileURLWithPath: path).deletingLastPathComponent().path)
            do { try AtomicFile.write(text, to: path, mode: mode) } catch {
                throw AlertError("cannot write the alert file: \(error); the previous file is unchanged")
            }
        }
        if remember, let path { try self.remember(report, reportedAt: Instant.now(), output: path) }
        return (report, text)
    }
}

/// Where the SQL files live: `--queries DIR`, else the folder the report commands use (`ResourceDirectory`:
/// ./queries, `$BATON_QUERIES`, next to the executable).
public enum QueryFolder {
    public static func locate(explicit: String?, environment: [String: String], workingDirectory: String) -> String {
        if let explicit { return URL(fileURLWithPath: explicit, relativeTo: URL(fileURLWithPath: workingDirectory)).standardizedFileURL.path }
        return ResourceDirectory.find(.queries, workingDirectory: workingDirectory, environment: environment)?.path
            ?? workingDirectory + "/queries"
    }
}
