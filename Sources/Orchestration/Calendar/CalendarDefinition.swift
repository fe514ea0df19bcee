import BatonCore
import Foundation

/// A business calendar as a calendar file (`calendars/*.json`) declares it: when a team works, in local time of one
/// time zone, and which days (or parts of days) are off.
///
/// ```json
/// {"key": "berlin-office", "name": "Berlin office", "time_zone": "Europe/Berlin",
///  "week": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"]},
///  "holidays": [{"date": "2026-01-01", "name": "Neujahr"},
///               {"date": "2026-12-24", "from": "12:00", "to": "24:00", "name": "Heiligabend (afternoon)"}]}
/// ```
///
/// A weekday left out of `week` is not a working day; a 24×7 calendar gives every day `["00:00-24:00"]`. A shift
/// past midnight is two intervals, one on each day. `WorkingCalendar` compiles a definition for computation.
public struct CalendarDefinition: Sendable, Equatable {
    /// A day of the week, as the `week` object names it; `allCases` is Monday first (ISO order).
    public enum Weekday: String, Sendable, CaseIterable {
        case mon, tue, wed, thu, fri, sat, sun
    }

    /// A local-time interval `[start, end)` within one day, in minutes since local midnight (`end` up to 1440, which
    /// the file writes "24:00").
    public struct Interval: Sendable, Equatable, Hashable, Comparable {
        public var start: Int
        public var end: Int

        public init(start: Int, end: Int) { self.start = start; self.end = end }

        /// Parses `"HH:MM-HH:MM"`; nil when the text is not of that form. Does not check that start < end.
        public init?(_ text: String) {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let start = CalendarDefinition.minutes(parts[0], allowMidnightEnd: false),
                  let end = CalendarDefinition.minutes(parts[1], allowMidnightEnd: true) else { return nil }
            self.init(start: start, end: end)
        }

        /// The interval as the file writes it, `"09:00-17:00"`.
        public var text: String { "\(CalendarDefinition.clock(start))-\(CalendarDefinition.clock(end))" }

        public static func < (a: Interval, b: Interval) -> Bool { (a.start, a.end) < (b.start, b.end) }
    }

    /// A day of the proleptic Gregorian calendar, as the file writes it, `"2026-12-24"`.
    public struct Day: Sendable, Equatable, Hashable, Comparable {
        public var year: Int
        public var month: Int
        public var day: Int

        public init(year: Int, month: Int, day: Int) { self.year = year; self.month = month; self.day = day }

        /// Parses `"YYYY-MM-DD"`; nil for another form or a day that does not exist (`"2026-02-30"`).
        public init?(_ text: String) {
            let u = Array(text.utf8)
            guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
                  let y = CalendarDefinition.digits(u[0..<4]), let m = CalendarDefinition.digits(u[5..<7]),
                  let d = CalendarDefinition.digits(u[8..<10]),
                  (1...12).contains(m), (1...Day.length(ofMonth: m, in: y)).contains(d) else { return nil }
            self.init(year: y, month: m, day: d)
        }

