import BatonCore
import Foundation
import Rendering
import Reporting

/// The site's front page: open work by service and by team (each team linking to its queue), the alert summary,
/// the latest scheduled reports, and when the site was built and as of when.
enum IndexPage {
    static func render(_ c: SiteContext) -> String {
        let d = c.data
        var body = "<div class=\"cards\">"
        let byKind = alertCounts(c)
        let counts: [(String, Int)] = [
            ("open tickets", c.tickets.all.count), ("open steps", d.openRuns.count),
            ("stalled", byKind[.stalled] ?? 0), ("at risk", byKind[.atRisk] ?? 0), ("alerts", d.alerts.alerts.count),
        ]
        for (label, n) in counts { body += "<div class=\"card\"><b>\(n)</b>\(label)</div>" }
        body += "</div>\n<h2>Open work by service</h2>\n" + byService(c)
        body += "\n<h2>Open work by team</h2>\n" + byTeam(c)
        body += "\n<h2>Alerts</h2>\n" + alertSummary(c, byKind)
        body += "\n<h2>Latest reports</h2>\n" + latestReports(c)
        var nav: [(href: String, label: String)] = [("alerts.html", "Alerts"), ("reports.html", "Report archive")]
        if !c.definition.listedServices.isEmpty { nav.append(("find.html", "Find my ticket")) }
        let stamp = "Last built \(SitePage.when(c.builtAt)), as of \(Instant.iso(d.asOf))"
        var subtitle = "<span id=\"built\">\(HTMLEscape.text(stamp))</span>"
        if !c.definition.description.isEmpty { subtitle = SitePage.text(c.definition.description) + "<br>" + subtitle }
        return SitePage.render(title: c.definition.title, subtitle: subtitle, nav: nav, body: body,
                               footer: "Built by Baton: static pages, no script; rebuilt by <code>baton site</code>.")
    }

    static func byService(_ c: SiteContext) -> String {
        var runs: [String: (ready: Int, active: Int, paused: Int, oldest: Int64?)] = [:]
        for r in c.data.openRuns {
            var x = runs[r.service] ?? (0, 0, 0, nil)
            switch r.state { case "ready": x.ready += 1; case "active": x.active += 1; default: x.paused += 1 }
            x.oldest = min(x.oldest ?? r.readyAt, r.readyAt)
            runs[r.service] = x
        }
        let services = Set(runs.keys).union(c.tickets.byService.keys).sorted()
        guard !services.isEmpty else { return "<p>No open work.</p>" }
        let rows = services.map { s -> (cls: String, cells: [String]) in
            let x = runs[s] ?? (0, 0, 0, nil)
            return ("", [SitePage.text(c.serviceName(s)), "\(c.tickets.byService[s] ?? 0)", "\(x.ready)", "\(x.active)", "\(x.paused)",
                         x.oldest.map { HTMLEscape.text(SitePage.short($0)) } ?? ""])
        }
        return SitePage.table([("Service", false), ("Open tickets", true), ("Steps waiting", true), ("In progress", true),
                               ("Paused", true), ("Oldest ready (UTC)", false)], rows, id: "services")
    }

    static func byTeam(_ c: SiteContext) -> String {
        var runs: [String: (ready: Int, active: Int, paused: Int, oldest: Int64?, stalled: Int, atRisk: Int)] = [:]
        for r in c.data.openRuns {
            var x = runs[r.team] ?? (0, 0, 0, nil, 0, 0)
            switch r.state { case "ready": x.ready += 1; case "active": x.active += 1; default: x.paused += 1 }
            x.oldest = min(x.oldest ?? r.readyAt, r.readyAt)
            switch c.flag(r.ticketID, r.step) { case .stalled?: x.stalled += 1; case .atRisk?: x.atRisk += 1; default: break }
            runs[r.team] = x
        }
        let teams = c.queuePages.keys.sorted { (c.data.teamName($0), $0) < (c.data.teamName($1), $1) }
        guard !teams.isEmpty else { return "<p>No team has open work.</p>" }
        let rows = teams.map { t -> (cls: String, cells: [String]) in
            let x = runs[t] ?? (0, 0, 0, nil, 0, 0)
            return (x.stalled > 0 ? "stalled" : "", [SitePage.link(c.queuePages[t]!, c.data.teamName(t)), "\(x.ready)", "\(x.active)", "\(x.paused)",
                                                   "\(x.stalled)", "\(x.atRisk)", x.oldest.map { HTMLEscape.text(SitePage.short($0)) } ?? ""])
        }
        return SitePage.table([("Team queue", false), ("Waiting", true), ("In progress", true), ("Paused", true), ("Stalled", true),
                               ("At risk", true), ("Oldest ready (UTC)", false)], rows, id: "teams")
    }

    /// How many alerts of each kind, in one pass (a stalled store has an alert per open run).
    static func alertCounts(_ c: SiteContext) -> [Alert.Kind: Int] {
        var n: [Alert.Kind: Int] = [:]
        for a in c.data.alerts.alerts { n[a.kind, default: 0] += 1 }
        return n
    }

    static func alertSummary(_ c: SiteContext, _ byKind: [Alert.Kind: Int]) -> String {
        guard !c.data.alerts.alerts.isEmpty else { return "<p>No alerts. <a href=\"alerts.html\">Alert details</a></p>" }
        let rows = Alert.Kind.allCases.map { k in (cls: "", cells: [HTMLEscape.text(AlertsPage.label(k)), "\(byKind[k] ?? 0)"]) }
        return SitePage.table([("Kind", false), ("Alerts", true)], rows, id: "alert-summary") + "<p><a href=\"alerts.html\">Every alert</a></p>"
    }

    static func latestReports(_ c: SiteContext) -> String {
        var latest: [String: SiteArchive.Period] = [:]
        for p in c.archive.periods where latest[p.definition] == nil { latest[p.definition] = p }
        guard !latest.isEmpty else { return "<p>No scheduled report yet (<code>baton schedule run</code> writes them). <a href=\"reports.html\">Archive</a></p>" }
        let rows = latest.keys.sorted().map { name -> (cls: String, cells: [String]) in
            let p = latest[name]!
            return ("", [SitePage.text(name), SitePage.link(ArchivePage.href(p), p.label)])
        }
        return SitePage.table([("Report", false), ("Latest period", false)], rows, id: "latest") + "<p><a href=\"reports.html\">Every report</a></p>"
    }
}
