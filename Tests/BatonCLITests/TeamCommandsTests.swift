import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import SQLite

/// `baton team apply|list`, the warnings of `baton service apply` about teams nobody knows, and what "unowned" means
/// with and without a roster (issue 12).
@Suite struct TeamCommandsTests {
    static var samples: String { TestPaths.packageRoot.appendingPathComponent("samples").path }

    @Test func aMisspeltTeamIsWarnedAboutAndStillApplied() throws {
        let h = try CLIHarness().prepared()
        let facilities = try h.write("desk.json", #"{"key": "desk", "steps": [{"key": "fix", "team": "facilities"}]}"#)
        #expect(h.run(["service", "apply", facilities]).err.isEmpty)
        let typo = try h.write("move.json", #"{"key": "move", "steps": [{"key": "pack", "team": "facilties"}, {"key": "it", "team": "it"}]}"#)
        let r = h.run(["service", "apply", typo])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err == "Warning: \(typo): field 'steps[0].team': team 'facilties' is new: no other definition, log or team file knows it; did you mean 'facilities'? (applied as written)\n")
        #expect(r.out.contains("move: created (version 1)"))
        // The six sample services name ten teams; none is a typo of another.
        let all = try FileManager.default.contentsOfDirectory(atPath: Self.samples + "/services").sorted().map { Self.samples + "/services/" + $0 }
        let fresh = try CLIHarness()
        fresh.run(["init"])
        let calendars = try FileManager.default.contentsOfDirectory(atPath: Self.samples + "/calendars").map { Self.samples + "/calendars/" + $0 }
        #expect(fresh.run(["calendar", "apply"] + calendars).code == 0)
        let samples = fresh.run(["service", "apply"] + all)
        #expect(samples.code == 0 && samples.err.isEmpty, "\(samples.err)")
    }

    @Test func theRosterIsAppliedFromTeamFiles() throws {
        let h = try CLIHarness().prepared()
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.samples + "/teams").sorted().map { Self.samples + "/teams/" + $0 }
        #expect(files.count == 10)
        // Three sample teams work in the Berlin office calendar: it must be applied first.
        let first = h.run(["team", "apply"] + files)
        #expect(first.code == 1 && first.err.contains("field 'calendar': no calendar 'berlin-office' in the store"), "\(first.err)")
        #expect(h.run(["calendar", "apply", Self.samples + "/calendars/berlin-office.json"]).code == 0)
        let r = h.run(["team", "apply"] + files)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("facilities: added to the roster\n") && r.out.contains("hr: on the roster\n"), "\(r.out)")
        #expect(h.run(["team", "apply"] + files).out.split(separator: "\n").allSatisfy { $0.hasSuffix(": unchanged") })
        let list = h.run(["team", "list", "--format", "csv"])
        #expect(list.out.contains("hr,Human resources,berlin-office,roster,0"), "\(list.out)")
        // A bad file refuses the whole apply and changes nothing.
        let before = try Database(path: h.dbPath).rows("SELECT * FROM teams ORDER BY key").map { $0.values.map(\.description).joined(separator: "|") }
        let bad = try h.write("bad.json", #"{"key": "ops", "nmae": "Operations"}"#)
        let refused = h.run(["team", "apply", Self.samples + "/teams/legal.json", bad])
        #expect(refused.code == 1 && refused.err == "Error: \(bad): field 'nmae': is not a known field; did you mean 'name'?\n", "\(refused.err)")
        let twice = h.run(["team", "apply", Self.samples + "/teams/legal.json", Self.samples + "/teams/legal.json"])
        #expect(twice.code == 1 && twice.err.contains("team 'legal' is also in"))
        #expect(try Database(path: h.dbPath).rows("SELECT * FROM teams ORDER BY key").map { $0.values.map(\.description).joined(separator: "|") } == before)
        // With the roster declared, a service naming a team outside it is warned about.
        let other = try h.write("x.json", #"{"key": "x", "steps": [{"key": "a", "team": "ops"}]}"#)
        let w = h.run(["service", "apply", other])
        #expect(w.code == 0 && w.err.contains("team 'ops' is not on the team roster, so its open work will be alerted as unowned"), "\(w.err)")
    }

    /// Every team first seen in an import used to be "undefined", so every open run of an imported store was an
    /// unowned alert. With no roster only work with no team is; with one, work of a team outside it is.
    @Test func unownedMeansNoTeamOrATeamOutsideTheRoster() throws {
        let h = try CLIHarness()
        h.run(["init"])
        let log = try h.write("log.csv", """
            ticket_id,service,step,team,event,at,actor
            L-1,desk,triage,l1,opened,2026-03-02T09:00:00Z,ana
            L-1,desk,triage,l1,started,2026-03-02T09:05:00Z,bo
            L-2,desk,triage,l1,opened,2026-03-02T10:00:00Z,ana
            L-2,desk,triage,l1,started,2026-03-02T10:05:00Z,bo
            L-2,desk,triage,l1,completed,2026-03-02T11:00:00Z,bo
            L-2,desk,fix,l2,started,2026-03-02T11:30:00Z,cy

            """)
        #expect(h.run(["import", log]).code == 0)
        let asOf = ["--as-of", "2026-03-02T12:00:00Z", "--format", "json", "--no-record"]
        func unowned() throws -> [String] {
            let r = h.run(["alerts"] + asOf)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.err)")
            return (doc["alerts"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "unowned" }
                .map { "\($0["ticket"] as? String ?? "") \($0["team"] as? String ?? "-") \($0["source"] as? String ?? "")" }
        }
        #expect(try unowned() == [])
        let l1 = try h.write("l1.json", #"{"key": "l1", "name": "First line"}"#)
        #expect(h.run(["team", "apply", l1]).code == 0)
        #expect(try unowned() == ["L-2 l2 not-in-roster"])
        // The help says what unowned means.
        #expect(h.run(["alerts", "--help"]).out.contains("roster"))
    }
}
