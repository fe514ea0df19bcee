import Scheduling
import BatonCore
import Foundation
import Testing
@testable import Scheduling
@testable import Reporting
import SQLite

@Suite struct CronExpressionTests {
    static func t(_ s: String) -> Int64 { Instant.parse(s)! }

    /// (expression, after, expected next fire time), worked out on a calendar (2026-11-24 is a Tuesday).
    static let nextCases: [(String, String, String)] = [
        ("*/15 * * * *", "2026-03-02T09:07:00Z", "2026-03-02T09:15:00Z"),
        ("*/15 * * * *", "2026-03-02T09:15:00Z", "2026-03-02T09:30:00Z"),   // strictly after
        ("0 6 * * MON", "2026-11-24T20:00:00Z", "2026-11-30T06:00:00Z"),
        ("0 6 * * mon", "2026-11-30T06:00:00Z", "2026-12-07T06:00:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),      // leap day
        ("0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"),      // April has no 31st
        ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"),   // year end
        ("0 0 1 * MON", "2026-11-24T00:00:00Z", "2026-11-30T00:00:00Z"),     // OR-rule: a Monday…
        ("0 0 1 * MON", "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z"),     // …or the 1st (a Tuesday)
        ("0 9 * * 1-5", "2026-11-27T10:00:00Z", "2026-11-30T09:00:00Z"),     // Friday → Monday
        ("0 0 * * 7", "2026-11-24T00:00:00Z", "2026-11-29T00:00:00Z"),       // 7 = Sunday
        ("0 0 * * SUN", "2026-11-24T00:00:00Z", "2026-11-29T00:00:00Z"),
        ("@weekly", "2026-11-24T00:00:00Z", "2026-11-29T00:00:00Z"),
        ("@monthly", "2026-01-31T12:00:00Z", "2026-02-01T00:00:00Z"),
        ("10-50/20 1-3,5 * JAN-MAR *", "2026-03-31T05:50:00Z", "2027-01-01T01:10:00Z"),
        ("5-59/20 * * * *", "2026-03-02T09:46:00Z", "2026-03-02T10:05:00Z"), // 5, 25, 45
        ("0 9 * * Fri-Sun", "2026-11-24T20:00:00Z", "2026-11-27T09:00:00Z"),  // Sunday ends the range as 7
        ("0 9 * * Fri-Sun", "2026-11-28T09:00:00Z", "2026-11-29T09:00:00Z"),  // Saturday → Sunday
        ("0 9 * * 5-0", "2026-11-29T09:00:00Z", "2026-12-04T09:00:00Z"),      // Sunday → Friday
        ("0 12 * 2 *", "2027-02-28T12:00:00Z", "2028-02-01T12:00:00Z"),       // end of a short month
        ("0 0 29 2 MON", "2026-03-01T00:00:00Z", "2027-02-01T00:00:00Z"),     // OR-rule: any Monday of February
    ]

    @Test(arguments: nextCases)
    func nextFireTime(_ c: (String, String, String)) throws {
        let cron = try CronExpression(c.0)
        #expect(cron.next(after: Self.t(c.1)).map(Instant.iso) == c.2)
        // And back again: the latest fire time at or before the expected one is itself.
        #expect(cron.previous(atOrBefore: Self.t(c.2)).map(Instant.iso) == c.2)
    }

    @Test func previousFireTimes() throws {
        #expect(try CronExpression("0 0 29 2 *").previous(atOrBefore: Self.t("2026-11-24T20:00:00Z")).map(Instant.iso) == "2024-02-29T00:00:00Z")
        #expect(try CronExpression("0 6 * * MON").previous(atOrBefore: Self.t("2026-11-24T20:00:00Z")).map(Instant.iso) == "2026-11-23T06:00:00Z")
        #expect(try CronExpression("0 6 * * MON").previous(atOrBefore: Self.t("2026-11-23T05:59:59Z")).map(Instant.iso) == "2026-11-16T06:00:00Z")
        #expect(try CronExpression("0 0 31 * *").previous(atOrBefore: Self.t("2026-07-15T00:00:00Z")).map(Instant.iso) == "2026-05-31T00:00:00Z")
    }

    @Test func fireTimesInARange() throws {
        let cron = try CronExpression("0 6 * * MON")
        let times = cron.fireTimes(after: Self.t("2026-11-02T06:00:00Z"), through: Self.t("2026-11-23T06:00:00Z")).map(Instant.iso)
        #expect(times == ["2026-11-09T06:00:00Z", "2026-11-16T06:00:00Z", "2026-11-23T06:00:00Z"])
    }

    /// Europe/Berlin: CET (+1) until 2026-03-29 01:00Z, CEST (+2) until 2026-10-25 01:00Z.
    @Test func timeZones() throws {
        let daily = try CronExpression("0 6 * * *", timeZone: "Europe/Berlin")
        #expect(daily.next(after: Self.t("2026-03-27T12:00:00Z")).map(Instant.iso) == "2026-03-28T05:00:00Z")
        #expect(daily.next(after: Self.t("2026-03-28T12:00:00Z")).map(Instant.iso) == "2026-03-29T04:00:00Z")
        // 02:30 happens twice on 2026-10-25: fire once, at the first.
        let gap = try CronExpression("30 2 * * *", timeZone: "Europe/Berlin")
        #expect(gap.next(after: Self.t("2026-10-24T12:00:00Z")).map(Instant.iso) == "2026-10-25T00:30:00Z")
        #expect(gap.next(after: Self.t("2026-10-25T00:30:00Z")).map(Instant.iso) == "2026-10-26T01:30:00Z")
        let saoPaulo = try CronExpression("0 0 * * *", timeZone: "America/Sao_Paulo")  // UTC−3, no DST since 2019
        #expect(saoPaulo.next(after: Self.t("2026-01-10T12:00:00Z")).map(Instant.iso) == "2026-01-11T03:00:00Z")
        #expect(throws: CronExpression.ParseError.self) { try CronExpression("0 0 * * *", timeZone: "Mars/Olympus") }
    }

    static func fires(_ text: String, _ zone: String, after: String, through: String) throws -> [String] {
        try CronExpression(text, timeZone: zone).fireTimes(after: Self.t(after), through: Self.t(through)).map(Instant.iso)
    }

    /// Spring forward (cronie's rule): a fixed time the clocks skip fires once, right after the jump; Berlin skips
    /// 02:00–03:00 CET on 2026-03-29 (01:00Z), New York 02:00–03:00 EST on 2026-03-08 (07:00Z).
    @Test func aWallTimeSkippedBySpringForwardFiresRightAfterTheJump() throws {
        let berlin = try CronExpression("30 2 * * *", timeZone: "Europe/Berlin")
        #expect(berlin.next(after: Self.t("2026-03-28T12:00:00Z")).map(Instant.iso) == "2026-03-29T01:00:00Z")
        #expect(berlin.next(after: Self.t("2026-03-29T01:00:00Z")).map(Instant.iso) == "2026-03-30T00:30:00Z")
        #expect(berlin.previous(atOrBefore: Self.t("2026-03-29T01:00:00Z")).map(Instant.iso) == "2026-03-29T01:00:00Z")
        #expect(berlin.previous(atOrBefore: Self.t("2026-03-29T00:59:59Z")).map(Instant.iso) == "2026-03-28T01:30:00Z")
        let newYork = try CronExpression("30 2 * * *", timeZone: "America/New_York")
        #expect(newYork.next(after: Self.t("2026-03-07T12:00:00Z")).map(Instant.iso) == "2026-03-08T07:00:00Z")
        // Several skipped times, and the first time after the gap, fire once together at the jump.
        #expect(try Self.fires("0,15,45 2,3 * * *", "Europe/Berlin", after: "2026-03-28T12:00:00Z", through: "2026-03-29T12:00:00Z")
                == ["2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", "2026-03-29T01:45:00Z"])
        // A wildcard hour makes no fire up: it fires every real hour, 01:30 CET then 03:30 CEST.
        #expect(try Self.fires("30 * * * *", "Europe/Berlin", after: "2026-03-28T23:00:00Z", through: "2026-03-29T02:00:00Z")
                == ["2026-03-28T23:30:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"])
        #expect(try Self.fires("@hourly", "Europe/Berlin", after: "2026-03-28T23:00:00Z", through: "2026-03-29T03:00:00Z")
                == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z", "2026-03-29T03:00:00Z"])
    }

    /// Fall back: New York repeats 01:00–02:00 on 2026-11-01 (EDT until 06:00Z, then EST). A fixed time fires
    /// once, at its first occurrence; `@hourly` and a `*` minute fire every real hour or minute.
    @Test func aWallTimeRepeatedInFallFiresOnceUnlessTheExpressionIsAWildcard() throws {
        let hourly = try CronExpression("@hourly", timeZone: "America/New_York")
        #expect(hourly.next(after: Self.t("2026-11-01T05:00:00Z")).map(Instant.iso) == "2026-11-01T06:00:00Z")
        #expect(hourly.previous(atOrBefore: Self.t("2026-11-01T06:59:59Z")).map(Instant.iso) == "2026-11-01T06:00:00Z")
        #expect(hourly.previous(atOrBefore: Self.t("2026-11-01T05:59:59Z")).map(Instant.iso) == "2026-11-01T05:00:00Z")
        #expect(try Self.fires("@hourly", "America/New_York", after: "2026-11-01T03:30:00Z", through: "2026-11-01T08:00:00Z")
                == ["2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"])
        #expect(try Self.fires("*/30 1 * * *", "America/New_York", after: "2026-11-01T00:00:00Z", through: "2026-11-01T12:00:00Z")
                == ["2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z"])
        let fixed = try CronExpression("30 1 * * *", timeZone: "America/New_York")
        #expect(fixed.next(after: Self.t("2026-11-01T00:00:00Z")).map(Instant.iso) == "2026-11-01T05:30:00Z")
        #expect(fixed.next(after: Self.t("2026-11-01T05:30:00Z")).map(Instant.iso) == "2026-11-02T06:30:00Z")
        #expect(fixed.previous(atOrBefore: Self.t("2026-11-02T06:29:00Z")).map(Instant.iso) == "2026-11-01T05:30:00Z")
    }

    /// A third method for daylight-saving changes: run cronie's main loop (cron.c) minute by minute on a simulated
    /// clock and record when it would start the job. `wall` is the zone's wall-clock minute for each real minute.
    static func simulatedCronie(_ cron: CronExpression, wildcard: Bool, from start: Int64, through end: Int64) -> [Int64] {
        func wallMinute(_ m: Int64) -> Int64 { (m * 60 + Int64(cron.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(m * 60))))) / 60 }
        func matches(_ w: Int64) -> Bool {
            let c = Instant.civil(w * 60)
            return cron.minutes.contains(c.minute) && cron.hours.contains(c.hour) && cron.matchesDay(year: c.year, month: c.month, day: c.day)
        }
        var fired: [Int64] = []
        func findJobs(_ w: Int64, wild: Bool, nonWild: Bool, at m: Int64) {
            if matches(w) && (wildcard ? wild : nonWild) && fired.last != m * 60 { fired.append(m * 60) }
        }
        var virtualTime = wallMinute(start / 60)
        for m in (start / 60 + 1)...(end / 60) {
            let timeRunning = wallMinute(m)
            let diff = timeRunning - virtualTime
            if diff == 1 {
                virtualTime = timeRunning
                findJobs(virtualTime, wild: true, nonWild: true, at: m)
            } else if diff > 180 || diff < -180 {             // large: the clock was set
                virtualTime = timeRunning
                findJobs(virtualTime, wild: true, nonWild: true, at: m)
            } else if diff > 5 {                              // medium: daylight saving began
                findJobs(timeRunning, wild: true, nonWild: false, at: m)
                repeat {
                    virtualTime += 1
                    findJobs(virtualTime, wild: false, nonWild: true, at: m)
                } while virtualTime < timeRunning
            } else if diff > 0 {                              // small: woke up late
                repeat {
                    virtualTime += 1
                    findJobs(virtualTime, wild: true, nonWild: true, at: m)
                } while virtualTime < timeRunning
            } else {                                          // negative: daylight saving ended
                findJobs(timeRunning, wild: true, nonWild: false, at: m)
            }
        }
        return fired
    }

    /// Around every 2026 change in zones with 1 h (Berlin, New York), 30 min (Lord Howe) and 2 h (Troll) shifts.
    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Antarctica/Troll"])
    func agreesWithASimulatedCronieAcrossDaylightSavingChanges(_ zone: String) throws {
        let tz = try #require(TimeZone(identifier: zone))
        var changes: [Int64] = []
        var hour = Self.t("2026-01-01T00:00:00Z")
        while hour < Self.t("2027-01-01T00:00:00Z") {
            let off = { (i: Int64) in tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(i))) }
            if off(hour) != off(hour + 3600) { changes.append(hour) }
            hour += 3600
        }
        #expect(changes.count == 2, "\(zone): \(changes.map(Instant.iso))")
        let expressions = ["30 2 * * *", "0 2 * * *", "0 3 * * *", "15,45 1-3 * * *", "@hourly", "30 * * * *", "*/20 * * * *",
                           "* 2 * * *", "0 1,2 * * *", "45 0-4/2 * * *", "0 * * * *", "59 1 * * *", "0,30 2,3 * * SUN"]
        for change in changes {
            let from = change - 30 * 3600, through = change + 30 * 3600
            for text in expressions {
                let cron = try CronExpression(text, timeZone: zone)
                let fields = text.split(separator: " ")
                let wildcard = text == "@hourly" || fields[0].hasPrefix("*") || fields[1].hasPrefix("*")
                let expected = Self.simulatedCronie(cron, wildcard: wildcard, from: from, through: through)
                #expect(cron.fireTimes(after: from, through: through) == expected,
                        "\(text) in \(zone) around \(Instant.iso(change)): \(cron.fireTimes(after: from, through: through).map(Instant.iso)) vs \(expected.map(Instant.iso))")
                // previous() walks the same fire times backwards.
                for f in expected { #expect(cron.previous(atOrBefore: f) == f && cron.previous(atOrBefore: f + 59) == f, "\(text) in \(zone) at \(Instant.iso(f))") }
            }
        }
    }

    /// cronie reads a day-of-week range ending in Sunday (0) as ending at 7.
    @Test(arguments: [("Mon-Sun", [0, 1, 2, 3, 4, 5, 6]), ("Fri-Sun", [0, 5, 6]), ("Tue-Sun", [0, 2, 3, 4, 5, 6]), ("1-0", [0, 1, 2, 3, 4, 5, 6]),
                      ("5-0", [0, 5, 6]), ("sat-sun", [0, 6]), ("Mon-Sun/2", [0, 1, 3, 5]), ("Sun-Sun", [0]), ("6-7", [0, 6])])
    func dayOfWeekRangesEndingInSundayAreAccepted(_ c: (String, [Int])) throws {
        let cron = try CronExpression("0 9 * * \(c.0)")
        #expect(cron.daysOfWeek == Set(c.1))
    }

    @Test(arguments: [("0 0 * Nov-Mar *", "month field 'Nov-Mar': range Nov-Mar runs backwards"),
                      ("0 0 * * 5-2", "day-of-week field '5-2': range 5-2 runs backwards"),
                      ("0 0 * * Sat-Mon", "day-of-week field 'Sat-Mon': range Sat-Mon runs backwards"),
                      ("0 0 * * 7-1", "day-of-week field '7-1': range 7-1 runs backwards"),
                      ("5-0 * * * *", "minute field '5-0': range 5-0 runs backwards"),
                      ("0 5-0 * * *", "hour field '5-0': range 5-0 runs backwards")])
    func rangesThatRunBackwardsAreRefused(_ c: (String, String)) {
        #expect(Self.parseError(c.0) == "schedule '\(c.0)': \(c.1)")
    }

    /// cronie refuses a step after a single number; the message suggests the range, which is accepted.
    @Test(arguments: [("0 4/6 * * *", "hour field '4/6': a step needs a range or '*' (did you mean 4-23/6?)", "0 4-23/6 * * *"),
                      ("5/20 * * * *", "minute field '5/20': a step needs a range or '*' (did you mean 5-59/20?)", "5-59/20 * * * *"),
                      ("0 1,4/6 * * *", "hour field '1,4/6': '4/6': a step needs a range or '*' (did you mean 4-23/6?)", "0 1,4-23/6 * * *"),
                      ("0 0 1/2 * *", "day-of-month field '1/2': a step needs a range or '*' (did you mean 1-31/2?)", "0 0 1-31/2 * *"),
                      ("0 0 * Jan/3 *", "month field 'Jan/3': a step needs a range or '*' (did you mean Jan-DEC/3?)", "0 0 * Jan-DEC/3 *"),
                      ("0 0 * * MON/2", "day-of-week field 'MON/2': a step needs a range or '*' (did you mean MON-SAT/2?)", "0 0 * * MON-SAT/2"),
                      ("0 0 * * 1/2", "day-of-week field '1/2': a step needs a range or '*' (did you mean 1-6/2?)", "0 0 * * 1-6/2")])
    func aSingleNumberWithAStepIsRefused(_ c: (String, String, String)) throws {
        #expect(Self.parseError(c.0) == "schedule '\(c.0)': \(c.1)")
        #expect(Self.parseError(c.2) == nil)
    }

    static func parseError(_ text: String) -> String? {
        do { _ = try CronExpression(text); return nil } catch { return "\(error)" }
    }

    @Test(arguments: ["60 * * * *", "* * * *", "* * * * * *", "0 0 30 2 *", "0 0 * * FOO", "5-1 * * * *", "*/0 * * * *", "0 24 * * *", "0 0 0 * *", "1,,2 * * * *", "0 0 * 13 *"])
    func invalidExpressionsAreRefused(_ text: String) {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression(text) }
    }

    /// A second method: step minute by minute and test each minute against the fields directly.
    static func bruteNext(_ fields: [Set<Int>], domStar: Bool, dowStar: Bool, after t: Int64) -> Int64 {
        var m = (t / 60 + 1) * 60
        while true {
            let c = Instant.civil(m)
            let weekday = Int(((m / 86_400) + 4) % 7)
            let dom = fields[2].contains(c.day), dow = fields[4].contains(weekday)
            let dayOK = (!domStar && !dowStar) ? (dom || dow) : (dom && dow)
            if fields[0].contains(c.minute) && fields[1].contains(c.hour) && fields[3].contains(c.month) && dayOK { return m }
            m += 60
        }
    }

    @Test func agreesWithMinuteByMinuteSearch() throws {
        var rng = SystemRandomNumberGenerator()
        let start = Self.t("2026-01-01T00:00:00Z")
        for _ in 0..<40 {
            let minute = ["*/7", "0", "5,35", "10-20/5", "*"].randomElement(using: &rng)!
            let hour = ["*", "3", "*/6", "9-17"].randomElement(using: &rng)!
            let dom = ["*", "1", "15-17", "*/10", "31"].randomElement(using: &rng)!
            let month = ["*", "FEB", "1-6", "*/4"].randomElement(using: &rng)!
            let dow = ["*", "MON", "1-5", "SAT,SUN", "5"].randomElement(using: &rng)!
            let text = [minute, hour, dom, month, dow].joined(separator: " ")
            guard let cron = try? CronExpression(text) else { continue }
            let fields = [cron.minutes, cron.hours, cron.daysOfMonth, cron.months, cron.daysOfWeek]
            var t = start + Int64.random(in: 0...(86_400 * 200), using: &rng)
            for _ in 0..<5 {
                let expected = Self.bruteNext(fields, domStar: dom.hasPrefix("*"), dowStar: dow.hasPrefix("*"), after: t)
                #expect(cron.next(after: t) == expected, "\(text) after \(Instant.iso(t))")
                t = expected
            }
        }
    }
}
