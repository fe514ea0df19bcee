import BatonCore
import SQLite

/// The one state machine that applies every event, live or imported.
///
/// `strict` is the live CLI: it enforces the service's order and refuses anything a person should not do.
/// `history` records a log as it happened (imports, rebuilds): out-of-order steps are accepted and
/// ready instants derived as DESIGN says; transitions that cannot have happened are still refused.
public struct StateMachine: Sendable {
    public enum Mode: Sendable { case strict, history }

    public let mode: Mode
    public init(mode: Mode) { self.mode = mode }

    /// Applies `event` to `ticket` for a ticket of `service`. Throws `ActionRefused` and leaves
    /// `ticket` unchanged when the event is not allowed.
    public func apply(_ event: Event, to ticket: inout TicketState, service: ServiceVersion) throws {
        // In place, not on a copy (a copy would duplicate the runs at the first change, for every event of an
        // import): every refusal below comes before the ticket changes, except that a step's first event has
        // already added its run, which is taken back here.
        let runCount = ticket.runs.count
        do {
            try applyUnchecked(event, to: &ticket, service: service)
        } catch {
            if ticket.runs.count > runCount { ticket.runs.removeSubrange(runCount...) }
            throw error
        }
        ticket.lastEventAt = max(ticket.lastEventAt, event.at)
    }

    private func applyUnchecked(_ e: Event, to t: inout TicketState, service: ServiceVersion) throws {
        if mode == .strict, t.isOpened, e.at < t.lastEventAt {
            throw ActionRefused("\(t.id): \(Instant.iso(e.at)) is earlier than the ticket's latest event (\(Instant.iso(t.lastEventAt))); history is entered in order")
        }
        if e.kind != .opened && !t.isOpened {
            throw ActionRefused("\(t.id): a '\(e.kind.rawValue)' event comes before the ticket was opened")
        }
        switch e.kind {
        case .opened: try open(e, &t, service)
        case .closed, .cancelled: try end(e, &t)
        default: try stepEvent(e, &t, service)
        }
    }

    // MARK: ticket events

    private func open(_ e: Event, _ t: inout TicketState, _ service: ServiceVersion) throws {
        guard !t.isOpened else { throw ActionRefused("\(t.id) was already opened at \(Instant.iso(t.openedAt!))") }
        t.service = service.key
        t.serviceVersion = service.version
        t.title = e.title
        t.requester = e.requester ?? e.actor
        t.intake = e.intake ?? [:]
        t.state = .open
        t.openedAt = e.at
        // A defined service declares its runs up front; a service created from a log has only the runs the log shows.
        guard service.isDefined else { return }
        for (i, step) in service.definition.steps.enumerated() {
            let ready = !service.enforceOrder || i == 0
            t.runs.append(.init(step: step.key, team: step.team, position: i, attempt: 1,
                                state: ready ? .ready : .waiting, readyAt: ready ? e.at : nil, knownAt: ready ? e.at : nil))
        }
    }

    private func end(_ e: Event, _ t: inout TicketState) throws {
        guard t.state == .open else {
            // History: a closing that went on (a status history's final closing streak under `lead_time_ends: closed`,
            // fed in two files) closes the ticket at its later instant.
            if mode == .history, e.kind == .closed, t.state == .closed, let at = t.closedAt, e.at > at {
                t.closedAt = e.at
                return
            }
            throw ActionRefused("\(t.id) is already \(t.state.rawValue); it cannot be \(e.kind.rawValue)")
        }
        if mode == .strict && e.kind == .closed {
            let open = t.runs.indices.filter { t.runs[$0].isOpen || t.runs[$0].state == .waiting }
                .filter { i in t.currentRunIndex(t.runs[i].step) == i }
            if !open.isEmpty {
                let names = open.map { t.runs[$0].step }.joined(separator: ", ")
                throw ActionRefused("\(t.id) has steps not done: \(names). Complete or skip them, or cancel the ticket")
            }
        }
        for i in t.runs.indices where t.runs[i].isOpen || t.runs[i].state == .waiting {
            closePause(&t.runs[i], at: e.at)
            if t.runs[i].state != .waiting { t.runs[i].doneAt = e.at }
            t.runs[i].state = .cancelled
        }
        if e.kind == .closed {
            t.state = .closed
            t.closedAt = e.at
        } else {
            t.state = .cancelled
            t.cancelledAt = e.at
        }
    }

    // MARK: step events

