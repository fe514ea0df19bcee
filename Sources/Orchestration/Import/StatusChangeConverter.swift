import BatonCore

/// Turns one ticket's status-change rows (in time order) into canonical events for the state machine.
///
/// The rules (README "Importing status-change histories"):
/// - rows at the same instant collapse into the last of them;
/// - the ticket opens at its first row (or, when the profile lists `opens`, must start with one of those statuses);
/// - each change of step (the team, unless the profile names a step attribute) ends the current run —
///   `completed` when it had started, `skipped` when it was handed on before anyone worked on it — and
///   begins the next with an explicit `ready`;
/// - `active` starts (or resumes) the run; `paused` pauses it; `waiting` after work pauses it;
/// - a closing status followed by more rows is a resolution that did not hold: the run completes, and the
///   next row reopens that step (same team: `reopened`, a second attempt) or readies another;
/// - the final streak of closing rows completes the run at its first row and closes the ticket there (or, with
///   `lead_time_ends: closed`, at its last row; `TicketClosing` has the rule); a cancelling status cancels the
///   ticket, which ends the open run as cancelled;
/// - rows before the first that names a team hold the ticket in an `(unassigned)` run;
/// - a ticket already in the store continues from where its stored events before the file's first row leave it
///   (an incremental feed): no second `opened`, the run it was in goes on, and a closed ticket that the rows take up
///   again is reopened (`StateMachine`). Rows the store has already given (a feed that repeats rows) give the
///   events the store has: duplicates.
struct StatusChangeConverter {
    let service: String
    var serviceVersion: Int
    let source: String
    let opens: Set<String>?
    /// The profile's status attribute(s), for messages.
    var statusField = "status"
    var leadTimeEnds: ImportProfile.LeadTimeEnds = .resolved
    var casesComplete = false

    /// The run that holds a ticket before any team has it (status histories whose first rows name no team): its
    /// time is counted, in step times and team load, instead of being lost between the opening and the first team.
    static let unassigned = (key: "unassigned", name: "(unassigned)")

    struct Failure: Error { let line: Int; let field: String; let message: String }

    /// `stored`: the ticket's events in the store (in time order), nil for a ticket the store does not have.
    func events(ticket: String, rows allRows: [StagedRow], stored: [Event]? = nil) throws -> [(Event, Int)] {
        guard let first = allRows.first else { return [] }
        // Rows at the same instant collapse into the last of them: a state that lasted no time changes no timing,
        // and two events of one kind on one step at one instant would be the same event.
        var rows: [StagedRow] = []
        rows.reserveCapacity(allRows.count)
        for r in allRows {
            if let last = rows.last, last.at == r.at { rows[rows.count - 1] = r } else { rows.append(r) }
        }
        // The stored events before the file's first instant are what the rows before it made of the ticket (those at
        // or after it are the file's rows again, or rows this file replaces at that instant).
        let prior = stored?.filter { $0.at < first.at } ?? []
        let continues = prior.contains { $0.kind == .opened }
        if !continues, let opens, !opens.contains(first.status) {
            throw Failure(line: first.line, field: statusField,
                          message: "\(ticket): its first row has status '\(first.status)', not one that opens a ticket (\(opens.sorted().joined(separator: ", "))); a step event before its ticket was opened")
        }
        let classes = rows.map { ImportProfile.StatusClass(rawValue: $0.kind) ?? .active }
        let closing = TicketClosing.statusHistoryClosing(classes, ends: leadTimeEnds, casesComplete: casesComplete)
        // Rows before the one that ends the work are worked through; a closing row ends it, any other is worked too.
        let worked = closing.map { classes[$0.workEnds].ends ? $0.workEnds : $0.workEnds + 1 } ?? rows.count

        var conversion = Conversion(ticket: ticket, service: service, serviceVersion: serviceVersion, source: source)
        if continues {
            conversion.resume(after: prior)
            if let cancelled = conversion.ended, cancelled.kind == .cancelled,
               let k = (0..<worked).first(where: { !classes[$0].ends }) {
                throw Failure(line: rows[k].line, field: statusField,
                              message: "\(ticket): the store has it cancelled at \(Instant.iso(cancelled.at)), and a cancelled ticket is not taken up again; this row, with status '\(rows[k].status)', comes after the cancellation")
            }
        } else {
            conversion.emit(.opened, rows[0])
        }
        for i in 0..<worked { conversion.take(rows[i], classes[i]) }
        // A stored ticket that was closed (or cancelled) and that these rows do not take up again keeps its ending: a
        // closing streak that goes on in this file is the same closing, which ends later when it ends at its last row.
        if let closing, let ended = conversion.ended {
            if ended.kind == .closed, leadTimeEnds == .closed, !closing.cancels, rows[closing.closes].at > ended.at {
                conversion.emit(.closed, rows[closing.closes])
            }
        } else if let closing {
            // Closing completes the run that held the ticket; cancelling leaves it to the `cancelled` event,
            // which ends open runs as cancelled.
            if let run = conversion.current, !closing.cancels { conversion.end(run, rows[closing.workEnds], completed: true) }
            conversion.emit(closing.cancels ? .cancelled : .closed, rows[closing.closes])
        }
        return conversion.out
    }

