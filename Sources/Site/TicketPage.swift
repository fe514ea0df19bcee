import BatonCore
import Foundation
import Rendering
import Reporting

/// The requester's view of one open ticket: where it stands, every step with its state, team, when it became ready
/// and how long it waited, and the intake values. It links to nothing else on the site (the page is sent to the
/// requester alone), and shows no build time, so it changes only when the ticket does or a wait crosses a unit.
enum TicketPage {
    static func render(_ t: SiteTicket, _ c: SiteContext) -> String {
        let service = c.serviceName(t.service)
        var body = "<p class=\"stand\" id=\"standing\">\(standing(t, c))</p>\n<h2>Steps</h2>\n"
        var rows: [(cls: String, cells: [String])] = []
        for s in t.steps {
            let name = c.data.stepName(t.service, t.serviceVersion, s.step) + (s.attempt > 1 ? " (attempt \(s.attempt))" : "")
            let open = ["ready", "active", "paused"].contains(s.state)
            let waited = waited(s, c.data.asOf)
            let flag = open ? c.flag(t.id, s.step) : nil
            rows.append((flag?.rawValue ?? "", [
                SitePage.text(name), "<span class=\"tag\">\(HTMLEscape.text(stateLabel(s.state)))</span>" + flagTag(flag),
                SitePage.text(c.data.teamName(s.team)),
                s.readyAt.map { $0 <= c.data.asOf ? HTMLEscape.text(SitePage.short($0)) : "" } ?? "",
                HTMLEscape.text(waited),
                s.doneAt.map { $0 <= c.data.asOf ? HTMLEscape.text(SitePage.short($0)) : "" } ?? "",
            ]))
        }
        body += rows.isEmpty ? "<p>No steps recorded yet.</p>"
            : SitePage.table([("Step", false), ("State", false), ("Team", false), ("Ready since (UTC)", false), ("Waited", true), ("Ended (UTC)", false)], rows, id: "steps")
        body += "\n<h2>Request</h2>\n<dl id=\"intake\"><dt>Ticket</dt><dd>\(SitePage.text(t.id))</dd><dt>Title</dt><dd>\(SitePage.text(t.title))</dd>"
        body += "<dt>Service</dt><dd>\(SitePage.text(service))</dd>"
        body += "<dt>Requester</dt><dd>\(SitePage.text(t.requester))</dd><dt>Opened</dt><dd>\(HTMLEscape.text(SitePage.when(t.openedAt)))</dd>"
        for (k, v) in t.intake { body += "<dt>\(SitePage.text(k))</dt><dd>\(SitePage.text(v))</dd>" }
        body += "</dl>"
        let title = t.title.isEmpty ? t.id : "\(t.id): \(t.title)"
        return SitePage.render(title: title, subtitle: HTMLEscape.text(service), body: body,
                               footer: "This page's address is private to this ticket; it is updated when the site is rebuilt.")
    }

    /// How long a step waited: to as_of while open, else to its end; empty before it was ready.
    static func waited(_ s: SiteTicket.Step, _ asOf: Int64) -> String {
        guard let ready = s.readyAt, ready <= asOf else { return "" }
        let end = ["ready", "active", "paused"].contains(s.state) ? asOf : (s.doneAt ?? asOf)
        return SitePage.duration(hours: Double(end - ready) / 3600)
    }

    /// What the page is made from, as a digest: the ticket's own inputs (`ticketDigest`), the alert flag of each of
    /// its steps, and `context` (the names and the page version). Equal digests render equal pages, so an unchanged
    /// ticket is not rendered again.
    static func pageDigest(_ p: SiteTicket.Prepared, _ c: SiteContext, context: [UInt8]) -> String {
        var b = context + p.digest
        let flags = c.flags(p.ticket.id)  // most tickets have none
        for s in p.ticket.steps {
            switch flags?.first(where: { $0.step == s.step })?.kind {
            case .stalled?: b.append(1)
            case .atRisk?: b.append(2)
            default: b.append(0)
            }
        }
        return SHA256.hex(SHA256.hash(b))
    }

    /// The digest of what a ticket's page shows of the ticket itself at `asOf`: its fields and runs, and what as_of
    /// changes (each step's wait, which instants are already past). Needs no alerts, so either thread makes it.
    static func ticketDigest(_ t: SiteTicket, asOf: Int64) -> [UInt8] {
        // One buffer, hashed once; each text is preceded by its length (no separator a title could contain).
        var b: [UInt8] = []
        b.reserveCapacity(96 * (t.steps.count + 2))
        func add(_ s: String) { add(Int64(s.utf8.count)); b += s.utf8 }
        func add(_ n: Int64) { withUnsafeBytes(of: n.littleEndian) { b += $0 } }
        // An instant: whether it is set, its value, and whether it is already past at as_of.
        func add(_ x: Int64?) {
            guard let x else { b.append(0); return }
            b.append(x <= asOf ? 1 : 2)
            add(x)
        }
        for s in [t.id, t.service, t.title, t.requester, t.intakeJSON] { add(s) }  // the intake JSON determines its fields
        add(t.serviceVersion)
        add(t.openedAt)
        add(Int64(t.steps.count))
        for s in t.steps {
            add(s.step); add(s.attempt); add(s.team); add(s.state)
            add(s.readyAt); add(s.startedAt); add(s.doneAt); add(s.pausedAt)
            add(waited(s, asOf))
        }
        return SHA256.hash(b)
    }

    /// "Waiting on IT (IT access provisioning) since Tuesday 24 Nov 2026 09:12 UTC": the first open step, by
    /// position; with none open, since when the ticket waits for its next step.
    static func standing(_ t: SiteTicket, _ c: SiteContext) -> String {
        if let s = t.steps.first(where: { ["ready", "active", "paused"].contains($0.state) }) {
            let team = SitePage.text(c.data.teamName(s.team))
            let step = SitePage.text(c.data.stepName(t.service, t.serviceVersion, s.step))
            switch s.state {
            case "active": return "In progress with \(team) (\(step)) since \(HTMLEscape.text(SitePage.when(s.startedAt ?? s.readyAt ?? t.openedAt)))"
            case "paused": return "Paused at \(team) (\(step)) since \(HTMLEscape.text(SitePage.when(s.pausedAt ?? s.readyAt ?? t.openedAt)))"
            default: return "Waiting on \(team) (\(step)) since \(HTMLEscape.text(SitePage.when(s.readyAt ?? t.openedAt)))"
            }
        }
        let lastDone = t.steps.compactMap { $0.doneAt }.filter { $0 <= c.data.asOf }.max()
        if t.steps.contains(where: { $0.state == "waiting" }) || lastDone == nil {
            return "Waiting for its next step since \(HTMLEscape.text(SitePage.when(lastDone ?? t.openedAt)))"
        }
        return "All steps done since \(HTMLEscape.text(SitePage.when(lastDone!))); waiting to be closed"
    }

    static func stateLabel(_ s: String) -> String {
        switch s {
        case "ready": return "waiting"
        case "active": return "in progress"
        case "waiting": return "not started"
        default: return s
        }
    }

    static func flagTag(_ kind: Alert.Kind?) -> String {
        switch kind {
        case .stalled?: return " <span class=\"tag\">stalled</span>"
        case .atRisk?: return " <span class=\"tag\">at risk</span>"
        default: return ""
        }
    }
}
