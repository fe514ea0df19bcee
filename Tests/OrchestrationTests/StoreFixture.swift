import BatonCore
import BatonTestSupport
import Foundation
@testable import Orchestration
import SQLite

/// A real store in a temporary folder with two services: `seq` (enforced order a → b → c, b has tasks)
/// and `flex` (flexible order x, y).
final class StoreFixture: TemporaryStore {
    static let t0: Int64 = Instant.parse("2026-03-02T09:00:00Z")!
    static func at(_ hours: Double) -> Int64 { t0 + Int64(hours * 3600) }

    init() throws {
        try super.init("orch")
        try store.apply(ServiceDefinition(key: "seq", name: "Sequential", enforceOrder: true, intake: [
            .init(key: "who", label: "Who", type: .text, required: true),
            .init(key: "n", label: "Amount", type: .number),
            .init(key: "day", label: "Day", type: .date),
            .init(key: "dept", label: "Dept", type: .choice, options: ["eng", "sales"]),
            .init(key: "urgent", label: "Urgent", type: .bool),
        ], steps: [
            .init(key: "a", name: "Step A", team: "ta", kind: .review, target: "4h"),
            .init(key: "b", name: "Step B", team: "tb", kind: .task, tasks: ["one", "two"]),
            .init(key: "c", name: "Step C", team: "tc", kind: .approval),
        ]), at: Self.t0 - 86_400)
        try store.apply(ServiceDefinition(key: "flex", name: "Flexible", enforceOrder: false, steps: [
            .init(key: "x", name: "X", team: "tx"), .init(key: "y", name: "Y", team: "ty"),
        ]), at: Self.t0 - 86_400)
    }

    @discardableResult
    func open(_ service: String = "seq", at hours: Double = 0, title: String = "A ticket") throws -> String {
        try store.openTicket(service: service, title: title, requester: "req", fields: service == "seq" ? ["who": "ana"] : [:], at: Self.at(hours))
    }

    func act(_ id: String, _ step: String, _ kind: EventKind, at hours: Double, task: String = "") throws {
        try store.record(Event(ticketID: id, step: step, kind: kind, at: Self.at(hours), actor: "bo", task: task), mode: .strict)
    }

    func run(_ id: String, _ step: String) throws -> TicketState.Run {
        let t = try store.loadTicket(id)!
        return t.runs[t.currentRunIndex(step)!]
    }

    /// Everything a refused action must leave unchanged.
    func snapshot() throws -> String {
        try store.db.dump(["events", "tickets", "step_runs", "step_pauses", "ticket_tasks", "counters"])
    }
}
