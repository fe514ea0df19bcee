import BatonCore
import Foundation
import Reporting
import SQLite

/// How a report value is written as text, one rule for every renderer so the formats agree.
///
/// - `exact` is the CSV's text of the value (before CSV quoting): integers as they are, reals as the
///   shortest text that reads back as the same Double, instants as ISO 8601 UTC, text unchanged.
/// - `display` is what a person reads in HTML: counts as integers, hours with one decimal and " h",
///   ratios as a percentage with one decimal, numbers with two decimals (integers as they are), instants as
///   `YYYY-MM-DD hh:mm UTC`. Every HTML cell also carries the exact text in `data-value` (and `title`), so
///   the shown number is always the CSV's number, rounded by this rule and nothing else.
public enum ValueText {
    /// The CSV text of a value (unquoted, before the formula guard).
    public static func exact(_ value: SQLValue, unit: ColumnUnit) -> String {
        switch value {
        case .null: return ""
        case .integer(let v): return unit == .instant ? Instant.iso(v) : String(v)
        case .real(let v):
            if unit == .instant, v.isFinite { return Instant.iso(Int64(v.rounded(.down))) }
            return CSVWriter.number(v)
        case .text(let s): return s
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        }
    }

    /// The text a person reads; nil value → "–".
    public static func display(_ value: SQLValue, unit: ColumnUnit) -> String {
        if value.isNull { return "–" }
        switch unit {
        case .text, .week:
            return value.string ?? ""
        case .instant:
            guard let t = value.double, t.isFinite else { return value.string ?? "" }
            let (y, m, d, hh, mm, _) = Instant.civil(Int64(t.rounded(.down)))
            return String(format: "%04d-%02d-%02d %02d:%02d UTC", y, m, d, hh, mm)
        case .count, .number, .hours, .ratio:
            guard let v = value.double else { return value.string ?? "" }
            return number(v, unit: unit)
        }
    }

    /// A number in the unit's human form (also used for headlines and chart ticks).
    public static func number(_ v: Double, unit: ColumnUnit) -> String {
        guard v.isFinite else { return "–" }
        switch unit {
        case .hours: return fixed(v, 1) + " h"
        case .ratio: return fixed(v * 100, 1) + " %"
        case .count, .number, .text, .week, .instant:
            if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
            return fixed(v, 2)
        }
    }

    /// Fixed decimals without a negative zero.
    static func fixed(_ v: Double, _ decimals: Int) -> String {
        let s = String(format: "%.\(decimals)f", v)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }

    /// Hours as a human duration for headlines and tooltips: "45 min", "7.5 h", "3.2 d".
    public static func humanDuration(hours: Double) -> String {
        guard hours.isFinite else { return "–" }
        let a = abs(hours)
        if a < 1 { return fixed(hours * 60, 0) + " min" }
        if a < 48 { return fixed(hours, 1) + " h" }
        return fixed(hours / 24, 1) + " d"
    }
}