    private func stepEvent(_ e: Event, _ t: inout TicketState, _ service: ServiceVersion) throws {
        guard !e.step.isEmpty else { throw ActionRefused("\(t.id): a '\(e.kind.rawValue)' event needs a step") }
        let definition = service.definition.step(e.step)
        if definition == nil && (mode == .strict || service.isDefined) {
            let known = service.definition.steps.map(\.key).joined(separator: ", ")
            throw ActionRefused("\(t.id): '\(e.step)' is not a step of service '\(service.key)' (steps: \(known))", field: "step")
        }
        if t.state != .open && mode == .strict {
            throw ActionRefused("\(t.id) is \(t.state.rawValue); its steps can no longer change")
        }
        var index = t.currentRunIndex(e.step)
        if index == nil {
            t.runs.append(.init(step: e.step, team: Self.owner(named: e, before: definition?.team), position: service.definition.position(of: e.step),
                                attempt: 1, state: .waiting))
            index = t.runs.count - 1
        }
        var i = index!
        let id = t.id
        func label() -> String { "\(id) step '\(e.step)'" }   // only for refusals: not built for every event
        if e.kind == .reassigned {
            try reassign(&t.runs[i], e, label)
            return
        }
        // The team changes before the transition (the new team owns the run from this event on); a refused event
        // takes it back with the rest.
        let before = t.runs[i]
        Self.assign(&t.runs[i], e)
        do { try transition(e, &t, &i, service, definition, label) } catch { t.runs[i] = before; throw error }
        // History: a step made ready again after the ticket closed is a closing that did not hold (an incremental
        // status-history feed reopening a resolved ticket): the ticket is open again, until it closes again.
        if mode == .history, t.state == .closed, e.kind == .ready || e.kind == .reopened {
            t.state = .open
            t.closedAt = nil
        }
    }

    /// The step event's effect on run `i`, by kind. `i` moves to the run the event ended in when it starts an
    /// attempt of its own (a step completed again in history mode).
    private func transition(_ e: Event, _ t: inout TicketState, _ i: inout Int, _ service: ServiceVersion,
                            _ definition: ServiceDefinition.Step?, _ label: () -> String) throws {
        switch e.kind {
        case .ready: try readyEvent(e, &t, i, label)
        case .started: try startedEvent(e, &t, i, service, label)
        case .paused: try pausedEvent(e, &t, i, service, label)
        case .resumed:
            guard t.runs[i].state == .paused else {
                throw ActionRefused("\(label()) is \(t.runs[i].state.rawValue), not paused; there is nothing to resume")
            }
            resume(&t.runs[i], at: e.at)
        case .completed, .skipped: try doneEvent(e, &t, &i, service, label)
        case .reopened:
            guard t.runs[i].isFinished else {
                throw ActionRefused("\(label()) is \(t.runs[i].state.rawValue); only a done or skipped step can be reopened")
            }
            newAttempt(&t, after: i, readyAt: e.at, by: e)
        case .taskDone: try taskDoneEvent(e, &t, definition, label)
        case .opened, .closed, .cancelled, .reassigned:
            break
        }
    }

    private func readyEvent(_ e: Event, _ t: inout TicketState, _ i: Int, _ label: () -> String) throws {
        switch t.runs[i].state {
        case .waiting: makeReady(&t.runs[i], at: e.at, seen: e.at)
        case .done, .skipped: newAttempt(&t, after: i, readyAt: e.at, by: e)
        case .ready where mode == .history:
            // An explicit ready event wins over a derived one.
            t.runs[i].readyAt = e.at
            t.runs[i].knownAt = e.at
        case .active where mode == .history, .paused where mode == .history:
            // Re-scheduled while the work goes on (XES schedule, start, schedule, complete, start, complete, as
            // in BPI Challenge 2012): the next attempt is ready from this instant, once this one ends.
            t.runs[i].rescheduledAt = e.at
        default: throw ActionRefused("\(label()) is \(t.runs[i].state.rawValue); it cannot become ready")
        }
    }

    private func startedEvent(_ e: Event, _ t: inout TicketState, _ i: Int, _ service: ServiceVersion, _ label: () -> String) throws {
        switch t.runs[i].state {
        case .waiting:
            try readyWaiting(&t, i, e, service)
            start(&t.runs[i], e)
        case .ready: start(&t.runs[i], e)
        case .active: throw ActionRefused("\(label()) is already active (started \(Instant.iso(t.runs[i].startedAt ?? 0)))")
        case .paused:
            if mode == .strict { throw ActionRefused("\(label()) is paused; resume it instead") }
            resume(&t.runs[i], at: e.at)
            if t.runs[i].startedAt == nil { start(&t.runs[i], e) }
        case .done, .skipped:
            if mode == .strict { throw ActionRefused("\(label()) is already \(t.runs[i].state.rawValue); reopen it first") }
            let j = newAttempt(&t, after: i, readyAt: derivedReadyAt(t, before: e.at, service), by: e)
            start(&t.runs[j], e)
        case .cancelled: throw ActionRefused("\(label()) was cancelled with its ticket")
        }
    }

