import BatonCore
import Foundation

/// A forecast as of one instant, with only what was known then: every open ticket's ETA and every queue's clearing
/// and completions by the horizon. The same inputs, instant and settings give the same numbers.
struct Forecast: Sendable {
    var asOf: Int64
    var tickets: [TicketForecaster.ETA]
    var queues: [QueueForecaster.Result]

    /// The ticket ETAs as of `asOf`: `open` are the tickets open then, `rows` durations that include the window
    /// before it.
    static func tickets(_ open: [OpenTicket], rows: DurationRows, asOf: Int64, settings: ForecastSettings) -> [TicketForecaster.ETA] {
        TicketForecaster(settings: settings, asOf: asOf).forecast(open, rows: rows)
    }

    /// The queue forecasts as of `asOf`: a team's open work is its runs open then, a service's its tickets open then;
    /// `daily(queue)` gives its completions on each of the `settings.weeks` weeks' days before `asOf` (index 0 = the
    /// last day). Every queue with open work or with completions in those days has a row (only those with open work
    /// when `withOpenWorkOnly`), teams first.
    static func queues(_ open: [OpenTicket], daily: (QueueKey) -> [Int], known: [QueueKey], asOf: Int64,
                       settings: ForecastSettings, withOpenWorkOnly: Bool = false) -> [QueueForecaster.Result] {
        var work: [QueueKey: Int] = [:]
        for t in open {
            work[QueueKey(scope: "service", key: t.service), default: 0] += 1
            for run in t.open { work[QueueKey(scope: "team", key: run.team), default: 0] += 1 }
        }
        var queues: [(QueueKey, Int, [Int])] = []
        for q in Set(known).union(work.keys).sorted(by: Self.order) {
            let d = daily(q)
            if work[q] == nil && (withOpenWorkOnly || !d.contains(where: { $0 > 0 })) { continue }
            queues.append((q, work[q] ?? 0, d))
        }
        let forecaster = QueueForecaster(settings: settings)
        let frozen = queues
        return ParallelTrials.map(frozen.count) { i in forecaster.forecast(frozen[i].0, open: frozen[i].1, daily: frozen[i].2) }
    }

    /// Teams before services, then by key.
    static func order(_ a: QueueKey, _ b: QueueKey) -> Bool {
        a.scope != b.scope ? a.scope == "team" : a.key < b.key
    }
}
