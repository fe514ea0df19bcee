import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import SQLite

@Suite struct AlertFormatTests {

    /// Numbers and instants are printed without format strings, exactly as the format strings print them.
    @Test func numbersAndInstantsPrintAsTheFormatStringsDo() {
        var state: UInt64 = 42
        var values: [Double] = [0, -0.0, 0.0004, -0.0004, 0.0005, -0.0005, 1.0005, 2.675, 72, 50.5, 0.017, -3.25, 1e14 + 0.5, 9.99e11, 1e15, -2e16]
        var instants: [Int64] = [0, 1, 86_399, 951_782_400, 253_402_300_799, 253_402_300_800, -1, -62_135_596_801]
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let bits = state >> 11
            values.append(Double(Int64(bitPattern: state) >> 20) / Double(1 << (bits % 40)))
            instants.append(Int64(bitPattern: state) >> 28)
        }
        for v in values { #expect(AlertFormat.number(v) == AlertFormat.formatted((v * 1000).rounded() / 1000), "\(v)") }
        for t in instants {
            let (y, m, d, hh, mm, ss) = Instant.civil(t)
            #expect(Instant.iso(t) == String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss), "\(t)")
        }
    }

    static let asOf: Int64 = Instant.parse("2026-03-10T12:00:00Z")!

    /// Two alerts, one with text that needs escaping in every format.
    static var report: AlertReport {
        var s = AlertSettings(asOf: asOf)
        s.teams = []
        let hostile = "we\"ird\\team\nx"
        return AlertReport(settings: s, generatedAt: asOf, alerts: [
            Alert(kind: .stalled, ticketID: "T-1", service: "onboarding", step: "it-access", team: "it", state: "ready",
                  readyAt: asOf - 51 * 3600, ageHours: 51, activeAgeHours: 51, thresholdHours: 8, source: "target", lastStartedAt: nil, isNew: true),
            Alert(kind: .unwatched, ticketID: "T-2 b", service: "svc", step: "s", team: hostile, state: "ready",
                  readyAt: asOf - 100 * 3600, ageHours: 100, activeAgeHours: 100, thresholdHours: 72, source: "unwatched-days",
                  lastStartedAt: nil, isNew: false),
        ], openWork: [
            TeamOpenWork(team: "it", openRuns: 2, ready: 1, active: 1, paused: 0, oldestReadyAt: asOf - 51 * 3600),
            TeamOpenWork(team: hostile, openRuns: 1, ready: 1, active: 0, paused: 0, oldestReadyAt: asOf - 100 * 3600),
        ])
    }

