import Foundation
import SQLite

/// What the alert queries share, answered once per run: the step runs open at as_of (`_open_runs.sql`, which
/// every alert query includes) into `temp.alert_open_runs`, and, from the cache of completed runs per day, the
/// stall history (`_stall_history.sql`) and the attainment counts (`_attainment_counts.sql`). The fragments are
/// replaced by reads of those temporary tables; their rows are the ones the fragments give.
extension AlertEngine {
    /// The stall window and the attainment window as [lo, hi) of done_at (the queries' done_window).
    static func windows(_ settings: AlertSettings) -> (stall: (Int64, Int64), attainment: (Int64, Int64)) {
        let hi = settings.asOf + 1
        return ((settings.asOf - Int64(settings.windowDays) * 86_400 + 1, hi),
                (settings.asOf - Int64(settings.attainmentDays) * 86_400 + 1, hi))
    }

    /// The cache with its days computed for `settings`' windows, or nil when it is not used or its query is missing.
    /// A store that cannot be written (read-only, busy) keeps its cache as it is: the read then checks it.
    func prepareCache(_ settings: AlertSettings) throws -> (cache: CompletedRunCache, spans: [CompletedRunCache.Span])? {
        let path = queryFolder + "/alerts_completed.sql"
        guard usesCache, FileManager.default.isReadableFile(atPath: path) else { return nil }
        let cache = CompletedRunCache(db: db, rowsQuery: try QueryFile.load(URL(fileURLWithPath: path)))
        let (stall, attainment) = Self.windows(settings)
        let spans = Array(Set(CompletedRunCache.split(stall.0, stall.1).spans + CompletedRunCache.split(attainment.0, attainment.1).spans))
        if try !cache.isFresh(spans) { _ = try? db.transaction { try cache.refresh(spans) } }
        return (cache, spans)
    }

    /// Runs `body` in a read transaction (unless one is open already).
    func reading<T>(_ body: () throws -> T) throws -> T {
        guard !db.isInTransaction else { return try body() }
        try db.execute("BEGIN")
        do {
            let result = try body()
            try db.execute("COMMIT")
            return result
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// Fills the temporary tables and returns the fragments they replace.
    func share(_ settings: AlertSettings, cache: (cache: CompletedRunCache, spans: [CompletedRunCache.Span])?) throws -> [String: String] {
        try dropShared()
        let path = queryFolder + "/_open_runs.sql"
        guard FileManager.default.isReadableFile(atPath: path) else { return [:] }
        let fragment = try String(contentsOfFile: path, encoding: .utf8)
        let openRuns = QueryFile(name: "_open_runs", path: path,
                                 sql: "CREATE TEMP TABLE alert_open_runs AS WITH\n" + fragment + "\nSELECT * FROM open_runs")
        _ = try QueryRunner.run(openRuns, on: db, parameters: settings.parameters)
        var replacing = ["_open_runs.sql": "open_runs AS (SELECT * FROM temp.alert_open_runs)"]
        guard let cache, try cache.cache.isFresh(cache.spans) else { return replacing }
        let (stall, attainment) = Self.windows(settings)
        try shareHistory(try cache.cache.runs(stall.0, stall.1), percentile: settings.percentile)
        try shareAttainment(try cache.cache.runs(attainment.0, attainment.1))
        replacing["_stall_history.sql"] = "history AS (SELECT service, step, runs, percentile_hours FROM temp.alert_stall_history)"
        replacing["_attainment_counts.sql"] = "attainment_counts AS (SELECT team, service, step, runs, met FROM temp.alert_attainment_counts)"
        return replacing
    }

    /// `_stall_history.sql`'s rows: the steps with open runs that have runs completed in the window.
    private func shareHistory(_ runs: CompletedRuns, percentile: Double) throws {
        try db.execute("CREATE TEMP TABLE alert_stall_history(service TEXT, step TEXT, runs INTEGER, percentile_hours REAL)")
        let open = Set(try db.rows("SELECT DISTINCT service, step FROM temp.alert_open_runs").map { [$0.string("service") ?? "", $0.string("step") ?? ""] })
        let insert = try db.prepare("INSERT INTO temp.alert_stall_history VALUES (?, ?, ?, ?)")
        var steps = CompletedRuns()
        for (g, counts) in runs.groups where open.contains([g.service, g.step]) { steps.groups[g] = counts }
        for h in steps.percentiles(percentile) where h.runs > 0 { try insert.run([h.service, h.step, h.runs, h.hours]) }
    }

    /// `_attainment_counts.sql`'s rows: per team, service and step with a target, runs and met.
    private func shareAttainment(_ runs: CompletedRuns) throws {
        try db.execute("CREATE TEMP TABLE alert_attainment_counts(team TEXT, service TEXT, step TEXT, runs INTEGER, met INTEGER)")
        let insert = try db.prepare("INSERT INTO temp.alert_attainment_counts VALUES (?, ?, ?, ?, ?)")
        for (g, c) in runs.groups where c.targetRuns > 0 { try insert.run([g.team, g.service, g.step, c.targetRuns, c.met]) }
    }

    func dropShared() throws {
        try db.execute("""
            DROP TABLE IF EXISTS temp.alert_open_runs; DROP TABLE IF EXISTS temp.alert_stall_history;
            DROP TABLE IF EXISTS temp.alert_attainment_counts;
            """)
    }
}
