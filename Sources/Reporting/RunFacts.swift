import BatonCore
import Foundation
import SQLite

/// `done_run_facts`, the completed runs the step-time and service-level queries read (defined once, in
/// `queries/_done_run_facts.sql`).
///
/// On every connection it is a temporary view, so a query alone (`baton query`, the alerts) reads only the runs its
/// window selects. A report makes a `RunFacts` for its run instead: before each query, `cover` extends a temporary
/// table of the same name (which shadows the view) to the query's `done_window`, so every section reads runs whose
/// calendar, target and working time were worked out once, in (service, step, team, week) order, where a GROUP BY
/// needs no sort. The table holds exactly the view's rows for the span it covers; a query whose window cannot be worked
/// out ends the table, and the queries after it read the view again. Either way the rows are the same.
final class RunFacts {
    static let relation = "done_run_facts"
    static let file = "_done_run_facts.sql"

    private let db: Database
    /// The done_at span the table holds, [lo, hi); nil while the view is in place.
    private(set) var covered: (lo: Int64, hi: Int64)?
    private var ended = false
    /// The relation's SELECT, read from the queries' folder on the first query that needs it.
    private var definition: String?

    /// `enabled: false` leaves the view in place for every query.
    init(db: Database, enabled: Bool = true) {
        self.db = db
        self.ended = !enabled
    }

    deinit { try? release() }

    /// Creates the view on `db` for a query that reads the relation, unless the view or a report's table exists.
    static func prepare(for query: QueryFile, on db: Database) throws {
        guard query.sql.contains(relation) else { return }
        let exists = try db.scalar("SELECT count(*) FROM temp.sqlite_master WHERE name = ?", [relation])?.int ?? 0
        guard exists == 0 else { return }
        try db.execute("CREATE TEMP VIEW \(relation) AS \(try definition(besides: query))")
    }

    /// The relation's SELECT, from the folder of `query`.
    private static func definition(besides query: QueryFile) throws -> String {
        let url = URL(fileURLWithPath: query.path).deletingLastPathComponent().appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path), let sql = String(data: data, encoding: .utf8) else {
            throw ReportingError("\(query.path) reads \(relation), defined in \(url.path), which cannot be read")
        }
        return sql.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
    }

    /// Makes the table hold every run `query` selects with the given parameter values.
    func cover(_ query: QueryFile, parameters: [String: SQLValue]) throws {
        guard !ended, query.sql.contains(Self.relation) else { return }
        guard let window = try Self.window(of: query, on: db, parameters: parameters) else {
            try release()
            ended = true
            return
        }
        guard window.lo < window.hi else { return }
        let definition = try self.definition ?? Self.definition(besides: query)
        self.definition = definition
        guard let covered else {
            try db.execute("DROP VIEW IF EXISTS temp.\(Self.relation)")
            try db.execute("""
                CREATE TEMP TABLE \(Self.relation) (id, service, step, team, position, attempt, reassignments, ready_at,
                    started_at, done_at, paused_seconds, service_version, calendar, target_seconds, week_start,
                    wall_seconds, working_seconds, PRIMARY KEY (service, step, team, week_start, done_at, id)) WITHOUT ROWID
                """)
            try insert(definition, window.lo, window.hi)
            self.covered = window
            return
        }
        if window.lo < covered.lo { try insert(definition, window.lo, covered.lo) }
        if window.hi > covered.hi { try insert(definition, covered.hi, window.hi) }
        self.covered = (min(window.lo, covered.lo), max(window.hi, covered.hi))
    }

    private func insert(_ definition: String, _ lo: Int64, _ hi: Int64) throws {
        try db.prepare("INSERT INTO temp.\(Self.relation) SELECT * FROM (\(definition)) WHERE done_at >= ? AND done_at < ?")
            .run([lo, hi])
    }

    /// Drops the table; the next query that reads the relation gets the view again.
    func release() throws {
        guard covered != nil else { return }
        covered = nil
        try db.execute("DROP TABLE IF EXISTS temp.\(Self.relation)")
    }

    /// [lo, hi) of the query's `done_window(lo, hi) AS (SELECT …)` table, evaluated with its parameters; nil when
    /// the query has none or it gives no two integers.
    static func window(of query: QueryFile, on db: Database, parameters: [String: SQLValue]) throws -> (lo: Int64, hi: Int64)? {
        let marker = "done_window(lo, hi) AS ("
        guard let start = query.sql.range(of: marker) else { return nil }
        var depth = 1
        var end = start.upperBound
        while end < query.sql.endIndex, depth > 0 {
            switch query.sql[end] {
            case "(": depth += 1
            case ")": depth -= 1
            default: break
            }
            if depth > 0 { end = query.sql.index(after: end) }
        }
        guard depth == 0 else { return nil }
        let select = query.sql[start.upperBound..<end]
        let statement = try db.prepare("WITH done_window(lo, hi) AS (\(select)) SELECT lo, hi FROM done_window")
        try statement.bind(named: try QueryRunner.bindings(for: query, statement: statement, parameters: parameters))
        guard try statement.step(), let lo = statement.value(at: 0).int64Exact, let hi = statement.value(at: 1).int64Exact else {
            return nil
        }
        return (lo, hi)
    }
}

private extension SQLValue {
    /// The value as an integer when it is one (a window bound of another type covers nothing reliably).
    var int64Exact: Int64? { if case .integer(let i) = self { return i } else { return nil } }
}
