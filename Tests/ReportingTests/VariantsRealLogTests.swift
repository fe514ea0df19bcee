import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// Variants and conformance on BPI Challenge 2013 (imported with the shipped profile), checked against PM4Py on
/// Baton's own XES export, and against a second reading of the store's event log (not its step runs).
/// Data: Steeman (2013), BPI Challenge 2013 incidents, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee.
@Suite(.serialized) struct VariantsRealLogTests {
    static let hasLog = TestPaths.sharedFile("bpic2013_incidents.xes.gz") != nil
    static let everything: [String: SQLValue] = ["from": .integer(0), "to": .integer(4_102_444_800), "as_of": .integer(4_102_444_800)]

    static func copy(_ label: String) throws -> TemporaryStore {
        try TemporaryStore(label, copyOf: try #require(SharedImports.bpic2013).get().dbPath)
    }

    static func rows(_ query: String, _ db: Database) throws -> [Row] {
        let out = try QueryRunner.run(try QueryFile.named(query), on: db, parameters: everything)
        return out.rows.map { Row(columns: out.columns, values: $0) }
    }

    /// PM4Py's variants of the export: `get_variants` reads every event of a trace whatever its
    /// lifecycle:transition (start, suspend and the ticket's own opened/closed events would all be activities), so
    /// the log is cut to the steps' `complete` events first, which is what a Baton variant is made of; only the
    /// traces with a closed event count, as only closed tickets do in Baton. An empty trace is no case for PM4Py.
    /// Variants are of step keys (`baton:step`), as Baton's are; `concept:name` holds the steps' names.
    static let script = """
        import pm4py, sys
        df = pm4py.read_xes(sys.argv[1])
        closed = set(df.loc[df['baton:event'] == 'closed', 'case:concept:name'])
        steps = df[(df['lifecycle:transition'] == 'complete') & (df['baton:event'] == 'completed') & df['case:concept:name'].isin(closed)]
        for variant, n in pm4py.get_variants(steps, activity_key='baton:step').items():
            print(f"{n}\\t{' > '.join(variant)}")
        """

    @Test(.enabled(if: hasLog, "needs ../shared/data/bpic2013_incidents.xes.gz"),
          .enabled(if: ExternalTools.hasPM4Py, "needs python3 with pm4py (pip install pm4py)"))
    func topVariantsArePM4Pys() throws {
        let copy = try Self.copy("variants-pm4py")
        let xes = copy.path("export.xes"), program = copy.path("variants.py")
        guard FileManager.default.createFile(atPath: xes, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: xes))
        try EventLogExporter(store: copy.store).export(.xes) { try handle.write(contentsOf: Data($0.utf8)) }
        try handle.close()
        try Self.script.write(toFile: program, atomically: true, encoding: .utf8)
        let python = try Subprocess.run(try #require(ExternalTools.python3), [program, xes], timeout: 600)
        #expect(python.status == 0, "\(python.err)")
        var theirs: [String: Int64] = [:]
        for line in python.out.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if f.count == 2, let n = Int64(f[0]) { theirs[f[1]] = n }
        }
        let ours = try Self.rows("variants", copy.store.db)
        let top = { (m: [(String, Int64)]) in m.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(10).map { "\($0.1) \($0.0)" } }
        let ourTop = top(ours.map { ($0.string("variant")!, $0.int("tickets")!) })
        #expect(ourTop.count == 10 && ourTop == top(theirs.map { ($0.key, $0.value) }), "Baton \(ourTop) vs PM4Py \(top(theirs.map { ($0.key, $0.value) }))")
        #expect(ourTop.first == "810 s42")
        // Beyond the top 10, every variant but the empty one (a closed ticket with no completed step).
        let all = Dictionary(uniqueKeysWithValues: ours.map { ($0.string("variant")!, $0.int("tickets")!) })
        #expect(all.filter { $0.key != "(no completed step)" } == theirs)
    }

    /// The store's completed events, per closed ticket with at least one, in time order (ties in event order): each
    /// ticket's variant, its service and its service version.
    static func fromEvents(_ db: Database) throws -> [String: (variant: [String], service: String, version: Int64)] {
        var tickets: [String: (variant: [String], service: String, version: Int64)] = [:]
        for row in try db.rows("""
            SELECT e.ticket_id, e.step, t.service, t.service_version FROM events e JOIN tickets t ON t.id = e.ticket_id
            WHERE e.kind = 'completed' AND t.closed_at IS NOT NULL ORDER BY e.ticket_id, e.at, e.id
            """) {
            let id = row.string("ticket_id")!
            tickets[id, default: ([], row.string("service")!, row.int("service_version")!)].variant.append(row.string("step")!)
        }
        return tickets
    }

    @Test(.enabled(if: hasLog, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func variantsAndConformanceAreTheEventLogs() throws {
        let copy = try Self.copy("variants-events")
        let db = copy.store.db
        let tickets = try Self.fromEvents(db)
        let closed = try #require(try db.scalar("SELECT count(*) FROM tickets WHERE closed_at IS NOT NULL")?.int)
        var expected: [String: Int64] = [:]
        for (_, t) in tickets { expected[t.variant.joined(separator: " > "), default: 0] += 1 }
        expected["(no completed step)"] = closed - Int64(tickets.count)
        let ours = try Self.rows("variants", db)
        #expect(Dictionary(uniqueKeysWithValues: ours.map { ($0.string("variant")!, $0.int("tickets")!) }) == expected.filter { $0.value > 0 })
        #expect(ours.count > 2_000 && ours.allSatisfy { $0.int("variants_for_80") == ours.first?.int("variants_for_80") })
        // Swaps and rework from the events: first completions out of position order, a step completed twice.
        var position: [String: Int64] = [:]
        for row in try db.rows("SELECT service, version, key, position FROM service_steps") {
            position["\(row.string("service")!)/\(row.int("version")!)/\(row.string("key")!)"] = row.int("position")!
        }
        var swapped: Int64 = 0, repeated: Int64 = 0
        for (_, t) in tickets {
            var firsts: [String] = []
            for step in t.variant where !firsts.contains(step) { firsts.append(step) }
            let places = firsts.map { position["\(t.service)/\(t.version)/\($0)"]! }
            if places != places.sorted() { swapped += 1 }
            if firsts.count < t.variant.count { repeated += 1 }
        }
        let row = try #require(try Self.rows("conformance", db).first)
        #expect(row.int("tickets") == Int64(closed) && row.int("swapped") == swapped && row.int("repeated") == repeated)
        #expect(swapped > 1_000 && row.string("recommendation") == "should-be-flexible", "\(row.string("evidence") ?? "")")
    }
}
