import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Reporting
import Orchestration
import SQLite

/// Automation readiness on a planted log: each step is generated with the property that should decide its verdict
/// (tight or wide work, a drifting median, frequent reassignment, a place that changes, no start events, judgment,
/// automation, few runs), and each must get the verdict planted for it, with the reason that held it back.
@Suite(.serialized) struct AutomationReadinessTests {
    static let service = """
        {"key": "planted", "name": "Planted", "enforce_order": true,
         "steps": [
           {"key": "tight", "name": "Tight", "team": "ops", "kind": "task"},
           {"key": "wide", "name": "Wide", "team": "ops", "kind": "task"},
           {"key": "drifting", "name": "Drifting", "team": "ops", "kind": "task"},
           {"key": "bounced", "name": "Bounced", "team": "ops", "kind": "task"},
           {"key": "swapper", "name": "Swapper", "team": "ops", "kind": "task"},
           {"key": "nostart", "name": "No start", "team": "ops", "kind": "task"},
           {"key": "approve", "name": "Approve", "team": "mgr", "kind": "approval"},
           {"key": "robot", "name": "Robot", "team": "bot", "kind": "automated"},
           {"key": "rare", "name": "Rare", "team": "ops", "kind": "task"}]}
        """

    static let from = Instant.parse("2026-01-05T00:00:00Z")!
    static let to = Instant.parse("2026-03-30T00:00:00Z")!   // 12 weeks

