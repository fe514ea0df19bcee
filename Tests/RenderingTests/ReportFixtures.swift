import BatonCore
import Foundation
import Reporting
@testable import Rendering
import SQLite

/// Hand-built report results for the renderer tests: shaped like the weekly report's sections, but built
/// here so the renderers are tested without the report engine (they must not know any particular report).
enum ReportFixtures {
    static let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "it's \"quoted\" & <b>bold</b>",
        "مرحبا بالعالم \u{202E}txt.exe",
        "🚀 launch 👩‍💻",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "@SUM(A1)",
        "line one\nline two, with comma",
    ]

    static let t0 = Instant.parse("2026-03-02T00:00:00Z")!  // a Monday
    static let hour: Int64 = 3600
    static let day: Int64 = 86_400

    static func col(_ name: String, _ label: String, _ unit: ColumnUnit) -> ColumnSpec { ColumnSpec(name: name, label: label, unit: unit) }

    /// A report with every chart kind, a highlighted section, an empty section and, when `hostile`, text
    /// from data that tries to become markup or a formula everywhere text can go.
    static func report(hostile useHostile: Bool = true) -> ReportResult {
        let h = useHostile ? hostile : ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
        return ReportResult(
            name: "fixture", title: "Weekly report " + h[1], description: "Fixture for renderer tests. " + h[3],
            from: t0, to: t0 + 28 * day, asOf: t0 + 28 * day, generatedAt: t0 + 28 * day + 120, store: "/tmp/" + h[0] + ".db",
            headlines: [
                Headline(key: "closed", label: "Tickets closed", unit: .count, value: 60, previous: 50, higherIsBetter: true),
                Headline(key: "lead_p85", label: "Lead time p85", unit: .hours, value: 53.925, previous: 40, higherIsBetter: false),
                Headline(key: "rework", label: "Rework " + h[1], unit: .ratio, value: 0.05, previous: nil, higherIsBetter: false),
            ],
            sections: sections(h),
            definitions: [("Stalled threshold", "target, else p85 of 90 days when ≥ 20 runs, else 72 h"), (h[0], h[1])])
    }

    typealias Rows = (throughput: [[SQLValue]], leadTimes: [[SQLValue]], teamLoad: [[SQLValue]], flow: [[SQLValue]],
                      aging: [[SQLValue]], stalled: [[SQLValue]], readiness: [[SQLValue]])

    /// The rows of each section, with the texts `h` where data can put text.
    static func rows(_ h: [String]) -> Rows {
        let services = ["onboarding", h[0]]
        let weeks = ["2026-W10", "2026-W11", "2026-W12", "2026-W13"]

        var throughput: [[SQLValue]] = []
        for (w, week) in weeks.enumerated() {
            for (s, service) in services.enumerated() {
                throughput.append([.text(week), .text(service), .integer(Int64(10 + w + s)), .integer(Int64(8 + 2 * w - s)), .integer(Int64(s))])
            }
        }
        var leadTimes: [[SQLValue]] = []
        let leads: [Double] = [5.25, 12.5, 30.0, 47.75, 3.125, 96.5, 20.0, 15.333333333333334, 60.1, 8.0]
        for (i, lead) in leads.enumerated() {
            leadTimes.append([.text("T-\(1000 + i)"), .text(services[i % 2]), .integer(t0 + Int64(i) * 13 * hour + 17),
                              .real(lead), .real(14.166666666666666), .real(53.925), .real(79.78749999999999)])
        }
        let teamLoad: [[SQLValue]] = [
            [.text("hr"), .integer(3), .integer(2), .integer(1), .real(50.5), .integer(7), .integer(6), .integer(1)],
            [.text("it"), .integer(5), .integer(0), .integer(0), .real(120.25), .integer(9), .integer(4), .integer(5)],
            [.text(h[1]), .integer(0), .integer(1), .integer(2), .null, .integer(1), .integer(3), .integer(-2)],
        ]
        var flow: [[SQLValue]] = []
        var arrivals: Int64 = 0, departures: Int64 = 0
        for d in 0..<14 {
            arrivals += Int64(3 + d % 4); departures += Int64(2 + (d * 7) % 5)
            flow.append([.integer(t0 + Int64(d) * day), .integer(arrivals), .integer(departures)])
        }
        let aging: [[SQLValue]] = [
            [.text("T-2001"), .text("hr-review"), .real(10.5), .real(40.0)],
            [.text("T-2002"), .text("hr-review"), .real(55.0), .real(40.0)],
            [.text("T-2003"), .text("it-access"), .real(2.25), .real(8.0)],
            [.text("T-2004"), .text(h[2]), .real(300.0), .null],
            [.text("T-2005"), .text("it-access"), .real(9.75), .real(8.0)],
        ]
        let stalled: [[SQLValue]] = [
            [.text("T-2002"), .text("onboarding"), .text("hr-review"), .text("hr"), .text("active"), .integer(t0 - 55 * hour), .real(55.0), .real(48.0), .text("target")],
            [.text("T-2004"), .text(h[5]), .text(h[2]), .text(h[3]), .text("ready"), .integer(t0 - 300 * hour), .real(300.0), .real(72.0), .text("default")],
        ]
        let readiness: [[SQLValue]] = [
            [.text("onboarding"), .text("it-access"), .text("it"), .text("task"), .integer(120), .real(1.5), .real(0.31), .real(0.025), .real(0.0), .real(4.5), .text("ready"), .text("")],
            [.text("onboarding"), .text("hr-review"), .text("hr"), .text("review"), .integer(80), .real(6.25), .real(0.92), .real(0.1), .real(0.05), .real(12.5), .text("stabilise-first"), .text("cv 0.92 > 0.5; rework 10% > 5%")],
            [.text("onboarding"), .text("equipment"), .text("managers"), .text("approval"), .integer(45), .real(0.5), .real(1.4), .real(0.0), .real(0.0), .real(0.56), .text("keep-human"), .text("approval step")],
            [.text(h[0]), .text(h[6]), .text(h[3]), .text("task"), .integer(12), .real(2.0), .real(0.2), .real(0.0), .real(0.3333333333333333), .real(0.3), .text("too-few-runs"), .text(h[7])],
        ]
        return (throughput, leadTimes, teamLoad, flow, aging, stalled, readiness)
    }

    /// Every section: each chart kind, a highlighted one and an empty one.
    static func sections(_ h: [String]) -> [SectionResult] {
        let (throughput, leadTimes, teamLoad, flow, aging, stalled, readiness) = rows(h)
        return [
            SectionResult(key: "throughput", title: "Throughput by week", description: "Tickets opened, closed and cancelled per ISO week and service.",
                          columns: [col("week", "Week", .week), col("service", "Service", .text), col("opened", "Opened", .count),
                                    col("closed", "Closed", .count), col("cancelled", "Cancelled", .count)],
                          rows: throughput,
                          chart: ChartSpec(kind: .bar, title: "Tickets closed per week", x: "week", y: ["closed"], series: "service", yLabel: "Tickets closed")),
            SectionResult(key: "lead_times", title: "Lead time of closed tickets", description: "Each closed ticket with the p50/p85/p95 of the window. " + h[2],
                          columns: [col("ticket_id", "Ticket", .text), col("service", "Service", .text), col("closed_at", "Closed at", .instant),
                                    col("lead_time_hours", "Lead time", .hours), col("p50_hours", "p50", .hours), col("p85_hours", "p85", .hours),
                                    col("p95_hours", "p95", .hours)],
                          rows: leadTimes,
                          chart: ChartSpec(kind: .scatter, title: "Lead time scatter", x: "closed_at", y: ["lead_time_hours"],
                                           referenceLines: ["p50_hours", "p85_hours", "p95_hours"], colorBy: "service")),
            SectionResult(key: "team_load", title: "Team load", description: "Open step runs per team as of the report time.",
                          columns: [col("team", "Team", .text), col("ready", "Ready", .count), col("active", "Active", .count), col("paused", "Paused", .count),
                                    col("oldest_age_hours", "Oldest age", .hours), col("arrivals", "Arrivals", .count), col("completions", "Completions", .count),
                                    col("net_flow", "Net flow", .count)],
                          rows: teamLoad,
                          chart: ChartSpec(kind: .stackedBar, title: "Open work per team", x: "team", y: ["ready", "active", "paused"], yLabel: "Step runs")),
            SectionResult(key: "cumulative_flow", title: "Cumulative flow", description: "Arrivals and departures since the start of the window.",
                          columns: [col("day", "Day", .instant), col("arrivals", "Arrivals", .count), col("departures", "Departures", .count)],
                          rows: flow,
                          chart: ChartSpec(kind: .line, title: "Arrivals vs departures", x: "day", y: ["arrivals", "departures"], yLabel: "Tickets (cumulative)")),
            SectionResult(key: "aging", title: "Work item aging", description: "Open steps by age, against each step's p85.",
                          columns: [col("ticket_id", "Ticket", .text), col("step", "Step", .text), col("age_hours", "Age", .hours), col("p85_hours", "Step p85", .hours)],
                          rows: aging,
                          chart: ChartSpec(kind: .scatter, title: "Age of open steps", x: "step", y: ["age_hours"], referenceLines: ["p85_hours"])),
            SectionResult(key: "stalled", title: "Stalled steps", description: "Open, unpaused runs older than their threshold.",
                          columns: [col("ticket_id", "Ticket", .text), col("service", "Service", .text), col("step", "Step", .text), col("team", "Team", .text),
                                    col("state", "State", .text), col("ready_at", "Ready at", .instant), col("age_hours", "Age", .hours),
                                    col("threshold_hours", "Threshold", .hours), col("threshold_source", "Threshold from", .text)],
                          rows: stalled, highlight: true),
            SectionResult(key: "automation_readiness", title: "Automation readiness", description: "Which steps are stable enough to automate.",
                          columns: [col("service", "Service", .text), col("step", "Step", .text), col("team", "Team", .text), col("kind", "Kind", .text),
                                    col("runs", "Runs", .count), col("median_work_hours", "Median work", .hours), col("cv", "CV", .number),
                                    col("rework_rate", "Rework", .ratio), col("skip_rate", "Skips", .ratio), col("work_hours_per_week", "Work per week", .hours),
                                    col("verdict", "Verdict", .text), col("reasons", "Reasons", .text)],
                          rows: readiness,
                          chart: ChartSpec(kind: .scatter, title: "Runs vs variation", x: "runs", y: ["cv"], xLabel: "Completed runs", yLabel: "Coefficient of variation", colorBy: "verdict")),
            SectionResult(key: "cancellations", title: "Cancellations " + h[4], description: "A section with no rows.",
                          columns: [col("week", "Week", .week), col("cancelled", "Cancelled", .count)], rows: [],
                          chart: ChartSpec(kind: .bar, title: "Cancelled per week", x: "week", y: ["cancelled"])),
        ]
    }

    /// The CSV text of a section as the report engine's CSV renderer (`ReportCSV`) writes it.
    static func csv(_ s: SectionResult) -> String {
        var out = CSVWriter.header(s.columns.map(\.name))
        for row in s.rows { out += ReportCSV.record(row, columns: s.columns) }
        return out
    }
}
