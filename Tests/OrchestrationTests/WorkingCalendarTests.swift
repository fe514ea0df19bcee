import BatonCore
import Foundation
import Testing
@testable import Orchestration

/// A naive reference for `WorkingCalendar.workingSeconds`: walks UTC minute by minute and asks Foundation's
/// `Calendar` for the local weekday, date and time of each minute, then checks them against the week and the
/// holidays as written. Only the classification of whole UTC hours is cached (a bit per minute), since the test
/// zones' offsets are whole hours and change on UTC hours (checked); the first and last minute count exactly.
final class ReferenceCalendar {
    let definition: CalendarDefinition
    let calendar: Calendar
    let zone: TimeZone
    private var hours: [Int64: UInt64] = [:]

    init(_ definition: CalendarDefinition) {
        self.definition = definition
        zone = TimeZone(identifier: definition.timeZone)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
    }

    /// Bit k: minute k of the UTC hour starting at `hour * 3600` is working time.
    func minutes(ofHour hour: Int64) -> UInt64 {
        if let bits = hours[hour] { return bits }
        let c = calendar.dateComponents(in: zone, from: Date(timeIntervalSince1970: Double(hour * 3600)))
        precondition(c.minute == 0 && c.second == 0, "the reference needs whole-hour offsets")
        let weekday = (c.weekday! + 5) % 7 // Foundation: 1 = Sunday; here 0 = Monday
        let day = CalendarDefinition.Day(year: c.year!, month: c.month!, day: c.day!)
        let intervals = definition.week[weekday], offToday = definition.holidays.filter { $0.date == day }.map(\.span)
        var bits: UInt64 = 0
        for k in 0..<60 {
            let minute = c.hour! * 60 + k
            let working = intervals.contains { $0.start <= minute && minute < $0.end }
            let off = offToday.contains { $0.start <= minute && minute < $0.end }
            if working && !off { bits |= 1 << UInt64(k) }
        }
        hours[hour] = bits
        return bits
    }

    func isWorking(minuteStartingAt t: Int64) -> Bool {
        let hour = t >= 0 ? t / 3600 : (t - 3599) / 3600
        return minutes(ofHour: hour) >> UInt64((t - hour * 3600) / 60) & 1 == 1
    }

    func workingSeconds(from: Int64, to: Int64) -> Int64 {
        guard to > from else { return 0 }
        var total: Int64 = 0
        var t = from - ((from % 60) + 60) % 60 // the UTC minute holding `from`
        while t < to {
            if t % 3600 == 0 && t >= from && t + 3600 <= to {
                total += Int64(minutes(ofHour: t / 3600).nonzeroBitCount) * 60
                t += 3600
                continue
            }
            if isWorking(minuteStartingAt: t) { total += min(to, t + 60) - max(from, t) }
            t += 60
        }
        return total
    }
}

@Suite struct WorkingCalendarTests {
    static let samples = CalendarDefinitionTests.samples

    static func sample(_ key: String) throws -> CalendarDefinition {
        try CalendarDefinition.load(path: samples.appendingPathComponent("\(key).json").path)
    }

    static func week(_ days: [CalendarDefinition.Weekday: [String]]) -> [[CalendarDefinition.Interval]] {
        CalendarDefinition.Weekday.allCases.map { (days[$0] ?? []).map { CalendarDefinition.Interval($0)! } }
    }

    static func holiday(_ date: String, _ from: String? = nil, _ to: String? = nil) -> CalendarDefinition.Holiday {
        let hours = from.map { CalendarDefinition.Interval("\($0)-\(to!)")! }
        return .init(date: CalendarDefinition.Day(date)!, hours: hours)
    }

    /// Shifts around the hour the EU skips and repeats (Sunday 02:00–03:00), with whole and part-day holidays on
    /// DST days, adjacent ones that merge, and one across the skipped hour.
    static let berlinShifts = CalendarDefinition(
        key: "berlin-shifts", name: "Berlin shifts", timeZone: "Europe/Berlin",
        week: week([.mon: ["00:00-06:00", "09:00-17:00"], .tue: ["09:00-12:00", "13:00-17:30"], .wed: ["09:00-17:00"],
                    .thu: ["09:00-17:00", "22:00-24:00"], .fri: ["00:00-04:00", "09:00-15:00"], .sat: ["10:00-14:00"],
                    .sun: ["01:00-02:30", "02:45-04:00", "22:00-24:00"]]),
        holidays: [holiday("2026-01-01"), holiday("2026-03-29", "02:15", "02:40"), holiday("2026-10-25", "02:00", "02:30"),
                   holiday("2026-12-24", "12:00", "24:00"), holiday("2026-12-25"), holiday("2026-12-26"),
                   holiday("2026-12-31", "14:00", "24:00"), holiday("2027-03-28"), holiday("2027-10-31", "01:30", "03:30"),
                   holiday("2025-10-26", "00:00", "02:10"), holiday("2027-06-02", "10:00", "11:00")])

