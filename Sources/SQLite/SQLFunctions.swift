import BatonCore
import CSQLite
import Foundation

/// SQL functions SQLite lacks, registered on every connection so `queries/*.sql` stay declarative:
///
/// - `percentile(x, p)`: linear interpolation between closest ranks (Hyndman–Fan type 7, Excel
///   `PERCENTILE.INC`), `p` in [0, 1]; NULLs ignored; NULL for an empty group.
/// - `median(x)`: `percentile(x, 0.5)`.
/// - `stdev(x)`: sample standard deviation (n − 1); NULL when fewer than two values.
/// - `mean(x)`: the arithmetic mean, NULL for no values.
///
/// `mean` and `stdev` sum exactly (one rounding at the end), so their results do not depend on the order rows
/// reach the aggregate: a different query plan, sort or import order gives the same bytes. SQLite's `avg` and
/// `sum` of reals round at every step, so queries use them only over integers.
/// - `iso(t)`: a Unix-seconds instant as ISO 8601 UTC text (`2026-03-02T09:15:00Z`).
/// - `iso_week(t)`: the ISO week label of an instant (`2026-W47`).
/// - `week_start(t)`: the instant of Monday 00:00 UTC of the ISO week containing `t`.
/// - `bootstrap_difference(x, after, statistic, resamples, confidence, seed)`: see `SQLFunctions+Bootstrap.swift`.
public enum SQLFunctions {
    static func register(on db: Database) throws {
        try aggregate(db, "percentile", 2, percentileStep, percentileFinal)
        try aggregate(db, "median", 1, percentileStep, percentileFinal)
        try aggregate(db, "stdev", 1, percentileStep, stdevFinal)
        try aggregate(db, "mean", 1, percentileStep, meanFinal)
        try scalar(db, "iso", 1, isoFunction)
        try scalar(db, "iso_week", 1, isoWeekFunction)
        try scalar(db, "week_start", 1, weekStartFunction)
        try registerBootstrap(on: db)
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

    /// Values collected for one group, kept in SQLite's aggregate context itself (zeroed by SQLite on first use): a
    /// plain struct behind a pointer, so a step is a store, with no object to retain and no exclusivity check.
    struct Accumulator {
        var values: UnsafeMutablePointer<Double>?
        var count: Int
        var capacity: Int
        var p: Double
        var hasP: Bool
        /// 0, or the error: 1 p outside [0, 1] (`badP`), 2 p differs between rows.
        var error: Int32
        var badP: Double

        mutating func append(_ x: Double) {
            if count == capacity {
                capacity = max(16, capacity * 2)
                let grown = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
                if let values {
                    grown.update(from: values, count: count)
                    values.deallocate()
                }
                values = grown
            }
            values![count] = x
            count += 1
        }

        /// The values, copied out; the buffer is freed.
        mutating func take() -> [Double] {
            defer { values?.deallocate(); values = nil; count = 0; capacity = 0 }
            guard let values else { return [] }
            return Array(UnsafeBufferPointer(start: values, count: count))
        }
    }

    private static func accumulator(_ ctx: OpaquePointer?, create: Bool) -> UnsafeMutablePointer<Accumulator>? {
        let size = create ? Int32(MemoryLayout<Accumulator>.size) : 0
        return sqlite3_aggregate_context(ctx, size)?.assumingMemoryBound(to: Accumulator.self)
    }

    private static let percentileStep: StepFn = { ctx, argc, argv in
        guard let argv, let acc = accumulator(ctx, create: true) else { return }
        if argc >= 2 {
            let pv = argv[1]
            if sqlite3_value_type(pv) != SQLITE_NULL {
                let p = sqlite3_value_double(pv)
                if !(0...1).contains(p) { acc.pointee.error = 1; acc.pointee.badP = p }
                else if acc.pointee.hasP, acc.pointee.p != p { acc.pointee.error = 2 }
                acc.pointee.p = p
                acc.pointee.hasP = true
            }
        } else {
            acc.pointee.p = 0.5
            acc.pointee.hasP = true
        }
        let x = argv[0]
        switch sqlite3_value_type(x) {
        case SQLITE_NULL: return
        case SQLITE_INTEGER, SQLITE_FLOAT: acc.pointee.append(sqlite3_value_double(x))
        default:
            // Text that reads as a number counts; other text is ignored like NULL.
            if let text = sqlite3_value_text(x), let d = Double(String(cString: text)) { acc.pointee.append(d) }
        }
    }

    /// The group's values (freeing the buffer), or nil with NULL or the error as the result.
    private static func finish(_ ctx: OpaquePointer?) -> (values: [Double], p: Double?)? {
        guard let acc = accumulator(ctx, create: false) else { sqlite3_result_null(ctx); return nil }
        let values = acc.pointee.take()
        switch acc.pointee.error {
        case 1: sqlite3_result_error(ctx, "percentile(x, p): p must be between 0 and 1, got \(acc.pointee.badP)", -1); return nil
        case 2: sqlite3_result_error(ctx, "percentile(x, p): p must be the same for every row of a group", -1); return nil
        default: return (values, acc.pointee.hasP ? acc.pointee.p : nil)
        }
    }

    private static let percentileFinal: FinalFn = { ctx in
        guard let (values, p) = finish(ctx) else { return }
        guard let p, let value = Statistics.percentile(values, p) else { sqlite3_result_null(ctx); return }
        sqlite3_result_double(ctx, value)
    }

    private static let stdevFinal: FinalFn = { ctx in
        guard let (values, _) = finish(ctx) else { return }
        guard let value = Statistics.sampleStandardDeviation(values) else { sqlite3_result_null(ctx); return }
        sqlite3_result_double(ctx, value)
    }

    private static let meanFinal: FinalFn = { ctx in
        guard let (values, _) = finish(ctx) else { return }
        guard let value = Statistics.mean(values) else { sqlite3_result_null(ctx); return }
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
        guard !values.isEmpty else { return nil }
        var values = values
        let lower = Int((Double(values.count - 1) * p).rounded(.down))
        // Two order statistics, not a full sort: select the lower one, and the upper is the least value above it.
        let low = select(&values, lower)
        var high = low
        if lower + 1 < values.count {
            high = values[lower + 1]
            for value in values[(lower + 1)...] where value < high { high = value }
        }
        return percentile(count: values.count, p) { $0 == lower ? low : high }
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

    /// The k-th smallest value (0-based), leaving `values` partitioned around it: everything before index k is
    /// at most it, everything after at least it. Hoare-style quickselect with a median-of-three pivot.
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        var lo = 0, hi = values.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let a = values[lo], b = values[mid], c = values[hi]
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = lo, j = hi
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j { values.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return values[k] }
        }
        return values[k]
    }

