import BatonCore
import Foundation
import Orchestration
import Reporting
import SQLite

/// A canonical log with planted order structure, for the variants and conformance tests: each service's tickets
/// work its declared steps one after another, and chosen tickets deviate in a planted way (two steps swapped, a
/// step reworked, skipped or left out). What was planted is kept per ticket, so the expected counts come from the
/// plan, and the expected variants from the log's rows, never from the store.
struct PlantedOrderLog {
    enum Deviation: Hashable { case swap(Int), rework(Int), skip(Int), absent(Int) }

    struct Plan: Sendable {
        var service: String
        var enforced: Bool
        var steps: [String]
        var tickets: Int
        /// The deviations of ticket n of the service.
        var deviations: @Sendable (Int) -> [Deviation]
    }

    struct Ticket {
        var id: String
        var service: String
        var opened: Int64
        var closed: Int64?
        var deviations: [Deviation]
    }

    static let from = Instant.parse("2026-01-05T00:00:00Z")!
    static let to = Instant.parse("2026-03-30T00:00:00Z")!   // 12 weeks

    /// steady: flexible, 97 % in the declared order; loose: flexible, 60 %; strict: enforced, every kind planted
    /// (and one ticket in 50 both swapped and reworked); routed: enforced, 30 % swapped; tiny: too few tickets.
    static let plans: [Plan] = [
        Plan(service: "steady", enforced: false, steps: ["a", "b", "c", "d"], tickets: 200) { $0 % 100 < 3 ? [.swap(1)] : [] },
        Plan(service: "loose", enforced: false, steps: ["a", "b", "c", "d"], tickets: 200) { $0 % 5 < 2 ? [.swap(2)] : [] },
        Plan(service: "strict", enforced: true, steps: ["p", "q", "r", "s"], tickets: 200) { n in
            switch n % 25 {
            case 1: return [.swap(1)]
            case 2: return [.rework(1)]
            case 3: return [.skip(3)]
            case 4: return [.absent(2)]
            case 5 where n % 50 == 5: return [.swap(0), .rework(2)]
            default: return []
            }
        },
        Plan(service: "routed", enforced: true, steps: ["x", "y", "z"], tickets: 100) { $0 % 10 < 3 ? [.swap(0)] : [] },
        Plan(service: "tiny", enforced: true, steps: ["t1", "t2"], tickets: 10) { _ in [] },
    ]

    var header = "ticket_id,service,step,team,event,at,actor"
    var rows: [String] = []
    var tickets: [Ticket] = []

    /// The service definitions of the plans, as JSON files would give them.
    static func definitions() throws -> [ServiceDefinition] {
        try plans.map { plan in
            let steps = plan.steps.map { "{\"key\": \"\($0)\", \"name\": \"\($0)\", \"team\": \"ops\", \"kind\": \"task\"}" }
            let json = "{\"key\": \"\(plan.service)\", \"name\": \"\(plan.service)\", \"enforce_order\": \(plan.enforced), \"steps\": [\(steps.joined(separator: ", "))]}"
            return try ServiceDefinition.parse(Data(json.utf8), file: "\(plan.service).json")
        }
    }

    /// Every plan's tickets, spread over the window; besides, 5 strict tickets closed after it and 3 left open
    /// (neither may count).
    static func make(seed: UInt64 = 17) -> PlantedOrderLog {
        var log = PlantedOrderLog()
        var rng = SplitMix64(seed: seed)
        let span = Double(to - from - 3 * 86_400)
        for plan in plans {
            for n in 0..<plan.tickets {
                let opened = from + Int64(Double(n) / Double(plan.tickets) * span) + Int64(rng.next() % 3_600)
                log.work(plan, n: n, opened: opened, close: true, rng: &rng)
            }
        }
        let strict = plans[2]
        for n in 0..<8 { log.work(strict, n: 1_000 + n, opened: to - 3_600 + Int64(n) * 60, close: n < 5, rng: &rng) }
        return log
    }

    /// Writes one ticket's rows: the declared steps in order, each started and completed after a short wait,
    /// changed by the ticket's planted deviations.
    mutating func work(_ plan: Plan, n: Int, opened: Int64, close: Bool, rng: inout SplitMix64) {
        let id = "\(plan.service)-\(n)", deviations = plan.deviations(n)
        var order = plan.steps
        for case .swap(let i) in deviations { order.swapAt(i, i + 1) }
        var t = opened
        rows.append("\(id),\(plan.service),,,opened,\(Instant.iso(t)),req")
        func row(_ step: String, _ event: String) {
            t += 300 + Int64(rng.next() % 3_000)   // distinct instants: no two events of a ticket tie
            rows.append("\(id),\(plan.service),\(step),ops,\(event),\(Instant.iso(t)),a")
        }
        for step in order {
            let i = plan.steps.firstIndex(of: step)!
            if deviations.contains(.absent(i)) { continue }
            if deviations.contains(.skip(i)) { row(step, "skipped"); continue }
            row(step, "started"); row(step, "completed")
            if deviations.contains(.rework(i)) { row(step, "reopened"); row(step, "started"); row(step, "completed") }
        }
        var closed: Int64?
        if close { t += 60; closed = t; rows.append("\(id),\(plan.service),,,closed,\(Instant.iso(t)),a") }
        tickets.append(Ticket(id: id, service: plan.service, opened: opened, closed: closed, deviations: deviations))
    }

    /// The tickets closed in [from, to).
    var closedInWindow: [Ticket] { tickets.filter { ($0.closed ?? .max) >= Self.from && ($0.closed ?? .max) < Self.to } }

    /// Each closed ticket's variant worked out from the rows alone: its completed events in time order.
    func variantsFromRows() -> [String: String] {
        let window = Set(closedInWindow.map(\.id))
        var done: [String: [(Int64, String)]] = [:]
        for line in rows {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard window.contains(f[0]), f[4] == "completed", let at = Instant.parse(f[5]) else { continue }
            done[f[0], default: []].append((at, f[2]))
        }
        return done.mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: " > ") }
    }

    /// The log's lines (header first) in the order asked for: as written (grouped by ticket), by time, or shuffled.
    func lines(_ order: String) -> [String] {
        var lines = rows
        switch order {
        case "time-ordered":
            func at(_ line: String) -> Substring { line.split(separator: ",", omittingEmptySubsequences: false)[5] }
            lines.sort { at($0) < at($1) }
        case "shuffled": lines = lines.indices.map { lines[($0 * 7_919) % lines.count] }
        default: break
        }
        return [header] + lines
    }

    /// A store with the plans' services and the log imported in the order asked for.
    func store(_ order: String, in folder: URL) throws -> OrchestrationStore {
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        for definition in try Self.definitions() { try store.apply(definition) }
        let file = folder.appendingPathComponent("log-\(order).csv").path
        try lines(order).joined(separator: "\n").appending("\n").write(toFile: file, atomically: true, encoding: .utf8)
        let summary = try EventLogImporter(store: store).run(try ByteSource(path: file), options: .init(format: .csv))
        guard summary.rejected == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: file]) }
        return store
    }
}