    /// Brazil's DST (until 2019) began at local midnight (the day starts at 01:00) and ended at midnight (Saturday
    /// 23:00–24:00 repeated).
    static let saoPaulo = CalendarDefinition(
        key: "sao-paulo", name: "São Paulo", timeZone: "America/Sao_Paulo",
        week: week([.mon: ["00:00-01:00", "08:00-12:00", "13:00-18:00"], .tue: ["08:00-12:00", "13:00-18:00"],
                    .wed: ["08:00-12:00", "13:00-18:00", "22:30-24:00"], .thu: ["08:00-18:00"], .fri: ["08:00-16:00"],
                    .sat: ["09:00-13:00", "23:00-24:00"], .sun: ["00:00-02:00", "10:00-14:00"]]),
        holidays: [holiday("2016-02-09"), holiday("2016-02-08", "12:00", "24:00"), holiday("2018-11-04"),
                   holiday("2019-02-16", "23:30", "24:00"), holiday("2017-10-15", "00:00", "01:30"), holiday("2015-12-25"),
                   holiday("2019-04-19"), holiday("2017-02-18", "10:00", "23:30")])

    static let berlin24x7 = CalendarDefinition(key: "berlin-24x7", name: "Berlin 24×7", timeZone: "Europe/Berlin",
                                               week: Array(repeating: [.init(start: 0, end: 1440)], count: 7))

    static func utc(_ text: String) -> Int64 {
        let f = ISO8601DateFormatter()
        return Int64(f.date(from: text)!.timeIntervalSince1970)
    }

    /// Random intervals near the zone's offset changes and the holidays, or anywhere in the span; mostly short,
    /// some days long, a few years long; at second granularity.
    static func compare(_ definition: CalendarDefinition, span: (String, String), seed: UInt64, count: Int) {
        let fast = WorkingCalendar(definition), slow = ReferenceCalendar(definition)
        let (lo, hi) = (utc(span.0), utc(span.1))
        var anchors: [Int64] = []
        var at = Date(timeIntervalSince1970: Double(lo))
        while let next = slow.zone.nextDaylightSavingTimeTransition(after: at), next.timeIntervalSince1970 < Double(hi) {
            anchors.append(Int64(next.timeIntervalSince1970)); at = next
        }
        anchors += definition.holidays.map { $0.date.daysSinceEpoch * 86_400 + Int64($0.span.start) * 60 - 7_200 }
        var random = SplitMix64(seed: seed)
        for n in 0..<count {
            let from: Int64
            if n % 3 == 0 || anchors.isEmpty { from = lo + Int64(random.next() % UInt64(hi - lo)) }
            else { from = anchors[Int(random.next() % UInt64(anchors.count))] + Int64(random.next() % 259_200) - 172_800 }
            let kind = random.next() % 100
            let length = Int64(random.next() % (kind < 70 ? 28_800 : kind < 99 ? 864_000 : 3 * 31_622_400))
            let to = from + length
            let expected = slow.workingSeconds(from: from, to: to)
            let actual = fast.workingSeconds(from: from, to: to)
            #expect(actual == expected, "\(definition.key) [\(from), \(to)): \(actual) vs \(expected)")
            if actual != expected { return }
        }
    }

    @Test func agreesWithTheReferenceInBerlinShifts() {
        Self.compare(Self.berlinShifts, span: ("2025-06-01T00:00:00Z", "2028-01-01T00:00:00Z"), seed: 1, count: 3_000)
    }

    @Test func agreesWithTheReferenceInSaoPaulo() {
        Self.compare(Self.saoPaulo, span: ("2015-01-01T00:00:00Z", "2019-12-31T00:00:00Z"), seed: 2, count: 3_000)
    }

    @Test func agreesWithTheReferenceInTheBerlinOffice() throws {
        Self.compare(try Self.sample("berlin-office"), span: ("2025-12-01T00:00:00Z", "2028-01-01T00:00:00Z"), seed: 3, count: 2_000)
    }

    @Test func agreesWithTheReferenceAroundTheClockAndFollowingTheSun() throws {
        Self.compare(Self.berlin24x7, span: ("2025-01-01T00:00:00Z", "2028-01-01T00:00:00Z"), seed: 4, count: 1_000)
        Self.compare(try Self.sample("follow-the-sun"), span: ("2025-01-01T00:00:00Z", "2028-01-01T00:00:00Z"), seed: 5, count: 1_000)
    }

