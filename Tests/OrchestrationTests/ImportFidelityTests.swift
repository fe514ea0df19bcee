import Foundation
import Testing
@testable import Orchestration
import SQLite

/// Imported history means what it meant at the source (issue 11): the team of each run comes from its own events,
/// a team change mid-run is a reassignment, row order changes nothing, re-scheduled work imports, cases end by
/// the user's rule, and keys are one slug of the source's labels, which stay as names.
@Suite struct ImportFidelityTests {
    static let header = "ticket_id,service,step,team,event,at,actor"

    /// The rows in three orders a real file can have: grouped by ticket, sorted by time, and shuffled (seeded).
    static func orders(_ rows: [String]) -> [(String, [String])] {
        let byTime = rows.enumerated().sorted { a, b in
            let x = a.element.split(separator: ",", omittingEmptySubsequences: false)[5]
            let y = b.element.split(separator: ",", omittingEmptySubsequences: false)[5]
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        var generator = SeededGenerator(seed: 42)
        return [("grouped", rows), ("time-ordered", byTime), ("shuffled", rows.shuffled(using: &generator))]
    }

    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let routed = [
        "X-1,desk,,,opened,2026-03-02T09:00:00Z,ana",
        "X-1,desk,triage,alpha,started,2026-03-02T09:10:00Z,al",
        "X-1,desk,triage,alpha,completed,2026-03-02T10:00:00Z,al",
        "X-1,desk,fix,eng,completed,2026-03-02T15:00:00Z,ed",
        "X-2,desk,,,opened,2026-03-02T08:00:00Z,bo",
        "X-2,desk,triage,beta,started,2026-03-02T08:30:00Z,be",
        "X-2,desk,triage,beta,completed,2026-03-02T09:30:00Z,be",
        "X-2,desk,fix,eng,started,2026-03-02T11:00:00Z,ed",
        "X-3,desk,,,opened,2026-03-02T07:00:00Z,cy",
        "X-3,desk,triage,alpha,started,2026-03-02T07:30:00Z,al",
        "X-3,desk,triage,beta,completed,2026-03-02T12:00:00Z,be",   // handed to beta mid-run: beta completes it
    ]

    @Test func eachRunBelongsToTheTeamItsOwnEventsNameInEveryRowOrder() throws {
        var projections: [String] = []
        for (label, rows) in Self.orders(Self.routed) {
            let f = try ImportFixture()
            let s = try f.importFile(try f.write("\(label).csv", ([Self.header] + rows).joined(separator: "\n") + "\n"))
            #expect(s.rejected == 0, "\(label)")
            #expect(try f.run("X-1", "triage")?.string("team") == "alpha", "\(label)")
            #expect(try f.run("X-2", "triage")?.string("team") == "beta", "\(label)")
            // X-3: alpha held it from 07:30 (its first event) until beta's event at 12:00.
            let x3 = try #require(try f.run("X-3", "triage"))
            #expect(x3.string("team") == "beta" && x3.int("reassignments") == 1 && x3.int("team_since") == ImportFixture.t("2026-03-02T12:00:00Z"), "\(label)")
            let moves = try f.store.db.rows("SELECT at, from_team, to_team FROM step_reassignments")
            #expect(moves.count == 1 && moves.first?.string("from_team") == "alpha" && moves.first?.string("to_team") == "beta", "\(label)")
            // The steps keep the order of their first appearance in time: triage (07:30) before fix (11:00), whatever
            // the file order, and so do the runs' positions.
            let service = try #require(try f.store.service("desk"))
            #expect(service.definition.steps.map(\.key) == ["triage", "fix"], "\(label)")
            #expect(try f.store.db.rows("SELECT DISTINCT step, position FROM step_runs ORDER BY position").map { "\($0.string("step")!)@\($0.int("position")!)" }
                    == ["triage@0", "fix@1"], "\(label)")
            // Every team the events name is a team of the store.
            #expect(try f.store.db.rows("SELECT key FROM teams ORDER BY key").compactMap { $0.string("key") } == ["alpha", "beta", "eng"], "\(label)")
            // Projections and the exported log agree with the events.
            var exported = ""
            _ = try EventLogExporter(store: f.store).export(.csv) { exported += $0 }
            #expect(exported.contains("X-2,desk,triage,beta,completed,2026-03-02T09:30:00Z,be"), "\(label)")
            projections.append(try f.projections())
        }
        #expect(Set(projections).count == 1, "the three orders give the same projections")
    }

