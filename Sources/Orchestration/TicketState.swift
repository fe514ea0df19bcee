import SQLite

/// The projection of one ticket: the row of `tickets`, its step runs, pauses and checklist items.
public struct TicketState: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        public var step: String
        public var team: String?
        public var position: Int?
        public var attempt: Int
        public var state: RunState
        public var readyAt: Int64?
        public var startedAt: Int64?
        public var doneAt: Int64?
        public var pausedSeconds: Int64 = 0
        public var actor: String?
        /// Pause intervals; the last may be open (resumedAt nil) while paused.
        public var pauses: [Pause] = []
        /// When the run became open work as far as the events tell: the later of `readyAt` and the instant of the
        /// event that made it (a derived ready instant can be earlier than the event that revealed the run). A
        /// report as of A counts the run as open only from here, so it equals a report on the events up to A.
        public var knownAt: Int64?
        /// Changes of team while the run was open, in time order (the run's `team` is the last one's `to`).
        public var reassignments: [Reassignment] = []
        /// History mode: a `ready` (XES schedule) that came while the run was active readies the next attempt
        /// when this one ends. Not stored: it is derived again whenever the events are replayed.
        public var rescheduledAt: Int64?

        public struct Pause: Sendable, Equatable {
            public var pausedAt: Int64
            public var resumedAt: Int64?
        }

        public struct Reassignment: Sendable, Equatable {
            public var at: Int64
            public var from: String?
            public var to: String
        }

        /// The team that owned the run at `at` (its first team before the first reassignment).
        public func team(at instant: Int64) -> String? {
            guard let next = reassignments.first(where: { $0.at > instant }) else { return team }
            return next.from
        }

        public var isOpen: Bool { state == .ready || state == .active || state == .paused }
        public var isFinished: Bool { state == .done || state == .skipped }
    }

    public enum RunState: String, Sendable, Codable {
        case waiting, ready, active, paused, done, skipped, cancelled
    }

    public struct TaskDone: Sendable, Equatable {
        public var step: String
        public var task: String
        public var at: Int64
        public var actor: String?
    }

    public enum State: String, Sendable, Codable { case open, closed, cancelled }

    public var id: String
    public var service: String = ""
    public var serviceVersion: Int = 0
    public var requester: String?
    public var title: String?
    public var intake: [String: String] = [:]
    public var state: State = .open
    public var openedAt: Int64?
    public var closedAt: Int64?
    public var cancelledAt: Int64?
    public var lastEventAt: Int64 = .min
    public var runs: [Run] = []
    public var tasks: [TaskDone] = []

    public init(id: String) { self.id = id }

    public var isOpened: Bool { openedAt != nil }

    /// Index of the latest attempt of a step.
    public func currentRunIndex(_ step: String) -> Int? { runs.lastIndex { $0.step == step } }
}
