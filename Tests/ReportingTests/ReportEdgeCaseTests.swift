import BatonCore
import BatonTestSupport
import Foundation
import Testing
import Orchestration
import Rendering
@testable import Reporting
import SQLite

/// The weekly report on stores where there is little or nothing to count.
@Suite struct ReportEdgeCaseTests {
    static let monday = Instant.parse("2026-03-02T00:00:00Z")!
    static let hour: Int64 = 3600

    func weekly(_ store: OrchestrationStore, from: Int64, to: Int64, asOf: Int64? = nil) throws -> URL {
        let result = try ReportEngine.run(definition: try ReportDefinition.named("weekly"), store: store, from: from, to: to, asOf: asOf ?? to)
        return try ReportWriter.write(result, renderers: [ReportCSV()], outputDirectory: try TemporaryFolder.make())
    }

    func newStore(services: [ServiceDefinition] = []) throws -> OrchestrationStore {
        let store = try OrchestrationStore(path: try TemporaryFolder.make("edge").appendingPathComponent("baton.db").path)
        for s in services { try store.apply(s, at: Self.monday - 86_400) }
        return store
    }

    static let service = ServiceDefinition(key: "svc", name: "Service", steps: [.init(key: "a", name: "A", team: "t1")])
    static let other = ServiceDefinition(key: "quiet", name: "Quiet", steps: [.init(key: "q", name: "Q", team: "t2")])

    func record(_ store: OrchestrationStore, _ id: String, _ step: String, _ kind: EventKind, _ at: Int64, service: String = "svc") throws {
        try store.record(Event(ticketID: id, step: step, kind: kind, at: at, source: "test",
                               service: kind == .opened ? service : nil, serviceVersion: kind == .opened ? 1 : nil), mode: .history)
    }

    @Test func anEmptyStoreGivesEmptySectionsAndZeroHeadlines() throws {
        let folder = try weekly(try newStore(), from: Self.monday, to: Self.monday + 14 * 86_400)
        // The day and week series cover the span of the data only (issue 12): an empty store has none.
        for file in ["throughput", "lead_times", "step_times", "stalled", "team_load", "automation_readiness", "lead_time_scatter", "aging", "wip",
                     "cumulative_flow"] {
            let table = try CSVTable(url: folder.appendingPathComponent("\(file).csv"))
            #expect(!table.header.isEmpty, "\(file).csv has a header")
            #expect(table.rows.isEmpty, "\(file).csv has no rows")
        }
        let headlines = try CSVTable(url: folder.appendingPathComponent("headlines.csv")).keyed(["key"])
        #expect(headlines["closed"]?["value"] == "0")
        #expect(headlines["lead_time_p50_hours"]?["value"] == "")
        #expect(headlines["open_tickets"]?["previous"] == "0")
    }

    @Test func aServiceWithNoClosedTicketsAndAPeriodWithNoEvents() throws {
        let store = try newStore(services: [Self.service, Self.other])
        try record(store, "T-1", "", .opened, Self.monday + 20 * 86_400)
        try record(store, "T-1", "a", .completed, Self.monday + 20 * 86_400 + 5 * Self.hour)
        try record(store, "T-1", "", .closed, Self.monday + 20 * 86_400 + 5 * Self.hour)
        try record(store, "Q-1", "", .opened, Self.monday + 20 * 86_400, service: "quiet")
        // The window after the tickets: the quiet service has no closed ticket.
        let later = try weekly(store, from: Self.monday + 14 * 86_400, to: Self.monday + 28 * 86_400)
        let lead = try CSVTable(url: later.appendingPathComponent("lead_times.csv")).keyed(["service"])
        #expect(lead["quiet"]?["closed"] == "0")
        #expect(lead["quiet"]?["p50_hours"] == "")
        #expect(lead["svc"]?["closed"] == "1")
        #expect(lead["svc"]?["p50_hours"] == "5")  // n = 1: every percentile is the one value
        #expect(lead["svc"]?["p95_hours"] == "5")
        // A window before anything happened: zeros, no rows to rank, nobody stalled.
        let before = try weekly(store, from: Self.monday, to: Self.monday + 14 * 86_400)
        // The series cover the span of the data (issue 12): none of it is in this window, so no weeks are shown.
        #expect(try CSVTable(url: before.appendingPathComponent("throughput.csv")).rows.isEmpty)
        #expect(try CSVTable(url: before.appendingPathComponent("cumulative_flow.csv")).rows.isEmpty)
        // The later window (days 14–27) shows the week of the tickets (day 20), not the quiet week after it.
        #expect(try CSVTable(url: later.appendingPathComponent("throughput.csv")).rows.count == 2)  // 1 week × 2 services
        #expect(try CSVTable(url: before.appendingPathComponent("step_times.csv")).rows.isEmpty)
        #expect(try CSVTable(url: before.appendingPathComponent("stalled.csv")).rows.isEmpty)
        #expect(try CSVTable(url: before.appendingPathComponent("team_load.csv")).rows.isEmpty)
    }

