import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// The draft and definition health of BPI Challenge 2013 (imported with the shipped profile), checked against a
/// second reading of the store in Swift, and the shipped sample `samples/drafted/vinst-incident.json` against the draft.
/// Data: Steeman (2013), BPI Challenge 2013 incidents, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee.
@Suite(.serialized) struct ServiceDraftRealLogTests {
    static let hasLog = TestPaths.sharedFile("bpic2013_incidents.xes.gz") != nil
    static let service = "vinst-incident"
    static let sample = TestPaths.inPackage("samples/drafted/vinst-incident.json")

    static func copy(_ label: String) throws -> TemporaryStore {
        try TemporaryStore(label, copyOf: try #require(SharedImports.bpic2013).get().dbPath)
    }

    @Test(.enabled(if: hasLog, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func draftIsTheStoresOwnReading() throws {
        let copy = try Self.copy("draft-bpic")
        let db = copy.store.db
        let draft = try ServiceDraftTests.draft(copy.store, Self.service)
        let closed = Set(try db.rows("SELECT id FROM tickets WHERE service = ? AND closed_at IS NOT NULL", [Self.service]).map { $0.string("id")! })
        #expect(draft.tickets == Int64(closed.count) && closed.count == 7_546)
        // Per step, from the runs: tickets of the closed ones that completed it; the team that completed most runs; the
        // p85 of time in step less paused time (no calendar: working time is wall time).
        var doneBy: [String: Set<String>] = [:], teamRuns: [String: [String: Int]] = [:], times: [String: [Double]] = [:]
        for r in try db.rows("SELECT ticket_id, step, team, ready_at, done_at, paused_seconds FROM step_runs WHERE service = ? AND state = 'done'", [Self.service]) {
            let step = r.string("step")!
            if closed.contains(r.string("ticket_id")!) { doneBy[step, default: []].insert(r.string("ticket_id")!) }
            if let ready = r.int("ready_at") {
                teamRuns[step, default: [:]][r.string("team") ?? "", default: 0] += 1
                times[step, default: []].append(Double(r.int("done_at")! - ready - r.int("paused_seconds")!))
            }
        }
        for step in draft.definition.steps {
            let done = Double(doneBy[step.key]?.count ?? 0)
            let leftOut = 1 - done / Double(closed.count)
            #expect(step.notes?.hasPrefix("Optional:") == (leftOut > 0.30), "\(step.key)")
            let modal = teamRuns[step.key]?.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.first?.key
            #expect(step.team == modal.flatMap { $0.isEmpty ? nil : $0 }, "\(step.key)")
            #expect(step.target == times[step.key].map { ServiceDraftTests.roundedTarget(ServiceDraftTests.percentile($0, 0.85)) }, "\(step.key)")
        }
        // In order, from the events: each closed ticket's completed steps by first completion, against the drafted order.
        let place = Dictionary(uniqueKeysWithValues: draft.definition.steps.enumerated().map { ($0.element.key, $0.offset) })
        var first: [String: [String: Int64]] = [:]
        for e in try db.rows("SELECT ticket_id, step, min(at) AS at FROM events WHERE kind = 'completed' GROUP BY ticket_id, step") {
            guard closed.contains(e.string("ticket_id")!) else { continue }
            first[e.string("ticket_id")!, default: [:]][e.string("step")!] = e.int("at")!
        }
        let inOrder = first.values.filter { steps in
            let ranked = steps.map { (at: $0.value, place: place[$0.key]!) }.sorted { ($0.at, $0.place) < ($1.at, $1.place) }
            return zip(ranked, ranked.dropFirst()).allSatisfy { $0.place <= $1.place }
        }.count + (closed.count - first.count)
        #expect(draft.inOrderShare == Double(inOrder) / Double(closed.count))
        #expect(draft.inOrderShare < 0.95 && !draft.definition.enforceOrder)
        #expect(draft.definition.leadTimeEnds == "resolved")
        // It is a definition the loader accepts, and apply stores it.
        let reread = try ServiceDefinition.parse(Data(draft.json().utf8), file: "draft.json")
        #expect(reread == draft.definition)
        if case .updated = try copy.store.apply(reread) {} else { Issue.record("the draft did not apply") }
    }

    @Test(.enabled(if: hasLog, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func sampleIsTheDraftOfTheRealLog() throws {
        let copy = try Self.copy("draft-sample")
        let draft = try ServiceDraftTests.draft(copy.store, Self.service)
        let sample = try String(contentsOfFile: Self.sample, encoding: .utf8)
        #expect(sample == draft.json(), "regenerate it: baton service draft vinst-incident --out samples/drafted/vinst-incident.json")
        let definition = try ServiceDefinition.load(path: Self.sample)
        if case .updated(let version) = try copy.store.apply(definition) { #expect(version == 2) } else { Issue.record("the sample did not apply") }
    }

    /// On BPI 2013 (a service made from the log, no targets, checklists, intake or declared teams) the findings are the
    /// relay teams: steps whose runs on closed tickets were all handed on untouched, worked out again from the runs.
    @Test(.enabled(if: hasLog, "needs ../shared/data/bpic2013_incidents.xes.gz"))
    func definitionHealthFindsTheRelaySteps() throws {
        let copy = try Self.copy("health-bpic")
        let out = try QueryRunner.run(try QueryFile.named("definition_health"), on: copy.store.db,
                                      parameters: ["from": .integer(0), "to": .integer(4_102_444_800), "as_of": .integer(4_102_444_800)])
        let rows = out.rows.map { Row(columns: out.columns, values: $0) }
        #expect(rows.allSatisfy { $0.string("finding") == "always-skipped" })
        var perStep: [String: (tickets: Set<String>, done: Set<String>)] = [:]
        for r in try copy.store.db.rows("""
            SELECT r.ticket_id, r.step, r.state FROM step_runs r JOIN tickets t ON t.id = r.ticket_id
            WHERE t.closed_at IS NOT NULL AND r.state IN ('done', 'skipped')
            """) {
            let step = r.string("step")!, ticket = r.string("ticket_id")!
            perStep[step, default: ([], [])].tickets.insert(ticket)
            if r.string("state") == "done" { perStep[step]!.done.insert(ticket) }
        }
        let expected = perStep.filter { $0.value.tickets.count >= 20 && Double($0.value.done.count) <= 0.05 * Double($0.value.tickets.count) }.keys
        #expect(Set(rows.map { $0.string("step")! }) == Set(expected) && !expected.isEmpty, "\(rows.map { $0.string("evidence") ?? "" })")
    }
}
