import BatonCore
import Foundation

/// A log with a planted before/after effect at a service version boundary, and the per-ticket values it planted.
///
/// Service `effect`, version 1: intake, check, ship, tidy (one after another, team ops). Version 2 automates `check`
/// and removes `tidy`. Tickets of version 1 (the first half of the window): check takes lognormal(4 h, σ 0.4), tidy
/// 1 h and is done twice on every fifth ticket. Tickets of version 2: check takes lognormal(0.5 h, σ 0.4). On both
/// sides ship waits lognormal(2 h, σ 0.7) before it starts (no effect planted downstream), and nothing is reworked
/// but tidy.
struct PlantedAutomationLog {
    static let v1 = """
        {"key": "effect", "name": "Effect", "enforce_order": true, "steps": [
          {"key": "intake", "name": "Intake", "team": "ops", "kind": "task"},
          {"key": "check", "name": "Check", "team": "ops", "kind": "task"},
          {"key": "ship", "name": "Ship", "team": "ops", "kind": "task"},
          {"key": "tidy", "name": "Tidy", "team": "ops", "kind": "task"}]}
        """
    static let v2 = """
        {"key": "effect", "name": "Effect", "enforce_order": true, "steps": [
          {"key": "intake", "name": "Intake", "team": "ops", "kind": "task"},
          {"key": "check", "name": "Check", "team": "ops", "kind": "automated"},
          {"key": "ship", "name": "Ship", "team": "ops", "kind": "task"}]}
        """
    static let from = Instant.parse("2026-01-05T00:00:00Z")!
    static let to = Instant.parse("2026-03-30T00:00:00Z")!   // 12 weeks

    /// What each ticket was planted with (hours; rework 0 or 1), by side (0 before, 1 after).
    struct Truth { var checkHours: Double; var tidyHours: Double; var tidyReworked: Double; var shipWaitHours: Double }

    var before: [String] = [], after: [String] = []   // CSV rows without the header, per side
    var truth: [[Truth]] = [[], []]
    static let header = "ticket_id,service,step,team,event,at,actor"

    init(perSide: Int = 150, seed: UInt64 = 17) {
        var rng = SplitMix64(seed: seed)
        func lognormal(_ median: Double, _ sigma: Double) -> Double {
            let u1 = max(rng.unit(), 1e-12), u2 = rng.unit()
            return median * exp(sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
        let half = (Self.to - Self.from) / 2
        for side in 0...1 {
            for n in 0..<perSide {
                let id = "E\(side)-\(n)"
                var t = Self.from + Int64(side) * half + Int64(Double(n) / Double(perSide) * Double(half - 4 * 86_400))
                var rows: [String] = []
                func row(_ step: String, _ event: String) { rows.append("\(id),effect,\(step),\(step.isEmpty ? "" : "ops"),\(event),\(Instant.iso(t)),ann") }
                func hours(_ h: Double) { t += max(60, Int64((h * 3600).rounded())) }
                row("", "opened")
                hours(0.2); row("intake", "started"); hours(1); row("intake", "completed")
                let checkReady = t
                if side == 0 { hours(0.1); row("check", "started") }
                hours(side == 0 ? lognormal(4, 0.4) - 0.1 : lognormal(0.5, 0.4)); row("check", "completed")
                let checkHours = Double(t - checkReady) / 3600
                let shipReady = t
                hours(lognormal(2, 0.7)); row("ship", "started")
                let shipWait = Double(t - shipReady) / 3600
                hours(1); row("ship", "completed")
                var tidyHours = 0.0, reworked = 0.0
                if side == 0 {
                    let ready = t
                    hours(0.2); row("tidy", "started"); hours(0.8); row("tidy", "completed")
                    tidyHours = Double(t - ready) / 3600
                    if n % 5 == 0 {
                        hours(0.5); row("tidy", "reopened")
                        let reopened = t
                        hours(0.1); row("tidy", "started"); hours(0.5); row("tidy", "completed")
                        tidyHours += Double(t - reopened) / 3600
                        reworked = 1
                    }
                }
                hours(0.1); row("", "closed")
                truth[side].append(Truth(checkHours: checkHours, tidyHours: tidyHours, tidyReworked: reworked, shipWaitHours: shipWait))
                if side == 0 { before += rows } else { after += rows }
            }
        }
    }

    /// Rows in the order asked: as written (grouped by ticket), by time, or shuffled (a fixed permutation).
    static func ordered(_ rows: [String], _ order: String) -> [String] {
        switch order {
        case "time-ordered": return rows.sorted { $0.split(separator: ",", omittingEmptySubsequences: false)[5] < $1.split(separator: ",", omittingEmptySubsequences: false)[5] }
        case "shuffled": return rows.indices.map { rows[($0 * 7_919) % rows.count] }
        default: return rows
        }
    }
}
