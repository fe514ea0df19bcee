import CSQLite
import Foundation

/// `bootstrap_difference(x, after, statistic, resamples, confidence, seed)`: the aggregate behind "did it help?"
/// (`queries/automation_effect.sql`). Rows with `after` = 0 are the before sample, other rows the after sample;
/// NULL values are left out. `statistic` is 'median' or 'mean'; `resamples`, `confidence` and `seed` must be the
/// same on every row of a group. The result is a JSON object: `before`, `after` (the statistic of each sample),
/// `difference` (after − before), `ci_low`, `ci_high` (`Bootstrap`'s percentile interval), `n_before`,
/// `n_after`; the statistics are null when a sample is empty.
extension SQLFunctions {
    static func registerBootstrap(on db: Database) throws {
        let code = sqlite3_create_function_v2(db.handle, "bootstrap_difference", 6, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, nil,
                                              bootstrapStep, bootstrapFinal, nil)
        guard code == SQLITE_OK else { throw SQLiteError.from(db.handle, code: code, sql: "register bootstrap_difference") }
    }

    /// One group's samples and settings (a class behind the aggregate context's pointer; released by the final call).
    final class BootstrapGroup {
        var before: [Double] = [], after: [Double] = []
        var settings: (statistic: String, resamples: Int64, confidence: Double, seed: Int64)?
        var error: String?
    }

    private static func group(_ ctx: OpaquePointer?, create: Bool) -> BootstrapGroup? {
        guard let slot = sqlite3_aggregate_context(ctx, create ? Int32(MemoryLayout<UnsafeMutableRawPointer?>.size) : 0)?
            .assumingMemoryBound(to: UnsafeMutableRawPointer?.self) else { return nil }
        if let existing = slot.pointee { return Unmanaged<BootstrapGroup>.fromOpaque(existing).takeUnretainedValue() }
        guard create else { return nil }
        let group = BootstrapGroup()
        slot.pointee = Unmanaged.passRetained(group).toOpaque()
        return group
    }

    private static let bootstrapStep: StepFn = { ctx, _, argv in
        guard let argv, let g = group(ctx, create: true), g.error == nil else { return }
        let statistic = sqlite3_value_text(argv[2]).map { String(cString: $0) } ?? ""
        let settings = (statistic, sqlite3_value_int64(argv[3]), sqlite3_value_double(argv[4]), sqlite3_value_int64(argv[5]))
        if let known = g.settings, known != settings {
            g.error = "bootstrap_difference: statistic, resamples, confidence and seed must be the same for every row of a group"
            return
        }
        g.settings = settings
        guard sqlite3_value_type(argv[0]) != SQLITE_NULL else { return }
        let x = sqlite3_value_double(argv[0])
        if sqlite3_value_int64(argv[1]) == 0 { g.before.append(x) } else { g.after.append(x) }
    }

    private static let bootstrapFinal: FinalFn = { ctx in
        guard let slot = sqlite3_aggregate_context(ctx, 0)?.assumingMemoryBound(to: UnsafeMutableRawPointer?.self),
              let pointer = slot.pointee else { sqlite3_result_null(ctx); return }
        let g = Unmanaged<BootstrapGroup>.fromOpaque(pointer).takeRetainedValue()
        slot.pointee = nil
        if let error = g.error { sqlite3_result_error(ctx, error, -1); return }
        guard let s = g.settings else { sqlite3_result_null(ctx); return }
        guard let statistic = Bootstrap.Statistic(rawValue: s.statistic) else {
            sqlite3_result_error(ctx, "bootstrap_difference: statistic must be 'median' or 'mean', got '\(s.statistic)'", -1)
            return
        }
        guard (1...1_000_000).contains(s.resamples), s.confidence > 0, s.confidence < 1 else {
            sqlite3_result_error(ctx, "bootstrap_difference: resamples must be in 1...1000000 and confidence between 0 and 1 (got \(s.resamples), \(s.confidence))", -1)
            return
        }
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "null" }
        let d = Bootstrap.difference(before: g.before, after: g.after, statistic: statistic, resamples: Int(s.resamples),
                                     confidence: s.confidence, seed: UInt64(bitPattern: s.seed))
        let json = "{\"before\": \(number(d?.before)), \"after\": \(number(d?.after)), \"difference\": \(number(d?.difference)), "
            + "\"ci_low\": \(number(d?.low)), \"ci_high\": \(number(d?.high)), \"n_before\": \(g.before.count), \"n_after\": \(g.after.count)}"
        sqlite3_result_text(ctx, json, -1, baton_sqlite_transient())
    }
}
