import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import Orchestration
import SQLite

/// `baton alerts --handoff-hours` and `baton open` on stores made by `baton import` of small canonical logs.
@Suite struct HandoffCommandTests {
    /// `HandoffLog` without L-5 and L-6. At 2026-03-03T12:00Z: L-1 waits 26 h since triage (ops) was done at 10:00
    /// the day before, L-7 28 h since review (qa), L-8 36 h since triage (reassigned to sec); L-2 has waited 6 h since
    /// it opened; L-3 is owned (triage active); L-4 was closed at 09:00.
    static let rows = HandoffLog.rows(of: ["L-1", "L-2", "L-3", "L-4", "L-7", "L-8"])
    static var timeOrdered: [String] { CanonicalLog.timeOrdered(rows) }
    /// A fixed permutation: every ticket's rows out of time order.
    static var shuffled: [String] { [7, 16, 2, 11, 0, 14, 5, 9, 3, 13, 6, 1, 15, 10, 4, 12, 8].map { rows[$0] } }

    static func imported(_ rows: [String]) throws -> CLIHarness {
        let h = try CLIHarness()
        #expect(h.run(["init"]).code == 0)
        let file = try h.write("log.csv", CanonicalLog.csv(rows))
        let r = h.run(["import", file])
        #expect(r.code == 0, "\(r.err)")
        return h
    }

    let asOf = ["--as-of", "2026-03-03T12:00:00Z", "--no-record"]

