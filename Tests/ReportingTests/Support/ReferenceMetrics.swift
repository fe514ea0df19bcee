import BatonCore
import Foundation
import SQLite
@testable import Orchestration

/// An expected CSV cell.
enum Cell: Equatable, CustomStringConvertible {
    case number(Double?)
    case text(String)

    var description: String {
        switch self {
        case .number(let d): return d.map { "\($0)" } ?? "(empty)"
        case .text(let s): return "\"\(s)\""
        }
    }
}

/// The weekly report's numbers computed a second way: straight from DESIGN's definitions over the
/// generator's ground truth (never the store, never the queries).
struct ReferenceMetrics {
    let tickets: [TruthTicket]
    let services: [ServiceDefinition]
    let from: Int64, to: Int64, asOf: Int64
    var stallPercentile = 0.85, stallWindowDays: Int64 = 90, stallMinRuns = 20, stallDefaultHours = 72.0
    var minRuns = 30, minStarted = 0.5, readySpread = 0.5, readyDrift = 0.25, readyPredecessor = 0.9, readyPosition = 0.9
    var readyRework = 0.05, readySkip = 0.10, orderDays: Int64 = 14

    init(tickets: [TruthTicket], services: [ServiceDefinition], from: Int64, to: Int64, asOf: Int64) {
        self.tickets = tickets; self.services = services; self.from = from; self.to = to; self.asOf = asOf
    }

    // MARK: definitions, written out