    struct RNG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        /// A standard normal draw (Box-Muller).
        mutating func normal() -> Double { sqrt(-2 * log(max(next(), 1e-12))) * cos(2 * .pi * next()) }
        mutating func lognormal(median: Double, sigma: Double) -> Double { median * exp(sigma * normal()) }
    }

    /// 240 tickets over the window; each works its steps one after another, in the planted order.
    static func plantedLog() -> String {
        var rng = RNG(state: 7)
        var rows = ["ticket_id,service,step,team,event,at,actor"]
        let span = Double(to - from) - 86_400 * 3
        for n in 0..<240 {
            let id = "P-\(n)"
            let opened = from + Int64(Double(n) / 240 * span)
            var t = opened
            rows.append("\(id),planted,,,opened,\(Instant.iso(t)),req")
            // `swapper` comes after `bounced` on half the tickets and after `approve` on the others (its neighbours'
            // verdicts do not depend on their order).
            var order = ["tight", "wide", "drifting", "bounced", "nostart", "approve", "robot"]
            order.insert("swapper", at: n % 2 == 0 ? 4 : 6)
            if n % 20 == 0 { order.append("rare") }
            for step in order {
                let progress = Double(t - from) / span
                let hours: Double
                switch step {
                case "wide": hours = rng.lognormal(median: 2, sigma: 1.2)
                case "drifting": hours = rng.lognormal(median: 1 + progress, sigma: 0.2)   // the median doubles
                case "robot": hours = rng.lognormal(median: 0.02, sigma: 0.2)
                default: hours = rng.lognormal(median: 1, sigma: 0.2)
                }
                let team = step == "approve" ? "mgr" : (step == "robot" ? "bot" : "ops")
                t += Int64(600 + rng.next() * 1800)                // a short wait
                let started = t
                t += Int64(hours * 3600)
                if step != "nostart" { rows.append("\(id),planted,\(step),\(team),started,\(Instant.iso(started)),a") }
                // Four runs in ten of `bounced` are handed to another team mid-run, which completes them.
                let finisher = step == "bounced" && n % 10 < 4 ? "ops2" : team
                rows.append("\(id),planted,\(step),\(finisher),completed,\(Instant.iso(t)),a")
            }
            rows.append("\(id),planted,,,closed,\(Instant.iso(t + 60)),a")
        }
        return rows.joined(separator: "\n") + "\n"
    }

    static func readiness(order: (inout [String]) -> Void = { _ in }) throws -> [String: Row] {
        let folder = try TemporaryFolder.make("readiness-\(UUID().uuidString)")
        let store = try OrchestrationStore(path: folder.appendingPathComponent("s.db").path)
        try store.apply(try ServiceDefinition.parse(Data(service.utf8), file: "planted.json"))
        var lines = plantedLog().split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        order(&lines)
        let file = folder.appendingPathComponent("log.csv").path
        try ([header] + lines).joined(separator: "\n").appending("\n").write(toFile: file, atomically: true, encoding: .utf8)
        let s = try EventLogImporter(store: store).run(try ByteSource(path: file), options: .init(format: .csv))
        #expect(s.rejected == 0)
        let out = try QueryRunner.run(try QueryFile.named("automation_readiness"), on: store.db,
                                      parameters: ["from": .integer(from), "to": .integer(to), "as_of": .integer(to)])
        var rows: [String: Row] = [:]
        for values in out.rows {
            let row = Row(columns: out.columns, values: values)
            rows[row.string("step")!] = row
        }
        return rows
    }

    @Test(arguments: ["grouped", "time-ordered", "shuffled"])
    func eachPlantedStepGetsItsVerdict(order: String) throws {
        let rows = try Self.readiness { lines in
            switch order {
            case "time-ordered": lines.sort { $0.split(separator: ",", omittingEmptySubsequences: false)[5] < $1.split(separator: ",", omittingEmptySubsequences: false)[5] }
            case "shuffled": lines = lines.indices.map { lines[($0 * 7_919) % lines.count] }
            default: break
            }
        }
        func verdict(_ step: String) -> String? { rows[step]?.string("verdict") }
        func reasons(_ step: String) -> String { rows[step]?.string("reasons") ?? "" }
        #expect(verdict("tight") == "ready", "\(reasons("tight"))")
        #expect(verdict("wide") == "stabilise-first" && reasons("wide").contains("work spread"), "\(reasons("wide"))")
        #expect(verdict("drifting") == "stabilise-first" && reasons("drifting").contains("work rose"), "\(reasons("drifting"))")
        #expect(verdict("bounced") == "stabilise-first" && reasons("bounced").contains("reassigned 40%"), "\(reasons("bounced"))")
        #expect(verdict("swapper") == "stabilise-first" && reasons("swapper").contains("same predecessor"), "\(reasons("swapper"))")
        #expect(verdict("nostart") == "needs-start-events")
        #expect(verdict("approve") == "keep-human")
        #expect(verdict("robot") == "automated")
        #expect(verdict("rare") == "too-few-runs")
        // Only the planted signal holds each unstable step back.
        #expect(!reasons("drifting").contains("spread") && !reasons("bounced").contains("spread") && !reasons("swapper").contains("spread"))
        // The ready step ranks first.
        #expect(rows.values.map { $0.string("verdict") }.filter { $0 == "ready" }.count == 1)
        #expect(rows["bounced"]?.string("team") == "ops")
    }

    /// The signals are their definitions, checked by a second computation over the same log.
    @Test func theSignalsAreTheirDefinitions() throws {
        let rows = try Self.readiness()
        // Work of `wide` from the log itself: the sample standard deviation of ln(completed - started).
        var started: [String: Int64] = [:], logs: [Double] = []
        for line in Self.plantedLog().split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f[2] == "wide", let at = Instant.parse(f[5]) else { continue }
            if f[4] == "started" { started[f[0]] = at } else if let s = started[f[0]] { logs.append(Foundation.log(Double(max(at - s, 1)) / 3600)) }
        }
        let mean = logs.reduce(0, +) / Double(logs.count)
        let sd = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logs.count - 1)).squareRoot()
        #expect(abs((rows["wide"]?.double("work_spread") ?? 0) - sd) < 1e-9)
        #expect(abs(sd - 1.2) < 0.2, "the planted sigma")
        #expect(rows["wide"]?.int("runs") == 240)
        #expect(abs((rows["bounced"]?.double("reassigned_share") ?? 0) - 0.4) < 1e-9)
        #expect(abs((rows["swapper"]?.double("predecessor_share") ?? 0) - 0.5) < 0.1)
    }
}
