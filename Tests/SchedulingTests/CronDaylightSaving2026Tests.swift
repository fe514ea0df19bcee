import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Scheduling

/// Every daylight-saving change of 2026 in New York, Berlin, Sydney (southern hemisphere: clocks go back in April
/// and forward in October) and Lord Howe (a 30-minute shift), for a fixed-time job, a wildcard-hour job
/// (`0 * * * *`) and a wildcard-minute job (`*/30 H * * *`), with the fire instants worked out by hand from the
/// zones' 2026 rules and cronie's (cron(8), "Daylight Saving Time and other time changes": a change of less than
/// three hours is handled specially; a fixed-time job whose time is skipped runs right after the change and one
/// whose time repeats runs once; a wildcard job just runs at the new wall time, so it runs in both copies of a
/// repeated hour and not at all in a skipped one). Each instant carries its wall-clock time written by hand, which
/// a second method, Python's zoneinfo, checks.
@Suite struct CronDaylightSaving2026Tests {
    struct Case: Sendable, CustomStringConvertible {
        var zone: String, expression: String, after: String, through: String
        /// (UTC instant, its wall-clock time and zone abbreviation), oldest first.
        var fires: [(String, String)]
        var description: String { "\(expression) in \(zone) after \(after)" }
    }

    static func t(_ s: String) -> Int64 { Instant.parse(s)! }

