import BatonCore
import Foundation
import Testing
@testable import Orchestration

@Suite struct CalendarDefinitionTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/calendars")

    static func parse(_ json: String) throws -> CalendarDefinition {
        try CalendarDefinition.parse(Data(json.utf8), file: "cal.json")
    }

    /// A valid definition with `fragment` replacing the week (when it starts with `"week"`) or added to it.
    static func definition(_ fragment: String) -> String {
        let week = #""week": {"mon": ["09:00-17:00"]}"#
        let base = #"{"key": "office", "time_zone": "Europe/Berlin""#
        return fragment.hasPrefix(#""week""#) ? "\(base), \(fragment)}" : "\(base), \(week)\(fragment.isEmpty ? "" : ", " + fragment)}"
    }

    @Test func aFullDefinitionParses() throws {
        let d = try Self.parse(Self.definition(#""name": "Office", "holidays": [{"date": "2026-01-01", "name": "Neujahr"}, "#
            + #"{"date": "2026-12-24", "from": "12:00", "to": "24:00"}]"#))
        #expect(d.key == "office" && d.name == "Office" && d.timeZone == "Europe/Berlin")
        #expect(d.intervals(on: .mon) == [.init(start: 540, end: 1020)])
        #expect(d.intervals(on: .tue).isEmpty)
        #expect(d.holidays == [.init(date: .init(year: 2026, month: 1, day: 1), name: "Neujahr"),
                               .init(date: .init(year: 2026, month: 12, day: 24), hours: .init(start: 720, end: 1440))])
    }

    @Test func intervalsOfADayAreSortedAndTheNameDefaultsToTheKey() throws {
        let d = try Self.parse(Self.definition(#""week": {"tue": ["13:00-17:00", "00:00-01:00", "09:00-12:00"], "sun": []}"#))
        #expect(d.intervals(on: .tue).map(\.text) == ["00:00-01:00", "09:00-12:00", "13:00-17:00"])
        #expect(d.intervals(on: .sun).isEmpty && d.name == "office")
    }

    @Test func touchingIntervalsAreNotAnOverlap() throws {
        let d = try Self.parse(Self.definition(#""week": {"fri": ["12:00-17:00", "09:00-12:00"]}"#))
        #expect(d.intervals(on: .fri).count == 2)
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        let json: String
        let field: String
        let says: String
        var testDescription: String { "\(field): \(says)" }
    }

    static let badCases: [BadCase] = [
        BadCase(json: #"{"key": "o", "time_zon": "UTC", "week": {"mon": ["09:00-17:00"]}}"#, field: "'time_zon'", says: "did you mean 'time_zone'"),
        BadCase(json: definition(#""week": {"mnd": ["09:00-17:00"]}"#), field: "'week.mnd'", says: "did you mean 'mon'"),
        BadCase(json: definition(#""week": {"mon": ["17:00-09:00"]}"#), field: "'week.mon[0]'", says: "does not end after it starts"),
        BadCase(json: definition(#""week": {"mon": ["09:00-09:00"]}"#), field: "'week.mon[0]'", says: "write the start first"),
        BadCase(json: definition(#""week": {"mon": ["9-17"]}"#), field: "'week.mon[0]'", says: #"write local times as "HH:MM-HH:MM""#),
        BadCase(json: definition(#""week": {"mon": ["09:00-24:01"]}"#), field: "'week.mon[0]'", says: "is not an interval"),
        BadCase(json: definition(#""week": {"mon": ["24:00-24:00"]}"#), field: "'week.mon[0]'", says: "is not an interval"),
        BadCase(json: definition(#""week": {"wed": ["12:00-14:00", "09:00-13:00"]}"#), field: "'week.wed[1]'",
                says: #"join them into one, "09:00-14:00""#),
        BadCase(json: definition(#""week": {"wed": ["08:00-18:00", "09:00-13:00"]}"#), field: "'week.wed[1]'", says: "overlaps '08:00-18:00'"),
        BadCase(json: definition(#""week": {"mon": "09:00-17:00"}"#), field: "'week.mon'", says: "must be a list of intervals"),
        BadCase(json: definition(#""week": {"mon": [9]}"#), field: "'week.mon[0]'", says: "must be a string"),
        BadCase(json: definition(#""week": {}"#), field: "'week'", says: "has no working time"),
        BadCase(json: definition(#""week": {"tue": null}"#), field: "'week.tue'", says: "must not be null"),
        BadCase(json: definition(#""week": ["09:00-17:00"]"#), field: "'week'", says: "must be an object of weekdays"),
        BadCase(json: #"{"key": "o", "time_zone": "UTC"}"#, field: "'week'", says: "is required"),
        BadCase(json: definition(#""holidays": [{"date": "2026-01-01"}, {"date": "2026-02-30"}]"#), field: "'holidays[1].date'",
                says: #"write an existing day as "YYYY-MM-DD""#),
        BadCase(json: definition(#""holidays": [{"date": "2026-1-1"}]"#), field: "'holidays[0].date'", says: "is not a date"),
        BadCase(json: definition(#""holidays": [{"date": "2100-02-29"}]"#), field: "'holidays[0].date'", says: "is not a date"),
        BadCase(json: definition(#""holidays": [{"name": "Neujahr"}]"#), field: "'holidays[0].date'", says: "is required"),
        BadCase(json: definition(#""holidays": [{"date": "2026-12-24", "from": "12:00"}]"#), field: "'holidays[0].to'",
                says: #"leave both out for the whole day"#),
        BadCase(json: definition(#""holidays": [{"date": "2026-12-24", "to": "12:00"}]"#), field: "'holidays[0].from'", says: "is required"),
        BadCase(json: definition(#""holidays": [{"date": "2026-12-24", "from": "14:00", "to": "12:00"}]"#), field: "'holidays[0].to'",
                says: "is not after"),
        BadCase(json: definition(#""holidays": [{"date": "2026-12-24", "from": "24:00", "to": "24:00"}]"#), field: "'holidays[0].from'",
                says: "is not a local time"),
        BadCase(json: definition(#""holidays": [{"date": "2026-12-24", "form": "12:00", "to": "24:00"}]"#), field: "'holidays[0].form'",
                says: "did you mean 'from'"),
        BadCase(json: definition(#""holidays": [{"date": "2026-12-24", "name": null}]"#), field: "'holidays[0].name'", says: "must not be null"),
        BadCase(json: definition(#""holidays": [{"date": "2026-12-25"}, {"date": "2026-12-25", "from": "09:00", "to": "10:00"}]"#),
                field: "'holidays[1].date'", says: "is already a holiday (holidays[0])"),
        BadCase(json: definition(#""holidays": {"date": "2026-12-25"}"#), field: "'holidays'", says: "must be a list"),
        BadCase(json: definition(#""holidays": ["2026-12-25"]"#), field: "'holidays[0]'", says: "must be an object"),
        BadCase(json: definition(#""name": null"#), field: "'name'", says: "must not be null"),
        BadCase(json: definition(#""name": " ""#), field: "'name'", says: "must not be empty"),
        BadCase(json: #"{"key": "o", "time_zone": "CET", "week": {"mon": ["09:00-17:00"]}}"#, field: "'time_zone'", says: "Europe/Berlin"),
        BadCase(json: #"{"key": "o", "time_zone": "Europe/Berln", "week": {"mon": ["09:00-17:00"]}}"#, field: "'time_zone'",
                says: "is not a known IANA time zone name"),
        BadCase(json: #"{"key": "o", "time_zone": 1, "week": {"mon": ["09:00-17:00"]}}"#, field: "'time_zone'", says: "must be a string"),
        BadCase(json: #"{"key": "o", "week": {"mon": ["09:00-17:00"]}}"#, field: "'time_zone'", says: "is required"),
        BadCase(json: #"{"key": "my office", "time_zone": "UTC", "week": {"mon": ["09:00-17:00"]}}"#, field: "'key'", says: "no spaces"),
        BadCase(json: #"{"time_zone": "UTC", "week": {"mon": ["09:00-17:00"]}}"#, field: "'key'", says: "is required"),
    ]

    /// Each mistake names the field by its path and says how to write it right.
    @Test(arguments: badCases)
    func mistakesNameTheFieldAndTheFix(_ bad: BadCase) {
        do {
            _ = try Self.parse(bad.json)
            Issue.record("parsed: \(bad.json)")
        } catch let error as InputError {
            #expect(error.description.contains("field \(bad.field)"), "\(error)")
            #expect(error.description.contains(bad.says), "\(error)")
            #expect(error.file == "cal.json")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: ["", "[]", "{", #"{"key": "x"} trailing"#])
    func notAnObjectIsRefused(_ text: String) {
        #expect(throws: InputError.self) { try Self.parse(text) }
    }

    @Test(arguments: ["UTC", "Europe/Berlin", "America/Sao_Paulo", "Asia/Kolkata", "Etc/GMT+5"])
    func ianaNamesAreAccepted(_ zone: String) {
        #expect(CalendarDefinition.isValidTimeZone(zone))
    }

    @Test(arguments: ["CET", "EST", "GMT", "utc", "Europe/Nowhere", "", "/"])
    func abbreviationsAndUnknownZonesAreRefused(_ zone: String) {
        #expect(!CalendarDefinition.isValidTimeZone(zone))
    }

    @Test func daysValidateTheCalendar() {
        #expect(CalendarDefinition.Day("2024-02-29") != nil)
        #expect(CalendarDefinition.Day("2000-02-29") != nil)
        #expect(CalendarDefinition.Day("2026-02-29") == nil)
        #expect(CalendarDefinition.Day("1900-02-29") == nil)
        #expect(CalendarDefinition.Day("2026-04-31") == nil)
        #expect(CalendarDefinition.Day("2026-13-01") == nil)
        #expect(CalendarDefinition.Day("2026-00-10") == nil)
        #expect(CalendarDefinition.Day("2026-12-00") == nil)
        #expect(CalendarDefinition.Day("2026/12/01") == nil)
        #expect(CalendarDefinition.Day("+026-12-01") == nil)
        #expect(CalendarDefinition.Day("2026-12-31")?.text == "2026-12-31")
        #expect(CalendarDefinition.Day("0999-01-05")?.text == "0999-01-05")
    }

    /// `daysSinceEpoch` agrees with Foundation's Gregorian calendar on many days either side of 1970.
    @Test func daysSinceEpochAgreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var random = SplitMix64(seed: 14)
        for _ in 0..<2_000 {
            let days = Int64(random.next() % 200_000) - 100_000
            let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days * 86_400)))
            let day = CalendarDefinition.Day(year: c.year!, month: c.month!, day: c.day!)
            #expect(day.daysSinceEpoch == days, "\(day.text)")
        }
    }

    @Test(arguments: ["24x7", "berlin-office", "follow-the-sun"])
    func samplesParseAndRoundTripThroughCanonicalJSON(_ key: String) throws {
        let d = try CalendarDefinition.load(path: Self.samples.appendingPathComponent("\(key).json").path)
        #expect(d.key == key)
        let json = d.json()
        #expect(try CalendarDefinition.parse(json, file: "canonical") == d)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.hasPrefix(#"{"key":"\#(key)","name":"#) || text.hasPrefix(#"{"holidays":"#))
        #expect(!text.contains(#"\/"#))
    }

    @Test func canonicalJSONKeepsPartDayHolidaysAndSortsKeys() throws {
        let d = try Self.parse(Self.definition(#""holidays": [{"date": "2026-12-24", "from": "12:00", "to": "24:00", "name": "Heiligabend"}]"#))
        let text = String(decoding: d.json(), as: UTF8.self)
        #expect(text == #"{"holidays":[{"date":"2026-12-24","from":"12:00","name":"Heiligabend","to":"24:00"}],"key":"office","#
            + #""name":"office","time_zone":"Europe/Berlin","week":{"mon":["09:00-17:00"]}}"#)
        #expect(try CalendarDefinition.parse(d.json(), file: "canonical") == d)
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: InputError(file: "/nonexistent/cal.json", "cannot read the file")) {
            try CalendarDefinition.load(path: "/nonexistent/cal.json")
        }
    }

    /// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher), independent of the sample file.
    static func easter(_ year: Int) -> (month: Int, day: Int) {
        let a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        return ((h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1)
    }

    /// The nationwide German public holidays of `year`, as "YYYY-MM-DD".
    static func germanHolidays(_ year: Int) throws -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let (m, d) = easter(year)
        let sunday = try #require(calendar.date(from: DateComponents(year: year, month: m, day: d)))
        func text(_ date: Date) -> String {
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            return CalendarDefinition.Day(year: c.year!, month: c.month!, day: c.day!).text
        }
        let movable = [-2, 1, 39, 50].map { text(sunday.addingTimeInterval(Double($0) * 86_400)) }
        let fixed = ["01-01", "05-01", "10-03", "12-25", "12-26"].map { "\(year)-\($0)" }
        return (fixed + movable).sorted()
    }

    @Test func easterIsRight() {
        #expect(Self.easter(2026) == (4, 5))
        #expect(Self.easter(2027) == (3, 28))
        #expect(Self.easter(2019) == (4, 21))
        #expect(Self.easter(2000) == (4, 23))
    }

    @Test(arguments: [2026, 2027])
    func berlinOfficeHasTheNationwideHolidays(_ year: Int) throws {
        let d = try CalendarDefinition.load(path: Self.samples.appendingPathComponent("berlin-office.json").path)
        let dates = d.holidays.filter { $0.date.year == year }.map(\.date.text)
        #expect(dates.count == 9)
        #expect(dates.sorted() == (try Self.germanHolidays(year)))
        #expect(d.holidays.allSatisfy { $0.hours == nil && $0.name != nil })
        if year == 2026 {
            #expect(dates == ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25",
                              "2026-10-03", "2026-12-25", "2026-12-26"])
        }
        #expect(d.timeZone == "Europe/Berlin")
        #expect(CalendarDefinition.Weekday.allCases.map { d.intervals(on: $0).map(\.text) }
            == [["09:00-17:00"], ["09:00-17:00"], ["09:00-17:00"], ["09:00-17:00"], ["09:00-17:00"], [], []])
    }
}