    /// One ticket's conversion under way: the events so far, the run that holds the ticket and the one that
    /// ended last (which the next row may reopen).
    private struct Conversion {
        struct Run { var step: String; var team: String; var working = false; var paused = false; var started = false }

        let ticket: String
        let service: String
        let serviceVersion: Int
        let source: String
        var out: [(Event, Int)] = []
        var current: Run?
        var lastEnded: Run?
        var anyTeam = false
        /// The stored `closed` or `cancelled` event of a ticket continued from the store, until a row takes it up again.
        var ended: Event?

        init(ticket: String, service: String, serviceVersion: Int, source: String) {
            self.ticket = ticket
            self.service = service
            self.serviceVersion = serviceVersion
            self.source = source
        }

        /// The state the converter's own events `prior` (a stored ticket's, in time order) leave it in: the run that
        /// holds the ticket, the one that ended last, whether it has had a team, and its ending.
        mutating func resume(after prior: [Event]) {
            for e in prior {
                if let team = e.team, !team.isEmpty, team != StatusChangeConverter.unassigned.key { anyTeam = true }
                switch e.kind {
                case .opened, .taskDone:
                    break
                case .closed, .cancelled:
                    // Cancelling ends the open run; closing comes after the run completed.
                    if let run = current { lastEnded = run; current = nil }
                    ended = e
                case .ready, .reopened:
                    current = Run(step: e.step, team: e.team ?? "")
                    lastEnded = nil
                    if ended?.kind == .closed { ended = nil }
                case .completed, .skipped:
                    if let run = current, run.step == e.step { lastEnded = run; current = nil }
                default:
                    // started, resumed, paused, reassigned: the run they name holds the ticket.
                    if current?.step != e.step { current = Run(step: e.step, team: e.team ?? ""); lastEnded = nil }
                    if e.kind == .reassigned, let team = e.team { current?.team = team }
                    if e.kind == .started || e.kind == .resumed { current?.working = true; current?.started = true; current?.paused = false }
                    if e.kind == .paused { current?.paused = true }
                }
            }
        }

        mutating func emit(_ kind: EventKind, _ row: StagedRow, step: String = "", team: String? = nil) {
            // A step made ready again takes up a ticket whose closing did not hold (the state machine reopens it).
            if kind == .ready || kind == .reopened, ended?.kind == .closed { ended = nil }
            out.append((Event(ticketID: ticket, step: step, kind: kind, at: row.at, actor: row.actor.isEmpty ? nil : row.actor,
                              source: source, team: team, service: kind == .opened ? service : nil,
                              serviceVersion: kind == .opened ? serviceVersion : nil), row.line))
        }

        mutating func end(_ run: Run, _ row: StagedRow, completed: Bool) {
            // Unassigned time is waiting time that counts: that run completes when a team takes the ticket.
            let done = completed || run.started || run.step == StatusChangeConverter.unassigned.key
            emit(done ? .completed : .skipped, row, step: run.step, team: run.team)
        }

        /// A row worked through: a closing one ends the run; any other may hand the ticket to another step, then
        /// moves the run that holds it by its status class.
        mutating func take(_ row: StagedRow, _ c: ImportProfile.StatusClass) {
            if c.ends {
                if let run = current { end(run, row, completed: true); lastEnded = run; current = nil }
                return
            }
            var row = row
            if !row.team.isEmpty { anyTeam = true }
            if row.step.isEmpty && !anyTeam && current == nil && lastEnded == nil {
                row.step = StatusChangeConverter.unassigned.key
                row.team = StatusChangeConverter.unassigned.key
            }
            handOver(row)
            guard var run = current else { return }
            switch c {
            case .active:
                if run.paused {
                    emit(run.started ? .resumed : .started, row, step: run.step, team: run.team)
                } else if !run.working {
                    emit(.started, row, step: run.step, team: run.team)
                }
                run.working = true; run.paused = false; run.started = true
            case .waiting:
                if run.working && !run.paused { emit(.paused, row, step: run.step, team: run.team); run.paused = true }
            case .paused:
                if !run.paused { emit(.paused, row, step: run.step, team: run.team); run.paused = true }
            case .closed, .cancelled:
                break
            }
            current = run
        }

        /// A row naming another step ends the current run and readies the next (reopens it, when it is the step
        /// that ended last); a row naming none after a resolution that did not hold reopens the last one.
        private mutating func handOver(_ row: StagedRow) {
            if !row.step.isEmpty && row.step != current?.step {
                if let run = current { end(run, row, completed: false) }
                if current == nil, let ended = lastEnded, ended.step == row.step {
                    emit(.reopened, row, step: row.step, team: row.team)
                } else {
                    emit(.ready, row, step: row.step, team: row.team)
                }
                current = Run(step: row.step, team: row.team)
                lastEnded = nil
            } else if current == nil, let ended = lastEnded {
                // A row with no team after a resolution that did not hold: the last team takes it up again.
                emit(.reopened, row, step: ended.step, team: ended.team)
                current = Run(step: ended.step, team: ended.team)
                lastEnded = nil
            }
        }
    }
}
