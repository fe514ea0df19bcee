import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import SQLite

/// The percentile bootstrap of a difference: a planted shift is recovered inside its interval, no shift gives an
/// interval containing 0, the 95 % interval covers the true difference about 95 % of the time, and the result
/// depends on the samples as multisets and the seed only.
@Suite struct BootstrapTests {
    static func lognormal(_ n: Int, median: Double, sigma: Double, _ rng: inout SplitMix64) -> [Double] {
        (0..<n).map { _ in
            let u1 = max(rng.unit(), 1e-12), u2 = rng.unit()
            return median * exp(sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
    }

    @Test func aPlantedShiftOfTheMedianIsInsideItsInterval() throws {
        var rng = SplitMix64(seed: 11)
        let before = Self.lognormal(150, median: 4, sigma: 0.5, &rng), after = Self.lognormal(150, median: 1, sigma: 0.5, &rng)
        let d = try #require(Bootstrap.difference(before: before, after: after, statistic: .median, resamples: 2000, confidence: 0.95, seed: 1))
        #expect(d.low <= -3 && -3 <= d.high, "the planted difference of medians, 1 - 4 h: [\(d.low), \(d.high)]")
        #expect(d.high < 0, "and the interval excludes 0")
        #expect(d.before == Statistics.percentile(before, 0.5) && d.after == Statistics.percentile(after, 0.5))
        #expect(d.low <= d.difference && d.difference <= d.high)
    }

    @Test(arguments: [Bootstrap.Statistic.median, .mean])
    func noShiftGivesAnIntervalContainingZero(statistic: Bootstrap.Statistic) throws {
        var rng = SplitMix64(seed: 12)
        let before = Self.lognormal(120, median: 2, sigma: 0.8, &rng), after = Self.lognormal(140, median: 2, sigma: 0.8, &rng)
        let d = try #require(Bootstrap.difference(before: before, after: after, statistic: statistic, resamples: 2000, confidence: 0.95, seed: 1))
        #expect(d.low < 0 && 0 < d.high, "[\(d.low), \(d.high)]")
    }

    /// Over 200 independent planted pairs (true difference of medians -1 h), the 95 % interval misses it in about 5 %:
    /// a binomial(200, 0.95) count of hits is within 176...199 with probability > 0.999 (percentile intervals of
    /// medians run a little wide at n = 60, so the upper end is not tight).
    @Test func theIntervalCoversTheTruthAboutAsOftenAsItSays() {
        var rng = SplitMix64(seed: 2013)
        var hits = 0
        for i in 0..<200 {
            let before = Self.lognormal(60, median: 3, sigma: 0.6, &rng), after = Self.lognormal(60, median: 2, sigma: 0.6, &rng)
            let d = Bootstrap.difference(before: before, after: after, statistic: .median, resamples: 400, confidence: 0.95, seed: UInt64(i))!
            if d.low <= -1 && -1 <= d.high { hits += 1 }
        }
        #expect((176...199).contains(hits), "\(hits) of 200")
    }

    @Test func sharesOfZeroAndOneWorkedByHand() throws {
        // Before: 2 of 10 reworked; after: none. The difference of means is exactly -0.2; the interval cannot go
        // above 0 (after is always 0) nor below -1.
        let d = try #require(Bootstrap.difference(before: [1, 1] + Array(repeating: 0, count: 8), after: Array(repeating: 0, count: 10),
                                                   statistic: .mean, resamples: 1000, confidence: 0.95, seed: 3))
        #expect(d.before == 0.2 && d.after == 0 && d.difference == -0.2)
        #expect(d.high <= 0 && d.low >= -1 && d.low < -0.2)
        // Constant samples: every resample gives the same difference.
        let c = try #require(Bootstrap.difference(before: [2, 2, 2], after: [5, 5], statistic: .median, resamples: 50, confidence: 0.9, seed: 9))
        #expect(c.difference == 3 && c.low == 3 && c.high == 3)
        #expect(Bootstrap.difference(before: [], after: [1], statistic: .mean, resamples: 10, confidence: 0.95, seed: 1) == nil)
    }

    @Test func theResultDependsOnTheMultisetsAndTheSeedOnly() throws {
        var rng = SplitMix64(seed: 5)
        let before = Self.lognormal(80, median: 2, sigma: 1, &rng), after = Self.lognormal(70, median: 1.5, sigma: 1, &rng)
        let a = Bootstrap.difference(before: before, after: after, statistic: .median, resamples: 500, confidence: 0.95, seed: 7)
        let b = Bootstrap.difference(before: before.reversed(), after: after.shuffled(using: &rng), statistic: .median, resamples: 500, confidence: 0.95, seed: 7)
        let c = Bootstrap.difference(before: before, after: after, statistic: .median, resamples: 500, confidence: 0.95, seed: 8)
        #expect(a == b)
        #expect(a != c)
    }

    /// The SQL aggregate is the Swift function, whatever order the rows reach it in.
    @Test func theAggregateIsTheFunction() throws {
        let folder = try TemporaryFolder.make("bootstrap")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = try Database(path: folder.appendingPathComponent("b.db").path)
        try db.execute("CREATE TABLE x(side INTEGER, v REAL)")
        var rng = SplitMix64(seed: 21)
        let before = Self.lognormal(40, median: 3, sigma: 0.7, &rng), after = Self.lognormal(50, median: 2, sigma: 0.7, &rng)
        let insert = try db.prepare("INSERT INTO x VALUES (?, ?)")
        for v in after { try insert.run([1, v]) }
        for v in before { try insert.run([0, v]) }
        try insert.run([0, SQLValue.null])
        let expected = try #require(Bootstrap.difference(before: before, after: after, statistic: .median, resamples: 300, confidence: 0.9, seed: 4))
        for order in ["rowid", "v", "v DESC"] {
            // Read back as the queries read it: json_extract, which must give the very doubles.
            let row = try #require(try db.rows("""
                SELECT json_extract(b, '$.before') AS before, json_extract(b, '$.after') AS after, json_extract(b, '$.ci_low') AS low,
                       json_extract(b, '$.ci_high') AS high, json_extract(b, '$.n_before') AS nb, json_extract(b, '$.n_after') AS na
                FROM (SELECT bootstrap_difference(v, side, 'median', 300, 0.9, 4) AS b FROM (SELECT * FROM x ORDER BY \(order)))
                """).first)
            #expect(row.double("before") == expected.before && row.double("after") == expected.after, "\(row.double("after")!) \(expected.after)")
            #expect(row.double("low") == expected.low && row.double("high") == expected.high)
            #expect(row.int("nb") == 40 && row.int("na") == 50)
        }
        #expect(throws: (any Error).self) { try db.scalar("SELECT bootstrap_difference(v, side, 'mode', 300, 0.9, 4) FROM x") }
        #expect(throws: (any Error).self) { try db.scalar("SELECT bootstrap_difference(v, side, 'median', 300, 1.5, 4) FROM x") }
    }
}
