import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// `definition_health` on planted drift (`DraftPlantedLog`), imported grouped by ticket, time-ordered and shuffled:
/// every planted disagreement is found with the change it proposes, and nothing else is.
@Suite(.serialized) struct DefinitionHealthTests {
    static let window: [String: SQLValue] = ["from": .integer(DraftPlantedLog.from), "to": .integer(DraftPlantedLog.to),
                                             "as_of": .integer(DraftPlantedLog.to)]

    static func findings(_ db: Database, _ parameters: [String: SQLValue] = window) throws -> [Row] {
        let out = try QueryRunner.run(try QueryFile.named("definition_health"), on: db, parameters: parameters)
        return out.rows.map { Row(columns: out.columns, values: $0) }
    }

    @Test(arguments: ServiceDraftTests.orders)
    func findsThePlantedDrift(order: String) throws {
        try ServiceDraftTests.withFolder("health-\(order)") { folder in
            let store = try DraftPlantedLog.make().store(order, in: folder)
            let rows = try Self.findings(store.db)
            let found = rows.map { [$0.string("finding"), $0.string("step"), $0.string("item"), $0.string("op"), $0.string("path"), $0.string("value")] }
            // The drafted targets, from the draft (the same rounding of the same p85), for the proposals.
            let draft = try ServiceDraft.make(store: store, service: "plant", window: .init(from: DraftPlantedLog.from, to: DraftPlantedLog.to,
                                                                                          asOf: DraftPlantedLog.to)) { try QueryFile.named($0) }
            let targets = Dictionary(uniqueKeysWithValues: draft.definition.steps.map { ($0.key, $0.target ?? "") })
            #expect(found == [
                ["target-never-met", "a", "15m", "replace", "/steps/0/target", "\"\(targets["a"]!)\""],
                ["task-never-ticked", "a", "Legacy form", "remove", "/steps/0/tasks/1", nil],
                ["team-idle", "c", "old-team", "replace", "/steps/2/team", "\"gamma\""],
                ["target-stale", "d", "10d", "replace", "/steps/3/target", "\"\(targets["d"]!)\""],
                ["always-skipped", "e", "e", "remove", "/steps/4", nil],
            ], "\(rows.map { "\($0.string("finding") ?? "") \($0.string("evidence") ?? "")" })")
            #expect(targets["a"] == "3h" && targets["d"] == "2h")
            #expect(rows.allSatisfy { $0.string("service") == "plant" && !($0.string("proposal") ?? "").isEmpty })
            #expect(rows.first { $0.string("finding") == "always-skipped" }?.string("evidence") == "not done on 100.0% of 200 tickets (skipped on 200, never run on 0) >= 95%")
            #expect(rows.first { $0.string("finding") == "team-idle" }?.int("basis") == 120)
            // The stale line itself: at a factor above what d beats its target by, d is no longer stale.
            let strict = try Self.findings(store.db, Self.window.merging(["stale_factor": .real(500)]) { $1 })
            #expect(!strict.contains { $0.string("finding") == "target-stale" })
            // The patch applies: the definition with every proposal made (from the last path up) is accepted.
            var object = try #require(try JSONSerialization.jsonObject(with: Data(DraftPlantedLog.definitionJSON.utf8)) as? [String: Any])
            var steps = try #require(object["steps"] as? [[String: Any]])
            steps[3]["target"] = targets["d"]; steps[2]["team"] = "gamma"; steps[0]["target"] = targets["a"]
            steps[0]["tasks"] = ["Check"]; steps.remove(at: 4)
            object["steps"] = steps
            let patched = try ServiceDefinition.parse(try JSONSerialization.data(withJSONObject: object), file: "patched.json")
            try store.apply(patched)
            let after = try Self.findings(store.db)
            #expect(after.isEmpty, "\(after.map { $0.string("evidence") ?? "" })")
        }
    }

    /// Intake fields (tickets opened live, with their form): one never filled, one always the same; a varied one is fine.
    @Test func findsEmptyAndConstantIntakeFields() throws {
        try ServiceDraftTests.withFolder("health-intake") { folder in
            let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
            try store.apply(try ServiceDefinition.parse(Data("""
                {"key": "form", "name": "Form", "intake": [
                   {"key": "site", "label": "Site", "type": "text"}, {"key": "unused", "label": "Unused", "type": "text"},
                   {"key": "varied", "label": "Varied", "type": "text"}],
                 "steps": [{"key": "do", "name": "Do", "team": "ops"}]}
                """.utf8), file: "form.json"))
            let start = DraftPlantedLog.from
            for n in 0..<25 {
                let opened = start + Int64(n) * 3_600
                let id = try store.openTicket(service: "form", title: "t\(n)", requester: "r", fields: ["site": "HQ \"main\"", "varied": "v\(n % 3)"], at: opened)
                try store.record(Event(ticketID: id, step: "do", kind: .started, at: opened + 60, actor: "x"))
                try store.record(Event(ticketID: id, step: "do", kind: .completed, at: opened + 120, actor: "x"))
            }
            let rows = try Self.findings(store.db)
            #expect(rows.map { [$0.string("finding"), $0.string("item"), $0.string("path")] } == [
                ["field-constant", "site", "/intake/0"], ["field-always-empty", "unused", "/intake/1"]])
            #expect(rows.first?.string("evidence") == "\"HQ \"main\"\" on all 25 tickets")
            // Under min_tickets nothing is judged.
            #expect(try Self.findings(store.db, Self.window.merging(["min_tickets": .integer(26)]) { $1 }).isEmpty)
        }
    }
}