    private func pausedEvent(_ e: Event, _ t: inout TicketState, _ i: Int, _ service: ServiceVersion, _ label: () -> String) throws {
        switch t.runs[i].state {
        // A ready step may be paused too: waiting on the requester before work starts stops the clock.
        case .active, .ready: pause(&t.runs[i], at: e.at)
        case .waiting where mode == .history:
            try readyWaiting(&t, i, e, service)
            pause(&t.runs[i], at: e.at)
        case .paused: throw ActionRefused("\(label()) is already paused")
        default: throw ActionRefused("\(label()) is \(t.runs[i].state.rawValue); only a ready or active step can be paused")
        }
    }

    /// `completed` or `skipped`: the run ends; a re-scheduled one leaves its next attempt ready, and in enforced
    /// order the next step becomes ready.
    private func doneEvent(_ e: Event, _ t: inout TicketState, _ i: inout Int, _ service: ServiceVersion,
                           _ label: () -> String) throws {
        switch t.runs[i].state {
        case .waiting:
            try readyWaiting(&t, i, e, service)
        case .ready, .active, .paused: break
        case .done, .skipped:
            if mode == .strict {
                throw ActionRefused("\(label()) is already \(t.runs[i].state.rawValue) (at \(Instant.iso(t.runs[i].doneAt ?? 0))); reopen it for another attempt")
            }
            // History: a step done again is another attempt (process-mining logs repeat activities without a reopening).
            i = newAttempt(&t, after: i, readyAt: derivedReadyAt(t, before: e.at, service), by: e)
        case .cancelled: throw ActionRefused("\(label()) was cancelled with its ticket")
        }
        closePause(&t.runs[i], at: e.at)
        t.runs[i].state = e.kind == .completed ? .done : .skipped
        t.runs[i].doneAt = e.at
        if e.actor != nil { t.runs[i].actor = e.actor }
        if let rescheduled = t.runs[i].rescheduledAt {
            t.runs[i].rescheduledAt = nil
            newAttempt(&t, after: i, readyAt: rescheduled, by: e)
        }
        if service.isDefined && service.enforceOrder { readyNextStep(&t, at: e.at, service) }
    }

    /// A checklist item of the step, done once: one its definition lists (in history mode, any when it lists none).
    private func taskDoneEvent(_ e: Event, _ t: inout TicketState, _ definition: ServiceDefinition.Step?, _ label: () -> String) throws {
        guard !e.task.isEmpty else { throw ActionRefused("\(label()): a task_done event needs a task") }
        if let tasks = definition?.tasks ?? (mode == .strict ? [] : nil), !tasks.contains(e.task) {
            throw ActionRefused("\(label()) has no task '\(e.task)' (tasks: \(tasks.isEmpty ? "none" : tasks.joined(separator: ", ")))", field: "task")
        }
        if t.tasks.contains(where: { $0.step == e.step && $0.task == e.task }) {
            throw ActionRefused("\(label()): task '\(e.task)' is already done")
        }
        t.tasks.append(.init(step: e.step, task: e.task, at: e.at, actor: e.actor))
    }

    // MARK: ownership

    /// Which team owns a run, the one rule for it: the team its own event names, else the team it had (the
    /// previous attempt's, or the step's team in a definition). A step worked by different teams on different
    /// tickets is owned by each ticket's own team, never by the team the step first appeared with.
    static func owner(named e: Event, before team: String?) -> String? {
        if let named = e.team, !named.isEmpty { return named }
        return team
    }

    /// An event naming another team than the run's: a run that is open changes hands at the event's instant (a
    /// reassignment, counted); one not yet open simply belongs to that team.
    private static func assign(_ run: inout TicketState.Run, _ e: Event) {
        // A run that has ended keeps the team that ended it; an event after that starts another attempt, which
        // takes the event's team (`newAttempt`).
        guard run.state == .waiting || run.isOpen else { return }
        guard let team = owner(named: e, before: run.team), team != run.team else { return }
        if run.isOpen { run.reassignments.append(.init(at: e.at, from: run.team, to: team)) }
        run.team = team
    }