    static let hours: Int64 = 3_600

    @Test func aWeekendAndEveningsAreNotWorkingTime() throws {
        let office = WorkingCalendar(try Self.sample("berlin-office"))
        // Friday 2026-01-09 17:00 CET to Monday 09:00 CET.
        #expect(office.workingSeconds(from: Self.utc("2026-01-09T16:00:00Z"), to: Self.utc("2026-01-12T08:00:00Z")) == 0)
        #expect(office.workingSeconds(from: Self.utc("2026-01-09T15:00:00Z"), to: Self.utc("2026-01-12T09:00:00Z")) == 2 * Self.hours)
        // A summer week (CEST): Monday 09:00 to Monday 09:00 is 40 h.
        #expect(office.workingSeconds(from: Self.utc("2026-06-08T07:00:00Z"), to: Self.utc("2026-06-15T07:00:00Z")) == 40 * Self.hours)
        #expect(office.workingSeconds(from: Self.utc("2026-06-08T07:00:00Z"), to: Self.utc("2026-06-08T07:00:01Z")) == 1)
        #expect(office.workingSeconds(from: Self.utc("2026-06-08T06:59:59Z"), to: Self.utc("2026-06-08T07:00:00Z")) == 0)
    }

    @Test func dstChangeDaysHaveTheirTrueLength() {
        let clock = WorkingCalendar(Self.berlin24x7)
        #expect(clock.workingSeconds(from: Self.utc("2026-03-28T23:00:00Z"), to: Self.utc("2026-03-29T22:00:00Z")) == 23 * Self.hours)
        #expect(clock.workingSeconds(from: Self.utc("2026-10-24T22:00:00Z"), to: Self.utc("2026-10-25T23:00:00Z")) == 25 * Self.hours)
        let night = WorkingCalendar(CalendarDefinition(key: "n", name: "n", timeZone: "Europe/Berlin", week: Self.week([.sun: ["01:30-03:30"]])))
        // Spring: 01:30–02:00 and 03:00–03:30 (the skipped hour is lost); autumn: the repeated hour counts twice.
        #expect(night.workingSeconds(from: Self.utc("2026-03-28T23:00:00Z"), to: Self.utc("2026-03-29T22:00:00Z")) == Self.hours)
        #expect(night.workingSeconds(from: Self.utc("2026-10-24T22:00:00Z"), to: Self.utc("2026-10-25T23:00:00Z")) == 3 * Self.hours)
        #expect(night.workingSeconds(from: Self.utc("2026-10-10T22:00:00Z"), to: Self.utc("2026-10-11T22:00:00Z")) == 2 * Self.hours)
    }

    @Test func holidaysTakeTheirHoursAway() throws {
        let office = WorkingCalendar(try Self.sample("berlin-office"))
        // 2026-12-25 (Friday) is off; 2026-12-24 (Thursday) is a whole working day in the sample.
        #expect(office.workingSeconds(from: Self.utc("2026-12-24T23:00:00Z"), to: Self.utc("2026-12-25T23:00:00Z")) == 0)
        #expect(office.workingSeconds(from: Self.utc("2026-12-23T23:00:00Z"), to: Self.utc("2026-12-24T23:00:00Z")) == 8 * Self.hours)
        // The week of 2026-12-21: Mon–Thu 32 h, Friday off.
        #expect(office.workingSeconds(from: Self.utc("2026-12-20T23:00:00Z"), to: Self.utc("2026-12-27T23:00:00Z")) == 32 * Self.hours)
        let shifts = WorkingCalendar(Self.berlinShifts)
        // Thursday 2026-12-24: 09:00–12:00 works, the afternoon and 22:00–24:00 are off.
        #expect(shifts.workingSeconds(from: Self.utc("2026-12-23T23:00:00Z"), to: Self.utc("2026-12-24T23:00:00Z")) == 3 * Self.hours)
        // Thursday 2026-12-31 (holiday from 14:00) then Friday 2027-01-01, a working day in this calendar.
        #expect(shifts.workingSeconds(from: Self.utc("2026-12-30T23:00:00Z"), to: Self.utc("2026-12-31T23:00:00Z")) == 5 * Self.hours)
        #expect(shifts.workingSeconds(from: Self.utc("2026-12-31T23:00:00Z"), to: Self.utc("2027-01-01T23:00:00Z")) == 10 * Self.hours)
    }