    static let cases: [Case] = [
        // New York: 2026-03-08 02:00 EST (−5) → 03:00 EDT (−4) at 07:00Z; 2026-11-01 02:00 EDT → 01:00 EST at 06:00Z.
        Case(zone: "America/New_York", expression: "30 2 * * *", after: "2026-03-07T12:00:00Z", through: "2026-03-09T12:00:00Z",
             fires: [("2026-03-08T07:00:00Z", "2026-03-08 03:00 EDT"), ("2026-03-09T06:30:00Z", "2026-03-09 02:30 EDT")]),
        Case(zone: "America/New_York", expression: "0 * * * *", after: "2026-03-08T04:30:00Z", through: "2026-03-08T08:30:00Z",
             fires: [("2026-03-08T05:00:00Z", "2026-03-08 00:00 EST"), ("2026-03-08T06:00:00Z", "2026-03-08 01:00 EST"),
                     ("2026-03-08T07:00:00Z", "2026-03-08 03:00 EDT"), ("2026-03-08T08:00:00Z", "2026-03-08 04:00 EDT")]),
        Case(zone: "America/New_York", expression: "*/30 2 * * *", after: "2026-03-07T00:00:00Z", through: "2026-03-09T12:00:00Z",
             fires: [("2026-03-07T07:00:00Z", "2026-03-07 02:00 EST"), ("2026-03-07T07:30:00Z", "2026-03-07 02:30 EST"),
                     ("2026-03-09T06:00:00Z", "2026-03-09 02:00 EDT"), ("2026-03-09T06:30:00Z", "2026-03-09 02:30 EDT")]),
        Case(zone: "America/New_York", expression: "30 1 * * *", after: "2026-10-31T12:00:00Z", through: "2026-11-02T12:00:00Z",
             fires: [("2026-11-01T05:30:00Z", "2026-11-01 01:30 EDT"), ("2026-11-02T06:30:00Z", "2026-11-02 01:30 EST")]),
        Case(zone: "America/New_York", expression: "0 * * * *", after: "2026-11-01T03:30:00Z", through: "2026-11-01T07:30:00Z",
             fires: [("2026-11-01T04:00:00Z", "2026-11-01 00:00 EDT"), ("2026-11-01T05:00:00Z", "2026-11-01 01:00 EDT"),
                     ("2026-11-01T06:00:00Z", "2026-11-01 01:00 EST"), ("2026-11-01T07:00:00Z", "2026-11-01 02:00 EST")]),
        Case(zone: "America/New_York", expression: "*/30 1 * * *", after: "2026-11-01T00:00:00Z", through: "2026-11-01T12:00:00Z",
             fires: [("2026-11-01T05:00:00Z", "2026-11-01 01:00 EDT"), ("2026-11-01T05:30:00Z", "2026-11-01 01:30 EDT"),
                     ("2026-11-01T06:00:00Z", "2026-11-01 01:00 EST"), ("2026-11-01T06:30:00Z", "2026-11-01 01:30 EST")]),
        // Berlin: 2026-03-29 02:00 CET (+1) → 03:00 CEST (+2) at 01:00Z; 2026-10-25 03:00 CEST → 02:00 CET at 01:00Z.
        Case(zone: "Europe/Berlin", expression: "30 2 * * *", after: "2026-03-28T12:00:00Z", through: "2026-03-30T12:00:00Z",
             fires: [("2026-03-29T01:00:00Z", "2026-03-29 03:00 CEST"), ("2026-03-30T00:30:00Z", "2026-03-30 02:30 CEST")]),
        Case(zone: "Europe/Berlin", expression: "0 * * * *", after: "2026-03-28T22:30:00Z", through: "2026-03-29T02:30:00Z",
             fires: [("2026-03-28T23:00:00Z", "2026-03-29 00:00 CET"), ("2026-03-29T00:00:00Z", "2026-03-29 01:00 CET"),
                     ("2026-03-29T01:00:00Z", "2026-03-29 03:00 CEST"), ("2026-03-29T02:00:00Z", "2026-03-29 04:00 CEST")]),
        Case(zone: "Europe/Berlin", expression: "*/30 2 * * *", after: "2026-03-28T00:00:00Z", through: "2026-03-30T12:00:00Z",
             fires: [("2026-03-28T01:00:00Z", "2026-03-28 02:00 CET"), ("2026-03-28T01:30:00Z", "2026-03-28 02:30 CET"),
                     ("2026-03-30T00:00:00Z", "2026-03-30 02:00 CEST"), ("2026-03-30T00:30:00Z", "2026-03-30 02:30 CEST")]),
        Case(zone: "Europe/Berlin", expression: "30 2 * * *", after: "2026-10-24T12:00:00Z", through: "2026-10-26T12:00:00Z",
             fires: [("2026-10-25T00:30:00Z", "2026-10-25 02:30 CEST"), ("2026-10-26T01:30:00Z", "2026-10-26 02:30 CET")]),
        Case(zone: "Europe/Berlin", expression: "0 * * * *", after: "2026-10-24T22:30:00Z", through: "2026-10-25T02:30:00Z",
             fires: [("2026-10-24T23:00:00Z", "2026-10-25 01:00 CEST"), ("2026-10-25T00:00:00Z", "2026-10-25 02:00 CEST"),
                     ("2026-10-25T01:00:00Z", "2026-10-25 02:00 CET"), ("2026-10-25T02:00:00Z", "2026-10-25 03:00 CET")]),
        Case(zone: "Europe/Berlin", expression: "*/30 2 * * *", after: "2026-10-24T23:45:00Z", through: "2026-10-25T12:00:00Z",
             fires: [("2026-10-25T00:00:00Z", "2026-10-25 02:00 CEST"), ("2026-10-25T00:30:00Z", "2026-10-25 02:30 CEST"),
                     ("2026-10-25T01:00:00Z", "2026-10-25 02:00 CET"), ("2026-10-25T01:30:00Z", "2026-10-25 02:30 CET")]),
        // Sydney: 2026-04-05 03:00 AEDT (+11) → 02:00 AEST (+10) at 04-04 16:00Z; 2026-10-04 02:00 AEST → 03:00 AEDT
        // at 10-03 16:00Z (the first Sundays of April and October).
        Case(zone: "Australia/Sydney", expression: "30 2 * * *", after: "2026-04-04T00:00:00Z", through: "2026-04-05T18:00:00Z",
             fires: [("2026-04-04T15:30:00Z", "2026-04-05 02:30 AEDT"), ("2026-04-05T16:30:00Z", "2026-04-06 02:30 AEST")]),
        Case(zone: "Australia/Sydney", expression: "0 * * * *", after: "2026-04-04T13:30:00Z", through: "2026-04-04T17:30:00Z",
             fires: [("2026-04-04T14:00:00Z", "2026-04-05 01:00 AEDT"), ("2026-04-04T15:00:00Z", "2026-04-05 02:00 AEDT"),
                     ("2026-04-04T16:00:00Z", "2026-04-05 02:00 AEST"), ("2026-04-04T17:00:00Z", "2026-04-05 03:00 AEST")]),
        Case(zone: "Australia/Sydney", expression: "*/30 2 * * *", after: "2026-04-04T14:45:00Z", through: "2026-04-05T00:00:00Z",
             fires: [("2026-04-04T15:00:00Z", "2026-04-05 02:00 AEDT"), ("2026-04-04T15:30:00Z", "2026-04-05 02:30 AEDT"),
                     ("2026-04-04T16:00:00Z", "2026-04-05 02:00 AEST"), ("2026-04-04T16:30:00Z", "2026-04-05 02:30 AEST")]),
        Case(zone: "Australia/Sydney", expression: "30 2 * * *", after: "2026-10-03T00:00:00Z", through: "2026-10-04T18:00:00Z",
             fires: [("2026-10-03T16:00:00Z", "2026-10-04 03:00 AEDT"), ("2026-10-04T15:30:00Z", "2026-10-05 02:30 AEDT")]),
        Case(zone: "Australia/Sydney", expression: "0 * * * *", after: "2026-10-03T13:30:00Z", through: "2026-10-03T17:30:00Z",
             fires: [("2026-10-03T14:00:00Z", "2026-10-04 00:00 AEST"), ("2026-10-03T15:00:00Z", "2026-10-04 01:00 AEST"),
                     ("2026-10-03T16:00:00Z", "2026-10-04 03:00 AEDT"), ("2026-10-03T17:00:00Z", "2026-10-04 04:00 AEDT")]),
        Case(zone: "Australia/Sydney", expression: "*/30 2 * * *", after: "2026-10-02T12:00:00Z", through: "2026-10-04T18:00:00Z",
             fires: [("2026-10-02T16:00:00Z", "2026-10-03 02:00 AEST"), ("2026-10-02T16:30:00Z", "2026-10-03 02:30 AEST"),
                     ("2026-10-04T15:00:00Z", "2026-10-05 02:00 AEDT"), ("2026-10-04T15:30:00Z", "2026-10-05 02:30 AEDT")]),
        // Lord Howe: 2026-04-05 02:00 (+11) → 01:30 (+10:30) at 04-04 15:00Z, so 01:30–02:00 repeats;
        // 2026-10-04 02:00 (+10:30) → 02:30 (+11) at 10-03 15:30Z, so 02:00–02:30 is skipped.
        Case(zone: "Australia/Lord_Howe", expression: "45 1 * * *", after: "2026-04-04T00:00:00Z", through: "2026-04-05T18:00:00Z",
             fires: [("2026-04-04T14:45:00Z", "2026-04-05 01:45 +11"), ("2026-04-05T15:15:00Z", "2026-04-06 01:45 +1030")]),
        Case(zone: "Australia/Lord_Howe", expression: "0 * * * *", after: "2026-04-04T12:30:00Z", through: "2026-04-04T16:45:00Z",
             fires: [("2026-04-04T13:00:00Z", "2026-04-05 00:00 +11"), ("2026-04-04T14:00:00Z", "2026-04-05 01:00 +11"),
                     ("2026-04-04T15:30:00Z", "2026-04-05 02:00 +1030"), ("2026-04-04T16:30:00Z", "2026-04-05 03:00 +1030")]),
        Case(zone: "Australia/Lord_Howe", expression: "*/15 1 * * *", after: "2026-04-04T13:55:00Z", through: "2026-04-05T00:00:00Z",
             fires: [("2026-04-04T14:00:00Z", "2026-04-05 01:00 +11"), ("2026-04-04T14:15:00Z", "2026-04-05 01:15 +11"),
                     ("2026-04-04T14:30:00Z", "2026-04-05 01:30 +11"), ("2026-04-04T14:45:00Z", "2026-04-05 01:45 +11"),
                     ("2026-04-04T15:00:00Z", "2026-04-05 01:30 +1030"), ("2026-04-04T15:15:00Z", "2026-04-05 01:45 +1030")]),
        Case(zone: "Australia/Lord_Howe", expression: "15 2 * * *", after: "2026-10-03T00:00:00Z", through: "2026-10-04T18:00:00Z",
             fires: [("2026-10-03T15:30:00Z", "2026-10-04 02:30 +11"), ("2026-10-04T15:15:00Z", "2026-10-05 02:15 +11")]),
        Case(zone: "Australia/Lord_Howe", expression: "0 * * * *", after: "2026-10-03T13:00:00Z", through: "2026-10-03T17:30:00Z",
             fires: [("2026-10-03T13:30:00Z", "2026-10-04 00:00 +1030"), ("2026-10-03T14:30:00Z", "2026-10-04 01:00 +1030"),
                     ("2026-10-03T16:00:00Z", "2026-10-04 03:00 +11"), ("2026-10-03T17:00:00Z", "2026-10-04 04:00 +11")]),
        Case(zone: "Australia/Lord_Howe", expression: "*/15 2 * * *", after: "2026-10-03T15:00:00Z", through: "2026-10-03T17:00:00Z",
             fires: [("2026-10-03T15:30:00Z", "2026-10-04 02:30 +11"), ("2026-10-03T15:45:00Z", "2026-10-04 02:45 +11")]),
    ]

