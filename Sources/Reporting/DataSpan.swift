import BatonCore
import Foundation
import SQLite

/// The span of the data a day or week series can show: from the store's first ticket opening to its last opening,
/// closing or cancellation at or before as_of. The series queries (`-- series: days|weeks`: throughput, wip,
/// cumulative_flow) clamp their window to it in SQL, so no output grows with the window beyond the data
/// (`--from 0001-01-01` gives the same rows as `--from` the first opening); this is the same rule in Swift, for the
/// note that says so.
public struct DataSpan: Sendable, Equatable {
    /// The first ticket opening in the store (nil: no tickets).
    public var first: Int64?
    /// The last opening, closing or cancellation at or before as_of (nil: none).
    public var last: Int64?

    public static func of(_ db: Database, asOf: Int64) throws -> DataSpan {
        let row = try db.rows("""
            SELECT (SELECT min(opened_at) FROM tickets) AS first_at,
                   max(coalesce((SELECT max(opened_at) FROM tickets WHERE opened_at <= ?1), -9e18),
                       coalesce((SELECT max(closed_at) FROM tickets WHERE closed_at <= ?1), -9e18),
                       coalesce((SELECT max(cancelled_at) FROM tickets WHERE cancelled_at <= ?1), -9e18)) AS last_at
            """, [asOf]).first
        let last = row?.double("last_at").flatMap { $0 < -1e18 ? nil : Int64($0) }
        return DataSpan(first: row?.int("first_at"), last: last)
    }

    /// The window the series queries use: [max(from, first), min(to, last + 1)) — empty when there is no data.
    public func clamp(from: Int64, to: Int64) -> (from: Int64, to: Int64) {
        guard let first, let last else { return (to, to) }
        return (max(from, first), min(to, last + 1))
    }

    /// How many rows per series a window gives: days (bounded by as_of, as the day queries are) or ISO weeks.
    public static func units(_ unit: String, from: Int64, to: Int64, asOf: Int64) -> Int {
        guard from < to else { return 0 }
        if unit == "weeks" {
            let start = Instant.weekStart(from)
            return Int((to - start + 7 * 86_400 - 1) / (7 * 86_400))
        }
        guard from <= asOf else { return 0 }
        let start = from - ((from % 86_400) + 86_400) % 86_400
        let end = min(to, asOf + 1)
        return Int((end - start + 86_399) / 86_400)
    }

    /// A sentence when clamping leaves out whole days or weeks of the window, else nil.
    public func note(_ unit: String, from: Int64, to: Int64, asOf: Int64) -> String? {
        let requested = Self.units(unit, from: from, to: to, asOf: asOf)
        let clamped = clamp(from: from, to: to)
        let shown = Self.units(unit, from: clamped.from, to: clamped.to, asOf: asOf)
        guard shown < requested else { return nil }
        let span = clamped.from < clamped.to
            ? "\(Instant.iso(clamped.from)) to \(Instant.iso(clamped.to - 1))" : "none in the window"
        return "\(shown) of the window's \(requested) \(unit) shown: the series covers only the span of the store's tickets (\(span)); nothing was opened, closed or cancelled outside it"
    }
}
