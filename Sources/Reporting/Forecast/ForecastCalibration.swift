import BatonCore
import Foundation
import SQLite

/// Forecasts made as of earlier instants, with only what was known then, checked against what happened by as_of.
///
/// Censoring: a ticket counts once its p85 instant is at or before as_of, closed or not, so its outcome is known at
/// both percentiles and whether it counts depends on the forecast alone; one cancelled by its p85 instant is left
/// out (it never closes). A queue counts once its p85 clearing day is at or before as_of.
struct ForecastCalibration {
    struct Tally {
        var label: String
        var open = 0, tickets = 0, byP50 = 0, byP85 = 0, undecided = 0, cancelled = 0
        var queues = 0, cleared = 0

        mutating func add(_ o: Tally) {
            open += o.open; tickets += o.tickets; byP50 += o.byP50; byP85 += o.byP85; undecided += o.undecided
            cancelled += o.cancelled; queues += o.queues; cleared += o.cleared
        }

        /// over-confident, under-confident or calibrated: coverage_p85 against 0.85 ± the larger of 2 binomial
        /// standard errors and 2.5 points (a ticket open for several weeks counts at each, so the binomial error
        /// understates the true one on large stores; a smaller gap is not worth acting on).
        var verdict: String {
            guard tickets >= 20 else { return "too few" }
            let coverage = Double(byP85) / Double(tickets)
            let margin = max(0.025, 2 * (0.85 * 0.15 / Double(tickets)).squareRoot())
            if coverage < 0.85 - margin { return "over-confident" }
            if coverage > 0.85 + margin { return "under-confident" }
            return "calibrated"
        }

        var row: [SQLValue] {
            func ratio(_ a: Int, _ b: Int) -> SQLValue { b == 0 ? .null : .real(Double(a) / Double(b)) }
            return [.text(label), .integer(Int64(tickets)), .integer(Int64(byP50)), .integer(Int64(byP85)),
                    ratio(byP50, tickets), ratio(byP85, tickets), .integer(Int64(open)), .integer(Int64(undecided)),
                    .integer(Int64(cancelled)), .integer(Int64(queues)), .integer(Int64(cleared)), ratio(cleared, queues),
                    .text(verdict)]
        }
    }

    static let columns = ["as_of", "tickets", "closed_by_p50", "closed_by_p85", "coverage_p50", "coverage_p85", "open_tickets",
                          "undecided", "cancelled", "queues", "queues_cleared_by_p85", "queue_coverage_p85", "verdict"]

    let inputs: ForecastInputs
    let settings: ForecastSettings

    /// One row per instant as_of - 7 d x k (k = calibration_points … 1, oldest first), then the row `all`.
    func run(asOf: Int64) throws -> QueryOutput {
        let k = settings.calibrationPoints
        let lookback = Int64(7 * k)
        let rows = try inputs.durations(asOf: asOf, lookbackDays: lookback)
        let outcomes = try inputs.outcomes(asOf: asOf, lookbackDays: lookback)
        let days = settings.weeks * 7
        let daily = try inputs.completions(asOf: asOf, days: days + 7 * k)
        var all = Tally(label: "all")
        var output: [[SQLValue]] = []
        for point in stride(from: k, through: 1, by: -1) {
            let offset = 7 * point, t = asOf - Int64(offset) * 86_400
            let open = try inputs.openWork(asOf: t)
            var tally = Tally(label: Instant.iso(t), open: 0)
            var past = settings
            past.trials = settings.calibrationTrials
            for eta in Forecast.tickets(open, rows: rows, asOf: t, settings: past) {
                guard let p50 = eta.p50, let p85 = eta.p85 else { continue }
                tally.open += 1
                guard p85 <= asOf else { tally.undecided += 1; continue }
                let o = outcomes[eta.ticketID]
                if let c = o?.cancelled, c <= p85, o?.closed == nil { tally.cancelled += 1; continue }
                tally.tickets += 1
                if let c = o?.closed, c <= p50 { tally.byP50 += 1 }
                if let c = o?.closed, c <= p85 { tally.byP85 += 1 }
            }
            let series = { (q: QueueKey) -> [Int] in
                guard let d = daily[q] else { return Array(repeating: 0, count: days) }
                return Array(d[offset..<(offset + days)])
            }
            for q in Forecast.queues(open, daily: series, known: Array(daily.keys), asOf: t, settings: settings,
                                           withOpenWorkOnly: true) where q.open > 0 {
                guard let d = q.clearP85Days, d <= offset else { continue }
                tally.queues += 1
                let done = daily[q.queue].map { $0[(offset - Int(d))..<offset].reduce(0, +) } ?? 0
                if done >= q.open { tally.cleared += 1 }
            }
            all.add(tally)
            output.append(tally.row)
        }
        output.append(all.row)
        return QueryOutput(columns: Self.columns, rows: output)
    }
}
