import BatonCore
import Foundation
import Testing
@testable import SQLite

/// The aggregates compared with values worked out by hand.
@Suite struct SQLFunctionsTests {
    let db: Database

    init() throws {
        db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE v(g TEXT, x REAL)")
    }

    func insert(_ group: String, _ values: [Double?]) throws {
        for v in values { try db.run("INSERT INTO v VALUES (?, ?)", [group, v]) }
    }

    func value(_ sql: String) throws -> Double? { try db.scalar(sql)?.double }

    // Sorted 1, 2, 3, 4, 10: h = 4p. p=0.5 → x2 = 3; p=0.85 → h=3.4 → 4 + 0.4·6 = 6.4; p=0.25 → 2; p=0.1 → h=0.4 → 1.4.
    @Test(arguments: [(0.5, 3.0), (0.85, 6.4), (0.25, 2.0), (0.1, 1.4), (0.0, 1.0), (1.0, 10.0)])
    func percentileType7(p: Double, expected: Double) throws {
        try insert("a", [10, 1, 4, 2, 3])
        let got = try #require(try value("SELECT percentile(x, \(p)) FROM v"))
        #expect(abs(got - expected) < 1e-12)
    }

    @Test func percentileOfOneValueIsThatValue() throws {
        try insert("a", [7.5])
        #expect(try value("SELECT percentile(x, 0.85) FROM v") == 7.5)
        #expect(try value("SELECT median(x) FROM v") == 7.5)
    }

    @Test func nullsAreIgnoredAndEmptyGroupsAreNull() throws {
        try insert("a", [nil, 4, nil, 2])
        #expect(try value("SELECT median(x) FROM v") == 3)
        #expect(try db.scalar("SELECT median(x) FROM v WHERE g = 'none'")?.isNull == true)
        #expect(try db.scalar("SELECT percentile(x, 0.5) FROM v WHERE x IS NULL")?.isNull == true)
        #expect(try db.scalar("SELECT stdev(x) FROM v WHERE g = 'none'")?.isNull == true)
    }

    @Test func medianOfEvenCountInterpolates() throws {
        try insert("a", [1, 2, 3, 4])
        #expect(try value("SELECT median(x) FROM v") == 2.5)
    }

    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x−5)² = 32, sample variance 32/7.
    @Test func sampleStandardDeviation() throws {
        try insert("a", [2, 4, 4, 4, 5, 5, 7, 9])
        let got = try #require(try value("SELECT stdev(x) FROM v"))
        #expect(abs(got - (32.0 / 7).squareRoot()) < 1e-12)
    }

    @Test func stdevOfOneValueIsNull() throws {
        try insert("a", [3])
        #expect(try db.scalar("SELECT stdev(x) FROM v")?.isNull == true)
    }

    @Test func meanOfValues() throws {
        try insert("a", [1, 2, 4])
        #expect(try value("SELECT mean(x) FROM v") == 7.0 / 3)
        #expect(try db.scalar("SELECT mean(x) FROM v WHERE g = 'none'")?.isNull == true)
    }

    /// Selection finds the same two order statistics as the textbook definition over a sorted copy.
    @Test(arguments: [1, 2, 3, 10, 101, 5_000])
    func percentileBySelectionMatchesTheSortedDefinition(count: Int) {
        var generator = SplitMix64(seed: UInt64(count))
        // Few distinct values as well as many: ties are where a partition goes wrong.
        let values = (0..<count).map { _ in Double(generator.next() % (count > 100 ? 40 : 1_000)) / 8 }
        let sorted = values.sorted()
        for p in [0, 0.05, 0.5, 0.85, 0.95, 0.999, 1] {
            let h = Double(sorted.count - 1) * p
            let lower = Int(h.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
            let expected = sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
            #expect(Statistics.percentile(values, p) == expected, "n \(count), p \(p)")
        }
    }

    /// An exact sum is correctly rounded and does not depend on order; the naive left-to-right sum does both.
    @Test func exactSumIsOrderIndependentAndCorrectlyRounded() {
        #expect(Statistics.exactSum([1e100, 1, -1e100]) == 1)
        #expect(Statistics.exactSum([0.1, 0.2, 0.3]) == 0.6)  // naive: 0.6000000000000001
        var generator = SplitMix64(seed: 7)
        let values = (0..<2_000).map { _ in Double(generator.next() % 1_000_000) / 3600 }
        var shuffled = values
        shuffled.shuffle(using: &generator)
        #expect(Statistics.exactSum(values) == Statistics.exactSum(shuffled))
        #expect(Statistics.sampleStandardDeviation(values) == Statistics.sampleStandardDeviation(shuffled))
        // A second method: each value is k/3600 rounded to a double, so the sum is Σk/3600 within the values'
        // own rounding (2,000 half-ulps of numbers under 278: well under 1e-15 of the total).
        let integerSum = values.reduce(0) { $0 + ($1 * 3600).rounded() }
        #expect(abs(Statistics.exactSum(values) - integerSum / 3600) <= integerSum / 3600 * 1e-15)
    }

    @Test func aggregatesWorkPerGroup() throws {
        try insert("a", [1, 3])
        try insert("b", [10, 20, 30])
        let rows = try db.rows("SELECT g, median(x) AS m FROM v GROUP BY g ORDER BY g")
        #expect(rows.map { $0.double("m") } == [2, 20])
    }

    @Test func percentileOutsideZeroToOneIsAnError() throws {
        try insert("a", [1, 2])
        #expect(throws: SQLiteError.self) { try db.scalar("SELECT percentile(x, 85) FROM v") }
    }

    @Test func instantFunctions() throws {
        // 2026-11-18 is a Wednesday in ISO week 47; its Monday is 2026-11-16.
        let t = try #require(Instant.parse("2026-11-18T13:00:00Z"))
        #expect(try db.scalar("SELECT iso(?)", [t])?.string == "2026-11-18T13:00:00Z")
        #expect(try db.scalar("SELECT iso_week(?)", [t])?.string == "2026-W47")
        #expect(try db.scalar("SELECT week_start(?)", [t])?.int == Instant.parse("2026-11-16T00:00:00Z"))
    }
}

