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
