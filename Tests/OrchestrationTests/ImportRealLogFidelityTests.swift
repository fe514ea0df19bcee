import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// Issue 11 on the real logs in `../shared/data` (skipped when the folder, Python or PM4Py is missing), each number
/// checked against a second method: Python's own XML reading of the file, and PM4Py.
/// Data: Buijs (2014), receipt phase of an environmental permit application process (WABO), CoSeLoG project,
/// 4TU.ResearchData; Steeman (2013), BPI Challenge 2013 incidents, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee.
@Suite(.serialized) struct ImportRealLogFidelityTests {
    static var receipt: String? { TestPaths.sharedFile("receipt.xes.gz") }
    static var bpic: String? { TestPaths.sharedFile("bpic2013_incidents.xes.gz") }

    static func importReceipt(casesComplete: Bool) throws -> ImportFixture {
        let f = try ImportFixture()
        var options = EventLogImporter.Options(format: .xes)
        options.closing.casesComplete = casesComplete
        let s = try EventLogImporter(store: f.store).run(try ByteSource(path: receipt!), options: options)
        #expect(s.rowsRead == 8577 && s.rejected == 0 && s.ticketsNew == 1434)
        return f
    }

    /// Each completed run is credited to the group its own event names: the (activity, group) counts of the
    /// projections, by the names the import kept, equal Python's count of the file's complete events.
    @Test(.enabled(if: receipt != nil, "needs ../shared/data/receipt.xes.gz"),
          .enabled(if: ExternalTools.python3 != nil, "needs python3"))
    func receiptRunsBelongToTheGroupOfTheirOwnEvent() throws {
        let f = try Self.importReceipt(casesComplete: false)
        let script = """
            import gzip, xml.etree.ElementTree as ET, collections
            counts = collections.Counter()
            for _, el in ET.iterparse(gzip.open('\(Self.receipt!)')):
                if el.tag.endswith('}event') or el.tag == 'event':
                    a = {c.get('key'): c.get('value') for c in el}
                    if (a.get('lifecycle:transition') or 'complete').lower() == 'complete':
                        counts[(a.get('concept:name'), a.get('org:group', ''))] += 1
                    el.clear()
            for (activity, group), n in sorted(counts.items()):
                print(f"{activity}\\t{group}\\t{n}")
            """
        let python = try ExternalTools.python(script)
        let (status, out) = (python.status, python.out)
        #expect(status == 0)
        let expected = Set(out.split(separator: "\n").map(String.init))
        let actual = Set(try f.store.db.rows("""
            SELECT st.name AS activity, coalesce(tm.name, '') AS grp, count(*) AS n FROM step_runs r
            JOIN service_steps st ON st.service = r.service AND st.key = r.step
            LEFT JOIN teams tm ON tm.key = r.team
            WHERE r.state = 'done' GROUP BY 1, 2
            """).map { "\($0.string("activity")!)\t\($0.string("grp")!)\t\($0.int("n")!)" })
        #expect(expected.count > 40)
        #expect(actual == expected, "only in Baton: \(actual.subtracting(expected).sorted().prefix(5)); only in the file: \(expected.subtracting(actual).sorted().prefix(5))")
        #expect(actual.contains("T06 Determine necessity of stop advice\tGroup 7\t1"))
    }

    /// With --cases-complete every case closes at its last event, so lead times are PM4Py's case durations (to the
    /// second: Baton stores whole seconds, the log has milliseconds), and so are their type-7 percentiles.
    @Test(.enabled(if: receipt != nil, "needs ../shared/data/receipt.xes.gz"),
          .enabled(if: ExternalTools.hasPM4Py, "needs python3 with pm4py (pip install pm4py)"))
    func receiptLeadTimesArePM4PysCaseDurations() throws {
        let f = try Self.importReceipt(casesComplete: true)
        let script = """
            import pm4py, numpy
            log = pm4py.read_xes('\(Self.receipt!)', return_legacy_log_object=False)
            d = sorted(pm4py.get_all_case_durations(log))
            print(' '.join(repr(float(x)) for x in numpy.percentile(d, [50, 85, 95])))
            print(' '.join(repr(float(x)) for x in d))
            """
        let python = try ExternalTools.python(script)
        let (status, out) = (python.status, python.out)
        #expect(status == 0)
        let lines = out.split(separator: "\n")
        try #require(lines.count == 2)
        let reference = lines[0].split(separator: " ").compactMap { Double($0) }
        let durations = lines[1].split(separator: " ").compactMap { Double($0) }
        let ours = try f.store.db.rows("SELECT closed_at - opened_at AS d FROM tickets WHERE state = 'closed' ORDER BY d").map { Double($0.int("d")!) }
        #expect(ours.count == 1434 && durations.count == 1434)
        #expect(zip(ours, durations).allSatisfy { abs($0 - $1) < 1 })
        let row = try #require(try f.store.db.rows("""
            SELECT percentile(closed_at - opened_at, 0.5) AS p50, percentile(closed_at - opened_at, 0.85) AS p85,
                   percentile(closed_at - opened_at, 0.95) AS p95 FROM tickets WHERE state = 'closed'
            """).first)
        for (k, name) in ["p50", "p85", "p95"].enumerated() {
            #expect(abs((row.double(name) ?? 0) - reference[k]) < 1, "\(name): \(row.double(name) ?? 0) vs PM4Py \(reference[k])")
        }
        #expect(try f.store.service(f.store.serviceKeys()[0])?.definition.leadTimeEnds == "last-event")
    }

    /// The projections agree with the events: every completed run's team is the team of the event that completed
    /// it, on the real logs and through a profile (BPI 2013: a run per team, 649 teams).
    @Test(.enabled(if: bpic != nil, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func everyCompletedRunHasTheTeamOfItsCompletingEvent() throws {
        let (f, s) = try ImportFixture.copyOfBPIC2013()
        #expect(s.rejected == 0 && s.ticketsNew == 7554)
        let checked = try f.count("SELECT count(*) FROM step_runs WHERE state = 'done'")
        let mismatched = try f.count("""
            SELECT count(*) FROM step_runs r JOIN events e ON e.ticket_id = r.ticket_id AND e.step = r.step AND e.kind = 'completed' AND e.at = r.done_at
            WHERE r.state = 'done' AND coalesce(e.team, '') <> coalesce(r.team, '')
            """)
        #expect(checked > 10_000 && mismatched == 0)
        // Teams other than a step's first team are teams of the store, named as the log names them.
        #expect(try f.count("SELECT count(DISTINCT team) FROM step_runs WHERE team NOT IN (SELECT key FROM teams)") == 0)
    }
}