    @Test func jsonHasEveryFieldAndParses() throws {
        let text = AlertFormat.json.render(Self.report)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc["as_of"] as? String == "2026-03-10T12:00:00Z")
        #expect(doc["generated_at"] as? String == "2026-03-10T12:00:00Z")
        let thresholds = try #require(doc["thresholds"] as? [String: Any])
        #expect((thresholds["percentile"] as? NSNumber)?.doubleValue == 0.85 && (thresholds["default_hours"] as? NSNumber)?.intValue == 72)
        let alerts = try #require(doc["alerts"] as? [[String: Any]])
        #expect(alerts.count == 2)
        let first = alerts[0]
        #expect(first["kind"] as? String == "stalled" && first["ticket"] as? String == "T-1" && first["team"] as? String == "it")
        #expect(first["ready_at"] as? String == "2026-03-08T09:00:00Z" && (first["age_hours"] as? NSNumber)?.doubleValue == 51)
        #expect((first["threshold_hours"] as? NSNumber)?.doubleValue == 8 && first["source"] as? String == "target")
        #expect((first["new"] as? NSNumber)?.boolValue == true && (alerts[1]["new"] as? NSNumber)?.boolValue == false)
        #expect(alerts[1]["team"] as? String == "we\"ird\\team\nx")
        #expect(alerts[1]["last_started_at"] is NSNull)
    }

    @Test func textIsOneGrepFriendlyLinePerAlert() {
        let lines = AlertFormat.text.render(Self.report).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)  // header, two alerts, final newline
        #expect(lines[0].hasPrefix("# baton alerts as_of=2026-03-10T12:00:00Z"))
        // Today's fields, in the same order, then msg: the sentence, always last and quoted.
        #expect(lines[1] == "stalled new=yes team=it service=onboarding step=it-access ticket=T-1 state=ready ready_at=2026-03-08T09:00:00Z age_hours=51 active_age_hours=51 threshold_hours=8 source=target"
                + " msg=\"T-1 it-access (it): 51 h, 43 h over its 8 h target, not started\"")
        #expect(lines[2].hasPrefix("unwatched new=no team=\"we\\\"ird\\\\team\\nx\" service=svc step=s ticket=\"T-2 b\""))
        #expect(lines[2].hasSuffix("last_started_at=never msg=\"team we\\\"ird\\\\team\\nx: its oldest ready work, T-2 b s, has waited 100 h and no step was started in 3 days (never started one)\""))
        #expect(lines[3].isEmpty)
    }

    @Test func numbersAreShortAndLocaleFree() {
        #expect(AlertFormat.number(17.15) == "17.15")
        #expect(AlertFormat.number(72) == "72")
        #expect(AlertFormat.number(1.0 / 60) == "0.017")
        #expect(AlertFormat.number(-0.0001) == "0")
    }

    @Test func prometheusLabelsAreEscaped() {
        let text = AlertFormat.prom.render(Self.report)
        #expect(text.contains("baton_unwatched_queue{team=\"we\\\"ird\\\\team\\nx\"} 1\n"))
        #expect(text.contains("baton_stalled_steps{team=\"it\",service=\"onboarding\",step=\"it-access\"} 1\n"))
        #expect(text.contains("baton_oldest_open_step_age_seconds{team=\"it\"} 183600\n"))
        #expect(text.contains("baton_last_success_timestamp_seconds 1773144000\n"))
        // HELP and TYPE once per metric.
        let help = text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] }
        #expect(help.count == Set(help).count && help.count >= 8)
    }

    /// Runs `promtool check metrics` (the real one) on `text`: it must pass with nothing to say, not even a lint.
    static func expectPromtoolAccepts(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let promtool = try #require(ExternalTools.promtool)
        let r = try Subprocess.run(promtool, ["check", "metrics"], input: Data(text.utf8), timeout: 120)
        let said = r.out + r.err
        #expect(r.status == 0 && !r.signalled, "promtool: \(said)", sourceLocation: sourceLocation)
        #expect(said.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool lint: \(said)", sourceLocation: sourceLocation)
    }

    /// `promtool check metrics` (the real one) accepts the file, with escaped labels and with no alerts at all.
    @Test(.enabled(if: ExternalTools.promtool != nil, "promtool not found: install the Debian package 'prometheus'"), arguments: [true, false])
    func promtoolAcceptsTheFile(withAlerts: Bool) throws {
        var report = Self.report
        if !withAlerts { report.alerts = []; report.openWork = [] }
        try Self.expectPromtoolAccepts(AlertFormat.prom.render(report))
    }
}

/// The text line's sentence for every kind, and lines that hostile titles cannot break.
@Suite struct AlertSentenceTests {
    static let asOf = AlertFormatTests.asOf

    static func alert(_ kind: Alert.Kind, ticket: String = "W-3", step: String = "loaner", team: String? = "it", state: String = "active",
                      age: Double, threshold: Double?, source: String) -> Alert {
        Alert(kind: kind, ticketID: ticket, service: "laptops", step: step, team: team, state: state, readyAt: asOf - Int64(age * 3600),
              ageHours: age, activeAgeHours: age, thresholdHours: threshold, source: source, lastStartedAt: nil, isNew: true)
    }

