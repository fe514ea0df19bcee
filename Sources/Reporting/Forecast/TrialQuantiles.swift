/// Percentiles of a forecast's trials by the report's one method (Hyndman-Fan type 7: for sorted x0…xn-1, h = (n-1)p,
/// x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋])), found by selection rather than a full sort: 10,000 trials per key, for
/// thousands of keys.
enum TrialQuantiles {
    /// The type-7 percentiles `ps` (ascending) of `values`, which are reordered. Int64.max stands for "never": a
    /// percentile that touches it is nil.
    static func of(_ values: inout [Int64], _ ps: [Double]) -> [Double?] {
        let n = values.count
        guard n > 0 else { return ps.map { _ in nil } }
        return values.withUnsafeMutableBufferPointer { buffer in
            var result: [Double?] = Array(repeating: nil, count: ps.count)
            var upper = n  // values[..<upper] hold everything below the last percentile's rank
            for (i, p) in ps.enumerated().reversed() {
                let h = Double(n - 1) * p
                let k = Int(h.rounded(.down))
                select(buffer, k, below: upper)
                let lo = buffer[k]
                var hi = lo
                if k + 1 < n {
                    // The next order statistic: the least of what lies above k (all of it at or above buffer[k]).
                    hi = Int64.max
                    for j in (k + 1)..<n where buffer[j] < hi { hi = buffer[j] }
                }
                upper = k + 1
                let frac = h - Double(k)
                if lo == Int64.max || (frac > 0 && hi == Int64.max) { result[i] = nil; continue }
                result[i] = frac > 0 ? Double(lo) + frac * Double(hi - lo) : Double(lo)
            }
            return result
        }
    }

    /// Reorders `b[..<end]` so that `b[k]` is its k-th least, with nothing greater before it and nothing less after
    /// it (Hoare's selection with a median-of-three pivot).
    private static func select(_ b: UnsafeMutableBufferPointer<Int64>, _ k: Int, below end: Int) {
        var lo = 0, hi = end - 1
        while hi > lo {
            let mid = lo + (hi - lo) / 2
            if b[mid] < b[lo] { b.swapAt(mid, lo) }
            if b[hi] < b[lo] { b.swapAt(hi, lo) }
            if b[hi] < b[mid] { b.swapAt(hi, mid) }
            let pivot = b[mid]
            var i = lo, j = hi
            while i <= j {
                while b[i] < pivot { i += 1 }
                while b[j] > pivot { j -= 1 }
                if i <= j { b.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }
}
