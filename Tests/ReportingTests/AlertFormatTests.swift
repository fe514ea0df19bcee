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
        #expect(lines[1] == "stalled new=yes team=it service=onboarding step=it-access ticket=T-1 state=ready ready_at=2026-03-08T09:00:00Z age_hours=51 active_age_hours=51 threshold_hours=8 source=target")
        #expect(lines[2].hasPrefix("unwatched new=no team=\"we\\\"ird\\\\team\\nx\" service=svc step=s ticket=\"T-2 b\""))
        #expect(lines[2].hasSuffix("last_started_at=never"))
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