    @Test func aProfileWithAStepAttributeCreditsEachTicketsOwnTeam() throws {
        let f = try ImportFixture()
        let profile = try JSONDecoder().decode(ImportProfile.self, from: Data("""
            {"service": "routed", "ticket": "id", "time": "when", "team": "group", "step": "task", "status": "state",
             "statuses": {"New": "waiting", "Work": "active", "Done": "closed"}}
            """.utf8))
        let file = try f.write("routed.csv", """
            id,when,group,task,state
            A,2026-03-02T09:00:00Z,Alpha Team,Triage,New
            A,2026-03-02T09:30:00Z,Alpha Team,Triage,Work
            A,2026-03-02T10:00:00Z,Alpha Team,Triage,Done
            B,2026-03-02T09:00:00Z,Beta Team,Triage,New
            B,2026-03-02T09:45:00Z,Beta Team,Triage,Work
            B,2026-03-02T11:00:00Z,Beta Team,Triage,Done

            """)
        #expect(try f.importFile(file, profile: profile).rejected == 0)
        #expect(try f.run("A", "triage")?.string("team") == "alpha-team")
        #expect(try f.run("B", "triage")?.string("team") == "beta-team")
        #expect(try f.store.service("routed")?.definition.steps.map(\.name) == ["Triage"])
    }

    /// BPI Challenge 2012's pattern: re-scheduled while active. The second schedule readies attempt 2 (from that
    /// instant), which becomes open work when attempt 1 completes.
    @Test func aRescheduleWhileActiveReadiesTheNextAttempt() throws {
        let f = try ImportFixture()
        func event(_ t: String, _ at: String) -> String {
            """
                  <event><string key="concept:name" value="Call back"/><string key="lifecycle:transition" value="\(t)"/>
                    <string key="org:group" value="Calls"/><date key="time:timestamp" value="\(at)"/></event>
            """
        }
        let xes = """
            <?xml version="1.0" encoding="UTF-8"?>
            <log xes.version="1.0"><string key="concept:name" value="bpi2012"/>
              <trace><string key="concept:name" value="173688"/>
            \(event("SCHEDULE", "2026-03-02T09:00:00Z"))
            \(event("START", "2026-03-02T09:10:00Z"))
            \(event("SCHEDULE", "2026-03-02T09:20:00Z"))
            \(event("COMPLETE", "2026-03-02T09:30:00Z"))
            \(event("START", "2026-03-02T10:00:00Z"))
            \(event("COMPLETE", "2026-03-02T10:40:00Z"))
              </trace>
            </log>
            """
        let s = try f.importFile(try f.write("bpi2012.xes", xes))
        #expect(s.rejected == 0 && s.rowsRead == 6)
        let first = try #require(try f.run("173688", "call-back", attempt: 1))
        #expect(first.int("ready_at") == ImportFixture.t("2026-03-02T09:00:00Z") && first.int("done_at") == ImportFixture.t("2026-03-02T09:30:00Z"))
        let second = try #require(try f.run("173688", "call-back", attempt: 2))
        #expect(second.int("ready_at") == ImportFixture.t("2026-03-02T09:20:00Z"))
        #expect(second.int("known_at") == ImportFixture.t("2026-03-02T09:30:00Z"))
        #expect(second.int("started_at") == ImportFixture.t("2026-03-02T10:00:00Z") && second.string("state") == "done")
        #expect(try f.store.service("bpi2012")?.definition.steps.map(\.name) == ["Call back"])
    }