    /// Mean by an exact sum; nil for no values.
    public static func mean(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        return exactSum(values) / Double(values.count)
    }

    /// Sample standard deviation; nil for fewer than two values. Both sums are exact, so the result does not
    /// depend on the order of `values`.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2 else { return nil }
        let mean = exactSum(values) / Double(values.count)
        let squares = exactSum(values.map { ($0 - mean) * ($0 - mean) })
        return (squares / Double(values.count - 1)).squareRoot()
    }

    /// The sum of finite values rounded once, to nearest (Shewchuk's non-overlapping partials, as Python's
    /// `math.fsum`): the same result in any order.
    public static func exactSum(_ values: [Double]) -> Double {
        var partials: [Double] = []
        for value in values {
            var x = value
            var kept = 0
            for index in partials.indices {
                var y = partials[index]
                if abs(x) < abs(y) { swap(&x, &y) }
                let hi = x + y
                let lo = y - (hi - x)
                if lo != 0 { partials[kept] = lo; kept += 1 }
                x = hi
            }
            partials.removeSubrange(kept...)
            partials.append(x)
        }
        return roundedSum(of: partials)
    }

    /// The partials' sum with one rounding, half to even (Python's `fsum` final step).
    private static func roundedSum(of partials: [Double]) -> Double {
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = partials[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0 { break }
        }
        if n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0)) {
            let y = lo * 2
            let x = hi + y
            if y == x - hi { hi = x }
        }
        return hi
    }
}