    /// (alert, the sentence written by hand).
    static var cases: [(Alert, String)] {
        var stalled = alert(.stalled, age: 63.5, threshold: 4, source: "target")
        stalled.title = "Laptop does not boot"; stalled.requester = "ana"; stalled.workingAgeHours = 63.5; stalled.overByHours = 59.5
        var p85 = alert(.stalled, state: "ready", age: 30, threshold: 12.25, source: "p85")
        p85.workingAgeHours = 20; p85.overByHours = 7.75; p85.stepName = "Loaner laptop"
        let byDefault = alert(.stalled, team: nil, age: 80, threshold: 72, source: "default")
        var long = alert(.stalled, age: 5828.469, threshold: 72, source: "default")
        long.overByHours = 5756.469
        var atRisk = alert(.atRisk, age: 7, threshold: 8, source: "target")
        atRisk.workingAgeHours = 6.5; atRisk.dueAt = asOf + 5400; atRisk.title = "New starter: Bo"
        let atRiskNever = alert(.atRisk, age: 7, threshold: 8, source: "target")
        var noTeam = alert(.unowned, team: nil, state: "ready", age: 5, threshold: nil, source: "no-team")
        noTeam.requester = "li"
        let unknown = alert(.unowned, team: "ghosts", age: 2.5, threshold: nil, source: "unknown-team")
        let offRoster = alert(.unowned, team: "old-it", age: 1, threshold: nil, source: "not-in-roster")
        var unwatched = alert(.unwatched, ticket: "W-9", step: "triage", team: "hr", state: "ready", age: 100, threshold: 72, source: "unwatched-days")
        unwatched.lastStartedAt = asOf - 5 * 86_400
        let neverStarted = alert(.unwatched, ticket: "W-8", step: "triage", team: "hr", state: "ready", age: 80, threshold: 72, source: "unwatched-days")
        var between = alert(.handoff, step: "approve", team: "managers", state: "between-steps", age: 30, threshold: 24, source: "between-steps")
        between.title = "Access"; between.stepName = "Manager approval"; between.requester = "kim"
        let nothingDone = alert(.handoff, step: "", team: nil, state: "between-steps", age: 26, threshold: 24, source: "between-steps")
        let allDone = alert(.handoff, step: "activate", team: "data", state: "between-steps", age: 48, threshold: 24, source: "all-steps-done")
        let noneReady = alert(.handoff, step: "review", team: "legal", state: "between-steps", age: 25.5, threshold: 24, source: "no-step-ready")
        var solo = alert(.thinOwnership, ticket: "W-7", step: "triage", team: "hr", state: "ready", age: 30, threshold: 8, source: "one-person")
        solo.lastStartedAt = asOf - 7 * 86_400
        let nobody = alert(.thinOwnership, ticket: "W-6", step: "triage", team: "hr", state: "ready", age: 9.25, threshold: 8, source: "no-one")
        return [
            (solo, "team hr: one person started all its recent work; its oldest ready work, W-7 triage, has waited 30 h, over the 8 h thin-ownership limit (last started 2026-03-03T12:00:00Z)"),
            (nobody, "team hr: no one has started its work recently; its oldest ready work, W-6 triage, has waited 9.3 h, over the 8 h thin-ownership limit (never started one)"),
            (stalled, "W-3 “Laptop does not boot” loaner (it): 63.5 h, 59.5 h over its 4 h target, requested by ana"),
            // Hours for a person have one decimal (the fields keep three): 7.75 → 7.8, 12.25 → 12.3.
            (p85, "W-3 Loaner laptop (it): 20 h, 7.8 h over its 12.3 h threshold (the p85 of recent runs), not started"),
            (long, "W-3 loaner (it): 5828.5 h, 5756.5 h over its 72 h threshold (the default)"),
            (byDefault, "W-3 loaner (no team): 80 h, 8 h over its 72 h threshold (the default)"),
            (atRisk, "W-3 “New starter: Bo” loaner (it): 6.5 h of its 8 h target used, due 2026-03-10T13:30:00Z"),
            (atRiskNever, "W-3 loaner (it): 7 h of its 8 h target used, no working time left in its calendar to finish"),
            (noTeam, "W-3 loaner: its step has no team, open 5 h, requested by li"),
            (unknown, "W-3 loaner: its team ghosts is not known to the store, open 2.5 h"),
            (offRoster, "W-3 loaner: its team old-it is not on the team roster, open 1 h"),
            (unwatched, "team hr: its oldest ready work, W-9 triage, has waited 100 h and no step was started in 3 days (last started 2026-03-05T12:00:00Z)"),
            (neverStarted, "team hr: its oldest ready work, W-8 triage, has waited 80 h and no step was started in 3 days (never started one)"),
            (between, "W-3 “Access”: no team owns it for 30 h, over the 24 h handoff limit; the last step done is Manager approval (managers), requested by kim"),
            (nothingDone, "W-3: no team owns it for 26 h, over the 24 h handoff limit; no step done yet"),
            (allDone, "W-3: no team owns it for 48 h, over the 24 h handoff limit; all its steps are done but it is still open"),
            (noneReady, "W-3: no team owns it for 25.5 h, over the 24 h handoff limit; no step of it is ready"),
        ]
    }