    /// Type 7: h = (n−1)p, x⌊h⌋ + (h−⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋).
    static func percentile(_ xs: [Double], _ p: Double) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        let h = Double(s.count - 1) * p
        let lo = Int(floor(h))
        guard lo + 1 < s.count else { return s[lo] }
        return s[lo] + (h - Double(lo)) * (s[lo + 1] - s[lo])
    }

    static func sampleSD(_ xs: [Double]) -> Double? {
        guard xs.count > 1 else { return nil }
        let m = xs.reduce(0, +) / Double(xs.count)
        return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
    }

    static func hours(_ s: Int64) -> Double { Double(s) / 3600 }
    func inWindow(_ t: Int64?) -> Bool { guard let t else { return false }; return t >= from && t < to && t <= asOf }
    var allRuns: [(TruthTicket, TruthRun)] { tickets.flatMap { t in t.runs.map { (t, $0) } } }
    var serviceKeys: [String] { services.map(\.key).sorted() }

    func completed(_ r: TruthRun) -> Bool { r.endKind == .done && inWindow(r.end) }
    func isOpen(_ r: TruthRun, at t: Int64) -> Bool { r.ready <= t && !(r.end.map { $0 <= t } ?? false) }
    func state(_ r: TruthRun, at t: Int64) -> String {
        if r.pauses.contains(where: { $0.start <= t && ($0.end.map { $0 > t } ?? true) }) { return "paused" }
        if let s = r.started, s <= t { return "active" }
        return "ready"
    }
    func activeSeconds(_ r: TruthRun, at t: Int64) -> Int64 {
        var paused: Int64 = 0
        for p in r.pauses where p.start <= t {
            let a = max(p.start, r.ready), b = min(p.end ?? t, t)
            if b > a { paused += b - a }
        }
        return t - r.ready - paused
    }

    /// The window of the day and week series (throughput, cumulative flow, WIP): clamped to the span of the data,
    /// from the first ticket opening to the last opening, closing or cancellation at or before as_of (issue 12: no
    /// output grows with the window beyond the data). Empty (`from == to`) when there is nothing to show.
    var seriesWindow: (from: Int64, to: Int64) {
        guard let first = tickets.map(\.opened).min(),
              let last = tickets.flatMap({ [$0.opened, $0.closed, $0.cancelled].compactMap { $0 } }).filter({ $0 <= asOf }).max()
        else { return (to, to) }
        let w = (from: max(from, first), to: min(to, last + 1))
        return w.from < w.to ? w : (to, to)
    }

    // MARK: sections, keyed by their leading key columns

    func throughput() -> [String: [String: Cell]] {
        var rows: [String: [String: Cell]] = [:]
        let series = seriesWindow
        var w = Instant.weekStart(series.from)
        while series.from < series.to && w < series.to {
            for s in serviceKeys {
                let mine = tickets.filter { $0.service == s }
                func count(_ pick: (TruthTicket) -> Int64?) -> Cell {
                    .number(Double(mine.filter { inWindow(pick($0)) && Instant.weekStart(pick($0)!) == w }.count))
                }
                rows["\(Instant.isoWeekLabel(w))|\(s)"] = ["opened": count { $0.opened }, "closed": count { $0.closed },
                                                           "cancelled": count { $0.cancelled }]
            }
            w += 7 * 86_400
        }
        return rows
    }

    func leadTimes() -> [String: [String: Cell]] {
        var rows: [String: [String: Cell]] = [:]
        for s in serviceKeys {
            let closed = tickets.filter { $0.service == s && inWindow($0.closed) }
            let h = closed.map { Self.hours($0.closed! - $0.opened) }
            let w = closed.map { Self.hours(workingLead($0)) }
            rows[s] = ["closed": .number(Double(h.count)), "p50_hours": .number(Self.percentile(h, 0.5)),
                       "p50_working_hours": .number(Self.percentile(w, 0.5)), "p85_working_hours": .number(Self.percentile(w, 0.85)),
                       "p95_working_hours": .number(Self.percentile(w, 0.95)),
                       "p85_hours": .number(Self.percentile(h, 0.85)), "p95_hours": .number(Self.percentile(h, 0.95)),
                       "mean_hours": .number(h.isEmpty ? nil : h.reduce(0, +) / Double(h.count)), "max_hours": .number(h.max())]
        }
        return rows
    }

    func stepTimes() -> [String: [String: Cell]] {
        let groups = Dictionary(grouping: allRuns.map(\.1).filter(completed)) { "\($0.service)|\($0.step)|\($0.team)" }
        return groups.mapValues { runs in
            let sojourn = runs.map { Self.hours($0.end! - $0.ready) }
            let working = runs.map { Self.hours(workingSeconds($0, until: $0.end!)) }
            let started = runs.filter { $0.started != nil }
            let wait = started.map { Self.hours($0.started! - $0.ready) }
            let work = started.map { Self.hours($0.end! - $0.started!) }
            let startedSojourn = started.map { Self.hours($0.end! - $0.ready) }.reduce(0, +)
            return ["runs": .number(Double(runs.count)), "p50_hours": .number(Self.percentile(sojourn, 0.5)),
                    "p85_hours": .number(Self.percentile(sojourn, 0.85)), "p95_hours": .number(Self.percentile(sojourn, 0.95)),
                    "wait_p50_hours": .number(Self.percentile(wait, 0.5)), "work_p50_hours": .number(Self.percentile(work, 0.5)),
                    "flow_efficiency": .number(startedSojourn > 0 ? work.reduce(0, +) / startedSojourn : nil),
                    "mean_hours": .number(sojourn.reduce(0, +) / Double(sojourn.count)),
                    "rework_runs": .number(Double(runs.filter { $0.attempt > 1 }.count)),
                    "p50_working_hours": .number(Self.percentile(working, 0.5)), "p85_working_hours": .number(Self.percentile(working, 0.85)),
                    "p95_working_hours": .number(Self.percentile(working, 0.95))]
        }
    }

    /// Stalled rows; also says which threshold sources occurred.
    func stalled() -> [String: [String: Cell]] {
        var rows: [String: [String: Cell]] = [:]
        for (t, r) in allRuns where t.opened <= asOf && isOpen(r, at: asOf) && state(r, at: asOf) != "paused" {
            let threshold: Double, source: String
            let history = allRuns.map(\.1).filter { $0.service == r.service && $0.step == r.step && $0.endKind == .done
                && $0.end! > asOf - stallWindowDays * 86_400 && $0.end! <= asOf }
            if let target = r.targetSeconds {
                threshold = Self.hours(target); source = "target"
            } else if history.count >= stallMinRuns {
                threshold = Self.percentile(history.map { Self.hours(workingSeconds($0, until: $0.end!)) }, stallPercentile)!
                source = "p85"
            } else {
                threshold = stallDefaultHours; source = "default"
            }
            let active = Self.hours(activeSeconds(r, at: asOf))
            let working = Self.hours(workingSeconds(r, until: asOf))
            guard working > threshold else { continue }
            rows["\(t.id)|\(r.step)"] = ["service": .text(r.service), "team": .text(r.team), "state": .text(state(r, at: asOf)),
                                         "ready_at": .text(Instant.iso(r.ready)), "age_hours": .number(Self.hours(asOf - r.ready)),
                                         "threshold_hours": .number(threshold), "threshold_source": .text(source),
                                         "active_age_hours": .number(active), "working_age_hours": .number(working),
                                         "over_by_hours": .number(working - threshold), "calendar": .text(calendarName(r)),
                                         "title": .text(t.title.hasPrefix("=") ? "'" + t.title : t.title)]
        }
        return rows
    }

    func teamLoad() -> [String: [String: Cell]] {
        var teams = Set<String>()
        let open = allRuns.filter { $0.0.opened <= asOf && isOpen($0.1, at: asOf) }.map(\.1)
        let arrivals = allRuns.map(\.1).filter { inWindow($0.ready) && !($0.endKind == .skipped && $0.end! <= asOf) }
        let completions = allRuns.map(\.1).filter(completed)
        for r in open + arrivals + completions { teams.insert(r.team) }
        var rows: [String: [String: Cell]] = [:]
        for team in teams {
            let mine = open.filter { $0.team == team }
            let a = arrivals.filter { $0.team == team }.count, c = completions.filter { $0.team == team }.count
            rows[team] = ["ready": .number(Double(mine.filter { state($0, at: asOf) == "ready" }.count)),
                          "active": .number(Double(mine.filter { state($0, at: asOf) == "active" }.count)),
                          "paused": .number(Double(mine.filter { state($0, at: asOf) == "paused" }.count)),
                          "oldest_age_hours": .number(mine.map { Self.hours(asOf - $0.ready) }.max()),
                          "arrivals": .number(Double(a)), "completions": .number(Double(c)), "net_flow": .number(Double(a - c))]
        }
        // Open work no team owns: tickets open at as_of with no run open then, waiting since their last run ended
        // (else since they opened); one row, only when there are any.
        let idle = tickets.filter { t in
            t.opened <= asOf && !(t.closed.map { $0 <= asOf } ?? false) && !(t.cancelled.map { $0 <= asOf } ?? false)
                && !t.runs.contains { isOpen($0, at: asOf) }
        }
        if !idle.isEmpty {
            let ages = idle.map { t in Self.hours(asOf - (t.runs.compactMap(\.end).filter { $0 <= asOf }.max() ?? t.opened)) }
            rows["(between steps)"] = ["ready": .number(Double(idle.count)), "active": .number(0), "paused": .number(0),
                                       "oldest_age_hours": .number(ages.max()), "arrivals": .number(0),
                                       "completions": .number(0), "net_flow": .number(0)]
        }
        return rows
    }

    /// Automation readiness, per service and step, from README's definitions (the signals of the step itself).
    func automationReadiness() -> [String: [String: Cell]] {
        let ended = allRuns.filter { ($0.1.endKind == .done || $0.1.endKind == .skipped) && inWindow($0.1.end) }
        let byStep = Dictionary(grouping: ended) { "\($0.1.service)|\($0.1.step)" }
        let weeks = Double(to - from) / 604_800
        let middle = (from + to) / 2
        let orderFrom = max(from, to - orderDays * 86_400)
        var rows: [String: [String: Cell]] = [:]
        for (key, group) in byStep {
            let runs = group.map(\.1).filter { $0.endKind == .done }
            let n = runs.count, skips = group.count - n
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let kind = services.first { $0.key == parts[0] }?.step(parts[1])?.kind.rawValue ?? "task"
            let ordered = services.first { $0.key == parts[0] }?.enforceOrder ?? true   // a flexible service's order is free
            let withStart = runs.filter { $0.started != nil }
            let work = withStart.map { Self.hours($0.end! - $0.started!) }
            let logs = withStart.map { Foundation.log(Double(max($0.end! - $0.started!, 1)) / 3600) }
            func meanLog(_ second: Bool) -> Double? {
                let xs = withStart.filter { ($0.end! >= middle) == second }.map { Foundation.log(Double(max($0.end! - $0.started!, 1)) / 3600) }
                return xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
            }
            let drift: Double? = meanLog(false).flatMap { a in meanLog(true).map { exp($0 - a) - 1 } }
            let mean = work.isEmpty ? nil : work.reduce(0, +) / Double(work.count)
            let cv: Double? = Self.sampleSD(work).flatMap { sd in mean.flatMap { $0 == 0 ? nil : sd / $0 } }
            let spread = Self.sampleSD(logs)
            let rework = n > 0 ? Double(runs.filter { $0.attempt > 1 }.count) / Double(n) : 0
            let skipRate = Double(skips) / Double(n + skips)
            let startedShare = n > 0 ? Double(withStart.count) / Double(n) : 0
            // Order: each recent first attempt's predecessor (the ticket's first attempt finished last before it began)
            // and place (how many had finished by then).
            var predecessors: [String: Int] = [:], places: [Int: Int] = [:], teams: [String: Int] = [:]
            for (t, r) in group where r.endKind == .done && r.attempt == 1 && r.end! >= orderFrom {
                let began = r.started ?? r.end!
                let before = t.runs.filter { $0.attempt == 1 && $0.step != r.step && ($0.endKind == .done || $0.endKind == .skipped) && $0.end! <= began }
                predecessors[before.max { $0.end! < $1.end! }?.step ?? "(first)", default: 0] += 1
                places[before.count, default: 0] += 1
                teams[r.team, default: 0] += 1
            }
            let firsts = Double(predecessors.values.reduce(0, +))
            let usual = predecessors.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
            let usualPlace = places.values.max()
            let team = teams.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? group.map(\.1.team).max()!
            let predecessorShare = usual.map { Double($0.value) / firsts }, positionShare = usualPlace.map { Double($0) / firsts }
            let verdict: String
            if kind == "approval" { verdict = "keep-human" }
            else if kind == "automated" { verdict = "automated" }
            else if n < minRuns { verdict = "too-few-runs" }
            else if startedShare < minStarted { verdict = "needs-start-events" }
            else if let spread, spread <= readySpread, let drift, abs(drift) <= readyDrift,
                    !ordered || (predecessorShare ?? 0) >= readyPredecessor && (positionShare ?? 0) >= readyPosition,
                    rework <= readyRework, skipRate <= readySkip { verdict = "ready" }
            else { verdict = "stabilise-first" }
            rows[key] = ["team": .text(team), "kind": .text(kind), "runs": .number(Double(n)),
                         "median_work_hours": .number(Self.percentile(work, 0.5)), "cv": .number(cv),
                         "rework_rate": .number(rework), "skip_rate": .number(skipRate),
                         "work_hours_per_week": .number(runs.map { Self.hours($0.end! - ($0.started ?? $0.ready)) }.reduce(0, +) / weeks),
                         "verdict": .text(verdict), "work_spread": .number(spread), "drift": .number(drift),
                         "predecessor_share": .number(predecessorShare), "position_share": .number(positionShare),
                         "reassigned_share": .number(0), "started_share": .number(startedShare)]
            if let usual { rows[key]!["predecessor"] = .text(usual.key) }
        }
        return rows
    }

    /// Headlines for [f, t) at `at`.
    func headline(from f: Int64, to t: Int64, asOf at: Int64) -> [String: Double?] {
        func inside(_ x: Int64?) -> Bool { guard let x else { return false }; return x >= f && x < t && x <= at }
        let lead = tickets.filter { inside($0.closed) }.map { Self.hours($0.closed! - $0.opened) }
        let open = tickets.filter { $0.opened <= at && !($0.closed.map { $0 <= at } ?? false) && !($0.cancelled.map { $0 <= at } ?? false) }
        return ["opened": Double(tickets.filter { inside($0.opened) }.count), "closed": Double(lead.count),
                "cancelled": Double(tickets.filter { inside($0.cancelled) }.count),
                "lead_time_p50_hours": Self.percentile(lead, 0.5), "lead_time_p85_hours": Self.percentile(lead, 0.85),
                "open_tickets": Double(open.count), "targets_met": targetsMet(from: f, to: t, asOf: at)]
    }

    func openTickets(service: String?, at t: Int64) -> Int {
        tickets.filter { (service == nil || $0.service == service) && $0.opened <= t
            && !($0.closed.map { $0 <= t } ?? false) && !($0.cancelled.map { $0 <= t } ?? false) }.count
    }

    func cumulativeFlow() -> [String: [String: Cell]] {
        var rows: [String: [String: Cell]] = [:]
        let series = seriesWindow
        var d = series.from - ((series.from % 86_400) + 86_400) % 86_400
        let atStart = tickets.filter { $0.opened < from && !($0.closed.map { $0 < from } ?? false) && !($0.cancelled.map { $0 < from } ?? false) }.count
        var cumulativeArrivals = atStart, cumulativeDepartures = 0
        while series.from < series.to && series.from <= asOf && d < series.to && d <= asOf {
            func sameDay(_ x: Int64?) -> Bool { inWindow(x) && x! >= d && x! < d + 86_400 }
            let a = tickets.filter { sameDay($0.opened) }.count
            let x = tickets.filter { sameDay($0.closed) }.count + tickets.filter { sameDay($0.cancelled) }.count
            cumulativeArrivals += a; cumulativeDepartures += x
            rows[String(Instant.iso(d).prefix(10))] = [
                "arrivals": .number(Double(a)), "departures": .number(Double(x)),
                "cumulative_arrivals": .number(Double(cumulativeArrivals)), "cumulative_departures": .number(Double(cumulativeDepartures)),
                // WIP at the end of the day by the definition itself, not by the difference of sums.
                "wip": .number(Double(openTickets(service: nil, at: min(d + 86_399, asOf))))]
            d += 86_400
        }
        return rows
    }

    func wip() -> [String: [String: Cell]] {
        var rows: [String: [String: Cell]] = [:]
        let series = seriesWindow
        var d = series.from - ((series.from % 86_400) + 86_400) % 86_400
        while series.from < series.to && series.from <= asOf && d < series.to && d <= asOf {
            let t = min(d + 86_399, asOf)
            for s in serviceKeys {
                rows["\(Instant.iso(d).prefix(10))|\(s)"] = ["wip": .number(Double(openTickets(service: s, at: t))),
                                                             "at": .text(Instant.iso(t))]
            }
            d += 86_400
        }
        return rows
    }

    func leadTimeScatter() -> [String: [String: Cell]] {
        let closed = tickets.filter { inWindow($0.closed) }
        let h = closed.map { Self.hours($0.closed! - $0.opened) }
        var rows: [String: [String: Cell]] = [:]
        for t in closed {
            rows[t.id] = ["service": .text(t.service), "closed_at": .text(Instant.iso(t.closed!)),
                          "lead_time_hours": .number(Self.hours(t.closed! - t.opened)), "p50_hours": .number(Self.percentile(h, 0.5)),
                          "p85_hours": .number(Self.percentile(h, 0.85)), "p95_hours": .number(Self.percentile(h, 0.95))]
        }
        return rows
    }

    func aging() -> [String: [String: Cell]] {
        var rows: [String: [String: Cell]] = [:]
        for (t, r) in allRuns where t.opened <= asOf && isOpen(r, at: asOf) {
            let done = allRuns.map(\.1).filter { $0.service == r.service && $0.step == r.step && completed($0) }
            rows["\(t.id)|\(r.step)"] = ["service": .text(r.service), "team": .text(r.team), "state": .text(state(r, at: asOf)),
                                         "ready_at": .text(Instant.iso(r.ready)), "age_hours": .number(Self.hours(asOf - r.ready)),
                                         "active_age_hours": .number(Self.hours(activeSeconds(r, at: asOf))),
                                         "step_p85_hours": .number(Self.percentile(done.map { Self.hours($0.end! - $0.ready) }, 0.85)),
                                         "working_age_hours": .number(Self.hours(workingSeconds(r, until: asOf))),
                                         "target_hours": .number(r.targetSeconds.map(Self.hours)), "calendar": .text(calendarName(r)),
                                         "step_p85_working_hours": .number(Self.percentile(done.map { Self.hours(workingSeconds($0, until: $0.end!)) }, 0.85))]
        }
        return rows
    }
}
