import BatonCore
import Foundation
import Rendering
import Reporting

/// Every alert of the alert engine at the site's as_of (the same rules as `baton alerts`), by team.
enum AlertsPage {
    static func label(_ k: Alert.Kind) -> String {
        switch k {
        case .stalled: return "Stalled"
        case .atRisk: return "At risk of missing the target"
        case .unowned: return "No team owns it"
        case .unwatched: return "Queue not watched"
        case .handoff: return "Waiting between steps"
        case .thinOwnership: return "Queue worked by one person or no one"
        }
    }

    /// The alerts the page lists (the first, in the alert file's order), as many as a queue page's rows.
    static let shownAlerts = QueuePage.maximumRows

    static func render(_ c: SiteContext) -> String {
        let alerts = c.data.alerts.alerts
        var rows: [(cls: String, cells: [String])] = []
        for a in alerts.prefix(shownAlerts) {
            let ticket = a.ticketID.isEmpty ? "" : c.tickets.isOpen(a.ticketID) ? SitePage.link(c.ticketPage(a.ticketID), a.ticketID) : SitePage.text(a.ticketID)
            let team = a.team.map { t in c.queuePages[t].map { SitePage.link($0, c.data.teamName(t)) } ?? SitePage.text(c.data.teamName(t)) } ?? "no team"
            rows.append((a.kind == .stalled || a.kind == .atRisk ? a.kind.rawValue : "", [
                HTMLEscape.text(label(a.kind)), team, ticket, SitePage.clipped(a.title ?? ""), SitePage.text(c.serviceName(a.service)),
                SitePage.text(a.stepName ?? a.step), HTMLEscape.text(SitePage.hours(a.workingAgeHours ?? a.activeAgeHours)),
                HTMLEscape.text(SitePage.hours(a.thresholdHours)), SitePage.text(a.source),
            ]))
        }
        let body = rows.isEmpty ? "<p>No alerts.</p>" : SitePage.table([
            ("Kind", false), ("Team", false), ("Ticket", false), ("Title", false), ("Service", false), ("Step", false),
            ("Age", true), ("Threshold", true), ("Source", false)], rows, id: "alerts")
            + (alerts.count > shownAlerts
                ? "<p class=\"muted\">The first \(shownAlerts) of \(alerts.count) alerts; <code>baton alerts</code> writes them all.</p>" : "")
        return SitePage.render(title: "Alerts", subtitle: "As of " + HTMLEscape.text(SitePage.when(c.data.asOf)) + "; the rules of <code>baton alerts</code>",
                               nav: [("index.html", "All open work")], body: body)
    }
}

/// The report archive: every period the scheduler wrote, by definition, newest first, with a "latest" link.
enum ArchivePage {
    /// The folder of a period inside the site.
    static func folder(_ p: SiteArchive.Period) -> String { "reports/\(HTMLEscape.identifier(p.definition))/\(p.label)" }

    /// The page a period's link opens: its report.html, else its folder's first file.
    static func href(_ p: SiteArchive.Period) -> String {
        folder(p) + "/" + (p.files.first.flatMap { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) } ?? "")
    }

    static func render(_ c: SiteContext) -> String {
        let periods = c.archive.periods
        guard !periods.isEmpty else {
            return SitePage.render(title: "Report archive", nav: [("index.html", "All open work")],
                                   body: "<p>No scheduled report yet: <code>baton schedule run</code> writes them.</p>")
        }
        var body = ""
        var definitions: [String] = []
        for p in periods where !definitions.contains(p.definition) { definitions.append(p.definition) }
        for d in definitions {
            let mine = periods.filter { $0.definition == d }
            body += "<h2 id=\"\(HTMLEscape.identifier("report-" + d))\">\(SitePage.text(d))</h2>"
            body += "<p>\(SitePage.link(href(mine[0]), "latest: " + mine[0].label))</p>"
            let rows = mine.map { p -> (cls: String, cells: [String]) in
                let files = p.files.map { f in SitePage.link(folder(p) + "/" + (f.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? f), f) }
                return ("", [SitePage.link(href(p), p.label), HTMLEscape.text(SitePage.short(p.periodStart) + " – " + SitePage.short(p.periodEnd)),
                             files.joined(separator: " ")])
            }
            body += SitePage.table([("Period", false), ("From – to (UTC)", false), ("Files", false)], rows)
        }
        let keep = c.definition.keep.map { "; the newest \($0) of each are kept" } ?? ""
        return SitePage.render(title: "Report archive", subtitle: "Every report the scheduler wrote, newest first" + HTMLEscape.text(keep),
                               nav: [("index.html", "All open work")], body: body)
    }
}

/// "Find my ticket": the open tickets of the services the site definition lists (`listed_services`), by service.
enum FindPage {
    static func render(_ c: SiteContext) -> String {
        var body = "<p>Open tickets of the services listed here. Other services' tickets are reachable only by the address sent to their requester.</p>"
        for service in c.definition.listedServices {
            body += "<h2>\(SitePage.text(c.serviceName(service)))</h2>"
            let tickets = (c.tickets.listed[service] ?? []).sorted { ($0.openedAt, $0.id) > ($1.openedAt, $1.id) }
            guard !tickets.isEmpty else { body += "<p>No open ticket.</p>"; continue }
            let rows = tickets.map { t in
                (cls: "", cells: [SitePage.link(c.ticketPage(t.id), t.id), SitePage.clipped(t.title), SitePage.text(t.requester),
                                  HTMLEscape.text(SitePage.short(t.openedAt))])
            }
            body += SitePage.table([("Ticket", false), ("Title", false), ("Requester", false), ("Opened (UTC)", false)], rows)
        }
        return SitePage.render(title: "Find my ticket", nav: [("index.html", "All open work")], body: body)
    }
}