    static let permits = """
        ticket_id,service,step,team,event,at,actor
        P-1,permit,,,opened,2026-03-02T09:00:00Z,
        P-1,permit,intake,desk,completed,2026-03-02T10:00:00Z,
        P-1,permit,closed,desk,completed,2026-03-03T10:00:00Z,
        P-2,permit,,,opened,2026-03-02T09:00:00Z,
        P-2,permit,closed,desk,completed,2026-03-02T12:00:00Z,
        P-2,permit,intake,desk,completed,2026-03-04T09:00:00Z,
        P-3,permit,,,opened,2026-03-02T09:00:00Z,
        P-3,permit,intake,desk,completed,2026-03-05T09:00:00Z,
        P-3,,,,cancelled,2026-03-06T09:00:00Z,

        """

    @Test(arguments: [(false, [String]()), (true, []), (false, ["Closed"]), (true, ["Closed"])])
    func casesEndByTheRuleTheUserChooses(casesComplete: Bool, closeOn: [String]) throws {
        let f = try ImportFixture()
        var options = EventLogImporter.Options(format: .csv)
        options.closing = TicketClosing(casesComplete: casesComplete, closeOn: closeOn)
        let s = try EventLogImporter(store: f.store).run(try ByteSource(path: try f.write("p.csv", Self.permits)), options: options)
        #expect(s.rejected == 0)
        func closed(_ id: String) throws -> Int64? { try f.store.loadTicket(id)?.closedAt }
        // P-1 ends with the named activity; P-2's named activity is followed by other work; P-3 the log cancels.
        let expected1: Int64? = casesComplete || !closeOn.isEmpty ? ImportFixture.t("2026-03-03T10:00:00Z") : nil
        let expected2: Int64? = casesComplete ? ImportFixture.t("2026-03-04T09:00:00Z") : nil
        #expect(try closed("P-1") == expected1)
        #expect(try closed("P-2") == expected2)
        #expect(try f.store.loadTicket("P-3")?.state == .cancelled && closed("P-3") == nil)
        // What ends a lead time is kept with the service the import made, for the reports to state.
        let ends = try f.store.service("permit")?.definition.leadTimeEnds
        #expect(ends == TicketClosing(casesComplete: casesComplete, closeOn: closeOn).leadTimeEnds(profile: nil))
        // A second import of the same file adds nothing (the closing event is the same event).
        let again = try EventLogImporter(store: f.store).run(try ByteSource(path: f.path("p.csv")), options: options)
        #expect(again.eventsAdded == 0 && again.rejected == 0)
    }

    /// The same log's keys through a plain XES import and through a profile: one slug rule.
    @Test func theSameLabelsGiveTheSameKeysThroughEveryPath() throws {
        let xes = """
            <?xml version="1.0" encoding="UTF-8"?>
            <log xes.version="1.0"><string key="concept:name" value="vinst"/>
              <trace><string key="concept:name" value="1-1"/>
                <event><string key="concept:name" value="V30"/><string key="lifecycle:transition" value="complete"/>
                  <string key="org:group" value="V30"/><date key="time:timestamp" value="2026-03-02T09:00:00+01:00"/></event>
                <event><string key="concept:name" value="G97 2nd"/><string key="lifecycle:transition" value="complete"/>
                  <string key="org:group" value="G97 2nd"/><date key="time:timestamp" value="2026-03-02T11:00:00+01:00"/></event>
              </trace>
            </log>
            """
        let plain = try ImportFixture()
        #expect(try plain.importFile(try plain.write("v.xes", xes)).rejected == 0)
        let profiled = try ImportFixture()
        let profile = try JSONDecoder().decode(ImportProfile.self, from: Data("""
            {"service": "vinst", "ticket": "case:concept:name", "time": "time:timestamp", "team": "org:group",
             "status": "lifecycle:transition", "statuses": {"complete": "active"}}
            """.utf8))
        #expect(try profiled.importFile(try profiled.write("v.xes", xes), profile: profile).rejected == 0)
        for f in [plain, profiled] {
            let teams = try f.store.db.rows("SELECT DISTINCT team FROM step_runs ORDER BY team").compactMap { $0.string("team") }
            #expect(teams == ["g97-2nd", "v30"])
            #expect(try f.store.db.rows("SELECT name FROM teams ORDER BY key").compactMap { $0.string("name") } == ["G97 2nd", "V30"])
        }
        #expect(try plain.store.service("vinst")?.definition.steps.map(\.key) == ["v30", "g97-2nd"])
        #expect(try profiled.store.service("vinst")?.definition.steps.map(\.key) == ["v30", "g97-2nd"])
    }