    @Test(arguments: cases)
    func firesAtTheInstantsWorkedOutByHand(_ c: Case) throws {
        let cron = try CronExpression(c.expression, timeZone: c.zone)
        #expect(cron.fireTimes(after: Self.t(c.after), through: Self.t(c.through)).map(Instant.iso) == c.fires.map(\.0))
        // Walking back gives the same instants: each is the latest fire at or before itself and a minute later.
        for (utc, _) in c.fires {
            #expect(cron.previous(atOrBefore: Self.t(utc)).map(Instant.iso) == utc)
            #expect(cron.previous(atOrBefore: Self.t(utc) + 59).map(Instant.iso) == utc)
        }
    }

    /// Every transition of 2026 in the three zones (and Lord Howe) is among the cases: the zone database has exactly
    /// these changes, so none was left out.
    @Test func theCasesCoverEveryChangeOf2026() throws {
        for zone in ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe"] {
            let tz = try #require(TimeZone(identifier: zone))
            var changes = 0
            var t = Self.t("2026-01-01T00:00:00Z")
            while t < Self.t("2027-01-01T00:00:00Z") {
                if tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))) != tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t + 1800))) { changes += 1 }
                t += 1800
            }
            #expect(changes == 2, "\(zone)")
            #expect(Self.cases.filter { $0.zone == zone }.count == 6, "\(zone): fixed, wildcard-hour and wildcard-minute for both changes")
        }
    }

    /// The second method: Python's zoneinfo (its own reading of the tz database) turns each instant into the zone's
    /// wall-clock time; it must be the one written by hand.
    @Test(.enabled(if: ExternalTools.python3 != nil, "needs python3 (with zoneinfo, 3.9+)"))
    func pythonZoneinfoAgreesWithTheWallTimesWrittenByHand() throws {
        let lines = Self.cases.flatMap { c in c.fires.map { "\(c.zone) \($0.0)" } }
        let script = """
            import sys, datetime, zoneinfo
            for line in sys.argv[1].splitlines():
                zone, utc = line.split(' ')
                t = datetime.datetime.fromisoformat(utc.replace('Z', '+00:00')).astimezone(zoneinfo.ZoneInfo(zone))
                print(t.strftime('%Y-%m-%d %H:%M %Z'))
            """
        let r = try Subprocess.run(try #require(ExternalTools.python3), ["-c", script, lines.joined(separator: "\n")], timeout: 120)
        #expect(r.status == 0, "\(r.err)")
        let theirs = r.out.split(separator: "\n").map(String.init)
        #expect(theirs == Self.cases.flatMap { $0.fires.map(\.1) })
    }
}

