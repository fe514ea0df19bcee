import BatonCore
import Foundation
import Rendering
import Reporting

/// A team's queue: its ready, active and paused step runs at as_of, oldest first, with their ages, target and
/// working age (when any run has a calendar), stalled and at-risk runs highlighted by the alert engine's verdicts;
/// then the forecast of its queue (`TeamQueueForecast`) and its arrivals against completions over the last 7 and 28
/// days (`site_flow.sql`: team_load.sql's arrivals and completions).
enum QueuePage {
    /// The most rows a queue page shows, oldest first (the reports' HTML tables show at most as many).
    static let maximumRows = 5_000

    static func render(team: String, runs: ArraySlice<SiteOpenRun>, _ c: SiteContext) -> String {
        let name = c.data.teamName(team)
        var ready = 0, active = 0, paused = 0, stalled = 0, atRisk = 0  // one pass over the team's runs
        for r in runs {
            switch r.state { case "ready": ready += 1; case "active": active += 1; case "paused": paused += 1; default: break }
            switch c.flag(r.ticketID, r.step) { case .stalled?: stalled += 1; case .atRisk?: atRisk += 1; default: break }
        }
        var body = "<div class=\"cards\">"
        for (label, value) in [("ready", ready), ("active", active), ("paused", paused), ("stalled", stalled), ("at risk", atRisk)] {
            body += "<div class=\"card\"><b>\(value)</b>\(label)</div>"
        }
        body += "</div>\n<h2>Open steps, oldest first</h2>\n"
        let calendars = runs.contains { $0.workingAgeHours != nil }
        var header: [(String, Bool)] = [("Ticket", false), ("Title", false), ("Service", false), ("Step", false), ("State", false),
                                        ("Ready since (UTC)", false), ("Age", true), ("Active age", true)]
        if calendars { header.append(("Working age", true)) }
        header += [("Target", true)]
        var rows: [(cls: String, cells: [String])] = []
        rows.reserveCapacity(min(runs.count, maximumRows))
        for r in runs.prefix(maximumRows) {
            let flag = c.flag(r.ticketID, r.step)
            var cells = [
                SitePage.link("../" + c.ticketPage(r.ticketID), r.ticketID), SitePage.clipped(r.title), SitePage.text(c.serviceName(r.service)),
                SitePage.text(c.data.stepName(r.service, r.serviceVersion, r.step)),
                HTMLEscape.text(TicketPage.stateLabel(r.state)) + TicketPage.flagTag(flag),
                HTMLEscape.text(SitePage.short(r.readyAt)), HTMLEscape.text(SitePage.hours(r.ageHours)),
                HTMLEscape.text(SitePage.hours(r.activeAgeHours)),
            ]
            if calendars { cells.append(HTMLEscape.text(SitePage.hours(r.workingAgeHours))) }
            cells.append(HTMLEscape.text(SitePage.hours(r.targetHours)))
            rows.append((flag?.rawValue ?? "", cells))
        }
        body += rows.isEmpty ? "<p>Nothing open.</p>" : SitePage.table(header, rows, id: "queue")
        if runs.count > maximumRows {
            body += "<p class=\"muted\">The oldest \(maximumRows) of \(runs.count) open steps; <code>baton queue \(HTMLEscape.text(team))</code> lists them all.</p>"
        }
        if let f = c.data.forecasts[team] { body += "\n<h2>Forecast</h2>\n" + forecastTable(f) }
        body += "\n<h2>Arrivals and completions</h2>\n" + flowTable(c.data.flow[team] ?? [])
        return SitePage.render(title: "Queue: \(name)",
                               subtitle: "As of " + HTMLEscape.text(SitePage.when(c.data.asOf)) + (calendars ? "; working age in the step's or team's calendar" : ""),
                               nav: [("../index.html", "All open work"), ("../alerts.html", "Alerts")], body: body)
    }

    /// When the queue's open steps are done, as the weekly report's forecast section says it (its team row).
    static func forecastTable(_ f: TeamQueueForecast) -> String {
        guard let p50 = f.clearP50At, let p85 = f.clearP85At else {
            return "<p>No forecast: the team completed no steps in the last \(f.weeks) weeks.</p>"
        }
        let cells = ["\(f.open)", String(format: "%.1f", f.dailyMean), HTMLEscape.text(SitePage.short(p50)), HTMLEscape.text(SitePage.short(p85)),
                     "\(f.byP50) / \(f.byP85) / \(f.byP95)"]
        return SitePage.table([("Open steps", true), ("Done per day (last \(f.weeks) weeks)", true), ("All done by (50 %)", false),
                               ("All done by (85 %)", false), ("Done by " + SitePage.short(f.byAt) + " (50 / 85 / 95 %)", true)],
                              [(cls: "", cells: cells)], id: "forecast")
            + "<p class=\"muted\">Seeded trials drawing days from the team's daily completions, as in the weekly report's forecast; "
            + "new arrivals are not simulated.</p>"
    }

    static func flowTable(_ weeks: [SiteFlowWeek]) -> String {
        guard !weeks.isEmpty else { return "<p>No arrivals or completions in the last \(SiteData.flowDays.max() ?? 0) days.</p>" }
        let rows = weeks.map { w in
            (cls: "", cells: [HTMLEscape.text("Last \((w.end - w.start) / 86_400) days (" + SitePage.short(w.start) + " – " + SitePage.short(w.end) + ")"),
                              "\(w.arrivals)", "\(w.completions)", "\(w.arrivals - w.completions)"])
        }
        return SitePage.table([("Window (UTC)", false), ("Arrivals", true), ("Completions", true), ("Net flow", true)], rows, id: "flow")
            + "<p class=\"muted\">Arrivals: steps that became ready in the week; completions: steps completed in it (as in the team-load report).</p>"
    }
}
