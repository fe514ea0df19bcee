import BatonCore
import SQLite

/// A report's default window: the previous `count` complete days, ISO weeks or calendar months (UTC)
/// before the one that contains the reference instant. `{"period": "weeks", "count": 12}`.
public struct PeriodRule: Sendable, Equatable {
    public enum Unit: String, Sendable, CaseIterable { case days, weeks, months }
    public var unit: Unit
    public var count: Int

    public init(unit: Unit, count: Int) { self.unit = unit; self.count = count }

    /// The start of the day, ISO week or month containing `t`.
    public func unitStart(containing t: Int64) -> Int64 {
        switch unit {
        case .days: return t - ((t % 86_400) + 86_400) % 86_400
        case .weeks: return Instant.weekStart(t)
        case .months:
            let c = Instant.civil(t)
            return Instant.daysFromCivil(c.year, c.month, 1) * 86_400
        }
    }

    /// The `count` complete units that end at `end` (a unit boundary): [from, end).
    public func window(endingAt end: Int64) -> (from: Int64, to: Int64) {
        switch unit {
        case .days: return (end - Int64(count) * 86_400, end)
        case .weeks: return (end - Int64(count) * 7 * 86_400, end)
        case .months:
            let c = Instant.civil(end)
            var year = c.year, month = c.month - count
            while month < 1 { month += 12; year -= 1 }
            return (Instant.daysFromCivil(year, month, 1) * 86_400, end)
        }
    }

    /// The previous `count` complete units before the one containing `reference`.
    public func window(before reference: Int64) -> (from: Int64, to: Int64) {
        window(endingAt: unitStart(containing: reference))
    }

    /// The `count` units that start at `start`: [start, to).
    public func window(startingAt start: Int64) -> (from: Int64, to: Int64) {
        switch unit {
        case .days: return (start, start + Int64(count) * 86_400)
        case .weeks: return (start, start + Int64(count) * 7 * 86_400)
        case .months:
            let c = Instant.civil(start)
            var year = c.year, month = c.month + count
            while month > 12 { month -= 12; year += 1 }
            return (start, Instant.daysFromCivil(year, month, 1) * 86_400)
        }
    }

    public var text: String { "the previous \(count) complete \(count == 1 ? String(unit.rawValue.dropLast()) : unit.rawValue)" }
}