@Suite struct InstantTests {
    @Test(arguments: [
        ("2026-03-02T09:15:00Z", "2026-03-02T09:15:00Z"),
        ("2026-03-02T10:15:00+01:00", "2026-03-02T09:15:00Z"),
        ("2026-03-02T10:15:00+0100", "2026-03-02T09:15:00Z"),
        ("2026-03-02T04:15:00-05:00", "2026-03-02T09:15:00Z"),
        ("2026-03-02 09:15:00.123Z", "2026-03-02T09:15:00Z"),
        ("2024-02-29", "2024-02-29T00:00:00Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
    ])
    func parsesAndFormats(text: String, iso: String) throws {
        let t = try #require(Instant.parse(text))
        #expect(Instant.iso(t) == iso)
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2025-02-29", "2026-13-01", "2026-03-02T25:00:00Z", "yesterday", "2026-03-02T09:15:00", ""])
    func rejectsImpossibleOrZonelessTimes(text: String) {
        #expect(Instant.parse(text) == nil)
    }

    @Test func zonelessTimeUsesTheGivenOffset() {
        #expect(Instant.parse("2026-03-02T10:15:00", defaultOffsetSeconds: 3600) == Instant.parse("2026-03-02T09:15:00Z"))
    }

    // ISO weeks near New Year: 2026-01-01 (Thursday) is 2026-W01; 2027-01-01 (Friday) is 2026-W53; 2024-12-30 is 2025-W01.
    @Test(arguments: [("2026-01-01", "2026-W01"), ("2027-01-01", "2026-W53"), ("2024-12-30", "2025-W01"), ("2026-11-23", "2026-W48")])
    func isoWeekLabels(date: String, label: String) throws {
        #expect(Instant.isoWeekLabel(try #require(Instant.parse(date))) == label)
    }

    @Test func startOfISOWeekInvertsTheLabel() throws {
        #expect(Instant.startOfISOWeek(year: 2026, week: 47) == Instant.parse("2026-11-16"))
        #expect(Instant.startOfISOWeek(year: 2026, week: 53) == Instant.parse("2026-12-28"))
    }
}

