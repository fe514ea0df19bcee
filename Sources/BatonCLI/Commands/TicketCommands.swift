import BatonCore
import Foundation
import Orchestration
import Reporting
import SQLite

enum TicketCommands {
    static let group = CommandSpec(
        name: "ticket",
        abstract: "Open, show, close and cancel tickets; print a ticket's history.",
        subcommands: [open, show, history, close, cancel])

    static let open = CommandSpec(
        name: "open",
        abstract: "Open a ticket for a service and print its id.",
        discussion: "Intake fields are checked against the service's form (required, type, choice options).\nExample: baton ticket open onboarding --title 'Onboard Ana' --requester ana --field employee=Ana --field start_date=2026-12-01",
        arguments: [.arg("service", "The service key.")],
        options: [
            .value("title", "TEXT", "What the request is about.", required: true),
            .value("requester", "WHO", "Who asks (default: $BATON_ACTOR, else $USER, else the login name)."),
            .value("field", "KEY=VALUE", "An intake value.", repeating: true),
            .value("at", "TIME", "When it was opened, ISO 8601 (default: now)."),
            .value("id", "ID", "Use this ticket id instead of the next T-NNNN."),
        ],
        run: { inv in
            let title = try inv.required("title")
            let store = try CommandSupport.store(inv)
            let requester = inv.value("requester") ?? CommandSupport.actor(inv)
            let id = try store.openTicket(service: inv.arguments[0], title: title, requester: requester,
                                          fields: try CommandSupport.pairs(inv, "field"),
                                          at: try CommandSupport.eventInstant(inv), id: inv.value("id"))
            inv.out.line(id)
            return 0
        })

    static let show = CommandSpec(
        name: "show",
        abstract: "The requester's view: a ticket's service, state, and every step with its team, state, since when and who.",
        discussion: "An open ticket also shows when it is likely done (p50 and p85 of a forecast from its remaining steps' recent durations; see 'baton query forecast_tickets').",
        arguments: [.arg("id", "The ticket id.")],
        options: [RowFormat.option, .value("as-of", "TIME", "Forecast as of this instant, ISO 8601 (default: now, for an open ticket).")],
        run: { inv in
            let format = try RowFormat.from(inv)
            let store = try CommandSupport.store(inv)
            let view = try store.ticketView(inv.arguments[0])
            let t = view.ticket
            let asOf = try CommandSupport.instant(inv, "as-of") ?? Instant.now()
            // The requester's view does not depend on the forecast: without the queries folder it shows no ETA.
            let eta = t.state == .open || inv.value("as-of") != nil ? (try? TicketETA.of(ticket: t.id, service: t.service, db: store.db, asOf: asOf,
                                                            workingDirectory: inv.context.workingDirectory,
                                                            environment: inv.context.environment)) ?? nil : nil
            switch format {
            case .json:
                var header = "{\"id\": \(JSONText.string(t.id)), \"service\": \(JSONText.string(t.service)), \"service_version\": \(t.serviceVersion), "
                header += "\"title\": \(JSONText.value(t.title.map(SQLValue.text) ?? .null)), \"requester\": \(JSONText.value(t.requester.map(SQLValue.text) ?? .null)), "
                header += "\"state\": \(JSONText.string(t.state.rawValue)), \"opened_at\": \(JSONText.string(Instant.iso(t.openedAt ?? 0))), "
                header += "\"closed_at\": \(t.closedAt.map { JSONText.string(Instant.iso($0)) } ?? "null"), "
                header += "\"intake\": {" + t.intake.sorted { $0.key < $1.key }.map { "\(JSONText.string($0.key)): \(JSONText.string($0.value))" }.joined(separator: ", ") + "}, "
                header += "\"eta\": " + (eta.map { "{\"p50_at\": \(JSONText.string(Instant.iso($0.p50))), \"p85_at\": \(JSONText.string(Instant.iso($0.p85))), \"method\": \(JSONText.string($0.method))}" } ?? "null") + ", "
                header += "\"steps\": "
                inv.out.write(header)
                RowPrinter.print(columns: view.columns, rows: view.rows, format: .json, to: inv.out)
                inv.out.line("}")
            case .csv, .tsv, .ndjson:  // the steps, one record each
                RowPrinter.print(columns: view.columns, rows: view.rows, format: format, to: inv.out)
            case .table:
                // Every text from the store goes through TerminalText.safe (control characters made visible).
                let safe = { (s: String?) in TerminalText.safe(s ?? "") }
                inv.out.line("\(safe(t.id))  \(safe(t.title))")
                inv.out.line("Service:   \(safe(view.serviceName)) (\(safe(t.service)) v\(t.serviceVersion))")
                inv.out.line("Requester: \(safe(t.requester))")
                var state = "State:     \(t.state.rawValue), opened \(Instant.iso(t.openedAt ?? 0))"
                if let c = t.closedAt { state += ", closed \(Instant.iso(c))" }
                if let c = t.cancelledAt { state += ", cancelled \(Instant.iso(c))" }
                inv.out.line(state)
                if let eta {
                    let basis = eta.method == "steps" ? "its remaining steps" : "its service's lead times"
                    inv.out.line("Forecast:  likely done by \(Instant.iso(eta.p50)) (50 %), by \(Instant.iso(eta.p85)) (85 %), from \(basis) over the last \(eta.windowDays) days\(inv.value("as-of") == nil ? "" : ", as of \(Instant.iso(asOf))")")
                }
                for (k, v) in t.intake.sorted(by: { $0.key < $1.key }) { inv.out.line("  \(safe(k)): \(safe(v))") }
                inv.out.line()
                RowPrinter.print(columns: view.columns, rows: view.rows, format: .table, to: inv.out)
            }
            return 0
        })

