import BatonCore

/// The durations of one step (how long its runs held a ticket), or the lead times of one service, in seconds, sorted:
/// what a forecast draws from. Sorted once per forecast, so conditioning on an age is a binary search.
struct DurationSample: Sendable {
    let sorted: [Int64]

    /// `durations` in any order (a sorted array is only checked: the sort finds one run and stops).
    init(_ durations: [Int64]) { sorted = durations.sorted() }

    var count: Int { sorted.count }

    /// At least this many durations are kept as candidates: a run older than all but a few of the durations seen is
    /// conditioned on the `minimumTail`-th longest instead of on an age almost nothing reached.
    static let minimumTail = 5
    /// Candidate counts above this are rounded down to a 2 % geometric grid, so that runs of nearly the same age share
    /// their trials (see `TicketForecaster`); the longest 98 % or more of the exact candidates are kept.
    static let exactBelow = 64

    /// What a run that has lasted `age` seconds can still take: the `candidates` longest durations (those longer than
    /// `age`). `fromNow` when the run is older than all but `minimumTail` durations: its draws then count from the
    /// forecast's instant, by how far they exceed the shortest candidate (as if the run had just reached it), rather
    /// than from its ready instant.
    func conditioned(onAge age: Int64) -> (candidates: Int, fromNow: Bool) {
        let n = sorted.count
        var lo = 0, hi = n  // the first index whose duration is longer than age
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] > age { hi = mid } else { lo = mid + 1 }
        }
        var m = n - lo
        if m < Self.minimumTail { return (min(Self.minimumTail, n), true) }
        if m > Self.exactBelow { m = Self.grid(m) }
        return (m, false)
    }

    /// The largest value of the grid 64 x 1.02^k not above `m`.
    static func grid(_ m: Int) -> Int {
        var g = Double(exactBelow)
        while (g * 1.02).rounded(.down) <= Double(m) { g *= 1.02 }
        return Int(g.rounded(.down))
    }

    /// A duration drawn uniformly from the `candidates` longest; `fromNow`: by how much it exceeds the shortest of them.
    @inline(__always)
    func draw(fromLongest candidates: Int, fromNow: Bool = false, _ rng: inout SplitMix64) -> Int64 {
        let k = Int(((rng.next() >> 32) &* UInt64(candidates)) >> 32)
        let first = sorted.count - candidates
        return fromNow ? sorted[first + k] - sorted[first] : sorted[first + k]
    }
}
