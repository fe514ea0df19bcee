import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// Baton's XES export of the real logs, read by PM4Py next to the log it came from: the case attributes are the
/// source's, every lifecycle transition is one of the standard model's, the activities are the source's names and
/// no event is lost. Skipped without the logs or PM4Py.
/// Data: Buijs (2014), receipt phase of an environmental permit application process (WABO), CoSeLoG project,
/// 4TU.ResearchData; Steeman (2013), BPI Challenge 2013 incidents, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee.
@Suite(.serialized) struct XESExportRealLogTests {
    static var receipt: String? { TestPaths.sharedFile("receipt.xes.gz") }
    static var bpic: String? { TestPaths.sharedFile("bpic2013_incidents.xes.gz") }

    /// Exports the store to `name` in its folder; the path and what was written.
    static func export(_ f: ImportFixture, _ name: String) throws -> (String, EventLogExporter.Counts) {
        let path = f.path(name)
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let counts = try EventLogExporter(store: f.store).export(.xes) { try handle.write(contentsOf: Data($0.utf8)) }
        try handle.close()
        return (path, counts)
    }

    /// Runs `body` (Python, after the shared preamble: `src`, `out` are PM4Py's frames of argv[1] and argv[2]) and
    /// decodes the JSON object it prints.
    static func pm4py(_ body: String, _ arguments: [String]) throws -> [String: Any] {
        let script = """
            import pm4py, sys, json, pandas as pd
            src = pm4py.read_xes(sys.argv[1])
            out = pm4py.read_xes(sys.argv[2])
            standard = {'schedule', 'assign', 'withdraw', 'reassign', 'start', 'suspend', 'resume', 'pi_abort', 'ate_abort',
                        'complete', 'autoskip', 'manualskip', 'unknown'}
            res = {'invalid_lifecycle': sorted(set(out['lifecycle:transition']) - standard),
                   'source_cases': int(src['case:concept:name'].nunique()), 'export_cases': int(out['case:concept:name'].nunique()),
                   'export_events': len(out)}
            def compare(src_cols, out_cols, every):
                s = src.groupby('case:concept:name')[src_cols].first()
                o = out.groupby('case:concept:name')[[c for c in out_cols if c in out.columns]].first()
                sample = sorted(s.index)[::every]
                bad = []
                for case in sample:
                    for a, b in zip(src_cols, out_cols):
                        x = s.at[case, a]
                        y = o.at[case, b] if b in o.columns and case in o.index else None
                        if not ((pd.isna(x) and (y is None or pd.isna(y))) or x == y):
                            bad.append([case, a, str(x), str(y)])
                res['sampled'] = len(sample)
                res['missing_columns'] = [b for b in out_cols if b not in out.columns]
                res['mismatches'] = bad[:5]
                res['mismatch_count'] = len(bad)
            \(body)
            print(json.dumps(res))
            """
        let program = FileManager.default.temporaryDirectory.appendingPathComponent("xes-export-\(UUID().uuidString).py").path
        try script.write(toFile: program, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: program) }
        let python = try Subprocess.run(try #require(ExternalTools.python3), [program] + arguments, timeout: 900)
        #expect(python.status == 0, "\(python.err.suffix(2000))")
        let last = python.out.split(separator: "\n").last.map(String.init) ?? ""
        return try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(python.out.suffix(500))")
    }

