import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
@testable import Reporting
import SQLite

/// A store built by importing a canonical CSV log (the real importer), for the handoff alert and the
/// `(between steps)` row of team load. The log and its hand-worked table: `HandoffLog`.
final class HandoffFixture: TemporaryStore {
    static let asOf: Int64 = Instant.parse(HandoffLog.asOf)!
    static func t(_ iso: String) -> Int64 { Instant.parse(iso)! }

    /// The rows ordered by time (file order breaks ties).
    static var timeOrdered: [String] { CanonicalLog.timeOrdered(HandoffLog.rows) }

    /// The same rows in a fixed pseudo-random order (no two rows of a ticket share an instant, so order cannot matter).
    static func shuffled(seed: UInt64 = 11) -> [String] {
        var state = seed
        var rows = HandoffLog.rows
        for i in stride(from: rows.count - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            rows.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
        }
        return rows
    }

    static func csv(_ rows: [String]) -> String { CanonicalLog.csv(rows) }

    init(definitions: [ServiceDefinition] = []) throws {
        try super.init("handoff")
        for d in definitions { try store.apply(d, at: Self.t("2026-01-01T00:00:00Z")) }
    }

    /// Imports `text` as a CSV file through the real importer.
    @discardableResult
    func importCSV(_ text: String, name: String = "log.csv") throws -> ImportSummary {
        try EventLogImporter(store: store).run(try ByteSource(path: try write(name, text)), options: .init(format: .csv))
    }

    func engine() -> AlertEngine { AlertEngine(db: store.db, queryFolder: AlertFixture.queries) }

    func report(_ asOf: Int64 = HandoffFixture.asOf, handoffHours: Double? = nil, teams: [String] = []) throws -> AlertReport {
        var s = AlertSettings(asOf: asOf)
        if let handoffHours { s.handoffHours = handoffHours }
        s.teams = teams
        return try engine().compute(s, generatedAt: asOf)
    }

    func handoffs(_ asOf: Int64 = HandoffFixture.asOf, handoffHours: Double? = nil) throws -> [Alert] {
        try report(asOf, handoffHours: handoffHours).alerts.filter { $0.kind == .handoff }
    }

    /// team_load.sql through the report engine's query runner.
    func teamLoad(_ asOf: Int64 = HandoffFixture.asOf) throws -> QueryOutput {
        let query = try QueryFile.load(URL(fileURLWithPath: AlertFixture.queries).appendingPathComponent("team_load.sql"))
        return try QueryRunner.run(query, on: store.db, parameters: [
            "from": .integer(Self.t("2026-02-23T00:00:00Z")), "to": .integer(Self.t("2026-03-09T00:00:00Z")), "as_of": .integer(asOf)])
    }

    /// `ticket step team source age` per handoff alert.
    static func summary(_ a: Alert) -> String {
        "\(a.ticketID) \(a.step.isEmpty ? "-" : a.step) \(a.team ?? "-") \(a.source) \(AlertFormat.number(a.ageHours))"
    }
}

@Suite struct HandoffAlertTests {
    static let expectedAtAsOf = [
        // Sorted by team, then since.
        "L-1 triage ops between-steps 26", "L-5 triage ops between-steps 48", "L-6 triage ops between-steps 25",
        "L-7 review qa between-steps 28", "L-8 triage sec between-steps 36",
    ]

    @Test func aLogMadeTicketWithNoOpenRunWaitsBetweenStepsSinceItsLastStep() throws {
        let f = try HandoffFixture()
        try f.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        #expect(try f.store.db.scalar("SELECT origin FROM services WHERE key = 'intake'")?.string == "log")
        let alerts = try f.handoffs()
        #expect(Set(alerts.map(HandoffFixture.summary)) == Set(Self.expectedAtAsOf))
        #expect(alerts.count == Self.expectedAtAsOf.count)
        let l1 = try #require(alerts.first { $0.ticketID == "L-1" })
        // Its only run completed 2026-03-02T10:00; as_of 2026-03-03T12:00: 26 hours, owned by nobody.
        #expect(l1.readyAt == HandoffFixture.t("2026-03-02T10:00:00Z"))
        #expect(l1.ageHours == 26 && l1.activeAgeHours == 26 && l1.thresholdHours == 24)
        #expect(l1.state == "between-steps" && l1.source == "between-steps")
        #expect(l1.team == "ops" && l1.step == "triage")
        #expect(l1.key == "handoff/L-1/\(HandoffFixture.t("2026-03-02T10:00:00Z"))")
        // The team of a run reassigned before it was done is its last team.
        #expect(alerts.first { $0.ticketID == "L-8" }?.team == "sec")
        // Not alerts: L-2 (6 h since it opened), L-3 (an open run), L-4 (closed before as_of).
        #expect(!alerts.contains { ["L-2", "L-3", "L-4"].contains($0.ticketID) })
    }

