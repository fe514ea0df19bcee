import BatonCore
import Foundation
import SQLite

/// A standard 5-field cron expression (minute, hour, day of month, month, day of week), read as cronie (Vixie
/// cron's successor on Linux) reads it: lists (`1,15`), ranges (`1-5`), steps over a range or `*` (`*/15`,
/// `10-50/20`; a single number with a step such as `5/10` is refused, as cronie refuses it), names (`JAN`–`DEC`,
/// `SUN`–`SAT`, case-insensitive), day of week 0 or 7 = Sunday (a day-of-week range ending in Sunday, `Fri-Sun` or
/// `5-0`, runs up to 7), and the macros `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`,
/// `@hourly`. When both day of month and day of week are restricted (neither starts with `*`), a day matches
/// when either does (the Vixie OR-rule).
///
/// Fire times are computed in `timeZone` (UTC by default) with the system zone database. Around daylight-saving
/// changes the rules are cronie's, which tell "wildcard" expressions (minute or hour field starting with `*`,
/// `@hourly`) from fixed-time ones:
/// - a wall-clock time skipped when clocks go forward: a fixed-time expression fires once, right after the jump
///   (`30 2 * * *` fires at 03:00 on the day Berlin skips 02:00–03:00); a wildcard one does not fire for it, so it
///   keeps firing every real hour or minute it names (`@hourly` fires at 01:00 and 03:00, which are one hour apart);
/// - a wall-clock time that happens twice when clocks go back: a fixed-time expression fires once, at the first
///   occurrence; a wildcard one fires at both (`@hourly` fires at 01:00 daylight time and at 01:00 standard time).
/// Forward jumps of three hours or more, and backward ones of more than three, are what cron treats as the clock
/// being set rather than daylight saving: skipped times do not fire, repeated times fire again.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    public let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool
    /// The minute or hour field starts with `*` (cronie's MIN_STAR/HR_STAR): such an expression follows real time
    /// across daylight-saving changes instead of making up skipped wall-clock times (see the type's notes).
    let wildcard: Bool
    public let timeZone: TimeZone
    /// The zone's IANA name as given (`UTC` when none was).
    public let timeZoneName: String

    public var description: String { text }

    /// A parse error naming the field and the offending text.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var expression: String
        public var message: String
        public var description: String { "schedule '\(expression)': \(message)" }
    }

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
    static let macros = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                         "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]

    /// Parses `text`; `timeZone` is an IANA zone identifier such as `Europe/Berlin` (nil: UTC).
    public init(_ text: String, timeZone identifier: String? = nil) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        self.text = trimmed
        timeZoneName = identifier ?? "UTC"
        if let identifier {
            guard let zone = TimeZone(identifier: identifier) else {
                throw ParseError(expression: trimmed, message: "unknown time zone '\(identifier)' (use an IANA name such as Europe/Berlin)")
            }
            timeZone = zone
        } else {
            timeZone = TimeZone(identifier: "UTC")!
        }
        let expanded = Self.macros[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(expression: trimmed, message: "needs 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        func field(_ i: Int, _ name: String, _ range: ClosedRange<Int>, _ names: [String] = [], namesStart: Int = 0) throws -> Set<Int> {
            do {
                return try Self.parseField(fields[i], range: range, names: names, namesStart: namesStart)
            } catch let e as CronFieldError {
                throw ParseError(expression: trimmed, message: "\(name) field '\(fields[i])': \(e.message)")
            }
        }
        minutes = try field(0, "minute", 0...59)
        hours = try field(1, "hour", 0...23)
        daysOfMonth = try field(2, "day-of-month", 1...31)
        months = try field(3, "month", 1...12, Self.monthNames, namesStart: 1)
        // 7 is Sunday too; fold it onto 0.
        let dow = try field(4, "day-of-week", 0...7, Self.dayNames)
        daysOfWeek = Set(dow.map { $0 % 7 })
        domRestricted = !fields[2].hasPrefix("*")
        dowRestricted = !fields[4].hasPrefix("*")
        wildcard = fields[0].hasPrefix("*") || fields[1].hasPrefix("*")
        // A day of month that no allowed month has (e.g. 31 in FEB,APR) never fires: refuse instead of searching forever.
        if domRestricted && !dowRestricted {
            let longest = months.map { $0 == 2 ? 29 : Instant.daysIn(month: $0, year: 2001) }.max() ?? 31
            if (daysOfMonth.min() ?? 1) > longest {
                throw ParseError(expression: trimmed, message: "day-of-month \(daysOfMonth.min()!) never occurs in the months given")
            }
        }
    }

    /// Parses one field; throws `CronFieldError`.
    static func parseField(_ text: String, range: ClosedRange<Int>, names: [String], namesStart: Int) throws -> Set<Int> {
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw CronFieldError(message: "empty list item") }
            var rangeText = Substring(part)
            var step = 1
            if let slash = part.firstIndex(of: "/") {
                rangeText = part[..<slash]
                guard let s = Int(part[part.index(after: slash)...]), s > 0 else { throw CronFieldError(message: "step must be a positive number") }
                step = s
            }
            var low: Int, high: Int
            if rangeText == "*" {
                low = range.lowerBound; high = range.upperBound
                if range.upperBound == 7 { high = 6 }  // `*` in day-of-week means 0–6
            } else if let dash = rangeText.firstIndex(of: "-") {
                low = try value(rangeText[..<dash], range, names, namesStart)
                high = try value(rangeText[rangeText.index(after: dash)...], range, names, namesStart)
                // Day of week: a range ending in Sunday (`Fri-Sun`, `5-0`) ends at 7, as cronie reads it.
                if range.upperBound == 7 && high == 0 && low > 0 { high = 7 }
                guard low <= high else { throw CronFieldError(message: "range \(rangeText) runs backwards") }
            } else {
                low = try value(rangeText, range, names, namesStart)
                high = low
                // `5/10`: cronie refuses a step after a single number (some other crons read it as `5-59/10`).
                if part.contains("/") {
                    let last = range.upperBound == 7 ? 6 : range.upperBound
                    let lastText = Int(rangeText) == nil && !names.isEmpty ? names[last - namesStart] : "\(last)"
                    let item = part == Substring(text) ? "" : "'\(part)': "
                    throw CronFieldError(message: "\(item)a step needs a range or '*' (did you mean \(rangeText)-\(lastText)/\(step)?)")
                }
            }
            for v in stride(from: low, through: high, by: step) { result.insert(v) }
        }
        return result
    }

    static func value(_ text: Substring, _ range: ClosedRange<Int>, _ names: [String], _ namesStart: Int) throws -> Int {
        if let n = Int(text) {
            guard range.contains(n) else { throw CronFieldError(message: "\(n) is outside \(range.lowerBound)-\(range.upperBound)") }
            return n
        }
        if let i = names.firstIndex(of: text.uppercased()) { return i + namesStart }
        throw CronFieldError(message: names.isEmpty ? "'\(text)' is not a number" : "'\(text)' is not a number or a name (\(names.joined(separator: ", ")))")
    }

    /// Whether a calendar day (in the expression's zone) matches the day-of-month, month and day-of-week fields.
    public func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        guard months.contains(month) else { return false }
        let weekday = Int((Instant.daysFromCivil(year, month, day) % 7 + 11) % 7)  // 1970-01-01 was a Thursday (4)
        let domOK = daysOfMonth.contains(day), dowOK = daysOfWeek.contains(weekday)
        if domRestricted && dowRestricted { return domOK || dowOK }
        return domOK && dowOK
    }

    /// The first fire time strictly after `t` (Unix seconds), or nil when none falls within 30 years.
    public func next(after t: Int64) -> Int64? { search(from: t, forward: true) }

    /// The last fire time at or before `t`, or nil when none falls within the 30 years before.
    public func previous(atOrBefore t: Int64) -> Int64? { search(from: t, forward: false) }

    /// Fire times in (`after`, `through`], oldest first, at most `limit`.
    public func fireTimes(after: Int64, through: Int64, limit: Int = 10_000) -> [Int64] {
        var result: [Int64] = []
        var t = after
        while result.count < limit, let n = next(after: t), n <= through {
            result.append(n)
            t = n
        }
        return result
    }

    private func search(from t: Int64, forward: Bool) -> Int64? {
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted()
        // Wall-clock seconds in the zone; candidates are found there and converted back to instants. A wall time's
        // earliest firing instant never decreases as the wall time grows, nor does its latest; so walking wall times
        // in order, the answer is known once one fires wholly past `t` (a repeated wall time may fire at two instants,
        // and an earlier wall time's second instant can still be the nearer one: keep the best seen).
        let local = t + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
        var day = local >= 0 ? local / 86_400 : -((-local + 86_399) / 86_400)
        let firstDay = day
        var best: Int64?
        for _ in 0..<(366 * 30) {
            let (y, m, d) = Instant.civilFromDays(day)
            if matchesDay(year: y, month: m, day: d) {
                let hourOrder = forward ? sortedHours : sortedHours.reversed()
                for h in hourOrder {
                    for mi in (forward ? sortedMinutes : sortedMinutes.reversed()) {
                        let wall = day * 86_400 + Int64(h * 3600 + mi * 60)
                        // Skip quickly over wall times on the first day that cannot qualify.
                        if day == firstDay {
                            if forward && wall + 4 * 3600 < local { continue }
                            if !forward && wall - 4 * 3600 > local { continue }
                        }
                        guard let (first, last) = fires(atWall: wall) else { continue }
                        if forward {
                            if first > t { return min(best ?? first, first) }
                            if last > t { best = min(best ?? last, last) }
                        } else {
                            if last <= t { return max(best ?? last, last) }
                            if first <= t { best = max(best ?? first, first) }
                        }
                    }
                }
            }
            day += forward ? 1 : -1
        }
        return best
    }

    private func offset(_ i: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(i))))
    }

    /// The instants at which wall-clock time `wall` fires, earliest and latest (equal unless a repeated wall time
    /// fires twice), or nil when it does not fire; the daylight-saving rules are in the type's notes.
    func fires(atWall wall: Int64) -> (first: Int64, last: Int64)? {
        // The offsets in force a day either side; a wall time maps to `wall - offset` for one (or both) of them.
        let before = offset(wall - 86_400), after = offset(wall + 86_400)
        let a = min(wall - before, wall - after), b = max(wall - before, wall - after)
        let aFits = a + offset(a) == wall, bFits = b != a && b + offset(b) == wall
        let limit: Int64 = 3 * 3600   // cron's line between a daylight-saving change and a clock change
        switch (aFits, bFits) {
        case (true, true):   // happens twice (clocks went back)
            return wildcard || b - a > limit ? (a, b) : (a, a)
        case (true, false): return (a, a)
        case (false, true): return (b, b)
        case (false, false):
            let c = wall - offset(wall)   // two changes within two days: the offset at the wall time itself
            if c + offset(c) == wall { return (c, c) }
            // Skipped (clocks went forward): a fixed-time expression fires at the change, the first instant
            // whose wall-clock time is past `wall`.
            guard after > before, after - before < limit, !wildcard else { return nil }
            var lo = a, hi = b   // lo's wall time is before `wall`, hi's after
            guard lo + offset(lo) < wall, hi + offset(hi) > wall else { return nil }
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if mid + offset(mid) > wall { hi = mid } else { lo = mid }
            }
            return (hi, hi)
        }
    }
}

/// A field-level parse problem, wrapped into `ParseError` with the field name.
struct CronFieldError: Error { let message: String }
