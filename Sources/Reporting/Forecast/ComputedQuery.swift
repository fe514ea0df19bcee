import BatonCore
import Foundation
import SQLite

/// The queries whose rows Swift computes (a line `-- computed: NAME` in the file): the forecasts, which simulate
/// trials no SQL could. Their inputs are plain queries of the same folder (`forecast_*.sql`); the computed file
/// declares the parameters and says what the rows mean. `QueryRunner` runs them like any other query.
enum ComputedQuery {
    static let names = ["forecast", "forecast_tickets", "forecast_calibration"]

    static func run(_ name: String, _ query: QueryFile, on db: Database, parameters: [String: SQLValue]) throws -> QueryOutput {
        var values = query.defaults
        for (k, v) in parameters { values[k.hasPrefix(":") ? String(k.dropFirst()) : k] = v }
        guard let asOf = values["as_of"]?.int else {
            throw ReportingError("\(query.path) needs a value for :as_of; pass --as-of TIME")
        }
        let settings = try ForecastSettings(values, file: query.path)
        let inputs = ForecastInputs(folder: URL(fileURLWithPath: query.path).deletingLastPathComponent(), db: db, parameters: values)
        switch name {
        case "forecast": return try queues(inputs, asOf: asOf, settings: settings)
        case "forecast_tickets": return try tickets(inputs, asOf: asOf, settings: settings)
        case "forecast_calibration": return try ForecastCalibration(inputs: inputs, settings: settings).run(asOf: asOf)
        default:
            throw ReportingError("\(query.path): 'computed: \(name)' is not a computation Baton knows\(Suggest.didYouMean(name, in: names)) (known: \(names.joined(separator: ", ")))")
        }
    }

    static func queues(_ inputs: ForecastInputs, asOf: Int64, settings: ForecastSettings) throws -> QueryOutput {
        let open = try inputs.openWork(asOf: asOf)
        let days = settings.weeks * 7
        let daily = try inputs.completions(asOf: asOf, days: days)
        let queues = Forecast.queues(open, daily: { daily[$0] ?? Array(repeating: 0, count: days) }, known: Array(daily.keys),
                                     asOf: asOf, settings: settings)
        let by = settings.horizonEnd(asOf: asOf)
        func at(_ d: Int64?) -> SQLValue { d.map { .integer(ForecastSettings.instant(asOf, after: $0)) } ?? .null }
        func days_(_ d: Int64?) -> SQLValue { d.map { .integer($0) } ?? .null }
        let rows: [[SQLValue]] = queues.map { q in
            [.text("\(q.queue.scope) \(q.queue.key.isEmpty ? "(no team)" : q.queue.key)"), .text(q.queue.scope), .text(q.queue.key),
             .integer(Int64(q.open)), .real(q.dailyMean), days_(q.clearP50Days), days_(q.clearP85Days), at(q.clearP50Days),
             at(q.clearP85Days), .integer(by), .integer(q.byP50), .integer(q.byP85), .integer(q.byP95)]
        }
        return QueryOutput(columns: ["queue", "scope", "key", "open", "daily_mean", "clear_p50_days", "clear_p85_days", "clear_p50_at",
                                     "clear_p85_at", "by_at", "by_p50", "by_p85", "by_p95"], rows: rows)
    }

    static func tickets(_ inputs: ForecastInputs, asOf: Int64, settings: ForecastSettings) throws -> QueryOutput {
        let open = try inputs.openWork(asOf: asOf)
        let rows = try inputs.durations(asOf: asOf, lookbackDays: 0)
        let byID = Dictionary(open.map { ($0.id, $0.openedAt) }, uniquingKeysWith: { a, _ in a })
        let etas = Forecast.tickets(open, rows: rows, asOf: asOf, settings: settings)
        func at(_ t: Int64?) -> SQLValue { t.map(SQLValue.integer) ?? .null }
        return QueryOutput(columns: ["ticket_id", "service", "step", "team", "opened_at", "eta_p50_at", "eta_p85_at", "method", "basis"],
                           rows: etas.map { e in
            [.text(e.ticketID), .text(e.service), .text(e.step), .text(e.team), at(byID[e.ticketID]), at(e.p50), at(e.p85),
             .text(e.method), .integer(Int64(e.basis))]
        })
    }
}
