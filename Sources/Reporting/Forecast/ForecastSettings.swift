import BatonCore
import Foundation
import SQLite

/// The parameters of a forecast, read from a computed query's values (its `-- param` defaults, then the given ones).
struct ForecastSettings: Sendable {
    var trials = 10_000
    var windowDays: Int64 = 90
    var weeks = 8
    var horizonDays = 28
    var minRuns = 20
    var seed: UInt64 = 1
    var calibrationPoints = 12
    /// Trials per key of the calibration's past ticket forecasts (see forecast_calibration.sql).
    var calibrationTrials = 2_000

    /// Reads the values a query was given; a value out of range is an error naming the file and the parameter.
    init(_ values: [String: SQLValue], file: String) throws {
        func int(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let v = values[name] else { return fallback }
            guard let i = v.int, range.contains(Int(i)) else {
                throw ReportingError("\(file): parameter \(name) = \(ReportEngine.text(v)): must be a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return Int(i)
        }
        trials = try int("trials", trials, 1...1_000_000)
        windowDays = Int64(try int("forecast_window_days", Int(windowDays), 1...3650))
        weeks = try int("forecast_weeks", weeks, 1...520)
        horizonDays = try int("forecast_horizon_days", horizonDays, 1...3650)
        minRuns = try int("forecast_min_runs", minRuns, 1...1_000_000)
        seed = UInt64(bitPattern: Int64(try int("forecast_seed", Int(seed), 0...Int(Int32.max))))
        calibrationPoints = try int("calibration_points", calibrationPoints, 1...520)
        calibrationTrials = try int("calibration_trials", calibrationTrials, 1...1_000_000)
    }

    init() {}

    /// The instant `days` whole days of 24 h after `asOf`: a forecast's days count from as_of (day 0 is as_of).
    static func instant(_ asOf: Int64, after days: Int64) -> Int64 { asOf + days * 86_400 }

    /// The end of the horizon the "done by" counts are for.
    func horizonEnd(asOf: Int64) -> Int64 { Self.instant(asOf, after: Int64(horizonDays)) }
}

/// Seeds for the forecast's pieces: FNV-1a of what a piece forecasts, mixed with the seed parameter, so each piece's
/// trials are the same whatever else is forecast beside it and whichever thread runs it.
enum ForecastSeed {
    static func of(_ parts: [String], _ seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            h = (h ^ 0x1F) &* 0x0000_0100_0000_01b3
        }
        var mix = SplitMix64(seed: h ^ (seed &* 0x9E37_79B9_7F4A_7C15))
        return mix.next()
    }
}
