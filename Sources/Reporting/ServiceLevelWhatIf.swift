import BatonCore
import Foundation
import Orchestration
import SQLite

/// A what-if of service levels: targets and calendars as if they had always applied (`baton report … --target
/// SERVICE/STEP=6h --calendar TEAM=KEY`), checked against the store and applied to this connection only — the
/// store is never written. `replay` recomputes, week by week, attainment, stalled and at-risk counts with the
/// store's settings and with the what-if, side by side.
public struct ServiceLevelWhatIf: Sendable, Equatable {
    /// `SERVICE/STEP` → target seconds.
    public var targets: [String: Int64] = [:]
    /// `TEAM` or `SERVICE/STEP` → calendar key.
    public var calendars: [String: String] = [:]

    public init(targets: [String: Int64] = [:], calendars: [String: String] = [:]) {
        self.targets = targets
        self.calendars = calendars
    }

    public var isEmpty: Bool { targets.isEmpty && calendars.isEmpty }

    /// One line for the report's definitions: what was assumed.
    public var summary: String {
        let t = targets.keys.sorted().map { "target \($0) = \(DurationText.human(Double(targets[$0]!)))" }
        let c = calendars.keys.sorted().map { "calendar of \($0) = \(calendars[$0]!)" }
        return "As if always: " + (t + c).joined(separator: "; ") + ". The store's own settings are unchanged."
    }

    /// Reads `SERVICE/STEP=DURATION` targets and `TEAM=CALENDAR` / `SERVICE/STEP=CALENDAR` calendars, each checked
    /// against the store (a service, step, team or calendar it does not know is refused, with "did you mean").
    public static func parse(targets: [(String, String)], calendars: [(String, String)], store: OrchestrationStore) throws -> ServiceLevelWhatIf {
        var result = ServiceLevelWhatIf()
        for (key, value) in targets {
            try checkStep(key, option: "--target", store: store)
            guard let seconds = DurationText.seconds(value) else {
                throw ReportingError("--target \(key)=\(value): '\(value)' is not a duration; write e.g. 30m, 4h, 2d, 1w or 1d12h")
            }
            result.targets[key] = seconds
        }
        let known = try store.calendars()
        let teams = try store.teamKeys()
        for (key, value) in calendars {
            if key.contains("/") {
                try checkStep(key, option: "--calendar", store: store)
            } else if !teams.contains(key) {
                throw ReportingError("--calendar \(key)=\(value): no team '\(key)' in the store (or name a step as SERVICE/STEP)\(Suggest.didYouMean(key, in: teams))")
            }
            guard known[value] != nil else {
                throw ReportingError("--calendar \(key)=\(value): no calendar '\(value)' in the store (apply it with 'baton calendar apply FILE')\(Suggest.didYouMean(value, in: Array(known.keys)))")
            }
            result.calendars[key] = value
        }
        return result
    }

    static func checkStep(_ key: String, option: String, store: OrchestrationStore) throws {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ReportingError("\(option) \(key): name a step as SERVICE/STEP, e.g. \(option) onboarding/it-access=6h")
        }
        let services = try store.serviceKeys()
        guard let service = try store.service(parts[0]) else {
            throw ReportingError("\(option) \(key): no service '\(parts[0])' in the store\(Suggest.didYouMean(parts[0], in: services))")
        }
        let steps = service.definition.steps.map(\.key)
        guard steps.contains(parts[1]) else {
            throw ReportingError("\(option) \(key): '\(parts[1])' is not a step of service '\(parts[0])'\(Suggest.didYouMean(parts[1], in: steps)) (steps: \(steps.joined(separator: ", ")))")
        }
    }

    /// Makes the what-if the rule of this connection (until `restore`).
    public func apply(to store: OrchestrationStore) throws {
        try store.registerServiceLevels(targets: targets, calendars: calendars)
    }

    /// Puts the store's own rule back on this connection.
    public func restore(_ store: OrchestrationStore) throws {
        try store.registerServiceLevels()
    }
}

extension ServiceLevelWhatIf {
    /// Week by week over [from, to) (ISO weeks, the last one cut at `to`): step runs with a target completed in the
    /// week, the percentage that met it, and the stalled and at-risk runs at the week's end, with the store's settings and
    /// with the what-if side by side. `parameters` are the report's (stall_* thresholds). Leaves the store's own
    /// rule registered.
    public func replay(store: OrchestrationStore, from: Int64, to: Int64, asOf: Int64,
                       parameters: [String: SQLValue], workingDirectory: String, environment: [String: String]) throws -> QueryOutput {
        func query(_ name: String) throws -> QueryFile {
            try QueryFile.named(name, workingDirectory: workingDirectory, environment: environment)
        }
        let weeks = try query("service_level_weeks"), stalled = try query("stalled"), atRisk = try query("alerts_at_risk")
        var ends: [Int64] = []
        var t = Instant.weekStart(from) + 7 * 86_400
        while t < to { ends.append(t); t += 7 * 86_400 }
        ends.append(to)
        func measure() throws -> [[Int64]] {
            var start = from
            return try ends.map { end in
                defer { start = end }
                var p = parameters
                p["from"] = .integer(start); p["to"] = .integer(end); p["as_of"] = .integer(min(end, asOf))
                let w = try QueryRunner.run(weeks, on: store.db, parameters: p).rows
                let runs = w.reduce(0) { $0 + ($1[2].int ?? 0) }, met = w.reduce(0) { $0 + ($1[3].int ?? 0) }
                let s = try QueryRunner.run(stalled, on: store.db, parameters: p).rows.count
                let r = try QueryRunner.run(atRisk, on: store.db, parameters: p).rows.count
                return [runs, met, Int64(s), Int64(r)]
            }
        }
        try restore(store)
        let before = try measure()
        try apply(to: store)
        defer { try? restore(store) }
        let after = try measure()
        func ratio(_ met: Int64, _ runs: Int64) -> SQLValue { runs == 0 ? .null : .real((1000 * Double(met) / Double(runs)).rounded() / 10) }
        let rows: [[SQLValue]] = ends.indices.map { i in
            let b = before[i], a = after[i]
            return [.text(Instant.isoWeekLabel(ends[i] - 1)), .integer(b[0]), ratio(b[1], b[0]), .integer(a[0]), ratio(a[1], a[0]),
                    .integer(b[2]), .integer(a[2]), .integer(b[3]), .integer(a[3])]
        }
        return QueryOutput(columns: ["week", "runs", "attainment_pct", "what_if_runs", "what_if_attainment_pct",
                                     "stalled_at_end", "what_if_stalled_at_end", "at_risk_at_end", "what_if_at_risk_at_end"], rows: rows)
    }
}
