import Foundation
import SQLite

/// One alert: a stalled step run, unowned open work, an unwatched team queue, or a ticket waiting between steps
/// (a handoff: open, but no step run of it is open, so no team owns it).
public struct Alert: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case stalled, unowned, unwatched, handoff
    }

    public var kind: Kind
    public var ticketID: String
    public var service: String
    /// Handoff: the last step done (empty when none is).
    public var step: String
    /// nil when the step has no team. Handoff: the team of the last step done (nil when none is).
    public var team: String?
    /// The run's state at as_of: ready, active or paused; handoff: `between-steps`.
    public var state: String
    /// Handoff: since when the ticket waits (the last step's done_at, else its opening).
    public var readyAt: Int64
    public var ageHours: Double
    public var activeAgeHours: Double
    /// Stalled: the threshold in hours; unwatched: the unwatched period in hours; handoff: `handoff_hours`;
    /// unowned: nil.
    public var thresholdHours: Double?
    /// Stalled: `target`, `p85` (or the configured percentile) or `default`; unowned: `no-team`, `unknown-team`
    /// or `undefined-team`; unwatched: `unwatched-days`; handoff: `between-steps` (a service created by an import),
    /// `all-steps-done` or `no-step-ready` (a defined service).
    public var source: String
    /// Unwatched: when the team last started a step (nil: never).
    public var lastStartedAt: Int64?
    /// True when no earlier as_of reported this alert.
    public var isNew: Bool

    /// The alert's identity across runs: the run (ticket, step and ready instant, which differs for each attempt).
    /// Unwatched alerts include the team's last start, so a queue picked up and then abandoned again is a new alert.
    /// Handoffs: the ticket and since when it waits, so each wait between two steps is its own alert.
    public var key: String {
        switch kind {
        case .stalled, .unowned: return "\(kind.rawValue)/\(ticketID)/\(step)/\(readyAt)"
        case .unwatched: return "unwatched/\(team ?? "")/\(lastStartedAt.map(String.init) ?? "never")"
        case .handoff: return "handoff/\(ticketID)/\(readyAt)"
        }
    }
}

/// The thresholds and window in force for an alert run; every one is an option of `baton alerts`.
public struct AlertSettings: Sendable, Equatable {
    public var asOf: Int64
    /// Percentile of time in step used as a threshold (DESIGN: p85).
    public var percentile: Double = 0.85
    public var windowDays: Int = 90
    public var minimumRuns: Int = 20
    public var defaultHours: Double = 72
    public var unwatchedDays: Int = 3
    /// A ticket waiting between steps (no step run open) longer than this many hours is a handoff alert.
    public var handoffHours: Double = 24
    /// Only these teams (empty: all).
    public var teams: [String] = []

    public init(asOf: Int64) { self.asOf = asOf }

    var parameters: [String: SQLValue] {
        // Both spellings: the report engine's stalled.sql names its parameters stall_*.
        ["as_of": .integer(asOf), "percentile": .real(percentile), "window_days": .integer(Int64(windowDays)),
         "min_runs": .integer(Int64(minimumRuns)), "default_hours": .real(defaultHours),
         "stall_percentile": .real(percentile), "stall_window_days": .integer(Int64(windowDays)),
         "stall_min_runs": .integer(Int64(minimumRuns)), "stall_default_hours": .real(defaultHours),
         "unwatched_days": .integer(Int64(unwatchedDays)), "handoff_hours": .real(handoffHours)]
    }
}

/// Open work of one team at as_of (for the gauges).
public struct TeamOpenWork: Sendable, Equatable {
    public var team: String
    public var openRuns: Int
    public var ready: Int
    public var active: Int
    public var paused: Int
    public var oldestReadyAt: Int64?
}

/// The result of one alert run: what every format renders.
public struct AlertReport: Sendable {
    public var settings: AlertSettings
    public var generatedAt: Int64
    public var alerts: [Alert]
    public var openWork: [TeamOpenWork]

    public var newCount: Int { alerts.filter(\.isNew).count }
}
