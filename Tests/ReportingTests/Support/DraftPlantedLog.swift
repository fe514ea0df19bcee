import BatonCore
import BatonTestSupport
import Foundation
import Orchestration
import Reporting
import SQLite

/// A canonical log with planted definition drift, for the draft and definition-health tests. Service `plant` (enforced,
/// steps a → b → c → d → e) is defined with a target on `a` no run can meet (15m; a takes 1h10m–3h), a stale target
/// on `d` (10d; d takes under 3 h), a checklist on `a` of which one item is ticked on every ticket and one never, and
/// team `old-team` on `c`, whose runs the log credits to `gamma`. Each of its 200 tickets skips `b` when n % 5 == 0
/// (20 %), `c` when n % 5 is 1 or 2 (40 %) and always `e`; `b` is done by `beta`, except by `gamma` when n % 20 ≥ 17.
/// Each run's time in step is kept, so the expected percentiles come from the plan, never from the store.
struct DraftPlantedLog {
    static let from = Instant.parse("2026-01-05T00:00:00Z")!
    static let to = Instant.parse("2026-03-30T00:00:00Z")!
    static let tickets = 200
    static let steps = ["a", "b", "c", "d", "e"]

    static let definitionJSON = """
        {"key": "plant", "name": "Planted", "enforce_order": true,
         "steps": [
           {"key": "a", "name": "Step A", "team": "alpha", "kind": "task", "target": "15m", "tasks": ["Check", "Legacy form"]},
           {"key": "b", "name": "Step B", "team": "beta", "kind": "review"},
           {"key": "c", "name": "Step C", "team": "old-team", "kind": "task"},
           {"key": "d", "name": "Step D", "team": "delta", "kind": "task", "target": "10d"},
           {"key": "e", "name": "Step E", "team": "delta", "kind": "approval"}]}
        """

    let header = "ticket_id,service,step,team,event,at,actor,task"
    var rows: [String] = []
    /// Time in step (seconds) of every completed run, by step.
    var timeInStep: [String: [Int64]] = [:]
    /// The team of every completed run, by step.
    var teams: [String: [String]] = [:]

    static func skips(_ step: String, _ n: Int) -> Bool {
        switch step {
        case "b": return n % 5 == 0
        case "c": return n % 5 == 1 || n % 5 == 2
        case "e": return true
        default: return false
        }
    }

    static func make() -> DraftPlantedLog {
        var log = DraftPlantedLog()
        for n in 0..<tickets { log.ticket(n) }
        return log
    }

    mutating func ticket(_ n: Int) {
        let id = "P-\(1000 + n)"
        var t = Self.from + Int64(n) * 6 * 3_600 + 600
        rows.append("\(id),plant,,,opened,\(Instant.iso(t)),req,")
        for step in Self.steps {
            let ready = t
            let team: String
            switch step {
            case "a": team = "alpha"
            case "b": team = n % 20 >= 17 ? "gamma" : "beta"
            case "c": team = "gamma"
            default: team = "delta"
            }
            if Self.skips(step, n) {
                t += 60
                rows.append("\(id),plant,\(step),\(team),skipped,\(Instant.iso(t)),\(team).1,")
                continue
            }
            let (wait, work): (Int64, Int64)
            switch step {
            case "a": (wait, work) = (600, 3_600 + Int64(n % 20) * 360)
            case "d": (wait, work) = (300, 1_800 + Int64(n % 10) * 360)
            default: (wait, work) = (300, 1_200 + Int64(n % 7) * 600)
            }
            t += wait
            rows.append("\(id),plant,\(step),\(team),started,\(Instant.iso(t)),\(team).1,")
            if step == "a" {
                rows.append("\(id),plant,a,alpha,task_done,\(Instant.iso(t + 60)),alpha.1,Check")
            }
            t += work
            rows.append("\(id),plant,\(step),\(team),completed,\(Instant.iso(t)),\(team).1,")
            timeInStep[step, default: []].append(t - ready)
            teams[step, default: []].append(team)
        }
        t += 60
        rows.append("\(id),plant,,,closed,\(Instant.iso(t)),delta.1,")
    }

    /// The log's lines (header first): as written (grouped by ticket), by time, or shuffled.
    func lines(_ order: String) -> [String] {
        [header] + CanonicalLog.reordered(rows, order)
    }

    /// A store with `plant` applied and the log imported in the order asked for.
    func store(_ order: String, in folder: URL) throws -> OrchestrationStore {
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        try store.apply(try ServiceDefinition.parse(Data(Self.definitionJSON.utf8), file: "plant.json"))
        let file = folder.appendingPathComponent("log-\(order).csv").path
        try lines(order).joined(separator: "\n").appending("\n").write(toFile: file, atomically: true, encoding: .utf8)
        let summary = try EventLogImporter(store: store).run(try ByteSource(path: file), options: .init(format: .csv))
        guard summary.rejected == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: file]) }
        return store
    }
}