        /// The day as the file writes it.
        public var text: String {
            func pad(_ v: Int, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }

        /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
        public var daysSinceEpoch: Int64 {
            let y = Int64(month <= 2 ? year - 1 : year)
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let mp = Int64(month > 2 ? month - 3 : month + 9)
            let doy = (153 * mp + 2) / 5 + Int64(day) - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            return era * 146_097 + doe - 719_468
        }

        /// The number of days of `month` (1–12) in `year`.
        public static func length(ofMonth month: Int, in year: Int) -> Int {
            switch month {
            case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }

        public static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    }

    /// A day off: the whole `date` (`hours` nil) or the local-time `hours` of it.
    public struct Holiday: Sendable, Equatable {
        public var date: Day
        public var hours: Interval?
        public var name: String?

        public init(date: Day, hours: Interval? = nil, name: String? = nil) {
            self.date = date; self.hours = hours; self.name = name
        }

        /// The local-time part of `date` that is off: `hours`, or the whole day.
        public var span: Interval { hours ?? Interval(start: 0, end: 1440) }
    }

    public var key: String
    public var name: String
    /// The IANA time zone the week and the holidays are written in (`"Europe/Berlin"`, `"UTC"`).
    public var timeZone: String
    /// Working intervals of each weekday, indexed in `Weekday.allCases` order (Monday first): seven lists, each
    /// sorted and without overlaps.
    public var week: [[Interval]]
    /// The days off, in the file's order.
    public var holidays: [Holiday]

    /// `week` must have seven lists (Monday first).
    public init(key: String, name: String, timeZone: String, week: [[Interval]], holidays: [Holiday] = []) {
        precondition(week.count == 7, "a week has seven days, Monday first")
        self.key = key; self.name = name; self.timeZone = timeZone; self.week = week; self.holidays = holidays
    }

    /// The working intervals of `day`.
    public func intervals(on day: Weekday) -> [Interval] { week[Weekday.allCases.firstIndex(of: day)!] }

    public static let fields = ["key", "name", "time_zone", "week", "holidays"]
    public static let holidayFields = ["date", "from", "to", "name"]

    public static func load(path: String) throws -> CalendarDefinition {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, "cannot read the file") }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws -> CalendarDefinition {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw InputError(file: file, "is not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error)")
        }
        guard let object = root as? [String: Any] else {
            throw InputError(file: file, "must be a JSON object such as {\"key\": \"office\", \"time_zone\": \"Europe/Berlin\", "
                + "\"week\": {\"mon\": [\"09:00-17:00\"]}}")
        }
        try KnownFields.check(object, fields, at: "", file: file)
        try KnownFields.refuseNull(object, at: "", file: file)
        guard let keyValue = object["key"] else { throw InputError(file: file, field: "key", "is required, e.g. \"key\": \"berlin-office\"") }
        guard let key = keyValue as? String else { throw InputError(file: file, field: "key", "must be a string such as \"berlin-office\"") }
        guard ServiceDefinition.isValidKey(key) else {
            throw InputError(file: file, field: "key", "'\(key)' must be letters, digits, '-', '_' or '.' (no spaces)")
        }
        var name = key
        if let v = object["name"] {
            guard let s = v as? String else { throw InputError(file: file, field: "name", "must be a string") }
            guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw InputError(file: file, field: "name", "must not be empty") }
            name = s
        }
        let zone = try parseTimeZone(object["time_zone"], file: file)
        let week = try parseWeek(object["week"], file: file)
        let holidays = try parseHolidays(object["holidays"], file: file)
        return CalendarDefinition(key: key, name: name, timeZone: zone, week: week, holidays: holidays)
    }

    /// Whether `identifier` is an IANA zone name Foundation knows: `"UTC"` or a `Region/City` name. Abbreviations
    /// (`"CET"`, `"EST"`) are refused although `TimeZone` takes some: they are ambiguous and not all are zones.
    public static func isValidTimeZone(_ identifier: String) -> Bool {
        (identifier == "UTC" || identifier.contains("/")) && TimeZone(identifier: identifier) != nil
    }

    static func parseTimeZone(_ value: Any?, file: String) throws -> String {
        let example = "write an IANA name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\""
        guard let value else { throw InputError(file: file, field: "time_zone", "is required; \(example)") }
        guard let zone = value as? String else { throw InputError(file: file, field: "time_zone", "must be a string; \(example)") }
        guard isValidTimeZone(zone) else {
            throw InputError(file: file, field: "time_zone", "'\(zone)' is not a known IANA time zone name; \(example) "
                + "(abbreviations like CET or EST are not accepted)")
        }
        return zone
    }

    static func parseWeek(_ value: Any?, file: String) throws -> [[Interval]] {
        let example = "{\"mon\": [\"09:00-17:00\"], \"tue\": [\"09:00-12:00\", \"13:00-17:00\"]}"
        guard let value else { throw InputError(file: file, field: "week", "is required: the working hours of each weekday, e.g. \(example)") }
        guard let object = value as? [String: Any] else {
            throw InputError(file: file, field: "week", "must be an object of weekdays (mon … sun) such as \(example)")
        }
        let days = Weekday.allCases.map(\.rawValue)
        try KnownFields.check(object, days, at: "week", file: file)
        try KnownFields.refuseNull(object, at: "week", file: file)
        var week: [[Interval]] = []
        for day in days {
            week.append(try parseDay(object[day], field: "week.\(day)", file: file))
        }
        guard week.contains(where: { !$0.isEmpty }) else {
            throw InputError(file: file, field: "week", "has no working time; give at least one day, e.g. \"mon\": [\"09:00-17:00\"]")
        }
        return week
    }

    /// One weekday's list, sorted; refuses a malformed, empty or reversed interval and overlapping ones.
    static func parseDay(_ value: Any?, field: String, file: String) throws -> [Interval] {
        guard let value else { return [] }
        guard let list = value as? [Any] else {
            throw InputError(file: file, field: field, "must be a list of intervals such as [\"09:00-12:00\", \"13:00-17:00\"] "
                + "(leave the day out, or write [], when it is not a working day)")
        }
        var intervals: [(Interval, Int)] = []
        for (i, item) in list.enumerated() {
            let at = "\(field)[\(i)]"
            guard let text = item as? String else { throw InputError(file: file, field: at, "must be a string such as \"09:00-17:00\"") }
            guard let interval = Interval(text) else {
                throw InputError(file: file, field: at, "'\(text)' is not an interval; write local times as \"HH:MM-HH:MM\", "
                    + "e.g. \"09:00-17:00\" (the end may be \"24:00\")")
            }
            guard interval.start < interval.end else {
                throw InputError(file: file, field: at, "'\(text)' does not end after it starts; write the start first, e.g. "
                    + "\"09:00-17:00\"; a shift past midnight is two intervals, \"22:00-24:00\" on one day and \"00:00-06:00\" on the next")
            }
            intervals.append((interval, i))
        }
        intervals.sort { $0.0 < $1.0 }
        for k in intervals.indices.dropFirst() where intervals[k].0.start < intervals[k - 1].0.end {
            let (a, b) = (intervals[k - 1], intervals[k])
            let (first, second) = a.1 < b.1 ? (a, b) : (b, a)
            let joined = Interval(start: a.0.start, end: max(a.0.end, b.0.end))
            throw InputError(file: file, field: "\(field)[\(second.1)]", "'\(second.0.text)' overlaps '\(first.0.text)' "
                + "(\(field)[\(first.1)]); intervals of one day must not overlap: join them into one, \"\(joined.text)\"")
        }
        return intervals.map(\.0)
    }

    static func parseHolidays(_ value: Any?, file: String) throws -> [Holiday] {
        let example = "{\"date\": \"2026-12-25\", \"name\": \"Christmas Day\"}"
        guard let value else { return [] }
        guard let list = value as? [Any] else {
            throw InputError(file: file, field: "holidays", "must be a list of days off such as [\(example)]")
        }
        try KnownFields.checkEach(list, holidayFields, at: "holidays", file: file)
        var holidays: [Holiday] = []
        for (i, item) in list.enumerated() {
            let at = "holidays[\(i)]"
            guard let object = item as? [String: Any] else {
                throw InputError(file: file, field: at, "must be an object such as \(example) (or with \"from\" and \"to\" for part of the day)")
            }
            let holiday = try parseHoliday(object, at: at, file: file)
            if let j = holidays.firstIndex(where: { $0.date == holiday.date && $0.span.start < holiday.span.end && holiday.span.start < $0.span.end }) {
                throw InputError(file: file, field: "\(at).date", "\(holiday.date.text) is already a holiday (holidays[\(j)]); "
                    + "list each day off once (two parts of one day must not overlap)")
            }
            holidays.append(holiday)
        }
        return holidays
    }

    static func parseHoliday(_ object: [String: Any], at: String, file: String) throws -> Holiday {
        guard let dateValue = object["date"] else {
            throw InputError(file: file, field: "\(at).date", "is required: write the day as \"YYYY-MM-DD\", e.g. \"2026-12-25\"")
        }
        guard let dateText = dateValue as? String else {
            throw InputError(file: file, field: "\(at).date", "must be a string such as \"2026-12-25\"")
        }
        guard let date = Day(dateText) else {
            throw InputError(file: file, field: "\(at).date", "'\(dateText)' is not a date; write an existing day as \"YYYY-MM-DD\", e.g. \"2026-02-28\"")
        }
        var name: String?
        if let v = object["name"] {
            guard let s = v as? String else { throw InputError(file: file, field: "\(at).name", "must be a string") }
            guard !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw InputError(file: file, field: "\(at).name", "must not be empty (leave it out instead)")
            }
            name = s
        }
        switch (object["from"], object["to"]) {
        case (nil, nil): return Holiday(date: date, name: name)
        case (_?, nil), (nil, _?):
            let missing = object["from"] == nil ? "from" : "to"
            throw InputError(file: file, field: "\(at).\(missing)", "is required with \"\(missing == "from" ? "to" : "from")\": a part-day "
                + "holiday gives both, e.g. \"from\": \"12:00\", \"to\": \"24:00\"; leave both out for the whole day")
        case let (fromValue?, toValue?):
            let from = try parseClock(fromValue, field: "\(at).from", allowMidnightEnd: false, file: file)
            let to = try parseClock(toValue, field: "\(at).to", allowMidnightEnd: true, file: file)
            guard from < to else {
                throw InputError(file: file, field: "\(at).to", "'\(clock(to))' is not after \"from\" '\(clock(from))'; a part-day holiday "
                    + "runs from \"from\" to a later \"to\" on the same day, e.g. \"from\": \"12:00\", \"to\": \"24:00\"")
            }
            return Holiday(date: date, hours: Interval(start: from, end: to), name: name)
        }
    }

    static func parseClock(_ value: Any, field: String, allowMidnightEnd: Bool, file: String) throws -> Int {
        let example = allowMidnightEnd ? "\"HH:MM\", e.g. \"17:00\" (or \"24:00\" for the end of the day)" : "\"HH:MM\", e.g. \"12:00\""
        guard let text = value as? String else { throw InputError(file: file, field: field, "must be a string; write \(example)") }
        guard let minutes = minutes(Substring(text), allowMidnightEnd: allowMidnightEnd) else {
            throw InputError(file: file, field: field, "'\(text)' is not a local time; write \(example)")
        }
        return minutes
    }

    /// `"HH:MM"` (00:00–23:59, or 24:00 when `allowMidnightEnd`) as minutes since midnight.
    static func minutes(_ text: Substring, allowMidnightEnd: Bool) -> Int? {
        let u = Array(text.utf8)
        guard u.count == 5, u[2] == UInt8(ascii: ":"), let h = digits(u[0..<2]), let m = digits(u[3..<5]), m < 60 else { return nil }
        guard h < 24 || (allowMidnightEnd && h == 24 && m == 0) else { return nil }
        return h * 60 + m
    }

    static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(b - UInt8(ascii: "0"))
        }
        return value
    }

    static func clock(_ minutes: Int) -> String {
        let h = minutes / 60, m = minutes % 60
        return "\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m)"
    }

    /// The definition as canonical JSON (keys sorted, no whitespace, weekdays without work and an empty holiday list
    /// left out), which `parse` reads back to an equal definition: the text a store keeps of the applied version.
    public func json() -> Data {
        var days: [String: Any] = [:]
        for (day, intervals) in zip(Weekday.allCases, week) where !intervals.isEmpty {
            days[day.rawValue] = intervals.map(\.text)
        }
        var object: [String: Any] = ["key": key, "name": name, "time_zone": timeZone, "week": days]
        if !holidays.isEmpty {
            object["holidays"] = holidays.map { h -> [String: Any] in
                var o: [String: Any] = ["date": h.date.text]
                if let hours = h.hours { o["from"] = Self.clock(hours.start); o["to"] = Self.clock(hours.end) }
                if let name = h.name { o["name"] = name }
                return o
            }
        }
        // Strings, lists and objects only: serialisation cannot fail.
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
