import BatonCore
import Foundation
import SQLite

/// A team queue's forecast as the `forecast` query's team row gives it (the same trials, seed and parameters), for
/// a caller that already holds each team's open runs: the static site's queue pages.
public struct TeamQueueForecast: Sendable, Equatable {
    /// The open runs the forecast works through.
    public var open: Int
    /// Mean completions per day over the `weeks` weeks drawn from.
    public var dailyMean: Double
    public var weeks: Int
    /// When today's open work is done at 50 % and 85 % (nil: the team completed nothing in those weeks).
    public var clearP50At: Int64?
    public var clearP85At: Int64?
    /// How many it completes by `byAt` with 50, 85 and 95 % probability.
    public var byAt: Int64
    public var byP50: Int64, byP85: Int64, byP95: Int64

    /// What the forecasts are drawn from: `forecast.sql`'s parameters and each queue's daily completions
    /// (`forecast_completions.sql`), read on any connection at the build's snapshot (`inputs`).
    public struct Inputs: Sendable {
        let settings: ForecastSettings
        let daily: [QueueKey: [Int]]
    }

    /// Reads the inputs as of `asOf` with the parameters of `forecast.sql` in `queryFolder` (its `-- param` defaults).
    public static func inputs(db: Database, queryFolder: String, asOf: Int64) throws -> Inputs {
        let folder = URL(fileURLWithPath: queryFolder)
        let query = try QueryFile.load(folder.appendingPathComponent("forecast.sql"))
        var values = query.defaults
        values["as_of"] = .integer(asOf)
        let settings = try ForecastSettings(values, file: query.path)
        let daily = try ForecastInputs(folder: folder, db: db, parameters: values).completions(asOf: asOf, days: settings.weeks * 7)
        return Inputs(settings: settings, daily: daily)
    }

    /// Forecasts of the teams in `open` (team key: its open runs at `asOf`) with the parameters of `forecast.sql` in
    /// `queryFolder` and its input `forecast_completions.sql`.
    public static func teams(db: Database, queryFolder: String, asOf: Int64, open: [String: Int]) throws -> [String: TeamQueueForecast] {
        teams(try inputs(db: db, queryFolder: queryFolder, asOf: asOf), asOf: asOf, open: open)
    }

    /// Forecasts of the teams in `open` from inputs read as of `asOf`.
    public static func teams(_ inputs: Inputs, asOf: Int64, open: [String: Int]) -> [String: TeamQueueForecast] {
        let settings = inputs.settings, days = settings.weeks * 7
        let forecaster = QueueForecaster(settings: settings)
        var result: [String: TeamQueueForecast] = [:]
        for (team, count) in open {
            let q = QueueKey(scope: "team", key: team)
            let r = forecaster.forecast(q, open: count, daily: inputs.daily[q] ?? Array(repeating: 0, count: days))
            result[team] = TeamQueueForecast(open: count, dailyMean: r.dailyMean, weeks: settings.weeks,
                                             clearP50At: r.clearP50Days.map { ForecastSettings.instant(asOf, after: $0) },
                                             clearP85At: r.clearP85Days.map { ForecastSettings.instant(asOf, after: $0) },
                                             byAt: settings.horizonEnd(asOf: asOf),
                                             byP50: r.byP50, byP85: r.byP85, byP95: r.byP95)
        }
        return result
    }
}