    static let history = CommandSpec(
        name: "history",
        abstract: "A ticket's audit trail: every event, in order, with its actor, source, team, task and note.",
        discussion: "Events from the command line have source 'cli'; imported ones the file they came from.",
        arguments: [.arg("id", "The ticket id.")],
        options: [RowFormat.option],
        run: { inv in
            try CommandSupport.printRows(inv) {
                try CommandSupport.store(inv).ticketHistory(inv.arguments[0]).map { row in
                    Row(columns: row.columns, values: row.values.enumerated().map { i, v in
                        if i == 0, case .integer(let t) = v { return .text(Instant.iso(t)) }  // `at`
                        return v
                    })
                }
            }
        })

    static func ending(_ kind: EventKind, _ abstract: String) -> CommandSpec {
        CommandSpec(
            name: kind == .closed ? "close" : "cancel",
            abstract: abstract,
            arguments: [.arg("id", "The ticket id.")],
            options: [.value("by", "WHO", StepCommands.byHelp),
                      .value("at", "TIME", "When, ISO 8601 (default: now)."),
                      .value("note", "TEXT", "Why.")],
            run: { inv in
                let store = try CommandSupport.store(inv)
                let id = inv.arguments[0]
                try store.record(Event(ticketID: id, kind: kind, at: try CommandSupport.eventInstant(inv),
                                       actor: CommandSupport.actor(inv), source: "cli", note: inv.value("note")))
                inv.out.line("\(id) \(kind.rawValue)")
                return 0
            })
    }

    static let close = ending(.closed, "Close a ticket whose steps are all done or skipped.")
    static let cancel = ending(.cancelled, "Cancel a ticket; its open steps end with it.")
}

enum StepCommands {
    /// The `--by` of every command that records an event (`CommandSupport.actor`).
    static let byHelp = "Who did it (default: $BATON_ACTOR, else $USER, else the login name)."

    static let actions: [(String, EventKind, String)] = [
        ("start", .started, "Start work on a ready step."),
        ("complete", .completed, "Complete a step; in an enforced-order service the next step becomes ready."),
        ("skip", .skipped, "Skip a step that is not needed for this ticket."),
        ("reopen", .reopened, "Reopen a done or skipped step: a new attempt, ready now (rework)."),
        ("pause", .paused, "Pause an active step (e.g. waiting on the requester); paused time is not active age."),
        ("resume", .resumed, "Resume a paused step."),
    ]

    static var group: CommandSpec {
        CommandSpec(
            name: "step",
            abstract: "Move a ticket's step: start, complete, skip, reopen, pause, resume; reassign it to another team.",
            discussion: "Enforced-order services refuse to start or complete a step before the previous one is done.",
            subcommands: actions.map { name, kind, abstract in
                CommandSpec(
                    name: name, abstract: abstract,
                    arguments: [.arg("ticket", "The ticket id."), .arg("step", "The step key.")],
                    options: [.value("by", "WHO", StepCommands.byHelp),
                              .value("at", "TIME", "When, ISO 8601 (default: now); not earlier than the ticket's latest event."),
                              .value("note", "TEXT", "A note kept with the event.")],
                    run: { inv in
                        let store = try CommandSupport.store(inv)
                        let (ticket, step) = (inv.arguments[0], inv.arguments[1])
                        try store.record(Event(ticketID: ticket, step: step, kind: kind,
                                               at: try CommandSupport.eventInstant(inv),
                                               actor: CommandSupport.actor(inv), source: "cli", note: inv.value("note")))
                        let state = try store.loadTicket(ticket)
                        var message = "\(ticket) \(step): \(kind.rawValue)"
                        if state?.state == .closed && kind != .reopened { message += "; every step is done, the ticket is closed" }
                        inv.out.line(message)
                        return 0
                    })
            } + [reassign])
    }

