import BatonCore
import Foundation
@testable import Orchestration

/// The service-level numbers from issue 14's definitions, over the generator's ground truth: which calendar
/// applies (the step's own, else its team's, else none: 24×7), working time (the calendar's working time less that
/// of the pauses), attainment and breaches. Working time comes from `ReferenceCalendar`, never Baton's.
extension ReferenceMetrics {
    static let berlin = try! ReferenceCalendar(file: SyntheticLog.calendarFile)

    func stepDefinition(_ service: String, _ step: String) -> ServiceDefinition.Step? {
        services.first { $0.key == service }?.step(step)
    }

    /// The calendar of a run of `step` held by `team` (nil: 24×7).
    func calendar(service: String, step: String, team: String) -> ReferenceCalendar? {
        let key = stepDefinition(service, step)?.calendar ?? SyntheticLog.teamCalendars[team]
        return key.map { k in precondition(k == Self.berlin.key); return Self.berlin }
    }

    func working(_ cal: ReferenceCalendar?, _ a: Int64, _ b: Int64) -> Int64 {
        guard b > a else { return 0 }
        return cal?.seconds(from: a, to: b) ?? (b - a)
    }

    /// Working seconds of a run from ready to `t` (its end, or as_of), less its pauses' working time up to `t`.
    func workingSeconds(_ r: TruthRun, until t: Int64) -> Int64 {
        let cal = calendar(service: r.service, step: r.step, team: r.team)
        var paused: Int64 = 0
        for p in r.pauses where p.start <= t { paused += working(cal, max(p.start, r.ready), min(p.end ?? t, t)) }
        return working(cal, r.ready, t) - paused
    }

    func calendarName(_ r: TruthRun) -> String { calendar(service: r.service, step: r.step, team: r.team)?.key ?? "" }

    /// A ticket's working lead time: in the calendar of its service's first step.
    func workingLead(_ t: TruthTicket) -> Int64 {
        let first = services.first { $0.key == t.service }!.steps[0]
        return working(calendar(service: t.service, step: first.key, team: first.team ?? ""), t.opened, t.closed!)
    }

    static func monday(_ t: Int64) -> Int64 {
        let days = (t - (t % 86_400 + 86_400) % 86_400) / 86_400   // days since 1970-01-01, a Thursday
        return (days - ((days + 3) % 7 + 7) % 7) * 86_400
    }

    func targetRuns() -> [TruthRun] { allRuns.map(\.1).filter { completed($0) && $0.targetSeconds != nil } }

    func serviceLevels() -> [String: [String: Cell]] {
        let groups = Dictionary(grouping: targetRuns()) { "\($0.service)|\($0.step)|\($0.team)|\(Instant.isoWeekLabel(Self.monday($0.end!)))" }
        return groups.mapValues { runs in
            let target = runs[0].targetSeconds!
            let w = runs.map { workingSeconds($0, until: $0.end!) }
            let met = w.filter { $0 <= target }.count
            return ["runs": .number(Double(runs.count)), "met": .number(Double(met)), "breached": .number(Double(runs.count - met)),
                    "attainment": .number(Double(met) / Double(runs.count)), "target_hours": .number(Self.hours(target)),
                    "p85_working_hours": .number(Self.percentile(w.map(Self.hours), 0.85)),
                    "worst_breach_hours": .number(Self.hours(max(0, w.map { $0 - target }.max()!))),
                    "calendar": .text(calendarName(runs[0]))]
        }
    }

    func serviceLevelWeeks() -> [String: [String: Cell]] {
        let groups = Dictionary(grouping: targetRuns()) { Instant.isoWeekLabel(Self.monday($0.end!)) }
        return groups.mapValues { runs in
            let met = runs.filter { workingSeconds($0, until: $0.end!) <= $0.targetSeconds! }.count
            return ["runs": .number(Double(runs.count)), "met": .number(Double(met)), "breached": .number(Double(runs.count - met)),
                    "attainment": .number(Double(met) / Double(runs.count))]
        }
    }

    /// The headline: the share of runs with a target completed in [f, t) at `at` that met it.
    func targetsMet(from f: Int64, to t: Int64, asOf at: Int64) -> Double? {
        let runs = allRuns.map(\.1).filter { $0.endKind == .done && $0.targetSeconds != nil && $0.end! >= f && $0.end! < t && $0.end! <= at }
        guard !runs.isEmpty else { return nil }
        return Double(runs.filter { workingSeconds($0, until: $0.end!) <= $0.targetSeconds! }.count) / Double(runs.count)
    }
}
