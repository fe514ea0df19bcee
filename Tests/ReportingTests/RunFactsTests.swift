import BatonCore
import BatonTestSupport
import Foundation
import Orchestration
@testable import Reporting
import SQLite
import Testing

/// A report reads the completed runs from a table it fills once (`RunFacts`); a query alone reads the view. The
/// two must give the same bytes: checked on a generated log imported grouped by ticket, in time order and shuffled
/// (calendars, team calendars and targets applied, so working time differs from wall time), and on a real log.
@Suite struct RunFactsTests {
    static let end = Instant.parse("2026-11-23T00:00:00Z")!

    /// A store with the sample calendars, teams and services, and a generated log in the given row order.
    static func store(order: String) throws -> TemporaryStore {
        try SampleStore.generated("run-facts-\(order)", order: order, end: end, tickets: 1500, seed: 5, days: 120)
    }

    static func weekly(_ db: Database, to: Int64, facts: Bool, second: (@Sendable () throws -> OrchestrationStore)? = nil) throws -> ReportResult {
        var engine = ReportEngine(db: db)
        engine.materializesRunFacts = facts
        engine.secondConnection = second
        let definition = try ReportDefinition.named("weekly")
        let window = try ReportEngine.window(for: definition, from: nil, to: to, asOf: nil)
        return try engine.run(definition: definition, from: window.from, to: window.to, asOf: window.asOf, generatedAt: 0)
    }

    /// Sections and headlines, cell by cell.
    static func expectSame(_ a: ReportResult, _ b: ReportResult, _ label: String) {
        #expect(a.sections.map(\.key) == b.sections.map(\.key))
        for (x, y) in zip(a.sections, b.sections) {
            #expect(x.rows.count == y.rows.count, "\(label) \(x.key)")
            for (i, (r, s)) in zip(x.rows, y.rows).enumerated() where r != s {
                Issue.record("\(label) \(x.key) row \(i): \(r) vs \(s)")
                break
            }
        }
        #expect(a.headlines.map(\.value) == b.headlines.map(\.value) && a.headlines.map(\.previous) == b.headlines.map(\.previous), "\(label)")
    }

    @Test(arguments: ["grouped", "time-ordered", "shuffled"])
    func aReportReadsTheSameRowsFromItsTableAsFromTheView(order: String) throws {
        let temporary = try Self.store(order: order)
        let db = temporary.store.db
        let withFacts = try Self.weekly(db, to: Self.end, facts: true)
        let withoutFacts = try Self.weekly(db, to: Self.end, facts: false)
        #expect(withFacts.sections.first { $0.key == "step_times" }?.rows.isEmpty == false)
        #expect(withFacts.sections.first { $0.key == "service_levels" }?.rows.isEmpty == false)
        Self.expectSame(withFacts, withoutFacts, order)
        // With a second thread for the sections that do not read the completed runs: the same report.
        let path = temporary.dbPath
        Self.expectSame(try Self.weekly(db, to: Self.end, facts: true, second: { try OrchestrationStore(existingPath: path) }),
                        withoutFacts, "\(order), two threads")
        // The table is gone after each run: the next query reads the view again.
        #expect(try db.scalar("SELECT count(*) FROM temp.sqlite_master WHERE name = 'done_run_facts' AND type = 'table'")?.int == 0)
    }

    /// The report's bytes do not depend on the order the log was imported in (the aggregates sum exactly).
    @Test func theRowOrderOfTheImportDoesNotChangeTheReport() throws {
        let reports = try ["grouped", "time-ordered", "shuffled"].map { order in
            let temporary = try Self.store(order: order)  // kept until its report is made: the folder goes with it
            return try Self.weekly(temporary.store.db, to: Self.end, facts: true)
        }
        Self.expectSame(reports[0], reports[1], "grouped vs time-ordered")
        Self.expectSame(reports[0], reports[2], "grouped vs shuffled")
    }

    @Test(.enabled(if: TestPaths.sharedFile("bpic2013_incidents.xes.gz") != nil, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func theRealLogReadsTheSameRowsEitherWay() throws {
        let imported = try #require(SharedImports.bpic2013).get()
        let copy = try TemporaryStore("run-facts-bpic", copyOf: imported.dbPath)
        let last = try #require(try copy.store.db.scalar("SELECT max(done_at) FROM step_runs")?.int)
        let to = Instant.weekStart(last) + 7 * 86_400
        let withFacts = try Self.weekly(copy.store.db, to: to, facts: true)
        #expect(withFacts.sections.first { $0.key == "step_times" }?.rows.isEmpty == false)
        Self.expectSame(withFacts, try Self.weekly(copy.store.db, to: to, facts: false), "bpic2013")
    }

    /// Each query's window is its own `done_window`, with its parameters; a query without one covers nothing.
    @Test func theWindowIsTheQuerysOwn() throws {
        let temporary = try TemporaryStore("run-facts-window")
        let stalled = try QueryFile.named("stalled")
        let asOf: Int64 = 1_800_000_000
        let window = try RunFacts.window(of: stalled, on: temporary.store.db,
                                         parameters: ["as_of": .integer(asOf), "stall_window_days": .integer(30)])
        #expect(window?.lo == asOf - 30 * 86_400 + 1 && window?.hi == asOf + 1)
        #expect(try RunFacts.window(of: try QueryFile.named("throughput"), on: temporary.store.db, parameters: [:]) == nil)
    }

    /// A query that reads the relation but whose window cannot be worked out ends the table: it and every query
    /// after it read the view, so they see every completed run.
    @Test func aQueryWithoutAWindowReadsTheView() throws {
        let temporary = try Self.store(order: "grouped")
        let db = temporary.store.db
        let facts = RunFacts(db: db)
        let stepTimes = try QueryFile.named("step_times")
        let recent: [String: SQLValue] = ["from": .integer(Self.end - 7 * 86_400), "to": .integer(Self.end), "as_of": .integer(Self.end)]
        try facts.cover(stepTimes, parameters: recent)
        #expect(facts.covered != nil)
        let all = QueryFile(name: "all", path: TestPaths.queries + "/all.sql", sql: "SELECT count(*) FROM done_run_facts")
        try facts.cover(all, parameters: [:])
        #expect(facts.covered == nil)
        let viaView = try QueryRunner.run(all, on: db, parameters: [:]).rows[0][0].int
        #expect(viaView == (try db.scalar("SELECT count(*) FROM step_runs WHERE state = 'done' AND ready_at IS NOT NULL")?.int))
    }

    /// The second thread's snapshot is taken under the store's write lock: while it is held no writer can commit,
    /// and when a writer holds it the report runs on one thread, with the same result.
    @Test func theSecondThreadTakesItsSnapshotUnderTheWriteLock() throws {
        let temporary = try Self.store(order: "grouped")
        let path = temporary.dbPath
        let opener: @Sendable () throws -> OrchestrationStore = { try OrchestrationStore(existingPath: path) }
        let writer = try OrchestrationStore(existingPath: path)
        try writer.db.execute("PRAGMA busy_timeout=0")
        let hold = try #require(SectionWorker.Hold(opener))
        #expect(throws: SQLiteError.self) { try writer.db.execute("BEGIN IMMEDIATE") }
        hold.release()
        try writer.db.execute("BEGIN IMMEDIATE")
        #expect(SectionWorker.Hold(opener) == nil)   // a writer at work: no second thread
        let single = try Self.weekly(temporary.store.db, to: Self.end, facts: true, second: opener)
        try writer.db.execute("ROLLBACK")
        Self.expectSame(single, try Self.weekly(temporary.store.db, to: Self.end, facts: true, second: opener), "one thread vs two")
    }
}
