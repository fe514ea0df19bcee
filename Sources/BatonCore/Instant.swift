import Foundation

/// Instants are stored as integer Unix seconds (UTC) throughout the store; these helpers format and
/// parse them without touching the process time zone.
public enum Instant {
    /// ISO 8601 UTC text, e.g. `2026-03-02T09:15:00Z`.
    public static func iso(_ t: Int64) -> String {
        let (y, m, d, hh, mm, ss) = civil(t)
        guard (0...9999).contains(y) else { return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss) }
        // The same text without a format string: alert files and reports print thousands of instants.
        var bytes: [UInt8] = Array("0000-00-00T00:00:00Z".utf8)
        func put(_ value: Int, at end: Int, digits: Int) {
            var v = value
            for i in stride(from: end, to: end - digits, by: -1) { bytes[i] += UInt8(v % 10); v /= 10 }
        }
        put(y, at: 3, digits: 4); put(m, at: 6, digits: 2); put(d, at: 9, digits: 2)
        put(hh, at: 12, digits: 2); put(mm, at: 15, digits: 2); put(ss, at: 18, digits: 2)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits an instant into UTC calendar fields.
    public static func civil(_ t: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = floorDiv(t, 86_400)
        let secs = Int(t - days * 86_400)
        let (y, m, d) = civilFromDays(days)
        return (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
    }

    /// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
    public static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// (year, month, day) → days since 1970-01-01.
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Monday 00:00 UTC of the ISO week containing `t`.
    public static func weekStart(_ t: Int64) -> Int64 {
        let days = floorDiv(t, 86_400)
        let weekday = Int64((Int(floorMod(days + 3, 7))))  // 0 = Monday (1970-01-01 was a Thursday)
        return (days - weekday) * 86_400
    }

    /// ISO week label, e.g. `2026-W47` (the ISO year, which differs from the calendar year near New Year).
    public static func isoWeekLabel(_ t: Int64) -> String {
        let monday = floorDiv(weekStart(t), 86_400)
        let thursday = monday + 3
        let (isoYear, _, _) = civilFromDays(thursday)
        let jan1 = daysFromCivil(isoYear, 1, 1)
        let week = (thursday - jan1) / 7 + 1
        return String(format: "%04d-W%02d", isoYear, Int(week))
    }

    /// Monday 00:00 UTC of ISO week `week` of `isoYear`.
    public static func startOfISOWeek(year isoYear: Int, week: Int) -> Int64 {
        let jan4 = daysFromCivil(isoYear, 1, 4)
        let mondayWeek1 = jan4 - floorMod(jan4 + 3, 7)
        return (mondayWeek1 + Int64(week - 1) * 7) * 86_400
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

    /// Parses ISO 8601 date-times: `2026-03-02T09:15:00Z`, with an offset (`+01:00`, `+0100`), fractional
    /// seconds (truncated), a space instead of `T`, or a date alone (midnight UTC). A time with no zone is
    /// read in `defaultOffsetSeconds` when given, else rejected. Returns nil when the text is not a valid instant
    /// (including impossible dates such as 2026-02-30).
    public static func parse(_ text: String, defaultOffsetSeconds: Int? = nil) -> Int64? {
        // The string's own bytes where it has them (an import parses one instant per row: no array per call).
        if let instant = text.utf8.withContiguousStorageIfAvailable({ parse($0, defaultOffsetSeconds: defaultOffsetSeconds) }) {
            return instant
        }
        return Array(text.utf8).withUnsafeBufferPointer { parse($0, defaultOffsetSeconds: defaultOffsetSeconds) }
    }

    private static func parse(_ s: UnsafeBufferPointer<UInt8>, defaultOffsetSeconds: Int?) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= s.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = s[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < s.count, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var hour = 0, minute = 0, second = 0
        var offset: Int? = nil
        if i == s.count {
            offset = 0
        } else {
            guard s[i] == 84 || s[i] == 32 || s[i] == 116 else { return nil }  // T, space, t
            i += 1
            guard let h = digits(2), expect(58), let mi = digits(2) else { return nil }
            hour = h; minute = mi
            if i < s.count, s[i] == 58 {
                i += 1
                guard let se = digits(2) else { return nil }
                second = se
                if i < s.count, s[i] == 46 || s[i] == 44 {  // fraction
                    i += 1
                    let start = i
                    while i < s.count, s[i] >= 48, s[i] <= 57 { i += 1 }
                    guard i > start else { return nil }
                }
            }
            guard hour <= 23, minute <= 59, second <= 60 else { return nil }
            if i == s.count {
                offset = defaultOffsetSeconds
            } else if s[i] == 90 || s[i] == 122 {  // Z
                i += 1
                offset = 0
            } else if s[i] == 43 || s[i] == 45 {  // + -
                let sign = s[i] == 43 ? 1 : -1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(58)
                let om = digits(2) ?? 0
                guard oh <= 23, om <= 59 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
            guard i == s.count else { return nil }
        }
        guard let offset else { return nil }
        let days = daysFromCivil(year, month, day)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The current instant.
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
