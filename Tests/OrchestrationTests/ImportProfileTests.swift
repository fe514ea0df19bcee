import BatonCore
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// The status-change rules on a small history worked out by hand.
@Suite struct ImportProfileTests {
    static let profileJSON = """
    {"service": "desk", "service_name": "Service desk", "format": "csv", "ticket": "id", "time": "when",
     "team": "group", "actor": "who", "status": "state", "missing": ["?"], "opens": ["New"],
     "statuses": {"New": "waiting", "Work": "active", "Hold": "paused", "Done": "closed", "Dropped": "cancelled"}}
    """

    static func h(_ hours: Int) -> Int64 { ImportFixture.t("2026-03-02T00:00:00Z") + Int64(hours) * 3600 }

    func profile(_ f: ImportFixture) throws -> ImportProfile {
        try ImportProfile.load(path: try f.write("desk.json", Self.profileJSON))
    }

    @Test func aHistoryBecomesRunsAsTheRulesSay() throws {
        let f = try ImportFixture()
        // A: New, worked, on hold 02:00–04:00, handed to L2 at 05:00 and on to L3 at 06:00, done at 08:00, reopened at
        // 09:00 and done again at 10:00 (and 11:00); D: New, then dropped at 03:00.
        let file = try f.copy(fixture: "desk-history.csv")
        let s = try f.importFile(file, profile: try profile(f))
        #expect(s.rowsRead == 13 && s.ticketsNew == 2 && s.rejected == 0 && s.servicesCreated == ["desk"])
        typealias R = (step: String, attempt: Int64, state: String, ready: Int64, started: Int64?, done: Int64?, paused: Int64)
        let runs: [R] = try f.store.db.rows("SELECT * FROM step_runs WHERE ticket_id = 'A' ORDER BY id").map {
            ($0.string("step")!, $0.int("attempt")!, $0.string("state")!, $0.int("ready_at")!, $0.int("started_at"), $0.int("done_at"), $0.int("paused_seconds")!)
        }
        let expected: [R] = [
            ("l1", 1, "done", Self.h(0), Self.h(1), Self.h(5), 7200),        // paused 02:00–04:00, handed on at 05:00
            ("l2", 1, "skipped", Self.h(5), nil, Self.h(6), 0),              // handed on untouched
            ("l3", 1, "done", Self.h(6), Self.h(7), Self.h(8), 0),           // resolved at 08:00 …
            ("l3", 2, "done", Self.h(9), Self.h(9), Self.h(10), 0),          // … but it did not hold: attempt 2
        ]
        #expect(runs.count == expected.count)
        for (a, b) in zip(runs, expected) {
            #expect(a.step == b.step && a.attempt == b.attempt && a.state == b.state && a.ready == b.ready
                    && a.started == b.started && a.done == b.done && a.paused == b.paused, "\(a) vs \(b)")
        }
        let ticket = try #require(try f.store.loadTicket("A"))
        #expect(ticket.state == .closed && ticket.openedAt == Self.h(0) && ticket.closedAt == Self.h(10))
        #expect(try f.store.service("desk")?.definition.teams == ["l1": "L1", "l2": "L2", "l3": "L3"])
        // Cancelling ends the open run as cancelled, not done.
        let d = try #require(try f.store.loadTicket("D"))
        #expect(d.state == .cancelled && d.cancelledAt == Self.h(3))
        #expect(d.runs.count == 1 && d.runs[0].state == .cancelled && d.runs[0].doneAt == Self.h(3))
        // The same file again adds nothing.
        #expect(try f.importFile(file, profile: try profile(f)).eventsAdded == 0)
    }

    /// The profile path's documented reading of values (README): spaces and tabs at both ends are trimmed, and an
    /// empty value, quoted (`""`) or not, is missing like the profile's `missing` values.
    @Test func valuesAreTrimmedAndAnEmptyQuotedFieldIsMissing() throws {
        let f = try ImportFixture()
        let file = try f.write("spaces.csv", "id,state,when,group,who\n E , New ,2026-03-02T00:00:00Z,\" L1\t\",\"\"\nE,Work,2026-03-02T01:00:00Z,L1 , ann \n")
        let s = try f.importFile(file, profile: try profile(f))
        #expect(s.rejected == 0 && s.ticketsNew == 1)
        let run = try #require(try f.run("E", "l1"))
        #expect(run.string("team") == "l1" && run.string("actor") == "ann")
        #expect(try f.store.db.scalar("SELECT actor FROM events WHERE ticket_id = 'E' AND kind = 'opened'") == .null)
        #expect(try f.store.db.scalar("SELECT name FROM teams WHERE key = 'l1'")?.string == "L1")
    }

    /// A profile's `step` naming a column the file lacks is refused at the header, with "did you mean", instead of
    /// making every run the team's.
    @Test func aStepColumnTheFileLacksIsRefused() throws {
        let f = try ImportFixture()
        var profile = try profile(f)
        profile.step = "taks"
        let file = try f.write("steps.csv", "id,state,when,group,who,task\nA,New,2026-03-02T00:00:00Z,L1,u,triage\n")
        let error = #expect(throws: InputError.self) { try f.importFile(file, profile: profile) }
        #expect(error?.line == 1 && error?.field == "taks" && error?.message.contains("did you mean 'task'") == true, "\(String(describing: error))")
        #expect(try f.count("SELECT count(*) FROM events") == 0)
    }

    @Test func aTicketThatDoesNotStartWithAnOpeningStatusIsRejected() throws {
        let f = try ImportFixture()
        let file = try f.write("late.csv", "id,state,when,group,who\nB,New,2026-03-02T00:00:00Z,L1,u\nC,Work,2026-03-02T01:00:00Z,L1,u\n")
        do {
            try f.importFile(file, profile: try profile(f))
            Issue.record("accepted a ticket whose first row is not an opening status")
        } catch let error as InputError {
            #expect(error.line == 3 && error.field == "state" && error.message.contains("before its ticket was opened"), "\(error)")
        }
        #expect(try f.count("SELECT count(*) FROM tickets") == 0)
    }

    @Test func unknownStatusesAndMissingColumnsAreNamed() throws {
        let f = try ImportFixture()
        let unknown = try f.write("u.csv", "id,state,when,group,who\nB,New,2026-03-02T00:00:00Z,L1,u\nB,Gone,2026-03-02T01:00:00Z,L1,u\n")
        #expect(throws: InputError(file: unknown, line: 3, field: "state", "status 'Gone' is not in the profile's statuses (and there is no default_status)")) {
            try f.importFile(unknown, profile: try profile(f))
        }
        let missing = try f.write("m.csv", "id,when,group\nB,2026-03-02T00:00:00Z,L1\n")
        #expect(throws: InputError(file: missing, line: 1, field: "state", "missing required column (the profile names it)")) {
            try f.importFile(missing, profile: try profile(f))
        }
        let badProfile = try f.write("bad.json", #"{"service": "x", "ticket": "id", "time": "t", "team": "g", "status": "s", "statuses": {"A": "finished"}}"#)
        #expect(throws: InputError.self) { try ImportProfile.load(path: badProfile) }
        #expect(try f.count("SELECT count(*) FROM events") == 0)
    }

    /// Unknown profile fields are refused with "did you mean" (a misspelt "step" used to make every run the team's).
    @Test func unknownProfileFieldsAreRefused() throws {
        let f = try ImportFixture()
        let typo = try f.write("typo.json", Self.profileJSON.replacingOccurrences(of: #""actor": "who""#, with: #""actor": "who", "stpe": "activity""#))
        #expect(throws: InputError(file: typo, field: "stpe", "is not a known field; did you mean 'step'?")) { try ImportProfile.load(path: typo) }
        let empty = try f.write("empty.json", Self.profileJSON.replacingOccurrences(of: #""actor": "who""#, with: #""actor": "who", "step": " ""#))
        #expect(throws: InputError(file: empty, field: "step", "must name a column (or key, or XES attribute), not be empty")) { try ImportProfile.load(path: empty) }
        #expect(ImportProfile.fields.contains("lead_time_ends") && ImportProfile.fields.contains("close_on"))
        // A null names the file and the field, in a list too.
        let nullMissing = try f.write("null.json", Self.profileJSON.replacingOccurrences(of: #""missing": ["?"]"#, with: #""missing": [null]"#))
        #expect(throws: InputError(file: nullMissing, field: "missing[0]", "must not be null")) { try ImportProfile.load(path: nullMissing) }
        let nullTime = try f.write("null2.json", Self.profileJSON.replacingOccurrences(of: #""time": "when""#, with: #""time": null"#))
        #expect(throws: InputError(file: nullTime, field: "time", "must not be null (leave an optional field out instead)")) { try ImportProfile.load(path: nullTime) }
    }

    /// What the header check needs (the importer's CSV reader calls it): every attribute the profile names, `step`
    /// and `actor` included, must be a column, named with "did you mean".
    @Test func aHeaderMissingAProfileColumnIsNamed() throws {
        let f = try ImportFixture()
        let withStep = try f.write("step.json", Self.profileJSON.replacingOccurrences(of: #""actor": "who""#, with: #""actor": "who", "step": "activity""#))
        let profile = try ImportProfile.load(path: withStep)
        try profile.checkColumns(["id", "state", "when", "group", "who", "activity"], file: "desk.csv")
        #expect(throws: InputError(file: "desk.csv", line: 1, field: "activity",
                                   "missing column (the profile names it in 'step'); did you mean 'activty'? (columns: id, state, when, group, who, activty)")) {
            try profile.checkColumns(["id", "state", "when", "group", "who", "activty"], file: "desk.csv")
        }
        #expect(throws: InputError.self) { try profile.checkColumns(["id", "state", "when", "group", "activity"], file: "desk.csv") }  // actor
    }
}
