import BatonCore
import Foundation
import Testing
@testable import BatonCLI
import SQLite

/// `baton step reassign`: a live `reassigned` event, recorded by the strict state machine.
@Suite struct StepReassignTests {
    /// Onboarding with T-1001 opened 09:00; hr-review started by bo at 10:00.
    static func started() throws -> CLIHarness {
        let h = try CLIHarness().prepared()
        #expect(h.run(["ticket", "open", "onboarding", "--title", "Onboard Ana", "--field", "employee=Ana",
                       "--at", "2026-03-02T09:00:00Z"]).out == "T-1001\n")
        #expect(h.run(["step", "start", "T-1001", "hr-review", "--by", "bo", "--at", "2026-03-02T10:00:00Z"]).code == 0)
        return h
    }

    func queueTickets(_ h: CLIHarness, _ team: String) -> [String] {
        h.run(["queue", team, "--format", "csv"]).out.split(separator: "\r\n").dropFirst().map { String($0.split(separator: ",")[0]) + "/" + String($0.split(separator: ",")[3]) }
    }

    @Test func theRunMovesToTheNewTeamsQueue() throws {
        let h = try Self.started()
        #expect(queueTickets(h, "hr") == ["T-1001/hr-review"])
        #expect(queueTickets(h, "it").isEmpty)
        let r = h.run(["step", "reassign", "T-1001", "hr-review", "--team", "it", "--at", "2026-03-02T11:00:00Z",
                       "--actor", "ana", "--note", "IT does contracts now"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out == "T-1001 hr-review: reassigned to it (was hr)\n")
        #expect(r.err.isEmpty)
        // It leaves hr's queue and joins it's, still active, with its ready time.
        #expect(queueTickets(h, "hr").isEmpty)
        #expect(queueTickets(h, "it") == ["T-1001/hr-review"])
        #expect(h.run(["queue", "it", "--format", "csv"]).out.contains("T-1001,Onboard Ana,onboarding,hr-review,active,2026-03-02T09:00:00Z,"))
        // The requester's view names the new team.
        let show = h.run(["ticket", "show", "T-1001", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any])
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.first { $0["step"] as? String == "hr-review" }?["team"] as? String == "it")
        #expect(steps.first { $0["step"] as? String == "hr-review" }?["state"] as? String == "active")
        // The event log and the projections hold it.
        let db = try Database(path: h.dbPath)
        let event = try #require(try db.rows("SELECT * FROM events WHERE kind = 'reassigned'").first)
        #expect(event.string("ticket_id") == "T-1001" && event.string("step") == "hr-review" && event.string("team") == "it")
        #expect(event.string("actor") == "ana" && event.string("source") == "cli" && event.string("note") == "IT does contracts now")
        #expect(event.int("at") == Instant.parse("2026-03-02T11:00:00Z"))
        let run = try #require(try db.rows("SELECT team, team_since, reassignments FROM step_runs WHERE ticket_id = 'T-1001' AND step = 'hr-review'").first)
        #expect(run.string("team") == "it" && run.int("team_since") == Instant.parse("2026-03-02T11:00:00Z") && run.int("reassignments") == 1)
        #expect(try db.rows("SELECT from_team, to_team FROM step_reassignments").map { [$0.string("from_team"), $0.string("to_team")] } == [["hr", "it"]])
    }

    @Test func reportsAsOfBeforeTheReassignmentKeepTheOldTeam() throws {
        let h = try Self.started()
        #expect(h.run(["step", "reassign", "T-1001", "hr-review", "--team", "it", "--at", "2026-03-02T11:00:00Z"]).code == 0)
        let before = h.run(["alerts", "--format", "prom", "--as-of", "2026-03-02T10:30:00Z", "--no-record"]).out
        #expect(before.contains("baton_open_steps{team=\"hr\",state=\"active\"} 1\n"))
        #expect(!before.contains("baton_open_steps{team=\"it\",state=\"active\"} 1\n"))
        let after = h.run(["alerts", "--format", "prom", "--as-of", "2026-03-02T11:30:00Z", "--no-record"]).out
        #expect(after.contains("baton_open_steps{team=\"it\",state=\"active\"} 1\n"))
        #expect(!after.contains("baton_open_steps{team=\"hr\",state=\"active\"} 1\n"))
        // The actor defaults as for the other step actions (--by, else $BATON_ACTOR).
        #expect(h.run(["step", "reassign", "T-1001", "hr-review", "--team", "hr", "--at", "2026-03-02T12:00:00Z", "--by", "cy"]).out
                == "T-1001 hr-review: reassigned to hr (was it)\n")
        let db = try Database(path: h.dbPath)
        #expect(try db.rows("SELECT actor FROM events WHERE kind = 'reassigned' ORDER BY at").map { $0.string("actor") } == ["tester", "cy"])
    }

    @Test func refusalsLeaveTheStoreUnchanged() throws {
        let h = try Self.started()
        let db = try Database(path: h.dbPath)
        func events() throws -> Int64 { try db.scalar("SELECT count(*) FROM events")?.int ?? -1 }
        let count = try events()
        let same = h.run(["step", "reassign", "T-1001", "hr-review", "--team", "hr", "--at", "2026-03-02T11:00:00Z"])
        #expect(same.code == 1 && same.err == "Error: T-1001 step 'hr-review' is already owned by 'hr'\n")
        let early = h.run(["step", "reassign", "T-1001", "hr-review", "--team", "it", "--at", "2026-03-02T09:30:00Z"])
        #expect(early.code == 1 && early.err.contains("earlier than the ticket's latest event"))
        let unknownStep = h.run(["step", "reassign", "T-1001", "payroll", "--team", "it"])
        #expect(unknownStep.code == 1 && unknownStep.err.contains("'payroll' is not a step of service 'onboarding'"))
        let noTicket = h.run(["step", "reassign", "T-9999", "hr-review", "--team", "it"])
        #expect(noTicket.code == 1 && noTicket.err.contains("no ticket 'T-9999'"))
        #expect(try events() == count)
        #expect(h.run(["step", "complete", "T-1001", "hr-review", "--at", "2026-03-02T12:00:00Z"]).code == 0)
        let done = h.run(["step", "reassign", "T-1001", "hr-review", "--team", "it", "--at", "2026-03-02T12:30:00Z"])
        #expect(done.code == 1 && done.err == "Error: T-1001 step 'hr-review' is done; only a step not yet done can be reassigned\n")
        #expect(try events() == count + 1)
        #expect(queueTickets(h, "it") == ["T-1001/it-access"])
    }

    @Test func aTeamNobodyNamedIsAcceptedWithAWarning() throws {
        let h = try Self.started()
        let r = h.run(["step", "reassign", "T-1001", "hr-review", "--team", "itt", "--at", "2026-03-02T11:00:00Z"])
        #expect(r.code == 0)
        #expect(r.err == "Warning: no team 'itt' is known (did you mean 'it'?); until a service definition names it, the step shows as unowned work\n")
        #expect(queueTickets(h, "itt") == ["T-1001/hr-review"])
        // A step not yet ready can be handed over ahead: the run belongs to the new team when it becomes ready.
        #expect(h.run(["step", "reassign", "T-1001", "equipment", "--team", "hr", "--at", "2026-03-02T11:00:00Z"]).code == 0)
        let help = h.run(["step", "reassign", "--help"])
        #expect(help.code == 0 && help.out.contains("--team <KEY>") && help.out.contains("reassigned"))
        #expect(h.run(["step", "--help"]).out.contains("reassign"))
    }
}
