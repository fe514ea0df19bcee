import BatonCore
import Foundation
import Orchestration

/// How the facts become a definition: what is taken from the service's latest version (names, kinds, checklists,
/// calendars, the intake form, auto_close, lead_time_ends) and what from its history (which steps, their order,
/// teams, targets, enforce_order), with the numbers behind each choice in `notes`.
struct Drafting {
    let current: ServiceVersion
    let tickets: Int64
    let inOrderShare: Double
    let thresholds: ServiceDraft.Thresholds
    let closing: (Int64, Int64)

    func definition(_ facts: [ServiceDraft.StepFacts]) -> ServiceDefinition {
        let old = current.definition
        let steps = facts.map { f -> ServiceDefinition.Step in
            let known = old.step(f.step)
            var step = ServiceDefinition.Step(key: f.step, name: known?.name ?? f.step, team: f.team, kind: known?.kind ?? .task,
                                              target: f.target, tasks: known?.tasks, calendar: known?.calendar)
            step.notes = notes(f)
            return step
        }
        var d = ServiceDefinition(key: old.key, name: old.name, enforceOrder: enforceOrder, autoClose: current.autoClose,
                                  intake: old.intake, steps: steps, teams: old.teams)
        d.leadTimeEnds = old.leadTimeEnds
        d.notes = serviceNotes(steps: facts.count)
        return d
    }

    /// enforce_order: conformance's rule for a flexible service (in order ≥ enforce_share), judged against the drafted
    /// order; with fewer than min_tickets tickets the service's current flag stays.
    var enforceOrder: Bool {
        tickets < thresholds.minTickets ? current.enforceOrder : inOrderShare >= thresholds.enforceShare
    }

    func serviceNotes(steps: Int) -> String {
        let judged = tickets < thresholds.minTickets
            ? "fewer than \(thresholds.minTickets) tickets, so enforce_order stays \(current.enforceOrder) as in version \(current.version)"
            : "\(percent(inOrderShare)) of them completed their steps in that order (\(inOrderShare >= thresholds.enforceShare ? ">=" : "<") \(percent(thresholds.enforceShare)): enforce_order \(enforceOrder))"
        return "Drafted by baton service draft from the \(tickets) tickets of \(current.definition.key) closed from "
            + "\(Instant.iso(closing.0)) to \(Instant.iso(closing.1)): \(steps) steps in their dominant order; \(judged). "
            + "Teams: each step's modal team; targets: the p85 of working time in step, rounded up. Review before applying."
    }

    func notes(_ f: ServiceDraft.StepFacts) -> String {
        let done = Double(f.doneTickets) / Double(tickets)
        var text = f.optional
            ? "Optional: not done on \(percent(f.leftOutShare)) of \(tickets) tickets (skipped on \(percent(Double(f.skippedTickets) / Double(tickets)))), more than \(percent(thresholds.optionalShare))."
            : "Done on \(percent(done)) of \(tickets) tickets."
        if let team = f.team, let share = f.teamShare {
            text += " Team \(team) completed \(percent(share)) of its \(f.runs) runs."
        } else if f.runs > 0 {
            text += " Its \(f.runs) runs name no team."
        }
        if let p85 = f.p85Hours, let target = f.target {
            text += " Target \(target): p85 of working time in step \(String(format: "%.2f", p85)) h, rounded up."
        } else {
            text += " No target: no run completed in the window."
        }
        return text
    }

    private func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
}