    /// `baton step reassign` and imported `reassigned` events: the run changes team from this instant on.
    private func reassign(_ run: inout TicketState.Run, _ e: Event, _ label: () -> String) throws {
        guard let team = e.team, !team.isEmpty else { throw ActionRefused("\(label()): a 'reassigned' event needs the team") }
        switch run.state {
        case .ready, .active, .paused, .waiting:
            guard team != run.team else {
                if mode == .strict { throw ActionRefused("\(label()) is already owned by '\(team)'") }
                return
            }
            Self.assign(&run, e)
        case .done, .skipped, .cancelled:
            // History: a reassignment logged after the work ended changes nothing (XES `reassign` of a finished activity).
            if mode == .strict { throw ActionRefused("\(label()) is \(run.state.rawValue); only a step not yet done can be reassigned") }
        }
    }

    /// A step event reached a run that is still waiting.
    private func readyWaiting(_ t: inout TicketState, _ i: Int, _ e: Event, _ service: ServiceVersion) throws {
        if mode == .strict && service.enforceOrder && e.kind != .skipped {
            let blocking = service.definition.steps.prefix(t.runs[i].position ?? 0).first { step in
                guard let j = t.currentRunIndex(step.key) else { return true }
                return !t.runs[j].isFinished
            }
            let name = blocking.map { "'\($0.key)' (\($0.name))" } ?? "the previous step"
            throw ActionRefused("\(t.id) step '\(t.runs[i].step)' is not ready: \(name) must be done first")
        }
        let readyAt = service.enforceOrder || !service.isDefined ? derivedReadyAt(t, before: e.at, service) : (t.openedAt ?? e.at)
        makeReady(&t.runs[i], at: min(readyAt, e.at), seen: e.at)
    }

    /// DESIGN's rule for a run with no ready event: the latest completed or skipped run before `at`, else the opening.
    private func derivedReadyAt(_ t: TicketState, before at: Int64, _ service: ServiceVersion) -> Int64 {
        if service.isDefined && !service.enforceOrder { return t.openedAt ?? at }
        var latest = t.openedAt ?? at
        for r in t.runs where r.isFinished { if let d = r.doneAt, d <= at, d > latest { latest = d } }
        return latest
    }

    /// `seen`: the instant of the event that made the run ready, which can be later than the ready instant
    /// derived for it (see `TicketState.Run.knownAt`).
    private func makeReady(_ run: inout TicketState.Run, at: Int64, seen: Int64) {
        run.state = .ready
        run.readyAt = at
        run.knownAt = max(at, seen)
    }

    private func start(_ run: inout TicketState.Run, _ e: Event) {
        run.state = .active
        if run.startedAt == nil { run.startedAt = e.at }
        if e.actor != nil { run.actor = e.actor }
    }

    private func pause(_ run: inout TicketState.Run, at: Int64) {
        run.state = .paused
        run.pauses.append(.init(pausedAt: at, resumedAt: nil))
    }

    private func resume(_ run: inout TicketState.Run, at: Int64) {
        closePause(&run, at: at)
        run.state = run.startedAt == nil ? .ready : .active
    }

    private func closePause(_ run: inout TicketState.Run, at: Int64) {
        guard let last = run.pauses.indices.last, run.pauses[last].resumedAt == nil else { return }
        run.pauses[last].resumedAt = at
        run.pausedSeconds += max(0, at - run.pauses[last].pausedAt)
    }

    @discardableResult
    private func newAttempt(_ t: inout TicketState, after i: Int, readyAt: Int64, by e: Event) -> Int {
        let old = t.runs[i]
        t.runs.append(.init(step: old.step, team: Self.owner(named: e, before: old.team), position: old.position, attempt: old.attempt + 1,
                            state: .ready, readyAt: readyAt, knownAt: max(readyAt, e.at)))
        return t.runs.count - 1
    }

    /// Enforced order: the step after the furthest one done becomes ready at once.
    private func readyNextStep(_ t: inout TicketState, at: Int64, _ service: ServiceVersion) {
        let furthest = t.runs.filter(\.isFinished).compactMap(\.position).max() ?? -1
        let steps = service.definition.steps
        guard furthest + 1 < steps.count, let j = t.currentRunIndex(steps[furthest + 1].key),
              t.runs[j].state == .waiting else { return }
        makeReady(&t.runs[j], at: at, seen: at)
    }

    /// True when every step of the definition has its latest run done or skipped.
    public static func allStepsFinished(_ t: TicketState, service: ServiceVersion) -> Bool {
        service.definition.steps.allSatisfy { step in
            guard let j = t.currentRunIndex(step.key) else { return false }
            return t.runs[j].isFinished
        }
    }
}
