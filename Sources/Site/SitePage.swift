import BatonCore
import Foundation
import Rendering

/// The frame of every page of the site: one self-contained HTML file, inline CSS, no script, nothing fetched (the
/// Content-Security-Policy forbids it), light and dark colours, readable from 390 px phones to wide screens (tables
/// scroll sideways inside their box rather than widening the page). All data text goes through `HTMLEscape`.
enum SitePage {
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

    static let css = """
    :root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--line:#d8dde3;--head:#f3f5f7;--warn:#fff1d6;--bad:#fde2e1;--link:#0b5cad}
    @media(prefers-color-scheme:dark){:root{--fg:#e6e9ed;--muted:#a0a8b3;--bg:#15181c;--line:#343a42;--head:#1f2429;--warn:#4a3b12;--bad:#4d1f1d;--link:#7cb7ff}}
    *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
    header,main,footer{max-width:1320px;margin:0 auto;padding:12px 16px}header{border-bottom:1px solid var(--line)}
    h1{font-size:1.4em;margin:.2em 0;overflow-wrap:anywhere}h2{font-size:1.15em;margin:1.2em 0 .4em}a{color:var(--link)}
    nav a{margin-right:1em;white-space:nowrap}.muted,footer{color:var(--muted);font-size:.9em}
    .box{overflow-x:auto;border:1px solid var(--line);border-radius:6px;margin:.4em 0 1em}
    table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
    th{background:var(--head);font-weight:600;white-space:nowrap}td.n,th.n{text-align:right;white-space:nowrap}
    td.t{min-width:7em;max-width:28em;overflow-wrap:anywhere}tr.stalled td{background:var(--bad)}tr.at_risk td{background:var(--warn)}
    .tag{display:inline-block;padding:0 6px;border-radius:4px;font-size:.85em;border:1px solid var(--line);white-space:nowrap}
    .stand{font-size:1.1em;padding:10px 12px;border-left:4px solid var(--link);background:var(--head);overflow-wrap:anywhere}
    dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}.card{border:1px solid var(--line);border-radius:6px;padding:8px}
    .card b{display:block;font-size:1.5em}
    """

    /// A whole page. `body` is markup built from escaped text; `title` is data and is escaped here.
    static func render(title: String, subtitle: String = "", nav: [(href: String, label: String)] = [], body: String, footer: String = "") -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en" dir="ltr"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
        <title>\(HTMLEscape.text(String(title.prefix(200))))</title><style>\(css)</style></head><body>
        <header>
        """
        if !nav.isEmpty {
            html += "<nav>" + nav.map { "<a href=\"\(HTMLEscape.text($0.href))\">\(HTMLEscape.text($0.label))</a>" }.joined() + "</nav>"
        }
        html += "<h1>\(clipped(title, 200))</h1>"
        if !subtitle.isEmpty { html += "<p class=\"muted\">\(subtitle)</p>" }
        html += "</header><main>\n" + body + "\n</main>"
        if !footer.isEmpty { html += "<footer>\(footer)</footer>" }
        return html + "</body></html>\n"
    }

    /// Escaped data text, isolated from the surrounding direction (a right-to-left title cannot reorder the row).
    static func text(_ s: String) -> String { "<bdi>" + HTMLEscape.text(s) + "</bdi>" }

    /// Data text cut to `limit` characters with an ellipsis, the whole text in the tooltip: a very long title keeps
    /// a table or heading readable (the ticket page shows it whole under Request).
    static func clipped(_ s: String, _ limit: Int = 120) -> String {
        guard s.count > limit else { return text(s) }
        return "<bdi title=\"\(HTMLEscape.text(s))\">" + HTMLEscape.text(String(s.prefix(limit))) + "…</bdi>"
    }

    static func link(_ href: String, _ label: String) -> String {
        "<a href=\"\(HTMLEscape.text(href))\">\(text(label))</a>"
    }

    /// A table in a scrolling box: `header` cells are (label, numeric); rows are (class, cells of markup).
    static func table(_ header: [(String, Bool)], _ rows: [(cls: String, cells: [String])], id: String = "") -> String {
        var html = "<div class=\"box\"><table\(id.isEmpty ? "" : " id=\"\(HTMLEscape.identifier(id))\"")><thead><tr>"
        for (label, numeric) in header { html += numeric ? "<th class=\"n\">\(HTMLEscape.text(label))</th>" : "<th>\(HTMLEscape.text(label))</th>" }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += row.cls.isEmpty ? "<tr>" : "<tr class=\"\(HTMLEscape.identifier(row.cls))\">"
            for (i, cell) in row.cells.enumerated() {
                let numeric = i < header.count && header[i].1
                html += numeric ? "<td class=\"n\">\(cell)</td>" : "<td class=\"t\">\(cell)</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    static let weekdays = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tuesday 24 Nov 2026 09:12 UTC` (1970-01-01 was a Thursday).
    static func when(_ t: Int64) -> String {
        let c = Instant.civil(t)
        let days = Int((t >= 0 ? t : t - 86_399) / 86_400)
        let weekday = weekdays[((days % 7) + 7) % 7]
        return "\(weekday) \(c.day) \(months[c.month - 1]) \(pad(c.year, 4)) \(pad(c.hour)):\(pad(c.minute)) UTC"
    }

    /// `2026-11-24 09:12` (UTC), for tables.
    static func short(_ t: Int64) -> String {
        let c = Instant.civil(t)
        return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day)) \(pad(c.hour)):\(pad(c.minute))"
    }

    /// A waited time a person reads at a glance, whole units only (so a page read again an hour later changes
    /// only when the wait crosses a unit): `45 min`, `7 h`, `3 d 4 h`.
    static func duration(hours: Double) -> String {
        let h = max(0, hours)
        if h < 1 { return "\(Int(h * 60)) min" }
        if h < 48 { return "\(Int(h)) h" }
        let whole = Int(h)
        return whole % 24 == 0 ? "\(whole / 24) d" : "\(whole / 24) d \(whole % 24) h"
    }

    /// Hours with one decimal, as the reports show them (`36.5 h`).
    static func hours(_ h: Double?) -> String {
        guard let h else { return "" }
        // One decimal, ties to even (no Foundation formatting: it is slow, and a site formats 100,000s of cells).
        let tenths = (abs(h) * 10).rounded(.toNearestOrEven)
        guard tenths < 1e15 else { return String(format: "%.1f h", h) }
        let n = Int64(tenths)
        return (h < 0 && n > 0 ? "-" : "") + "\(n / 10).\(n % 10) h"
    }

    /// `n` in decimal with leading zeros to `width` digits.
    static func pad(_ n: Int, _ width: Int = 2) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
