import BatonCore
import Foundation

extension AlertFormat {
    /// The longest title a sentence quotes, in characters; a longer one is cut with `…` (JSON keeps it whole).
    static let sentenceTitleLimit = 80

    /// One sentence a person can act on, e.g. `W-3 “Laptop does not boot” Loaner (it): 63.5 h, 59.5 h over its
    /// 4 h target, requested by ana`: the ticket, its title, the step (its name, else its key) and team, then what
    /// is wrong and by how much. Raw text: the caller escapes it for its format. A kind without a sentence of its
    /// own gets a plain one (kind, source, age), so a new kind still reads.
    static func sentence(_ a: Alert) -> String {
        let age = hours(a.workingAgeHours ?? a.activeAgeHours)
        let threshold = a.thresholdHours.map(hours) ?? "?"
        let requested = a.requester.map { $0.isEmpty ? "" : ", requested by \(shortened($0))" } ?? ""
        // Switched on the raw value so that a kind added to Alert.Kind falls to the plain sentence, not a build error.
        switch a.kind.rawValue {
        case "stalled":
            let limit = a.source == "target" ? "its \(threshold) h target"
                : a.source == "default" ? "its \(threshold) h threshold (the default)"
                : "its \(threshold) h threshold (the \(a.source) of recent runs)"
            let over = hours(a.overByHours ?? ((a.workingAgeHours ?? a.activeAgeHours) - (a.thresholdHours ?? 0)))
            let waiting = a.state == "ready" ? ", not started" : ""
            return "\(subject(a)): \(age) h, \(over) h over \(limit)\(waiting)\(requested)"
        case "at_risk":
            let due = a.dueAt.map { "due \(Instant.iso($0))" } ?? "no working time left in its calendar to finish"
            return "\(subject(a)): \(age) h of its \(threshold) h target used, \(due)\(requested)"
        case "unowned":
            let team = a.team ?? ""
            let reason = a.source == "no-team" ? "its step has no team"
                : a.source == "unknown-team" ? "its team \(team) is not known to the store"
                : a.source == "not-in-roster" ? "its team \(team) is not on the team roster" : "no team owns it (\(a.source))"
            return "\(subject(a, team: false)): \(reason), open \(hours(a.ageHours)) h\(requested)"
        case "unwatched":
            let days = a.thresholdHours.map { number($0 / 24) } ?? "?"
            let last = a.lastStartedAt.map { "last started \(Instant.iso($0))" } ?? "never started one"
            return "team \(a.team ?? "-"): its oldest ready work, \(subject(a, team: false)), has waited \(hours(a.ageHours)) h"
                + " and no step was started in \(days) days (\(last))"
        case "thin_ownership":
            let who = a.source == "no-one" ? "no one has started its work recently"
                : "one person started all its recent work"
            let last = a.lastStartedAt.map { "last started \(Instant.iso($0))" } ?? "never started one"
            return "team \(a.team ?? "-"): \(who); its oldest ready work, \(subject(a, team: false)), has waited"
                + " \(hours(a.workingAgeHours ?? a.ageHours)) h, over the \(threshold) h thin-ownership limit (\(last))"
        case "handoff":
            let state = a.source == "all-steps-done" ? "all its steps are done but it is still open"
                : a.source == "no-step-ready" ? "no step of it is ready"
                : a.step.isEmpty ? "no step done yet" : "the last step done is \(stepLabel(a)) (\(a.team ?? "no team"))"
            return "\(subject(a, step: false, team: false)): no team owns it for \(hours(a.ageHours)) h, over the"
                + " \(threshold) h handoff limit; \(state)\(requested)"
        default:
            let limit = a.thresholdHours.map { ", threshold \(hours($0)) h" } ?? ""
            return "\(subject(a)): \(a.kind.rawValue) (\(a.source)), \(age) h\(limit)\(requested)"
        }
    }

    /// Hours for a person: at most one decimal (`63.5`, `5828.5`, `72`); the fields keep three.
    static func hours(_ value: Double) -> String { number((value * 10).rounded() / 10) }

    /// `T-1 “Title” Step name (team)`, leaving out what is unknown.
    static func subject(_ a: Alert, step: Bool = true, team: Bool = true) -> String {
        var parts = [a.ticketID.isEmpty ? "-" : a.ticketID]
        if let title = a.title, !title.isEmpty { parts.append("“" + shortened(title) + "”") }
        if step, !a.step.isEmpty { parts.append(stepLabel(a)) }
        if team { parts.append("(\(a.team ?? "no team"))") }
        return parts.joined(separator: " ")
    }

    static func stepLabel(_ a: Alert) -> String {
        guard let name = a.stepName, !name.isEmpty else { return a.step }
        return shortened(name)
    }

    /// At most `sentenceTitleLimit` characters (whole grapheme clusters), `…` marking a cut.
    static func shortened(_ s: String) -> String {
        s.count <= sentenceTitleLimit ? s : String(s.prefix(sentenceTitleLimit - 1)) + "…"
    }

    /// A character that must not appear raw in a one-line format: C0 and C1 controls, DEL, and the Unicode line and
    /// paragraph separators (which some readers take as line ends).
    static func breaksLines(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7f...0x9f).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
    }
}