    @Test func everyKindHasASentence() {
        for (a, expected) in Self.cases { #expect(AlertFormat.sentence(a) == expected, "\(a.kind) \(a.source)") }
        // Every kind is among the cases.
        #expect(Set(Self.cases.map(\.0.kind)) == Set(Alert.Kind.allCases))
    }

    /// Reads one logfmt line back: `key=value` pairs (a value bare, or quoted with `\"`, `\\`, `\n`, `\r`, `\t`,
    /// `\uXXXX`) after the leading kind. A second reading, written apart from the formatter.
    static func parse(_ line: Substring) -> (kind: String, fields: [(String, String)])? {
        var chars = Array(line.unicodeScalars)[...]
        func word() -> String {
            var w = ""
            while let c = chars.first, c != " ", c != "=" { w.unicodeScalars.append(c); chars.removeFirst() }
            return w
        }
        let kind = word()
        var fields: [(String, String)] = []
        while chars.first == " " {
            chars.removeFirst()
            let key = word()
            guard chars.popFirst() == "=" else { return nil }
            var value = ""
            if chars.first == "\"" {
                chars.removeFirst()
                while let c = chars.popFirst(), c != "\"" {
                    guard c == "\\" else { value.unicodeScalars.append(c); continue }
                    switch chars.popFirst() {
                    case "n": value += "\n"
                    case "r": value += "\r"
                    case "t": value += "\t"
                    case "u":
                        let hex = String(String.UnicodeScalarView(chars.prefix(4))); chars.removeFirst(4)
                        guard let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else { return nil }
                        value.unicodeScalars.append(u)
                    case let e?: value.unicodeScalars.append(e)
                    case nil: return nil
                    }
                }
            } else {
                value = word()
            }
            fields.append((key, value))
        }
        return chars.isEmpty ? (kind, fields) : nil
    }

    static let hostileTitles = [
        "line one\nline two", "carriage\rreturn", "say \"hi\" \\ bye", "nul\u{0}bell\u{7}esc\u{1B}[31mred", "del\u{7f} c1\u{85}nel\u{9b}",
        "sep\u{2028}para\u{2029}end", "fs\u{1c}gs\u{1d}rs\u{1e}", "tab\there", "key=value team=hr new=yes", String(repeating: "long ", count: 4000),
        "emoji 👩🏽‍💻 and combining e\u{301}", "",
    ]

    /// Each hostile title gives one line per alert: the line reads back (second parser) with today's fields in
    /// today's order, then msg, whose value is the sentence exactly; a long title is cut in the sentence only.
    @Test func hostileTitlesNeverBreakALine() throws {
        var report = AlertFormatTests.report
        report.alerts = Self.hostileTitles.enumerated().map { i, title in
            var a = Self.alert(i % 2 == 0 ? .stalled : .handoff, ticket: "H-\(i)", age: 30, threshold: 24, source: i % 2 == 0 ? "target" : "between-steps")
            a.title = title; a.requester = title; a.stepName = title
            return a
        }
        let text = AlertFormat.text.render(report)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == report.alerts.count + 2)
        for (a, line) in zip(report.alerts, lines.dropFirst()) {
            let parsed = try #require(Self.parse(line), "\(line.prefix(200))")
            #expect(parsed.kind == a.kind.rawValue)
            #expect(parsed.fields.map(\.0) == ["new", "team", "service", "step", "ticket", "state", "ready_at", "age_hours", "active_age_hours",
                                               "threshold_hours", "source", "msg"])
            #expect(parsed.fields.last?.1 == AlertFormat.sentence(a))
            #expect(!line.unicodeScalars.contains { AlertFormat.breaksLines($0) })
            #expect(line.count < 600, "a long title is cut in the sentence")
        }
        #expect(AlertFormat.sentence(report.alerts[9]).contains("long long") && AlertFormat.sentence(report.alerts[9]).contains("…"))
        // JSON keeps the title whole and parses.
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(AlertFormat.json.render(report).utf8)) as? [String: Any])
        let titles = (doc["alerts"] as? [[String: Any]])?.map { $0["title"] as? String }
        #expect(titles == Self.hostileTitles.map { Optional($0) })
    }

    /// Python's `str.splitlines` (which also ends lines at \v, \f, \x1c–\x1e, \x85, U+2028, U+2029) sees the same lines.
    @Test(.enabled(if: ExternalTools.python3 != nil, "needs python3"))
    func pythonSeesOneLinePerAlert() throws {
        var report = AlertFormatTests.report
        report.alerts = Self.hostileTitles.map { title in
            var a = Self.alert(.stalled, age: 30, threshold: 24, source: "target")
            a.title = title
            return a
        }
        let r = try Subprocess.run(try #require(ExternalTools.python3), ["-c", "import sys; print(len(sys.stdin.buffer.read().decode('utf-8').splitlines()))"],
                                   input: Data(AlertFormat.text.render(report).utf8), timeout: 120)
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(report.alerts.count + 1)", "\(r.err)")
    }

    /// The .prom file with the hostile alerts (team names, steps) still passes promtool.
    @Test(.enabled(if: ExternalTools.promtool != nil, "promtool not found: install the Debian package 'prometheus'"))
    func promtoolAcceptsHostileLabels() throws {
        var report = AlertFormatTests.report
        report.alerts = Self.hostileTitles.prefix(9).map { title in
            var a = Self.alert(.stalled, step: title, team: title, age: 30, threshold: 24, source: "target")
            a.title = title
            return a
        }
        try AlertFormatTests.expectPromtoolAccepts(AlertFormat.prom.render(report))
    }
}
