import BatonTestSupport
import Foundation
import Testing
@testable import BatonCLI
import SQLite

/// `baton calendar apply|list|hours`, calendars on teams and steps, and the what-if replay that writes nothing.
@Suite struct CalendarCommandsTests {
    static var calendars: String { TestPaths.packageRoot.appendingPathComponent("samples/calendars").path }
    static var files: [String] { ["24x7.json", "berlin-office.json", "follow-the-sun.json"].map { calendars + "/" + $0 } }

    func storeRows(_ h: CLIHarness) throws -> [String] {
        let db = try Database(path: h.dbPath)
        return try ["calendars", "teams", "service_steps"].flatMap { table in
            try db.rows("SELECT * FROM \(table) ORDER BY 1, 2").map { "\(table): " + $0.values.map(\.description).joined(separator: "|") }
        }
    }

    @Test func calendarsAreAppliedVersionedAndListed() throws {
        let h = try CLIHarness().prepared()
        let r = h.run(["calendar", "apply"] + Self.files)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("berlin-office: created (version 1)"))
        #expect(h.run(["calendar", "apply"] + Self.files).out.split(separator: "\n").allSatisfy { $0.hasSuffix("(version 1)") && $0.contains("unchanged") })
        let team = try h.write("it.json", #"{"key": "it", "name": "IT", "calendar": "berlin-office"}"#)
        #expect(h.run(["team", "apply", team]).code == 0)
        let list = h.run(["calendar", "list", "--format", "csv"])
        #expect(list.out.contains("berlin-office,1,"), "\(list.out)")
        #expect(list.out.contains(",Europe/Berlin,it,"), "\(list.out)")
        // 24 Dec (Thursday) 8 h; 25 Dec holiday; the weekend; 28 Dec (Monday) 8 h.
        let hours = h.run(["calendar", "hours", "berlin-office", "--from", "2026-12-24T00:00:00Z", "--to", "2026-12-29T00:00:00Z"])
        #expect(hours.out == "berlin-office: 16h working (57600 s) of 5d wall\n", "\(hours.out)\(hours.err)")
        #expect(h.run(["calendar", "hours", "berlin-office", "--from", "2026-12-24T00:00:00Z"]).code == 64)
    }

    @Test(arguments: [
        (#"{"key": "it", "name": "IT", "calendar": "berlin-ofice"}"#, "team", "field 'calendar': no calendar 'berlin-ofice' in the store (apply it first with 'baton calendar apply FILE'); did you mean 'berlin-office'?"),
        (#"{"key": "desk", "steps": [{"key": "fix", "team": "it", "calendar": "24x8"}]}"#, "service", "field 'steps[0].calendar': no calendar '24x8' in the store"),
        (#"{"key": "x", "name": "X", "time_zon": "UTC", "week": {"mon": ["09:00-17:00"]}}"#, "calendar", "field 'time_zon': is not a known field; did you mean 'time_zone'?"),
    ])
    func badReferencesAreRefusedAndChangeNothing(_ json: String, _ kind: String, _ message: String) throws {
        let h = try CLIHarness().prepared()
        #expect(h.run(["calendar", "apply"] + Self.files).code == 0)
        let before = try storeRows(h)
        let file = try h.write("bad.json", json)
        let r = h.run([kind, "apply", file])
        #expect(r.code != 0)
        #expect(r.err.contains(message), "\(r.err)")
        #expect(try storeRows(h) == before)
    }

    /// A what-if report recomputes with other targets and calendars and writes nothing to the store: its bytes are
    /// the same before and after, and the replay shows the two side by side.
    @Test func aWhatIfWritesNothingAndShowsTheDifference() throws {
        let h = try CLIHarness().prepared()
        #expect(h.run(["calendar", "apply"] + Self.files).code == 0)
        let log = try h.write("log.csv", """
            ticket_id,service,step,team,event,at,actor
            W-1,onboarding,,,opened,2026-11-23T08:00:00Z,a
            W-1,onboarding,hr-review,hr,completed,2026-11-23T09:00:00Z,a
            W-1,onboarding,it-access,it,started,2026-11-27T15:00:00Z,a
            W-1,onboarding,it-access,it,completed,2026-11-30T10:00:00Z,a
            W-2,onboarding,,,opened,2026-11-30T08:00:00Z,a
            W-2,onboarding,hr-review,hr,completed,2026-11-30T09:00:00Z,a
            """)
        #expect(h.run(["import", log]).code == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: h.dbPath))
        let r = h.run(["report", "weekly", "--from", "2026-11-23", "--to", "2026-12-07", "--as-of", "2026-12-01T12:00:00Z",
                       "--format", "csv", "--out", h.directory.appendingPathComponent("out").path,
                       "--target", "onboarding/it-access=60h", "--calendar", "it=berlin-office"])
        #expect(r.code == 0, "\(r.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: h.dbPath)) == before)
        // it-access of W-1: ready when hr-review was done (Monday 23 Nov 09:00 UTC), done the next Monday 10:00 UTC:
        // 169 h wall, over the stored 8 h target; in the Berlin office 5 days × 8 h + 1 h = 41 working hours, within
        // the what-if 60 h. W-2's it-access, ready Monday 30 Nov 09:00 UTC, as of Tuesday 12:00 UTC: 27 h wall
        // (stalled at 8 h); Berlin: 7 h Monday + 3 h Tuesday = 10 working hours (not stalled at 60 h, nor at risk).
        // W48 ends with W-1's it-access open: 159 h wall (stalled), 40 working hours (not). hr-review (2d) is met.
        #expect(r.out.contains("As if always: target onboarding/it-access = 2d 12h; calendar of it = berlin-office."), "\(r.out)")
        let lines = r.out.split(separator: "\n").map(String.init)
        func row(_ week: String) throws -> [String] {
            try #require(lines.first { $0.hasPrefix(week) }).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        #expect(try row("2026-W48") == ["2026-W48", "1", "100.0", "1", "100.0", "1", "0", "0", "0"], "\(r.out)")
        #expect(try row("2026-W49") == ["2026-W49", "2", "50.0", "2", "100.0", "1", "0", "0", "0"], "\(r.out)")
        let folder = try #require(lines.first)
        let service = try String(contentsOfFile: folder + "/service_levels.csv", encoding: .utf8)
        #expect(service.contains("onboarding,it-access,it,2026-W49,1,1,0,1,60,41,0,berlin-office"), "\(service)")
        let definitions = try String(contentsOfFile: folder + "/definitions.csv", encoding: .utf8)
        #expect(definitions.contains("What-if"), "\(definitions)")
        // Unknown names are refused with did-you-mean, before anything is written.
        let bad = h.run(["report", "weekly", "--target", "onbording/it-access=4h"])
        #expect(bad.code == 1 && bad.err.contains("did you mean 'onboarding'?"), "\(bad.err)")
    }
}
