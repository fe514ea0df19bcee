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
/// - the final streak of closing rows completes the run and closes (or cancels) the ticket at its first row.
struct StatusChangeConverter {
    let service: String
    var serviceVersion: Int
    let source: String
    let opens: Set<String>?

    struct Failure: Error { let line: Int; let field: String; let message: String }

    func events(ticket: String, rows allRows: [StagedRow]) throws -> [(Event, Int)] {
        guard let first = allRows.first else { return [] }
        // Rows at the same instant collapse into the last of them: a state that lasted no time changes no timing,
        // and two events of one kind on one step at one instant would be the same event.
        var rows: [StagedRow] = []
        rows.reserveCapacity(allRows.count)
        for r in allRows {
            if let last = rows.last, last.at == r.at { rows[rows.count - 1] = r } else { rows.append(r) }
        }
        if let opens, !opens.contains(first.status) {
            throw Failure(line: first.line, field: "status",
                          message: "\(ticket): its first row has status '\(first.status)', not one that opens a ticket (\(opens.sorted().joined(separator: ", "))); a step event before its ticket was opened")
        }
        let classes = rows.map { ImportProfile.StatusClass(rawValue: $0.kind) ?? .active }
        var finalStart = rows.count
        while finalStart > 0 && classes[finalStart - 1].ends { finalStart -= 1 }

        var out: [(Event, Int)] = []
        func emit(_ kind: EventKind, _ row: StagedRow, step: String = "", team: String? = nil) {
            out.append((Event(ticketID: ticket, step: step, kind: kind, at: row.at, actor: row.actor.isEmpty ? nil : row.actor,
                              source: source, team: team, service: kind == .opened ? service : nil,
                              serviceVersion: kind == .opened ? serviceVersion : nil), row.line))
        }
        struct Run { var step: String; var team: String; var working = false; var paused = false; var started = false }
        var current: Run?
        var lastEnded: Run?

        func end(_ run: Run, _ row: StagedRow, completed: Bool) {
            emit(completed || run.started ? .completed : .skipped, row, step: run.step, team: run.team)
        }

        emit(.opened, rows[0])
        for i in 0..<finalStart {
            let row = rows[i], c = classes[i]
            if c.ends {
                if let run = current { end(run, row, completed: true); lastEnded = run; current = nil }
                continue
            }
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
            guard var run = current else { continue }
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
        if finalStart < rows.count {
            let row = rows[finalStart]
            if let run = current { end(run, row, completed: true) }
            emit(classes[finalStart] == .cancelled ? .cancelled : .closed, row)
        }
        return out
    }
}