    @Test func alertsReportTicketsBetweenStepsPastHandoffHours() throws {
        let h = try Self.imported(Self.timeOrdered)
        let r = h.run(["alerts"] + asOf)
        #expect(r.code == 0)
        let handoffs = r.out.split(separator: "\n").filter { $0.hasPrefix("handoff ") }
        #expect(handoffs == [
            "handoff new=yes team=ops service=intake step=triage ticket=L-1 state=between-steps ready_at=2026-03-02T10:00:00Z age_hours=26 active_age_hours=26 threshold_hours=24 source=between-steps msg=\"L-1: no team owns it for 26 h, over the 24 h handoff limit; the last step done is triage (ops), requested by ana\"",
            "handoff new=yes team=qa service=intake step=review ticket=L-7 state=between-steps ready_at=2026-03-02T08:00:00Z age_hours=28 active_age_hours=28 threshold_hours=24 source=between-steps msg=\"L-7: no team owns it for 28 h, over the 24 h handoff limit; the last step done is review (qa), requested by ana\"",
            "handoff new=yes team=sec service=intake step=triage ticket=L-8 state=between-steps ready_at=2026-03-02T00:00:00Z age_hours=36 active_age_hours=36 threshold_hours=24 source=between-steps msg=\"L-8: no team owns it for 36 h, over the 24 h handoff limit; the last step done is triage (sec), requested by ana\"",
        ])
        #expect(r.out.hasPrefix("# baton alerts as_of=2026-03-03T12:00:00Z") && r.out.split(separator: "\n")[0].contains(" handoff_hours=24 "))
        // Below the threshold: none for L-1 (26 h) with --handoff-hours 27, none at all with 36.
        let over27 = h.run(["alerts", "--handoff-hours", "27"] + asOf).out
        #expect(!over27.contains("ticket=L-1 state=between-steps") && over27.contains("ticket=L-7 state=between-steps")
                && over27.contains("threshold_hours=27 "))
        #expect(!h.run(["alerts", "--handoff-hours", "36"] + asOf).out.contains("\nhandoff "))
        // Every wait, whatever its age: L-2, since it opened, with no step or team yet.
        #expect(h.run(["alerts", "--handoff-hours", "0"] + asOf).out.contains(
            "handoff new=yes team=- service=intake step=\"\" ticket=L-2 state=between-steps ready_at=2026-03-03T06:00:00Z age_hours=6 active_age_hours=6 threshold_hours=0 source=between-steps msg=\"L-2: no team owns it for 6 h, over the 0 h handoff limit; no step done yet, requested by ana\"\n"))
        // Once the log shows L-1's next run (fix, started 03-04 08:00), it is owned again.
        #expect(!h.run(["alerts", "--as-of", "2026-03-04T12:00:00Z", "--no-record"]).out.contains("ticket=L-1 state=between-steps"))
        #expect(h.run(["alerts", "--as-of", "2026-03-04T07:00:00Z", "--no-record"]).out.contains("ticket=L-1 state=between-steps ready_at=2026-03-02T10:00:00Z age_hours=45 "))
    }

    @Test func handoffHoursIsValidatedAndDocumented() throws {
        let h = try Self.imported(Self.timeOrdered)
        for bad in ["soon", "nan", "1e9", "-3"] {
            let r = h.run(["alerts", "--handoff-hours", bad] + asOf)
            #expect(r.code == 64, "\(bad)")
            #expect(r.err.hasPrefix("Error: "), "\(bad): \(r.err)")
            #expect(r.out.isEmpty)
        }
        let help = h.run(["alerts", "--help"])
        #expect(help.code == 0 && help.out.contains("--handoff-hours <H>") && help.out.contains("between steps"))
        #expect(help.out.contains("all-steps-done") && help.out.contains("baton_handoff_tickets"))
    }

    @Test func theFilesAreTheSameForAShuffledLog() throws {
        #expect(Self.shuffled.count == Self.rows.count && Set(Self.shuffled) == Set(Self.rows))
        let a = try Self.imported(Self.timeOrdered), b = try Self.imported(Self.shuffled)
        for instant in ["2026-03-02T12:00:00Z", "2026-03-03T12:00:00Z", "2026-03-04T12:00:00Z"] {
            for file in ["a.json", "a.txt", "a.prom"] {
                #expect(a.run(["alerts", "--out", file, "--as-of", instant, "--handoff-hours", "1"]).code == 0)
                #expect(b.run(["alerts", "--out", file, "--as-of", instant, "--handoff-hours", "1"]).code == 0)
                let x = try String(contentsOfFile: a.directory.path + "/" + file, encoding: .utf8)
                let y = try String(contentsOfFile: b.directory.path + "/" + file, encoding: .utf8)
                #expect(x == y, "\(file) as of \(instant)")
            }
        }
        let prom = try String(contentsOfFile: a.directory.path + "/a.prom", encoding: .utf8)
        #expect(prom.contains("# TYPE baton_handoff_tickets gauge\n"))
        // As of 03-04 12:00 with --handoff-hours 1: L-2 (no step yet), L-7 (qa), L-8 (sec).
        #expect(prom.contains("baton_handoff_tickets{team=\"\",service=\"intake\"} 1\n"))
        #expect(prom.contains("baton_handoff_tickets{team=\"qa\",service=\"intake\"} 1\n"))
        #expect(prom.contains("baton_handoff_tickets{team=\"sec\",service=\"intake\"} 1\n"))
        #expect(!prom.contains("baton_handoff_tickets{team=\"ops\""))
    }

    @Test func openShowsTicketsBetweenStepsAgedFromTheirLastStep() throws {
        let h = try Self.imported(Self.timeOrdered)
        let store = try OrchestrationStore(path: h.dbPath)
        let now = Instant.parse("2026-03-05T00:00:00Z")!
        let rows = try store.openWork(now: now)
        func row(_ step: String) -> Row? { rows.first { $0.string("current_step") == step } }
        // L-2 (since its opening 03-03 06:00: 42 h), L-7 (since 03-02 08:00: 64 h), L-8 (since 03-02 00:00: 72 h);
        // from their openings they would be 90, 88 and 88 h old.
        let between = try #require(row("(between steps)"))
        #expect(between.string("service") == "intake" && between.int("tickets") == 3)
        #expect(between.double("oldest_age_hours") == 72 && between.double("median_age_hours") == 64)
        #expect(between.string("age_from") == "last step done")
        // Tickets with an open run keep their age from the opening: L-1 (fix, opened 03-02 09:00), L-3 (triage).
        #expect(row("fix")?.double("oldest_age_hours") == 63 && row("fix")?.string("age_from") == "opened")
        #expect(row("triage")?.double("oldest_age_hours") == 88)
        #expect(row("(none open)") == nil)
        let csv = h.run(["open", "--format", "csv"]).out
        #expect(csv.hasPrefix("service,current_step,tickets,oldest_age_hours,median_age_hours,age_from\r\n"))
        #expect(csv.contains("intake,(between steps),3,"))
        #expect(h.run(["open", "--help"]).out.contains("(all steps done, not closed)"))
    }

    @Test func openShowsDefinedServicesDoneButNotClosed() throws {
        let h = try CLIHarness().prepared()
        // Onboarding (enforced order: hr-review, it-access, equipment). D-1: every step done, not closed (an import
        // closes only where its log says). D-2: equipment done first, then hr-review: it-access still waits.
        let file = try h.write("log.csv", CanonicalLog.csv([
            "D-1,onboarding,,,opened,2026-03-01T08:00:00Z,ana",
            "D-1,onboarding,hr-review,,completed,2026-03-01T09:00:00Z,bo",
            "D-1,onboarding,it-access,,completed,2026-03-01T10:00:00Z,bo",
            "D-1,onboarding,equipment,,completed,2026-03-02T06:00:00Z,bo",
            "D-2,onboarding,,,opened,2026-03-01T08:00:00Z,ana",
            "D-2,onboarding,equipment,,completed,2026-03-01T09:00:00Z,bo",
            "D-2,onboarding,hr-review,,completed,2026-03-01T10:00:00Z,bo",
            "D-3,onboarding,,,opened,2026-03-01T08:00:00Z,ana",
        ]))
        #expect(h.run(["import", file]).code == 0)
        let store = try OrchestrationStore(path: h.dbPath)
        let rows = try store.openWork(now: Instant.parse("2026-03-03T12:00:00Z")!)
        let done = try #require(rows.first { $0.string("current_step") == "(all steps done, not closed)" })
        #expect(done.int("tickets") == 1 && done.double("oldest_age_hours") == 30)
        let waiting = try #require(rows.first { $0.string("current_step") == "(no step ready)" })
        #expect(waiting.int("tickets") == 1 && waiting.double("oldest_age_hours") == 50)
        #expect(rows.first { $0.string("current_step") == "hr-review" }?.double("oldest_age_hours") == 52)
        #expect(!rows.contains { $0.string("current_step") == "(between steps)" })
        // The alert says the same, with the last step done and its team.
        let alerts = h.run(["alerts", "--as-of", "2026-03-03T12:00:00Z", "--no-record"]).out
        #expect(alerts.contains("handoff new=yes team=managers service=onboarding step=equipment ticket=D-1 state=between-steps ready_at=2026-03-02T06:00:00Z age_hours=30 active_age_hours=30 threshold_hours=24 source=all-steps-done msg=\"D-1: no team owns it for 30 h, over the 24 h handoff limit; all its steps are done but it is still open, requested by ana\"\n"))
        #expect(alerts.contains("handoff new=yes team=hr service=onboarding step=hr-review ticket=D-2 state=between-steps ready_at=2026-03-01T10:00:00Z age_hours=50 active_age_hours=50 threshold_hours=24 source=no-step-ready msg=\"D-2: no team owns it for 50 h, over the 24 h handoff limit; no step of it is ready, requested by ana\"\n"))
        #expect(!alerts.contains("ticket=D-3 state=between-steps"))
    }
}
