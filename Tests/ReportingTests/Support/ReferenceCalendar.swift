import Foundation

/// Working time worked out a second way, for the reference metrics: a calendar file read with JSONSerialization
/// (not Baton's parser), and each local day from the interval's first to its last walked with Foundation's
/// Calendar in the file's time zone (not Baton's offset segments and prefix sums). Whole-day and part-day holidays.
struct ReferenceCalendar {
    let key: String
    let calendar: Calendar
    /// Weekday (Calendar's: 1 = Sunday … 7 = Saturday) → local intervals in minutes.
    let week: [Int: [(Int, Int)]]
    /// "YYYY-MM-DD" → local holiday intervals in minutes (0–1440 for a whole day).
    let holidays: [String: [(Int, Int)]]

    init(file: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        key = object["key"] as! String
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: object["time_zone"] as! String)!
        calendar = c
        func minutes(_ hhmm: Substring) -> Int { let p = hhmm.split(separator: ":"); return Int(p[0])! * 60 + Int(p[1])! }
        let days = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]
        var week: [Int: [(Int, Int)]] = [:]
        for (day, list) in object["week"] as! [String: [String]] {
            week[days[day]!] = list.map { text in let p = text.split(separator: "-"); return (minutes(p[0]), minutes(p[1])) }
        }
        self.week = week
        var holidays: [String: [(Int, Int)]] = [:]
        for h in object["holidays"] as? [[String: Any]] ?? [] {
            let span = (h["from"] as? String).map { (minutes(Substring($0)), minutes(Substring(h["to"] as! String))) } ?? (0, 1440)
            holidays[h["date"] as! String, default: []].append(span)
        }
        self.holidays = holidays
    }

    /// Working seconds in [from, to).
    func seconds(from: Int64, to: Int64) -> Int64 {
        guard to > from else { return 0 }
        var total: Int64 = 0
        var day = calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(from)))
        while Int64(day.timeIntervalSince1970) < to {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            let label = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
            for (a, b) in week[c.weekday!] ?? [] {
                // The interval less the day's holiday spans, minute ranges in local time.
                var pieces = [(a, b)]
                for (ha, hb) in holidays[label] ?? [] {
                    pieces = pieces.flatMap { (x, y) -> [(Int, Int)] in
                        [(x, min(y, ha)), (max(x, hb), y)].filter { $0.0 < $0.1 }
                    }
                }
                for (x, y) in pieces {
                    let start = local(c, minute: x), end = local(c, minute: y)
                    total += max(0, min(end, to) - max(start, from))
                }
            }
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        return total
    }

    func local(_ c: DateComponents, minute: Int) -> Int64 {
        let midnight = calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day))!
        if minute == 1440 { return Int64(calendar.date(byAdding: .day, value: 1, to: midnight)!.timeIntervalSince1970) }
        let parts = DateComponents(year: c.year, month: c.month, day: c.day, hour: minute / 60, minute: minute % 60)
        return Int64(calendar.date(from: parts)!.timeIntervalSince1970)
    }
}