    /// Receipt (plain XES): its trace attributes (strings and dates) come back as the same case attributes, and its
    /// events as the export's `completed` events, by case, with the same activity names.
    @Test(.enabled(if: receipt != nil, "needs ../shared/data/receipt.xes.gz"),
          .enabled(if: ExternalTools.hasPM4Py, "needs python3 with pm4py (pip install pm4py)"))
    func receiptExportKeepsCaseAttributesActivitiesAndEvents() throws {
        let f = try ImportRealLogFidelityTests.importReceipt(casesComplete: true)
        let (xes, counts) = try Self.export(f, "receipt-export.xes")
        let text = try String(contentsOfFile: xes, encoding: .utf8)
        #expect(text.contains("<extension name=\"Baton\" prefix=\"baton\" uri=\"\(EventLogExporter.batonExtensionURI)\"/>"))
        #expect(text.contains("<date key=\"deadline\" value=\"2011-12-06T13:41:31.788+01:00\"/>"), "a date stays a date, as written")
        let res = try Self.pm4py("""
            cols = sorted(c for c in src.columns if c.startswith('case:') and c != 'case:concept:name')
            res['case_columns'] = cols
            compare(cols, cols, 10)
            done = out[out['baton:event'] == 'completed']
            res['completed_events'] = len(done)
            res['source_events'] = len(src)
            a = src.groupby('case:concept:name')['concept:name'].apply(sorted)
            b = done.groupby('case:concept:name')['concept:name'].apply(sorted)
            res['activity_mismatch_cases'] = sum(1 for case in a.index if case not in b.index or a[case] != b[case])
            res['activities_only_in_one'] = sorted(set(src['concept:name']) ^ set(done['concept:name']))
            """, [try #require(Self.receipt), xes])
        #expect((res["case_columns"] as? [String]) == ["case:channel", "case:deadline", "case:department", "case:enddate", "case:enddate_planned",
                                                        "case:group", "case:responsible", "case:startdate"])
        #expect((res["missing_columns"] as? [String]) == [] && (res["sampled"] as? Int ?? 0) >= 140)
        #expect(res["mismatch_count"] as? Int == 0, "\(res["mismatches"] ?? "")")
        #expect((res["invalid_lifecycle"] as? [String]) == [])
        #expect(res["source_cases"] as? Int == 1434 && res["export_cases"] as? Int == 1434)
        #expect(res["source_events"] as? Int == 8577 && res["completed_events"] as? Int == 8577)
        #expect(res["activity_mismatch_cases"] as? Int == 0 && (res["activities_only_in_one"] as? [String]) == [])
        let stored = try f.count("SELECT count(*) FROM events")
        #expect(res["export_events"] as? Int == counts.events && Int64(counts.events) == stored)
    }

    /// BPIC 2013 through the shipped profile: `impact` and `product` (the same on every event of a case) become the
    /// case attributes; the steps are named by the source's groups, as it writes them; every stored event is exported.
    @Test(.enabled(if: bpic != nil, "needs ../shared/data/bpic2013_incidents.xes.gz"),
          .enabled(if: ExternalTools.hasPM4Py, "needs python3 with pm4py (pip install pm4py)"))
    func bpic2013ExportKeepsTheProfilesCaseAttributes() throws {
        let (f, _) = try ImportFixture.copyOfBPIC2013()
        let (xes, counts) = try Self.export(f, "bpic-export.xes")
        let res = try Self.pm4py("""
            compare(['impact', 'product'], ['case:impact', 'case:product'], 25)
            steps = out[out['baton:step'].notna()]
            res['unknown_activities'] = sorted(set(steps['concept:name']) - set(src['org:group']) - {'(unassigned)'})[:10]
            res['groups_used'] = int(steps['concept:name'].nunique())
            """, [try #require(Self.bpic), xes])
        #expect((res["missing_columns"] as? [String]) == [] && (res["sampled"] as? Int ?? 0) >= 300)
        #expect(res["mismatch_count"] as? Int == 0, "\(res["mismatches"] ?? "")")
        #expect((res["invalid_lifecycle"] as? [String]) == [])
        #expect(res["source_cases"] as? Int == 7554 && res["export_cases"] as? Int == 7554)
        #expect((res["unknown_activities"] as? [String]) == [] && (res["groups_used"] as? Int ?? 0) > 600)
        let stored = try f.count("SELECT count(*) FROM events")
        #expect(res["export_events"] as? Int == counts.events && Int64(counts.events) == stored)
    }
}
