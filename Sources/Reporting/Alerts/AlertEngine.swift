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
            for row in try run(file, parameters, replacing: replacing) {
                alerts.append(Alert(
                    kind: kind,
                    ticketID: row.string("ticket_id") ?? "", service: row.string("service") ?? "",
                    step: row.string("step") ?? "", team: row.string("team").flatMap { $0.isEmpty ? nil : $0 },
                    state: row.string("state") ?? "",
                    readyAt: row.int("ready_at") ?? 0, ageHours: row.double("age_hours") ?? 0,
                    activeAgeHours: row.double("active_age_hours") ?? 0, thresholdHours: row.double("threshold_hours"),
                    source: row.string("source") ?? row.string("threshold_source") ?? "",
                    lastStartedAt: row.int("last_started_at"), isNew: true,
                    workingAgeHours: row.double("working_age_hours"), dueAt: row.int("due_at"),
                    overByHours: kind == .stalled ? row.double("over_by_hours") : nil))
            }
        }
        if !settings.teams.isEmpty {
            let wanted = Set(settings.teams)
            alerts = alerts.filter { $0.team.map(wanted.contains) ?? false }
        }
        try describe(&alerts)
        let kindOrder = Dictionary(uniqueKeysWithValues: Alert.Kind.allCases.enumerated().map { ($1, $0) })
        alerts.sort {
            ($0.team ?? "", kindOrder[$0.kind]!, $0.readyAt, $0.ticketID, $0.step)
                < ($1.team ?? "", kindOrder[$1.kind]!, $1.readyAt, $1.ticketID, $1.step)
        }
        // Rows written before memory was kept per file (output '') count for every file.
        let seen = output == nil
            ? try db.cached("SELECT 1 FROM reported_alerts WHERE alert_key = ? AND first_as_of < ? LIMIT 1")
            : try db.cached("SELECT 1 FROM reported_alerts WHERE alert_key = ? AND first_as_of < ? AND output IN (?, '') LIMIT 1")
        let key = output.map(Self.outputKey)
        for i in alerts.indices {
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