    @Test func alwaysIsElapsedTime() {
        var random = SplitMix64(seed: 6)
        for _ in 0..<1_000 {
            let from = Int64(bitPattern: random.next()) >> 30, to = from + Int64(random.next() % 10_000_000_000)
            #expect(WorkingCalendar.always.workingSeconds(from: from, to: to) == to - from)
            #expect(WorkingCalendar.always.addingWorkingSeconds(to - from, to: from) == to)
        }
        #expect(WorkingCalendar.always.workingSeconds(from: 10, to: 5) == 0)
        #expect(WorkingCalendar.always.definition.key == "24x7")
    }

    @Test func addingWorkingSecondsIsTheEarliestInstantThatGetsThere() throws {
        var random = SplitMix64(seed: 7)
        let calendars = [Self.berlinShifts, Self.saoPaulo, Self.berlin24x7, try Self.sample("berlin-office")].map(WorkingCalendar.init)
        for n in 0..<4_000 {
            let c = calendars[n % calendars.count]
            let t = Self.utc("2015-01-01T00:00:00Z") + Int64(random.next() % 400_000_000)
            let s = Int64(random.next() % (n % 5 == 0 ? 10_000_000 : 200_000))
            let u = c.addingWorkingSeconds(s, to: t)
            #expect(u >= t && c.workingSeconds(from: t, to: u) == s, "\(c.definition.key) \(t) + \(s)")
            if s > 0 { #expect(c.workingSeconds(from: t, to: u - 1) == s - 1) }
        }
        let office = WorkingCalendar(try Self.sample("berlin-office"))
        // Friday 16:00 CET plus 2 h: Monday 10:00 CET.
        #expect(office.addingWorkingSeconds(2 * Self.hours, to: Self.utc("2026-01-09T15:00:00Z")) == Self.utc("2026-01-12T09:00:00Z"))
        // Ending exactly at 17:00, not at the next morning.
        #expect(office.addingWorkingSeconds(Self.hours, to: Self.utc("2026-01-09T15:00:00Z")) == Self.utc("2026-01-09T16:00:00Z"))
        #expect(office.addingWorkingSeconds(0, to: 42) == 42 && office.addingWorkingSeconds(-5, to: 42) == 42)
    }

    @Test func aCalendarWithoutWorkingTimeNeverGetsThere() {
        let never = WorkingCalendar(CalendarDefinition(key: "never", name: "Never", timeZone: "UTC", week: Self.week([:])))
        #expect(!never.hasWorkingTime)
        #expect(never.workingSeconds(from: 0, to: 1_000_000_000) == 0)
        #expect(never.addingWorkingSeconds(1, to: 0) == .max)
        #expect(WorkingCalendar.always.addingWorkingSeconds(.max, to: 0) == .max)
        #expect(WorkingCalendar.always.addingWorkingSeconds((1 << 62) - 1, to: 0) == (1 << 62) - 1)
        // A minute a week: 2^61 working seconds lie beyond 2^62 s.
        let rare = WorkingCalendar(CalendarDefinition(key: "rare", name: "Rare", timeZone: "Europe/Berlin", week: Self.week([.wed: ["10:00-10:01"]])))
        #expect(rare.addingWorkingSeconds(1 << 61, to: -(1 << 62)) == .max)
        #expect(rare.addingWorkingSeconds(1 << 61, to: .min) == .max)
        #expect(rare.addingWorkingSeconds(60 * 52, to: Self.utc("2026-01-01T00:00:00Z")) == Self.utc("2026-12-30T09:01:00Z"))
    }

    @Test func extremeInstantsDoNotOverflow() throws {
        let office = WorkingCalendar(try Self.sample("berlin-office"))
        let all = office.workingSeconds(from: .min, to: .max)
        #expect(all > 0)
        #expect(office.workingSeconds(from: .min, to: 0) + office.workingSeconds(from: 0, to: .max) == all)
        // Before 1900 and after 2200 the nearest offset holds: a week is still 40 h.
        // Any seven days hold the week once.
        for instant in ["1850-01-09T08:17:05Z", "2250-06-11T13:00:00Z"] {
            let t = Self.utc(instant)
            #expect(office.workingSeconds(from: t, to: t + 7 * 86_400) == 40 * Self.hours)
        }
    }

    @Test func compilingIsFast() throws {
        let definitions = [Self.berlinShifts, Self.saoPaulo, try Self.sample("berlin-office"), try Self.sample("24x7")]
        _ = WorkingCalendar(definitions[0])
        let clock = ContinuousClock()
        let elapsed = clock.measure { for d in definitions { _ = WorkingCalendar(d) } }
        // 5 ms each in a release build; a debug build gets five times that.
        #expect(elapsed < .milliseconds(25 * definitions.count), "\(elapsed)")
    }
}