    @Test func theThresholdIsHandoffHours() throws {
        let f = try HandoffFixture()
        try f.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        #expect(AlertSettings(asOf: 0).handoffHours == 24)
        // L-1 waits exactly 26 h: over 25.5, not over 26 ("more than").
        #expect(try f.handoffs(handoffHours: 25.5).contains { $0.ticketID == "L-1" })
        #expect(try f.handoffs(handoffHours: 26).map(\.ticketID).sorted() == ["L-5", "L-7", "L-8"])
        #expect(try f.handoffs(handoffHours: 48).isEmpty)
        // Every ticket with no open run, whatever its age: L-2 has waited since it opened (no step done: no step or team).
        let all = try f.handoffs(handoffHours: 0)
        #expect(all.count == 6)
        let l2 = try #require(all.first { $0.ticketID == "L-2" })
        #expect(l2.step == "" && l2.team == nil && l2.readyAt == HandoffFixture.t("2026-03-03T06:00:00Z") && l2.ageHours == 6)
        #expect(try f.report(handoffHours: 0).alerts.first { $0.kind == .handoff && $0.ticketID == "L-2" }?.thresholdHours == 0)
    }

    @Test func aLaterRunEndsTheWaitFromItsOwnEventOn() throws {
        let f = try HandoffFixture()
        try f.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        // L-1's fix run starts 2026-03-04T08:00: just before, L-1 still waits (45 h); after, it is owned by dev.
        let before = try f.handoffs(HandoffFixture.t("2026-03-04T07:00:00Z"))
        #expect(before.first { $0.ticketID == "L-1" }.map(HandoffFixture.summary) == "L-1 triage ops between-steps 45")
        let after = try f.handoffs(HandoffFixture.t("2026-03-04T12:00:00Z"))
        #expect(!after.contains { $0.ticketID == "L-1" })
        // The earlier as_of still sees the wait (a report as of A sees only events up to A).
        #expect(try f.handoffs().contains { $0.ticketID == "L-1" })
        // At 03-04 12:00: L-5 is closed; L-6 (cancelled on 03-05) still waits; L-2 has waited 30 h since it opened.
        #expect(Set(after.map(HandoffFixture.summary)) == ["L-2 - - between-steps 30", "L-6 triage ops between-steps 49",
                                                          "L-7 review qa between-steps 52", "L-8 triage sec between-steps 60"])
        // Before anything was done: nothing between steps for long.
        #expect(try f.handoffs(HandoffFixture.t("2026-03-01T09:30:00Z")).isEmpty)
    }

    @Test func aShuffledLogGivesTheSameAlertsAndLoad() throws {
        let ordered = try HandoffFixture(), shuffled = try HandoffFixture()
        #expect(HandoffFixture.shuffled() != HandoffFixture.timeOrdered && HandoffFixture.shuffled() != HandoffLog.rows)
        try ordered.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        try shuffled.importCSV(HandoffFixture.csv(HandoffFixture.shuffled()))
        for iso in ["2026-03-02T12:00:00Z", "2026-03-03T12:00:00Z", "2026-03-04T07:00:00Z", "2026-03-04T12:00:00Z", "2026-03-06T00:00:00Z"] {
            let asOf = HandoffFixture.t(iso)
            for format in AlertFormat.allCases {
                let a = format.render(try ordered.report(asOf)), b = format.render(try shuffled.report(asOf))
                #expect(a == b, "\(format) as of \(iso)")
            }
            #expect(try ordered.teamLoad(asOf).rows == shuffled.teamLoad(asOf).rows, "team load as of \(iso)")
        }
        #expect(AlertFormat.text.render(try shuffled.report()).contains(
            "handoff new=yes team=ops service=intake step=triage ticket=L-1 state=between-steps ready_at=2026-03-02T10:00:00Z age_hours=26 active_age_hours=26 threshold_hours=24 source=between-steps msg=\"L-1: no team owns it for 26 h"))
    }

    @Test func definedServicesShowDoneButNotClosedTickets() throws {
        let svc = ServiceDefinition(key: "svc", name: "Svc", enforceOrder: true, steps: [
            .init(key: "a", name: "A", team: "ta"), .init(key: "b", name: "B", team: "tb"), .init(key: "c", name: "C", team: "tc"),
        ])
        let f = try HandoffFixture(definitions: [svc])
        try f.importCSV(HandoffFixture.csv([
            // D-1: every step done 03-02 06:00, not closed (an import closes only where the log says); b reopened 03-04.
            "D-1,svc,,,opened,2026-03-01T08:00:00Z,ana",
            "D-1,svc,a,,completed,2026-03-01T09:00:00Z,bo",
            "D-1,svc,b,,completed,2026-03-01T10:00:00Z,bo",
            "D-1,svc,c,,completed,2026-03-02T06:00:00Z,bo",
            "D-1,svc,b,,reopened,2026-03-04T00:00:00Z,bo",
            // D-2: c done first, then a: the step after the furthest done is none, so b still waits and nothing is open.
            "D-2,svc,,,opened,2026-03-01T08:00:00Z,ana",
            "D-2,svc,c,,completed,2026-03-01T09:00:00Z,bo",
            "D-2,svc,a,,completed,2026-03-01T10:00:00Z,bo",
            // D-3: a done, b ready at once (the definition's order): owned.
            "D-3,svc,,,opened,2026-03-01T08:00:00Z,ana",
            "D-3,svc,a,,completed,2026-03-01T09:00:00Z,bo",
        ]))
        let alerts = try f.handoffs()
        #expect(Set(alerts.map(HandoffFixture.summary)) == ["D-1 c tc all-steps-done 30", "D-2 a ta no-step-ready 50"])
        // The reopening (03-04) did not exist at as_of: D-1 was all done then; from it, b's second attempt is open.
        let later = try f.handoffs(HandoffFixture.t("2026-03-04T12:00:00Z"))
        #expect(later.map(HandoffFixture.summary) == ["D-2 a ta no-step-ready 74"])
        let load = try f.teamLoad()
        let row = try #require(load.rows.last)
        #expect(row.first == .text("(between steps)") && row[1] == .integer(2) && row[4] == .real(50))
        // At 08:30 every ticket's first step is ready (owned by ta): no row for between steps.
        let early = try f.teamLoad(HandoffFixture.t("2026-03-01T08:30:00Z"))
        #expect(early.rows.map { $0.first } == [.text("ta")])
        #expect(try f.handoffs(HandoffFixture.t("2026-03-01T08:30:00Z"), handoffHours: 0).isEmpty)
    }

    @Test func teamLoadHasABetweenStepsRowLast() throws {
        let f = try HandoffFixture()
        try f.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        let load = try f.teamLoad()
        #expect(load.columns == ["team", "ready", "active", "paused", "oldest_age_hours", "arrivals", "completions", "net_flow",
                                 "open_runs", "reassignments"])
        // Every ticket with no open run, all ages and under either reason: L-1, L-2, L-5, L-6, L-7, L-8; the oldest is L-5 (48 h).
        let row = try #require(load.rows.last)
        #expect(row == [.text("(between steps)"), .integer(6), .integer(0), .integer(0), .real(48),
                        .integer(0), .integer(0), .integer(0), .integer(0), .integer(0)])
        #expect(load.rows.filter { $0.first == .text("(between steps)") }.count == 1)
        // The teams' own rows are unchanged by it: ops has L-3's active triage.
        let ops = try #require(load.rows.first { $0.first == .text("ops") })
        #expect(ops[1] == .integer(0) && ops[2] == .integer(1))
        // L-1 after its fix run started: five left; the oldest is now L-8 (60 h).
        let later = try #require(try f.teamLoad(HandoffFixture.t("2026-03-04T12:00:00Z")).rows.last)
        #expect(later[0] == .text("(between steps)") && later[1] == .integer(4) && later[4] == .real(60))
        // Before any ticket opened: no rows at all (and none for between steps).
        #expect(try f.teamLoad(HandoffFixture.t("2026-02-28T00:00:00Z")).rows.isEmpty)
    }

    @Test func everyFormatCarriesHandoffs() throws {
        let f = try HandoffFixture()
        try f.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        let report = try f.report()
        let json = AlertFormat.json.render(report)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(((doc["counts"] as? [String: Any])?["handoff"] as? NSNumber)?.intValue == 5)
        #expect(((doc["thresholds"] as? [String: Any])?["handoff_hours"] as? NSNumber)?.doubleValue == 24)
        #expect(((doc["definitions"] as? [String: Any])?["handoff"] as? String)?.contains("handoff_hours") == true)
        let l1 = try #require((doc["alerts"] as? [[String: Any]])?.first { $0["kind"] as? String == "handoff" && $0["ticket"] as? String == "L-1" })
        #expect(l1["team"] as? String == "ops" && l1["step"] as? String == "triage" && l1["state"] as? String == "between-steps")
        #expect(l1["ready_at"] as? String == "2026-03-02T10:00:00Z" && (l1["age_hours"] as? NSNumber)?.doubleValue == 26)
        #expect((l1["threshold_hours"] as? NSNumber)?.doubleValue == 24 && l1["source"] as? String == "between-steps")

        let text = AlertFormat.text.render(report)
        #expect(text.hasPrefix("# baton alerts as_of=2026-03-03T12:00:00Z") && text.split(separator: "\n")[0].contains(" handoff_hours=24 "))
        #expect(text.contains("handoff new=yes team=sec service=intake step=triage ticket=L-8 state=between-steps ready_at=2026-03-02T00:00:00Z age_hours=36 active_age_hours=36 threshold_hours=24 source=between-steps msg=\"L-8: no team owns it for 36 h, over the 24 h handoff limit; the last step done is triage (sec), requested by ana\"\n"))

        let prom = AlertFormat.prom.render(report)
        #expect(prom.contains("# HELP baton_handoff_tickets ") && prom.contains("# TYPE baton_handoff_tickets gauge\n"))
        #expect(prom.contains("baton_handoff_tickets{team=\"ops\",service=\"intake\"} 3\n"))
        #expect(prom.contains("baton_handoff_tickets{team=\"qa\",service=\"intake\"} 1\n"))
        #expect(prom.contains("baton_handoff_tickets{team=\"sec\",service=\"intake\"} 1\n"))
        #expect(prom.contains("baton_alerts{kind=\"handoff\"} 5\n") && prom.contains("baton_new_alerts{kind=\"handoff\"} 5\n"))
        // A handoff with no step done has an empty team label.
        #expect(AlertFormat.prom.render(try f.report(handoffHours: 0)).contains("baton_handoff_tickets{team=\"\",service=\"intake\"} 1\n"))
    }

    @Test(.enabled(if: ExternalTools.promtool != nil, "promtool not found: install the Debian package 'prometheus'"),
          arguments: [24.0, 0.0, 1000.0])
    func promtoolAcceptsTheFileWithHandoffs(handoffHours: Double) throws {
        let f = try HandoffFixture()
        try f.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        try AlertFormatTests.expectPromtoolAccepts(AlertFormat.prom.render(try f.report(handoffHours: handoffHours)))
    }

    @Test func newOnceTeamFilteredAndRemembered() throws {
        let f = try HandoffFixture()
        try f.importCSV(HandoffFixture.csv(HandoffFixture.timeOrdered))
        let engine = f.engine()
        let first = try f.report()
        #expect(first.alerts.filter { $0.kind == .handoff }.allSatisfy { $0.isNew })
        try engine.remember(first, reportedAt: 0)
        #expect(try f.store.db.scalar("SELECT kind FROM reported_alerts WHERE alert_key = 'handoff/L-1/\(HandoffFixture.t("2026-03-02T10:00:00Z"))'")?.string == "handoff")
        // An hour later the same waits are old news.
        let later = try f.report(HandoffFixture.asOf + 3600)
        #expect(later.alerts.filter { $0.kind == .handoff }.map(\.ticketID).sorted() == ["L-1", "L-5", "L-6", "L-7", "L-8"])
        #expect(!later.alerts.contains { $0.kind == .handoff && $0.isNew })
        // --team keeps the handoffs whose last step that team did.
        #expect(try f.report(teams: ["sec"]).alerts.map(HandoffFixture.summary) == ["L-8 triage sec between-steps 36"])
    }
}