/// The runner over the same rules: a daily 02:30 New York report caught up across the spring-forward day gets that
/// day's period (ending at 03:00 EDT, right after the jump), and the next day's starts there.
@Suite struct ScheduleRunnerDaylightSavingTests {
    static func t(_ s: String) -> Int64 { Instant.parse(s)! }

    @Test func aDailyReportCaughtUpAcrossSpringForwardGetsTheSkippedDaysPeriod() throws {
        let f = try ScheduleFixture()
        let d = try f.definition("daily", #"{"title": "Daily", "schedule": "30 2 * * *", "timezone": "America/New_York", "sections": [{"key": "s", "query": "stalled", "columns": ["ticket_id"]}]}"#)
        let runner = try f.runner()
        let first = try runner.run([d], now: Self.t("2026-03-07T08:00:00Z"))
        #expect(first.map { Instant.iso($0.period.end) } == ["2026-03-07T07:30:00Z"])  // 02:30 EST
        let caughtUp = try runner.run([d], now: Self.t("2026-03-09T12:00:00Z"))
        #expect(caughtUp.map { "\(Instant.iso($0.period.start))…\(Instant.iso($0.period.end)) \($0.status)" } == [
            "2026-03-07T07:30:00Z…2026-03-08T07:00:00Z generated",   // 03-08 03:00 EDT: 02:30 did not happen
            "2026-03-08T07:00:00Z…2026-03-09T06:30:00Z generated",   // 03-09 02:30 EDT
        ])
        #expect(f.reports("daily").filter { $0 != "latest" } == ["2026-03-07T0730Z", "2026-03-08T0700Z", "2026-03-09T0630Z"])
    }
}