    @Test func oneRunOnlyAndTies() throws {
        let store = try newStore(services: [Self.service])
        // Lead times 2, 2, 2 and 5 hours (ties); step a: one run of 3 h in another week.
        for (i, hours) in [2, 2, 2, 5].enumerated() {
            let open = Self.monday + Int64(i) * 86_400
            try record(store, "T-\(i)", "", .opened, open)
            try record(store, "T-\(i)", "a", .completed, open + Int64(hours) * Self.hour)
            try record(store, "T-\(i)", "", .closed, open + Int64(hours) * Self.hour)
        }
        let folder = try weekly(store, from: Self.monday, to: Self.monday + 7 * 86_400)
        let lead = try CSVTable(url: folder.appendingPathComponent("lead_times.csv")).keyed(["service"])["svc"]!
        // Type 7 on [2, 2, 2, 5]: p50 h = 1.5 → 2; p85 h = 2.55 → 2 + 0.55 × 3 = 3.65; p95 h = 2.85 → 4.55.
        #expect(Double(lead["p50_hours"]!) == 2)
        #expect(abs(Double(lead["p85_hours"]!)! - 3.65) < 1e-12)
        #expect(abs(Double(lead["p95_hours"]!)! - 4.55) < 1e-12)
        #expect(Double(lead["mean_hours"]!) == 2.75)
        let readiness = try CSVTable(url: folder.appendingPathComponent("automation_readiness.csv")).keyed(["service", "step"])["svc|a"]!
        #expect(readiness["runs"] == "4")
        #expect(readiness["verdict"] == "too-few-runs")
        #expect(abs(Double(readiness["work_hours_per_week"]!)! - 11) < 1e-12)  // 11 h over one week

        // One run only: n = 1 percentiles are the value; the CV of one value is unknown.
        let single = try newStore(services: [Self.service])
        try record(single, "S-1", "", .opened, Self.monday)
        try record(single, "S-1", "a", .started, Self.monday + Self.hour)
        try record(single, "S-1", "a", .completed, Self.monday + 4 * Self.hour)
        let one = try weekly(single, from: Self.monday, to: Self.monday + 7 * 86_400)
        let step = try CSVTable(url: one.appendingPathComponent("step_times.csv")).keyed(["service", "step"])["svc|a"]!
        #expect(step["runs"] == "1")
        #expect(step["p50_hours"] == "4")
        #expect(step["p95_hours"] == "4")
        #expect(step["wait_p50_hours"] == "1")
        #expect(step["work_p50_hours"] == "3")
        #expect(step["flow_efficiency"] == "0.75")
        let r1 = try CSVTable(url: one.appendingPathComponent("automation_readiness.csv")).keyed(["service", "step"])["svc|a"]!
        #expect(r1["cv"] == "")
        #expect(r1["median_work_hours"] == "3")
    }

    @Test func automationVerdictsFollowTheParameters() throws {
        let store = try newStore(services: [Self.service])
        // Runs of work 1 and 1 h on the week's first two days, 1 and 3 h in its second half, and a rework attempt of 2 h.
        for (i, (day, work)) in [(0, 1), (1, 1), (4, 1), (5, 3)].enumerated() {
            let open = Self.monday + Int64(day) * 86_400
            try record(store, "T-\(i)", "", .opened, open)
            try record(store, "T-\(i)", "a", .started, open)
            try record(store, "T-\(i)", "a", .completed, open + Int64(work) * Self.hour)
        }
        try record(store, "T-0", "a", .reopened, Self.monday + 5 * Self.hour)
        try record(store, "T-0", "a", .started, Self.monday + 6 * Self.hour)
        try record(store, "T-0", "a", .completed, Self.monday + 8 * Self.hour)  // work 2 h, attempt 2
        let engine = ReportEngine(db: store.db)
        let definition = try ReportDefinition.named("automation-readiness")
        func verdict(_ p: [String: SQLValue]) throws -> (String, String) {
            let result = try engine.run(definition: definition, from: Self.monday, to: Self.monday + 7 * 86_400,
                                        asOf: Self.monday + 7 * 86_400, parameters: p)
            let section = result.sections.first { $0.key == "automation_readiness" }!
            let columns = section.columns.map(\.name)
            let row = section.rows[0]
            return (row[columns.firstIndex(of: "verdict")!].string!, row[columns.firstIndex(of: "reasons")!].string!)
        }
        // ln of work 1, 1, 1, 3, 2 h: 0, 0, 0, 1.0986, 0.6931; mean 0.3584; sample sd = sqrt(1.0453 / 4) = 0.511.
        // Halves of the week: geometric means exp(0.2310) and exp(0.5493), so work rose 37 %. Rework 1/5 = 20 %.
        var (v, reasons) = try verdict(["min_runs": .integer(5)])
        #expect(v == "stabilise-first")
        #expect(reasons.contains("work spread 0.51 > 0.5"))
        #expect(reasons.contains("work rose 37% in 1 weeks"))
        #expect(reasons.contains("rework 20.0% > 5%"))
        (v, _) = try verdict(["min_runs": .integer(5), "ready_spread": .real(0.52), "ready_drift": .real(0.4), "ready_rework": .real(0.2)])
        #expect(v == "ready")
        (v, reasons) = try verdict(["min_runs": .integer(6)])
        #expect(v == "too-few-runs")
        #expect(reasons == "5 runs < 6")
    }
}
