import BatonCore
import Foundation
import Testing
@testable import Orchestration
import SQLite

@Suite struct OrchestrationStoreTests {
    @Test func applyingAChangedDefinitionCreatesAVersionAndOpenTicketsKeepTheirs() throws {
        let f = try StoreFixture()
        let id = try f.open()
        var def = try #require(try f.store.service("seq")).definition
        #expect(try f.store.apply(def) == .unchanged(version: 1))
        def.steps.append(.init(key: "d", name: "Step D", team: "td"))
        #expect(try f.store.apply(def) == .updated(version: 2))
        let newer = try f.open(at: 1)
        #expect(try f.store.loadTicket(id)?.serviceVersion == 1)
        #expect(try f.store.loadTicket(id)?.runs.count == 3)
        #expect(try f.store.loadTicket(newer)?.runs.count == 4)
        #expect(try f.store.db.scalar("SELECT count(*) FROM teams WHERE key = 'td'")?.int == 1)
    }

    @Test func hostileTextRoundTripsUnchanged() throws {
        let f = try StoreFixture()
        let hostile = "Robert'); DROP TABLE tickets;-- \"quoted\" <script>alert(1)</script>\nline two\t😀 \u{202E}txet LTR\u{202C} =SUM(A1)"
        let long = String(repeating: "x<y>&\"'", count: 10_000 / 7 + 1)
        let id = try f.store.openTicket(service: "seq", title: hostile + long, requester: hostile, fields: ["who": hostile], at: StoreFixture.t0)
        let t = try #require(try f.store.loadTicket(id))
        #expect(t.title == hostile + long)
        #expect(t.requester == hostile)
        #expect(t.intake["who"] == hostile)
        // The event log keeps it too, so a rebuild gives it back.
        try f.store.rebuild()
        #expect(try f.store.loadTicket(id)?.title == hostile + long)
    }

    /// A few hundred generated actions, then `rebuild()` from the events alone must give identical projections.
    @Test func rebuildEqualsTheLiveProjections() throws {
        let f = try StoreFixture()
        var rng = SplitMix64(seed: 42)
        var clock = 0.0
        var ids: [String] = []
        var actions = 0
        for _ in 0..<80 {
            clock += Double(rng.next() % 5) + 0.5
            let service = rng.next() % 3 == 0 ? "flex" : "seq"
            ids.append(try f.open(service, at: clock))
        }
        let kinds: [EventKind] = [.started, .paused, .resumed, .completed, .skipped, .reopened, .taskDone]
        for _ in 0..<2500 {
            let id = ids[Int(rng.next() % UInt64(ids.count))]
            guard let t = try f.store.loadTicket(id), t.state == .open else { continue }
            let run = t.runs[Int(rng.next() % UInt64(t.runs.count))]
            let kind = kinds[Int(rng.next() % UInt64(kinds.count))]
            clock += 0.25
            do {
                try f.act(id, run.step, kind, at: clock, task: kind == .taskDone ? (rng.next() % 2 == 0 ? "one" : "two") : "")
                actions += 1
            } catch is ActionRefused {
                continue
            }
            if rng.next() % 40 == 0 { try? f.store.record(Event(ticketID: id, kind: .cancelled, at: StoreFixture.at(clock))) }
        }
        #expect(actions > 300)
        let live = try projections(f.store)
        #expect(live.contains("closed"))
        #expect(live.contains("|2|"))  // some rework attempts
        try f.store.rebuild()
        #expect(try projections(f.store) == live)
    }

    func projections(_ store: OrchestrationStore) throws -> String {
        var text = ""
        text += try store.db.rows("SELECT * FROM tickets ORDER BY id").map { $0.values.map(\.description).joined(separator: "|") }.joined(separator: "\n")
        text += try store.db.rows("""
            SELECT ticket_id, step, team, position, attempt, state, ready_at, started_at, done_at, paused_seconds, actor,
                   (SELECT group_concat(paused_at || '-' || coalesce(resumed_at, ''), ',') FROM step_pauses p WHERE p.run_id = r.id)
            FROM step_runs r ORDER BY ticket_id, step, attempt
            """).map { $0.values.map(\.description).joined(separator: "|") }.joined(separator: "\n")
        text += try store.db.rows("SELECT * FROM ticket_tasks ORDER BY ticket_id, step, task").map { $0.values.map(\.description).joined(separator: "|") }.joined(separator: "\n")
        return text
    }

