import Foundation
import SQLite

/// One alert: a stalled step run, one at risk of breaching its target, unowned open work, an unwatched team
/// queue, a ticket waiting between steps (a handoff: open, but no step run of it is open, so no team owns it), or a
/// queue worked by one person or by no one (thin ownership: the early warning before it becomes unwatched).
public struct Alert: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case stalled
        case atRisk = "at_risk"
        case unowned, unwatched, handoff
        case thinOwnership = "thin_ownership"
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
    /// thin ownership: `thin_hours`; unowned: nil.
    public var thresholdHours: Double?
    /// Stalled: `target`, `p85` (or the configured percentile) or `default`; unowned: `no-team`, `unknown-team`
    /// or `undefined-team`; unwatched: `unwatched-days`; handoff: `between-steps` (a service created by an import),
    /// `all-steps-done` or `no-step-ready` (a defined service); thin ownership: `one-person` or `no-one`.
    public var source: String
    /// Unwatched and thin ownership: when the team last started a step (nil: never).
    public var lastStartedAt: Int64?
    /// True when no earlier as_of reported this alert.
    public var isNew: Bool
    /// Stalled and at risk: the working age in hours (the run's calendar; equals the active age without one).
    public var workingAgeHours: Double? = nil
    /// At risk: when the target is reached if the run stays open (nil: the calendar never works again).
    public var dueAt: Int64? = nil
    /// Stalled: working age minus the threshold, in hours.
    public var overByHours: Double? = nil
    /// What a person needs to act on it: the ticket's title and requester, and the step's name in the ticket's
    /// service version (nil when unknown; unwatched alerts have no ticket).
    public var title: String? = nil
    public var requester: String? = nil
    public var stepName: String? = nil

    /// The alert's identity across runs: the run (ticket, step and ready instant, which differs for each attempt).
    /// Unwatched alerts include the team's last start, so a queue picked up and then abandoned again is a new alert.
    /// Handoffs: the ticket and since when it waits, so each wait between two steps is its own alert. Thin ownership:
    /// the team, the source and its last start, like unwatched.
    public var key: String {
        switch kind {
        case .stalled, .atRisk, .unowned: return "\(kind.rawValue)/\(ticketID)/\(step)/\(readyAt)"
        case .unwatched: return "unwatched/\(team ?? "")/\(lastStartedAt.map(String.init) ?? "never")"
        case .handoff: return "handoff/\(ticketID)/\(readyAt)"
        case .thinOwnership: return "thin_ownership/\(team ?? "")/\(source)/\(lastStartedAt.map(String.init) ?? "never")"
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
    /// At risk: runs within this many working hours of their target (0: within the last quarter of the target).
    public var atRiskHours: Double = 0
    /// The trailing window of the target attainment gauges, in days.
    public var attainmentDays: Int = 7
    /// Thin ownership: a team's oldest ready run has waited this many working hours, and at most one person started its runs
    /// in the last `thinDays` days.
    public var thinHours: Double = 8
    public var thinDays: Int = 14
    /// Only these teams (empty: all).
    public var teams: [String] = []

    public init(asOf: Int64) { self.asOf = asOf }

    /// The value of each query parameter, one name per parameter: the names the SQL files use (`stalled.sql`'s
    /// `stall_*`, `alerts_unwatched.sql`'s `unwatched_days`, `alerts_handoff.sql`'s `handoff_hours`).
    var parameters: [String: SQLValue] {
        ["as_of": .integer(asOf), "stall_percentile": .real(percentile), "stall_window_days": .integer(Int64(windowDays)),
         "stall_min_runs": .integer(Int64(minimumRuns)), "stall_default_hours": .real(defaultHours),
         "unwatched_days": .integer(Int64(unwatchedDays)), "handoff_hours": .real(handoffHours),
         "at_risk_hours": .real(atRiskHours), "attainment_days": .integer(Int64(attainmentDays)),
         "thin_hours": .real(thinHours), "thin_days": .integer(Int64(thinDays))]
    }

    /// One setting as `baton alerts` takes it (`--unwatched-days`) and an alert definition writes it
    /// (`"unwatched_days"`), with the one range both accept.
    public struct Option: Sendable {
        /// The definition field, e.g. `unwatched_days`.
        public let key: String
        public let range: ClosedRange<Double>
        /// Only whole numbers.
        public let whole: Bool
        public let apply: @Sendable (inout AlertSettings, Double) -> Void

        /// The command-line option, e.g. `unwatched-days`.
        public var flag: String { key.replacingOccurrences(of: "_", with: "-") }

        /// What a valid value is, e.g. "a whole number in 1...3650" or "a number in 0.0...1.0".
        public var expected: String {
            whole ? "a whole number in \(Int64(range.lowerBound))...\(Int64(range.upperBound))"
                : "a number in \(range.lowerBound)...\(range.upperBound)"
        }

        /// Nil when `value` is valid, else what a valid value is.
        public func problem(_ value: Double) -> String? {
            guard value.isFinite, range.contains(value), !whole || value == value.rounded() else { return "must be \(expected)" }
            return nil
        }
    }

    /// Every numeric setting, in the order `baton alerts --help` lists them.
    public static let options: [Option] = [
        Option(key: "unwatched_days", range: 1...3650, whole: true) { $0.unwatchedDays = Int($1) },
        Option(key: "percentile", range: 0...1, whole: false) { $0.percentile = $1 },
        Option(key: "window_days", range: 1...36500, whole: true) { $0.windowDays = Int($1) },
        Option(key: "min_runs", range: 1...1_000_000, whole: true) { $0.minimumRuns = Int($1) },
        Option(key: "default_hours", range: 0...1_000_000, whole: false) { $0.defaultHours = $1 },
        Option(key: "handoff_hours", range: 0...1_000_000, whole: false) { $0.handoffHours = $1 },
        Option(key: "at_risk_hours", range: 0...1_000_000, whole: false) { $0.atRiskHours = $1 },
        Option(key: "attainment_days", range: 1...3650, whole: true) { $0.attainmentDays = Int($1) },
        Option(key: "thin_hours", range: 0...1_000_000, whole: false) { $0.thinHours = $1 },
        Option(key: "thin_days", range: 1...3650, whole: true) { $0.thinDays = Int($1) },
    ]

    /// Sets one option after checking it; the error says what a valid value is.
    public mutating func set(_ option: Option, _ value: Double) throws(ReportingError) {
        if let problem = option.problem(value) { throw ReportingError(problem) }
        option.apply(&self, value)
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

/// Target attainment of one team, service and step over the trailing window (for the gauges).
public struct TargetAttainment: Sendable, Equatable {
    public var team: String
    public var service: String
    public var step: String
    public var runs: Int
    public var met: Int
    public var ratio: Double { runs == 0 ? 0 : Double(met) / Double(runs) }
}

/// The result of one alert run: what every format renders.
public struct AlertReport: Sendable {
    public var settings: AlertSettings
    public var generatedAt: Int64
    public var alerts: [Alert]
    public var openWork: [TeamOpenWork]
    public var attainment: [TargetAttainment] = []

    public var newCount: Int { alerts.filter(\.isNew).count }
}