    static let desk = try! JSONDecoder().decode(ImportProfile.self, from: Data("""
        {"service": "desk", "ticket": "id", "time": "when", "team": "group", "status": "state", "missing": ["?"],
         "statuses": {"New": "waiting", "Work": "active", "Resolved": "closed", "Closed": "closed"}}
        """.utf8))

    static let history = """
        id,state,when,group
        A,New,2026-03-02T00:00:00Z,?
        A,New,2026-03-02T05:00:00Z,L1
        A,Work,2026-03-02T06:00:00Z,L1
        A,Resolved,2026-03-02T08:00:00Z,L1
        A,Resolved,2026-03-03T08:00:00Z,L1
        A,Closed,2026-03-09T08:00:00Z,L1

        """

    /// Time before the first team is an explicit (unassigned) run, completed when a team takes the ticket, so it
    /// counts in step times; not in no team's figures.
    @Test func unassignedTimeIsARunOfItsOwn() throws {
        let f = try ImportFixture()
        #expect(try f.importFile(try f.write("h.csv", Self.history), profile: Self.desk).rejected == 0)
        let held = try #require(try f.run("A", "unassigned"))
        #expect(held.string("state") == "done" && held.string("team") == "unassigned")
        #expect(held.int("ready_at") == ImportFixture.t("2026-03-02T00:00:00Z") && held.int("done_at") == ImportFixture.t("2026-03-02T05:00:00Z"))
        #expect(try f.run("A", "l1")?.int("ready_at") == ImportFixture.t("2026-03-02T05:00:00Z"))
        #expect(try f.store.db.scalar("SELECT name FROM teams WHERE key = 'unassigned'")?.string == "(unassigned)")
        #expect(try f.store.service("desk")?.definition.steps.map(\.key) == ["unassigned", "l1"])
    }

    /// `lead_time_ends`: the first row of the final closing streak (resolution, the default) or its last (closure).
    @Test(arguments: [(ImportProfile.LeadTimeEnds?.none, "2026-03-02T08:00:00Z"), (.resolved, "2026-03-02T08:00:00Z"), (.closed, "2026-03-09T08:00:00Z")])
    func leadTimeEndsAtResolutionOrClosure(ends: ImportProfile.LeadTimeEnds?, closedAt: String) throws {
        let f = try ImportFixture()
        var profile = Self.desk
        profile.leadTimeEnds = ends
        #expect(try f.importFile(try f.write("h.csv", Self.history), profile: profile).rejected == 0)
        let ticket = try #require(try f.store.loadTicket("A"))
        #expect(ticket.closedAt == ImportFixture.t(closedAt))
        // The work ends at resolution either way.
        #expect(try f.run("A", "l1")?.int("done_at") == ImportFixture.t("2026-03-02T08:00:00Z"))
        #expect(try f.store.service("desk")?.definition.leadTimeEnds == (ends ?? .resolved).rawValue)
    }

    @Test func casesCompleteInAProfileClosesAtTheLastRow() throws {
        let f = try ImportFixture()
        var profile = Self.desk
        profile.casesComplete = true
        let file = try f.write("open.csv", "id,state,when,group\nB,New,2026-03-02T00:00:00Z,L1\nB,Work,2026-03-02T03:00:00Z,L1\n")
        #expect(try f.importFile(file, profile: profile).rejected == 0)
        #expect(try f.store.loadTicket("B")?.closedAt == ImportFixture.t("2026-03-02T03:00:00Z"))
        #expect(try f.run("B", "l1")?.string("state") == "done")
    }
}