    @Test func viewsShowQueueAndOpenWork() throws {
        let f = try StoreFixture()
        let a = try f.open(at: 0)
        let b = try f.open(at: 1)
        try f.act(a, "a", .completed, at: 2)
        let queueA = try f.store.queue(team: "ta", now: StoreFixture.at(10))
        #expect(queueA.map { $0.string("ticket_id") } == [b])
        #expect(queueA.first?.double("age_hours") == 9)
        let queueB = try f.store.queue(team: "tb", now: StoreFixture.at(10))
        #expect(queueB.map { $0.string("ticket_id") } == [a])
        #expect(throws: ActionRefused.self) { try f.store.queue(team: "tz") }
        let open = try f.store.openWork(now: StoreFixture.at(10))
        #expect(open.map { "\($0.string("current_step")!):\($0.int("tickets")!)" }.sorted() == ["a:1", "b:1"])
    }
}

@Suite struct ServiceDefinitionTests {
    func parse(_ json: String) throws -> ServiceDefinition {
        try ServiceDefinition.parse(Data(json.utf8), file: "svc.json")
    }

    @Test(arguments: [
        (#"{"key": "s", "steps": [{"key": "a", "team": "t"}, {"key": "a", "team": "t"}]}"#, "svc.json: field 'steps[1].key': duplicate step key 'a'"),
        (#"{"key": "s", "steps": [{"key": "a", "target": "soon"}]}"#, "svc.json: field 'steps[0].target': 'soon' is not a duration; write e.g. 30m, 4h, 2d, 1w or 1d12h"),
        (#"{"key": "s", "steps": [{"key": "a", "kind": "magic"}]}"#, "svc.json: field 'steps[0].kind': must be one of: task, review, approval, automated"),
        (#"{"key": "s", "steps": []}"#, "svc.json: field 'steps': a service needs at least one step"),
        (#"{"steps": [{"key": "a"}]}"#, "svc.json: field 'key': is required"),
        (#"{"key": "s", "steps": [{"key": "a"}], "intake": [{"key": "f", "type": "choice"}]}"#, "svc.json: field 'intake[0].options': a choice field needs options"),
        (#"{"key": "has space", "steps": [{"key": "a"}]}"#, "svc.json: field 'key': 'has space' must be letters, digits, '-', '_' or '.' (no spaces)"),
        (#"{"key": "s", "enforce_order": "yes", "steps": [{"key": "a"}]}"#, "svc.json: field 'enforce_order': must be true or false"),
        (#"{"key": "s", "steps": [{"key": "a"}]"#, "svc.json: is not valid JSON"),
        // Unknown fields are refused with "did you mean" (the decoder used to skip them: enforce_order stayed true).
        (#"{"key": "s", "enforce_ordr": false, "steps": [{"key": "a"}]}"#, "svc.json: field 'enforce_ordr': is not a known field; did you mean 'enforce_order'?"),
        (#"{"key": "s", "steps": [{"key": "a"}, {"key": "b", "taget": "4h"}]}"#, "svc.json: field 'steps[1].taget': is not a known field; did you mean 'target'?"),
        (#"{"key": "s", "steps": [{"key": "a"}], "intake": [{"key": "f", "requird": true}]}"#, "svc.json: field 'intake[0].requird': is not a known field; did you mean 'required'?"),
        (#"{"key": "s", "steps": [{"key": "a"}], "colour": "red"}"#, "svc.json: field 'colour': is not a known field (known: key, name, enforce_order"),
        // null is not "absent": Baton never writes one, and a generator that lost a value should hear about it.
        (#"{"key": "s", "name": null, "steps": [{"key": "a"}]}"#, "svc.json: field 'name': must not be null (leave an optional field out instead)"),
        (#"{"key": "s", "steps": [{"key": "a", "team": null}]}"#, "svc.json: field 'steps[0].team': must not be null"),
    ])
    func invalidDefinitionsNameTheFileAndField(json: String, message: String) {
        do {
            _ = try parse(json)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func durations() {
        #expect(DurationText.seconds("4h") == 14_400)
        #expect(DurationText.seconds("2d") == 172_800)
        #expect(DurationText.seconds("1d12h") == 129_600)
        #expect(DurationText.seconds("30m") == 1800)
        #expect(DurationText.seconds("1w") == 604_800)
        #expect(DurationText.seconds("h") == nil)
        #expect(DurationText.seconds("4") == nil)
        #expect(DurationText.seconds("0h") == nil)
    }

    /// Every field a definition may have is accepted, `lead_time_ends` (written by imports) included, and what an
    /// import stores decodes again.
    @Test func everyKnownFieldIsAccepted() throws {
        let d = try parse("""
            {"key": "s", "name": "S", "enforce_order": false, "auto_close": false, "lead_time_ends": "resolved",
             "teams": {"t": "Team T"}, "intake": [{"key": "f", "label": "F", "type": "choice", "required": true, "options": ["x"]}],
             "steps": [{"key": "a", "name": "A", "team": "t", "kind": "review", "target": "4h", "tasks": ["one"]}]}
            """)
        #expect(d.leadTimeEnds == "resolved" && !d.enforceOrder && d.steps[0].target == "4h")
        #expect(try parse(d.canonicalJSON()) == d)
    }

    @Test func canonicalJSONIgnoresKeyOrder() throws {
        let a = try parse(#"{"key": "s", "name": "S", "steps": [{"key": "a", "team": "t"}]}"#)
        let b = try parse(#"{"steps": [{"team": "t", "key": "a"}], "name": "S", "key": "s"}"#)
        #expect(a.canonicalJSON() == b.canonicalJSON())
    }
}

/// Teams nobody knows (issue 12): a step team one letter from a known one is warned about on apply, and a declared
/// roster makes every team outside it a warning.
@Suite struct TeamRosterTests {
    func definition(_ key: String, teams: [String]) -> ServiceDefinition {
        ServiceDefinition(key: key, name: key, steps: teams.enumerated().map { .init(key: "s\($0.offset)", name: "S", team: $0.element) })
    }

    @Test func aTeamOneLetterFromAKnownOneIsWarnedAbout() throws {
        let f = try StoreFixture()
        try f.store.apply(definition("facility", teams: ["facilities"]))
        let typo = definition("desk", teams: ["it", "facilties"])
        let warnings = try f.store.teamWarnings(for: [("desk.json", typo)])
        #expect(warnings == ["desk.json: field 'steps[1].team': team 'facilties' is new: no other definition, log or team file knows it; did you mean 'facilities'? (applied as written)"])
        // Known teams, short keys two letters apart (hr, it) and teams of the same apply are not warned about.
        #expect(try f.store.teamWarnings(for: [("a.json", definition("a", teams: ["facilities", "hr", "it", "ta"]))]).isEmpty)
        #expect(try f.store.teamWarnings(for: [("a.json", definition("a", teams: ["payroll"])), ("b.json", definition("b", teams: ["payroll"]))]).isEmpty)
        // Two new teams a letter apart in one apply: each is warned about (one of them is a typo).
        let pair = try f.store.teamWarnings(for: [("a.json", definition("a", teams: ["procurement"])), ("b.json", definition("b", teams: ["procurment"]))])
        #expect(pair.count == 2 && pair[1].hasPrefix("b.json: field 'steps[0].team': team 'procurment' is new") && pair[1].contains("did you mean 'procurement'?"))
    }

    @Test func withARosterEveryTeamOutsideItIsWarnedAbout() throws {
        let f = try StoreFixture()
        #expect(try f.store.apply(team: TeamDefinition(key: "ta", name: "Team A")) == .updated)   // known from a definition
        #expect(try f.store.apply(team: TeamDefinition(key: "ops", name: "Operations")) == .added)
        #expect(try f.store.apply(team: TeamDefinition(key: "ops", name: "Operations")) == .unchanged)
        #expect(try f.store.rosterTeams() == ["ops", "ta"])
        let warnings = try f.store.teamWarnings(for: [("x.json", definition("x", teams: ["ta", "tb", "opps"]))])
        #expect(warnings.count == 2)
        #expect(warnings[0].hasPrefix("x.json: field 'steps[1].team': team 'tb' is not on the team roster"))
        #expect(warnings[1].contains("team 'opps' is not on the team roster") && warnings[1].contains("did you mean 'ops'?"))
        #expect(try f.store.db.scalar("SELECT name FROM teams WHERE key = 'ta'")?.string == "Team A")
    }

    @Test(arguments: [
        (#"{"key": "it", "name": "IT", "members": []}"#, "t.json: field 'members': is not a known field (known: key, name, calendar)"),
        (#"{"key": "it", "nme": "IT"}"#, "t.json: field 'nme': is not a known field; did you mean 'name'?"),
        (#"{"name": "IT"}"#, "t.json: field 'key': is required"),
        (#"{"key": "i t"}"#, "t.json: field 'key': 'i t' must be letters"),
        (#"{"key": "it", "name": 3}"#, "t.json: field 'name': must be a string"),
        (#"["it"]"#, "t.json: must be a JSON object"),
        (#"{"key": "#, "t.json: is not valid JSON"),
    ])
    func teamFilesAreChecked(_ json: String, _ message: String) {
        do {
            _ = try TeamDefinition.parse(Data(json.utf8), file: "t.json")
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }
}