    /// `baton step reassign`: a `reassigned` event; the new team owns the run from its instant on.
    static let reassign = CommandSpec(
        name: "reassign",
        abstract: "Hand a step that is not done to another team: it leaves the old team's queue and joins the new one's.",
        discussion: """
        Records a 'reassigned' event: from its instant the run belongs to --team (its queue, its load, its alerts);
        before it, to the team that had it, so reports as of an earlier instant are unchanged. The run keeps its
        state, ready time and age. Refused when the step is already done, skipped or cancelled, or already owned
        by that team. A team no definition or import has named is accepted with a warning (it shows as unowned).
        Example: baton step reassign T-1001 it-access --team security --by ana --note 'needs a VPN exception'
        """,
        arguments: [.arg("ticket", "The ticket id."), .arg("step", "The step key.")],
        options: [.value("team", "KEY", "The team that owns the step from now on.", required: true),
                  .value("by", "WHO", StepCommands.byHelp),
                  .value("actor", "WHO", "The same as --by."),
                  .value("at", "TIME", "When, ISO 8601 (default: now); not earlier than the ticket's latest event."),
                  .value("note", "TEXT", "Why (kept with the event).")],
        run: { inv in
            let team = try inv.required("team")
            guard !team.trimmingCharacters(in: .whitespaces).isEmpty else { throw inv.usageError("--team must not be empty") }
            let store = try CommandSupport.store(inv)
            let (ticket, step) = (inv.arguments[0], inv.arguments[1])
            let before: String? = try store.loadTicket(ticket).flatMap { t in t.currentRunIndex(step).flatMap { t.runs[$0].team } }
            try store.record(Event(ticketID: ticket, step: step, kind: .reassigned, at: try CommandSupport.eventInstant(inv),
                                   actor: inv.value("actor") ?? CommandSupport.actor(inv), source: "cli", team: team,
                                   note: inv.value("note")))
            inv.out.line("\(ticket) \(step): reassigned to \(team)\(before.map { " (was \($0))" } ?? "")")
            // Not refused (a team may exist before any definition names it), but a typo should not go unnoticed.
            let teams = try store.teamKeys()
            if !teams.contains(team) {
                let hint = Suggest.closest(team, in: teams).map { " (did you mean '\($0)'?)" } ?? ""
                inv.err.line("Warning: no team '\(team)' is known\(hint); until a service definition names it, the step shows as unowned work")
            }
            return 0
        })

    static let task = CommandSpec(
        name: "task",
        abstract: "Tick off a step's checklist items.",
        subcommands: [CommandSpec(
            name: "done",
            abstract: "Mark a task of a step done.",
            arguments: [.arg("ticket", "The ticket id."), .arg("step", "The step key."), .arg("task", "The task, as named in the service definition.")],
            options: [.value("by", "WHO", StepCommands.byHelp), .value("at", "TIME", "When, ISO 8601 (default: now).")],
            run: { inv in
                let store = try CommandSupport.store(inv)
                try store.record(Event(ticketID: inv.arguments[0], step: inv.arguments[1], kind: .taskDone,
                                       at: try CommandSupport.eventInstant(inv),
                                       actor: CommandSupport.actor(inv), source: "cli", task: inv.arguments[2]))
                inv.out.line("\(inv.arguments[0]) \(inv.arguments[1]): task '\(inv.arguments[2])' done")
                return 0
            })])
}

enum ViewCommands {
    static let queue = CommandSpec(
        name: "queue",
        abstract: "A team's queue: its ready, active and paused steps, oldest first, with their age.",
        arguments: [.arg("team", "The team key.")],
        options: [RowFormat.option],
        run: { inv in
            try CommandSupport.printRows(inv, columns: ["ticket_id", "title", "service", "step", "state", "ready_at", "age_hours", "by"]) {
                try CommandSupport.store(inv).queue(team: inv.arguments[0])
            }
        })

    static let open = CommandSpec(
        name: "open",
        abstract: "The manager's view: open tickets by service and current step, with counts and ages.",
        discussion: """
        A ticket no team owns, because none of its steps is open, is shown as '(between steps)' in a service created
        by an import (it waits until its log shows the next step) and '(all steps done, not closed)' in a defined
        service ('(no step ready)' when a step still waits). The age of those rows counts from the last step done
        (else the opening), that of the others from the opening: age_from says which.
        """,
        options: [RowFormat.option],
        run: { inv in
            try CommandSupport.printRows(inv, columns: ["service", "current_step", "tickets", "oldest_age_hours", "median_age_hours", "age_from"]) {
                try CommandSupport.store(inv).openWork()
            }
        })
}
