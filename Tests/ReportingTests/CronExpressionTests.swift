import Foundation
import Testing
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
        // 02:30 does not exist on 2026-03-29 in Berlin: no fire that day.
        let gap = try CronExpression("30 2 * * *", timeZone: "Europe/Berlin")
        #expect(gap.next(after: Self.t("2026-03-28T12:00:00Z")).map(Instant.iso) == "2026-03-30T00:30:00Z")
        // 02:30 happens twice on 2026-10-25: fire once, at the first.
        #expect(gap.next(after: Self.t("2026-10-24T12:00:00Z")).map(Instant.iso) == "2026-10-25T00:30:00Z")
        #expect(gap.next(after: Self.t("2026-10-25T00:30:00Z")).map(Instant.iso) == "2026-10-26T01:30:00Z")
        let saoPaulo = try CronExpression("0 0 * * *", timeZone: "America/Sao_Paulo")  // UTC−3, no DST since 2019
        #expect(saoPaulo.next(after: Self.t("2026-01-10T12:00:00Z")).map(Instant.iso) == "2026-01-11T03:00:00Z")
        #expect(throws: CronExpression.ParseError.self) { try CronExpression("0 0 * * *", timeZone: "Mars/Olympus") }
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
