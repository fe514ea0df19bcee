import BatonCore
import Foundation

/// When a queue's open work clears and how many it completes by a date: a bootstrap of its daily completions.
///
/// Each trial draws days at random, with replacement, from the queue's recent daily completions (zero days
/// included) and sums them: the days it takes the sum to reach today's open work, and the sum after the horizon.
/// Arrivals are not drawn: completions are taken to work through today's open work first.
struct QueueForecaster {
    struct Result: Sendable {
        var queue: QueueKey
        var open: Int
        /// Mean completions per day over the days drawn from.
        var dailyMean: Double
        /// Days to clear at p50 and p85 (type 7, rounded up); nil when the queue completed nothing in those days.
        var clearP50Days: Int64?
        var clearP85Days: Int64?
        /// Completions by the horizon with 50, 85 and 95 % probability (the p50, p15 and p5 of the sums, rounded down).
        var byP50: Int64
        var byP85: Int64
        var byP95: Int64
    }

    /// A queue that would take longer than this is reported as not clearing.
    static let maximumDays = 3650

    let settings: ForecastSettings

    func forecast(_ queue: QueueKey, open: Int, daily: [Int]) -> Result {
        let trials = settings.trials, horizon = settings.horizonDays
        let total = daily.reduce(0, +)
        var days = [Int64](repeating: 0, count: trials)
        var sums = [Int64](repeating: 0, count: trials)
        var rng = SplitMix64(seed: ForecastSeed.of([queue.scope, queue.key], settings.seed))
        let n = UInt64(daily.count)
        for t in 0..<trials {
            var done = 0, d = 0
            var cleared: Int64 = open == 0 ? 0 : (total == 0 ? Int64.max : -1)
            while d < horizon || cleared < 0 {
                done += daily[Int(((rng.next() >> 32) &* n) >> 32)]
                d += 1
                if d == horizon { sums[t] = Int64(done) }
                if cleared < 0, done >= open { cleared = Int64(d) }
                if cleared < 0, d >= Self.maximumDays { cleared = Int64.max }
            }
            days[t] = cleared
        }
        let clear = TrialQuantiles.of(&days, [0.5, 0.85])
        let by = TrialQuantiles.of(&sums, [0.05, 0.15, 0.5])
        func floorInt(_ v: Double?) -> Int64 { Int64((v ?? 0).rounded(.down)) }
        return Result(queue: queue, open: open, dailyMean: daily.isEmpty ? 0 : Double(total) / Double(daily.count),
                      clearP50Days: clear[0].map { Int64($0.rounded(.up)) }, clearP85Days: clear[1].map { Int64($0.rounded(.up)) },
                      byP50: floorInt(by[2]), byP85: floorInt(by[1]), byP95: floorInt(by[0]))
    }
}
