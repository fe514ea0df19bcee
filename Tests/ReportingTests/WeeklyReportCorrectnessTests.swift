import BatonCore
import BatonTestSupport
import Foundation
import Testing
import Orchestration
import Rendering
@testable import Reporting
import SQLite

/// The weekly report against an independent computation: a seeded synthetic log goes through the store
/// the way the importer feeds it, the report is written as CSV, and every section is compared with the
/// numbers `ReferenceMetrics` works out from the generator's ground truth and DESIGN's definitions.
@Suite(.serialized) struct WeeklyReportCorrectnessTests {
    static let start = Instant.parse("2026-06-01T00:00:00Z")!  // a Monday
    static let week: Int64 = 7 * 86_400
    static let log = SyntheticLog.generate(seed: 20_261_124, tickets: 900, start: start, weeks: 20)

    /// One store shared by the cases (built once; every case only reads it).
    nonisolated(unsafe) static var sharedStore: (OrchestrationStore, URL)?
    static func store() throws -> OrchestrationStore {
        if let (s, _) = sharedStore { return s }
        let folder = try TemporaryFolder.make("weekly-store")
        let s = try SyntheticLog.makeStore(at: folder.appendingPathComponent("baton.db").path, services: log.services,
                                           events: log.events, appliedAt: start - 86_400)
        sharedStore = (s, folder)
        return s
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var from: Int64, to: Int64, asOf: Int64
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "8 weeks, as_of = to", from: start + 8 * week, to: start + 16 * week, asOf: start + 16 * week),
        Case(name: "8 weeks, as_of in the middle of the window", from: start + 8 * week, to: start + 16 * week,
             asOf: start + 13 * week + 3 * 86_400 + 7 * 3600 + 1800),
        Case(name: "whole log, as_of after its end", from: start, to: start + 21 * week, asOf: start + 22 * week),
        Case(name: "the first two weeks, as_of on an event-free instant", from: start, to: start + 2 * week,
             asOf: start + 2 * week + 86_400 + 17),
    ]

    func runWeekly(_ store: OrchestrationStore, _ c: Case, into folder: URL) throws -> URL {
        let definition = try ReportDefinition.named("weekly")
        let result = try ReportEngine.run(definition: definition, store: store, from: c.from, to: c.to, asOf: c.asOf)
        return try ReportWriter.write(result, renderers: [ReportCSV()], outputDirectory: folder)
    }

    @Test(arguments: cases)
    func everySectionMatchesTheDefinitions(_ c: Case) throws {
        let store = try Self.store()
        let folder = try runWeekly(store, c, into: try TemporaryFolder.make())
        let ref = ReferenceMetrics(tickets: Self.log.tickets, services: Self.log.services, from: c.from, to: c.to, asOf: c.asOf)

        try expectSection(folder, "throughput.csv", leading: ["week", "service", "opened", "closed", "cancelled"],
                          keys: ["week", "service"], ref.throughput())
        try expectSection(folder, "lead_times.csv", leading: ["service", "closed", "p50_hours", "p85_hours", "p95_hours", "mean_hours"],
                          keys: ["service"], ref.leadTimes())
        try expectSection(folder, "step_times.csv",
                          leading: ["service", "step", "team", "runs", "p50_hours", "p85_hours", "p95_hours", "wait_p50_hours",
                                    "work_p50_hours", "flow_efficiency"],
                          keys: ["service", "step", "team"], ref.stepTimes())
        try expectSection(folder, "stalled.csv",
                          leading: ["ticket_id", "service", "step", "team", "state", "ready_at", "age_hours", "threshold_hours",
                                    "threshold_source"],
                          keys: ["ticket_id", "step"], ref.stalled())
        try expectSection(folder, "team_load.csv",
                          leading: ["team", "ready", "active", "paused", "oldest_age_hours", "arrivals", "completions", "net_flow"],
                          keys: ["team"], ref.teamLoad())
        try expectSection(folder, "automation_readiness.csv",
                          leading: ["service", "step", "team", "kind", "runs", "median_work_hours", "cv", "rework_rate", "skip_rate",
                                    "work_hours_per_week", "verdict", "reasons"],
                          keys: ["service", "step"], ref.automationReadiness())
        try expectSection(folder, "cumulative_flow.csv", leading: ["day", "arrivals", "departures"], keys: ["day"], ref.cumulativeFlow())
        try expectSection(folder, "wip.csv", leading: ["day", "service", "wip"], keys: ["day", "service"], ref.wip())
        try expectSection(folder, "lead_time_scatter.csv", leading: ["ticket_id", "service", "closed_at", "lead_time_hours"],
                          keys: ["ticket_id"], ref.leadTimeScatter())
        try expectSection(folder, "aging.csv", leading: ["ticket_id", "service", "step"], keys: ["ticket_id", "step"], ref.aging())
        try expectSection(folder, "service_levels.csv", leading: ["service", "step", "team", "week", "runs", "met", "breached",
                                                                  "attainment", "target_hours", "p85_working_hours", "worst_breach_hours"],
                          keys: ["service", "step", "team", "week"], ref.serviceLevels())
        try expectSection(folder, "service_level_weeks.csv", leading: ["week", "runs", "met", "breached", "attainment"],
                          keys: ["week"], ref.serviceLevelWeeks())

        // Headlines: the last week of the window against the week before, each as it stood at its end.
        let last = ref.headline(from: c.to - Self.week, to: c.to, asOf: c.asOf)
        let previous = ref.headline(from: c.to - 2 * Self.week, to: c.to - Self.week, asOf: min(c.asOf, c.to - Self.week))
        var expected: [String: [String: Cell]] = [:]
        for (key, value) in last { expected[key] = ["value": .number(value), "previous": .number(previous[key]!)] }
        try expectSection(folder, "headlines.csv", leading: ["key", "label", "unit", "value", "previous", "change"], keys: ["key"], expected)

        // Automation readiness: the ready steps first, each part ranked by work hours per week.
        let readiness = try CSVTable(url: folder.appendingPathComponent("automation_readiness.csv"))
        let ready = readiness.rows.map { $0[readiness.header.firstIndex(of: "verdict")!] == "ready" }
        #expect(ready == ready.sorted { $0 && !$1 })
        for part in [true, false] {
            let hours = zip(readiness.rows, ready).filter { $0.1 == part }.map { Double($0.0[readiness.header.firstIndex(of: "work_hours_per_week")!])! }
            #expect(hours == hours.sorted(by: >))
        }
    }

    /// The log must exercise what the comparison is meant to cover, or the test proves little.
    @Test func theLogCoversReworkSkipsCancellationsPausesAndEveryThresholdSource() throws {
        let runs = Self.log.tickets.flatMap(\.runs)
        #expect(runs.contains { $0.attempt > 1 })
        #expect(runs.contains { $0.endKind == .skipped })
        #expect(runs.contains { $0.endKind == .cancelled })
        #expect(Self.log.tickets.contains { $0.cancelled != nil })
        #expect(Self.log.tickets.contains { $0.closed == nil && $0.cancelled == nil })
        #expect(runs.contains { !$0.pauses.isEmpty })
        #expect(runs.contains { $0.started == nil && $0.endKind == .done })
        let c = Self.cases[1]
        let ref = ReferenceMetrics(tickets: Self.log.tickets, services: Self.log.services, from: c.from, to: c.to, asOf: c.asOf)
        let sources = Set(ref.stalled().values.compactMap { row -> String? in if case .text(let s)? = row["threshold_source"] { return s }; return nil })
        #expect(sources == ["target", "p85", "default"])
        // Service levels: targets met and breached, counted in a calendar (berlin-office) and in 24×7.
        let levels = ref.serviceLevels().values
        #expect(levels.contains { $0["calendar"] == .text("berlin-office") } && levels.contains { $0["calendar"] == .text("") })
        #expect(levels.contains { $0["breached"] != .number(0) } && levels.contains { $0["met"] != .number(0) })
        #expect(ref.stalled().values.contains { $0["calendar"] == .text("berlin-office") && $0["working_age_hours"] != $0["active_age_hours"] })
        #expect(ref.aging().values.contains { $0["state"] == .text("paused") })
        #expect(ref.aging().values.contains { $0["state"] == .text("active") })
        var verdicts = Set<String>()
        for c in Self.cases {
            let ref = ReferenceMetrics(tickets: Self.log.tickets, services: Self.log.services, from: c.from, to: c.to, asOf: c.asOf)
            for row in ref.automationReadiness().values { if case .text(let s)? = row["verdict"] { verdicts.insert(s) } }
        }
        #expect(verdicts.isSuperset(of: ["ready", "stabilise-first", "keep-human", "too-few-runs"]))
        // A service with no closed tickets (printer) is in the log.
        #expect(!Self.log.tickets.contains { $0.service == "printer" && $0.closed != nil })
        #expect(Self.log.tickets.contains { $0.service == "printer" })
    }

    /// as_of is honoured: a report as of T on the full store equals the report on a store that only ever
    /// received the events up to T (a past report can be reproduced exactly).
    @Test func aReportAsOfAPastInstantIgnoresEverythingAfterIt() throws {
        let c = Self.cases[1]
        let full = try Self.store()
        let folder = try TemporaryFolder.make()
        let past = try SyntheticLog.makeStore(at: folder.appendingPathComponent("past.db").path, services: Self.log.services,
                                              events: Self.log.events(upTo: c.asOf), appliedAt: Self.start - 86_400)
        let a = try runWeekly(full, c, into: folder.appendingPathComponent("a"))
        let b = try runWeekly(past, c, into: folder.appendingPathComponent("b"))
        let files = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        #expect(files.count >= 12)
        #expect(files == (try FileManager.default.contentsOfDirectory(atPath: b.path).sorted()))
        for file in files {
            let left = try String(contentsOf: a.appendingPathComponent(file), encoding: .utf8)
            let right = try String(contentsOf: b.appendingPathComponent(file), encoding: .utf8)
            #expect(left == right, "\(file) differs between the full store and the store cut at as_of")
        }
    }
}
