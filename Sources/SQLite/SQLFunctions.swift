import BatonCore
import CSQLite
import Foundation

/// SQL functions SQLite lacks, registered on every connection so `queries/*.sql` stay declarative:
///
/// - `percentile(x, p)`: linear interpolation between closest ranks (Hyndman–Fan type 7, Excel
///   `PERCENTILE.INC`), `p` in [0, 1]; NULLs ignored; NULL for an empty group.
/// - `median(x)`: `percentile(x, 0.5)`.
/// - `stdev(x)`: sample standard deviation (n − 1); NULL when fewer than two values.
/// - `iso(t)`: a Unix-seconds instant as ISO 8601 UTC text (`2026-03-02T09:15:00Z`).
/// - `iso_week(t)`: the ISO week label of an instant (`2026-W47`).
/// - `week_start(t)`: the instant of Monday 00:00 UTC of the ISO week containing `t`.
public enum SQLFunctions {
    static func register(on db: Database) throws {
        try aggregate(db, "percentile", 2, percentileStep, percentileFinal)
        try aggregate(db, "median", 1, percentileStep, percentileFinal)
        try aggregate(db, "stdev", 1, percentileStep, stdevFinal)
        try scalar(db, "iso", 1, isoFunction)
        try scalar(db, "iso_week", 1, isoWeekFunction)
        try scalar(db, "week_start", 1, weekStartFunction)
    }

    typealias StepFn = @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void
    typealias FinalFn = @convention(c) (OpaquePointer?) -> Void

    private static func aggregate(_ db: Database, _ name: String, _ args: Int32, _ step: StepFn, _ final: FinalFn) throws {
        let code = sqlite3_create_function_v2(db.handle, name, args, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, nil, step, final, nil)
        guard code == SQLITE_OK else { throw SQLiteError.from(db.handle, code: code, sql: "register \(name)") }
    }

    private static func scalar(_ db: Database, _ name: String, _ args: Int32, _ fn: StepFn) throws {
        let code = sqlite3_create_function_v2(db.handle, name, args, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, fn, nil, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteError.from(db.handle, code: code, sql: "register \(name)") }
    }

    /// Values collected for one group; lives behind a pointer in SQLite's aggregate context.
    final class Accumulator {
        var values: [Double] = []
        var p: Double?
        var error: String?
    }

    private static func accumulator(_ ctx: OpaquePointer?, create: Bool) -> Accumulator? {
        let size = create ? Int32(MemoryLayout<UnsafeMutableRawPointer?>.size) : 0
        guard let raw = sqlite3_aggregate_context(ctx, size) else { return nil }
        let slot = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        if let existing = slot.pointee {
            return Unmanaged<Accumulator>.fromOpaque(existing).takeUnretainedValue()
        }
        guard create else { return nil }
        let acc = Accumulator()
        slot.pointee = Unmanaged.passRetained(acc).toOpaque()
        return acc
    }

    /// Takes the accumulator out of the context (releasing it).
    private static func takeAccumulator(_ ctx: OpaquePointer?) -> Accumulator? {
        guard let raw = sqlite3_aggregate_context(ctx, 0) else { return nil }
        let slot = raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        guard let existing = slot.pointee else { return nil }
        slot.pointee = nil
        return Unmanaged<Accumulator>.fromOpaque(existing).takeRetainedValue()
    }

    private static let percentileStep: StepFn = { ctx, argc, argv in
        guard let argv, let acc = accumulator(ctx, create: true) else { return }
        if argc >= 2 {
            let pv = argv[1]
            if sqlite3_value_type(pv) != SQLITE_NULL {
                let p = sqlite3_value_double(pv)
                if !(0...1).contains(p) { acc.error = "percentile(x, p): p must be between 0 and 1, got \(p)" }
                else if let old = acc.p, old != p { acc.error = "percentile(x, p): p must be the same for every row of a group" }
                acc.p = p
            }
        } else {
            acc.p = 0.5
        }
        let x = argv[0]
        switch sqlite3_value_type(x) {
        case SQLITE_NULL: return
        case SQLITE_INTEGER, SQLITE_FLOAT: acc.values.append(sqlite3_value_double(x))
        default:
            // Text that reads as a number counts; other text is ignored like NULL.
            if let text = sqlite3_value_text(x), let d = Double(String(cString: text)) { acc.values.append(d) }
        }
    }

    private static let percentileFinal: FinalFn = { ctx in
        guard let acc = takeAccumulator(ctx) else { sqlite3_result_null(ctx); return }
        if let error = acc.error { sqlite3_result_error(ctx, error, -1); return }
        guard let p = acc.p, let value = Statistics.percentile(acc.values, p) else { sqlite3_result_null(ctx); return }
        sqlite3_result_double(ctx, value)
    }

    private static let stdevFinal: FinalFn = { ctx in
        guard let acc = takeAccumulator(ctx), let value = Statistics.sampleStandardDeviation(acc.values) else {
            sqlite3_result_null(ctx); return
        }
        sqlite3_result_double(ctx, value)
    }

    private static func instantArgument(_ argv: UnsafeMutablePointer<OpaquePointer?>?) -> Int64? {
        guard let v = argv?[0], sqlite3_value_type(v) != SQLITE_NULL else { return nil }
        return sqlite3_value_int64(v)
    }

    private static let isoFunction: StepFn = { ctx, _, argv in
        guard let t = instantArgument(argv) else { sqlite3_result_null(ctx); return }
        sqlite3_result_text(ctx, Instant.iso(t), -1, baton_sqlite_transient())
    }

    private static let isoWeekFunction: StepFn = { ctx, _, argv in
        guard let t = instantArgument(argv) else { sqlite3_result_null(ctx); return }
        sqlite3_result_text(ctx, Instant.isoWeekLabel(t), -1, baton_sqlite_transient())
    }

    private static let weekStartFunction: StepFn = { ctx, _, argv in
        guard let t = instantArgument(argv) else { sqlite3_result_null(ctx); return }
        sqlite3_result_int64(ctx, Instant.weekStart(t))
    }
}

/// Plain statistics used by the SQL aggregates (and testable on their own).
public enum Statistics {
    /// Type 7 percentile: h = (n−1)·p, x⌊h⌋ + (h−⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋). Nil for no values.
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        let sorted = values.sorted()
        return percentile(count: sorted.count, p) { sorted[$0] }
    }

    /// The same type 7 percentile of `count` values given by rank (`value(k)`: the k-th smallest, from 0), for callers
    /// that find order statistics without sorting everything. Nil for no values.
    public static func percentile(count: Int, _ p: Double, value: (Int) -> Double) -> Double? {
        guard count > 0 else { return nil }
        let h = Double(count - 1) * p
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, count - 1)
        let low = value(lower)
        return low + (h - Double(lower)) * (value(upper) - low)
    }

    /// Sample standard deviation; nil for fewer than two values.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }
}
