import BatonCore

/// A seeded percentile bootstrap of the difference of a statistic between two independent samples ("after" minus
/// "before"), for questions like "did automating this step shorten its time in step?".
///
/// Each resample draws, with replacement, as many values from each sample as it has (the two samples are resampled
/// independently: the tickets before and after a version boundary are different tickets), computes the statistic of
/// each and keeps the difference. The interval is the type-7 percentiles (1 − c)/2 and (1 + c)/2 of those
/// differences. The samples are sorted first and the draws come from `SplitMix64(seed)`, so the result depends only
/// on the two multisets, the seed and the settings: not on the order the values arrive in, nor on the machine.
public enum Bootstrap {
    /// What is compared: the median (durations: robust to the long tails of waiting) or the mean (shares of 0/1).
    public enum Statistic: String, Sendable, CaseIterable {
        case median, mean

        func of(_ values: [Double]) -> Double {
            switch self {
            case .median: return Statistics.percentile(values, 0.5)!
            case .mean: return values.reduce(0, +) / Double(values.count)
            }
        }
    }

    /// The observed statistics, their difference (after − before) and its bootstrap interval.
    public struct Difference: Sendable, Equatable {
        public var before: Double
        public var after: Double
        public var difference: Double { after - before }
        public var low: Double
        public var high: Double
    }

    /// The difference and its `confidence` interval from `resamples` resamples; nil when a sample is empty.
    public static func difference(before: [Double], after: [Double], statistic: Statistic, resamples: Int,
                                  confidence: Double, seed: UInt64) -> Difference? {
        guard !before.isEmpty, !after.isEmpty, resamples > 0 else { return nil }
        let before = before.sorted(), after = after.sorted()
        var rng = SplitMix64(seed: seed)
        func resample(_ sample: [Double]) -> Double {
            let n = UInt64(sample.count)
            var picked = [Double](repeating: 0, count: sample.count)
            // The high word of next() × n: uniform in 0..<n up to 2^-64 bias, with no division.
            for i in picked.indices { picked[i] = sample[Int(rng.next().multipliedFullWidth(by: n).high)] }
            return statistic.of(picked)
        }
        var differences: [Double] = []
        differences.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let b = resample(before)
            differences.append(resample(after) - b)
        }
        let tail = (1 - confidence) / 2
        return Difference(before: statistic.of(before), after: statistic.of(after),
                          low: Statistics.percentile(differences, tail)!, high: Statistics.percentile(differences, 1 - tail)!)
    }
}
