import SQLite

/// Step runs completed in some span, by service, step and team (that completed them): how many, how many had a
/// target and met it, and their working hours in step as sorted arrays of order keys (`OrderKey`), one array per
/// day or part of a day they came from. Order statistics are found across the arrays without merging them.
struct CompletedRuns {
    struct Group: Hashable { let service: String, step: String, team: String }

    struct Counts {
        var runs = 0, targetRuns = 0, met = 0
        /// Sorted arrays of order keys (runs whose working time is NULL count in `runs` only).
        var hours: [[UInt64]] = []

        mutating func add(_ other: Counts) {
            runs += other.runs; targetRuns += other.targetRuns; met += other.met
            hours += other.hours.filter { !$0.isEmpty }
        }
    }

    var groups: [Group: Counts] = [:]

    mutating func add(_ other: CompletedRuns) {
        for (group, counts) in other.groups { groups[group, default: Counts()].add(counts) }
    }

    /// The rows of `alerts_completed.sql` (done_at, service, step, team, working_hours, has_target, met), by the
    /// bucket `bucket` gives each done_at, then by group.
    static func buckets<Key: Hashable>(by bucket: @escaping (Int64) -> Key,
                                       from rows: (([SQLValue]) throws -> Void) throws -> Void) throws -> [Key: CompletedRuns] {
        var result: [Key: CompletedRuns] = [:]
        var unsorted: [Key: [Group: [UInt64]]] = [:]
        try rows { row in
            let key = bucket(row[0].int ?? 0)
            let group = Group(service: row[1].string ?? "", step: row[2].string ?? "", team: row[3].string ?? "")
            var counts = result[key, default: CompletedRuns()].groups[group, default: Counts()]
            counts.runs += 1
            if row[5].int == 1 { counts.targetRuns += 1 }
            if row[6].int == 1 { counts.met += 1 }
            result[key, default: CompletedRuns()].groups[group] = counts
            if let hours = row[4].double { unsorted[key, default: [:]][group, default: []].append(OrderKey.key(hours)) }
        }
        for (key, groups) in unsorted {
            for (group, keys) in groups { result[key]!.groups[group]!.hours = [keys.sorted()] }
        }
        return result
    }

    /// The runs, and the `p` percentile (type 7) of working hours, of each service and step over every team.
    func percentiles(_ p: Double) -> [(service: String, step: String, runs: Int, hours: Double?)] {
        var bySteps: [[String]: Counts] = [:]
        for (group, counts) in groups { bySteps[[group.service, group.step], default: Counts()].add(counts) }
        return bySteps.map { key, counts in
            let n = counts.hours.reduce(0) { $0 + $1.count }
            let value = Statistics.percentile(count: n, p) { OrderKey.value(OrderKey.select($0, in: counts.hours)) }
            return (key[0], key[1], counts.runs, value)
        }
    }
}

/// Doubles as unsigned integers in the same order (sign bit flipped, and every bit for negatives), so a binary search
/// over the integers finds an order statistic across sorted arrays exactly.
enum OrderKey {
    static func key(_ value: Double) -> UInt64 {
        let bits = value.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    static func value(_ key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key ^ (1 << 63) : ~key)
    }

    /// The `rank`-th smallest key (from 0) of the union of sorted, non-empty `arrays`: the least key with more than
    /// `rank` keys at or below it.
    static func select(_ rank: Int, in arrays: [[UInt64]]) -> UInt64 {
        var low = arrays.map { $0[0] }.min()!, high = arrays.map { $0[$0.count - 1] }.max()!
        while low < high {
            let mid = low + (high - low) / 2
            var atOrBelow = 0
            for a in arrays { atOrBelow += countAtOrBelow(mid, a) }
            if atOrBelow > rank { high = mid } else { low = mid + 1 }
        }
        return low
    }

    static func countAtOrBelow(_ key: UInt64, _ sorted: [UInt64]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Keys as stored: 8 bytes each, little-endian.
    static func blob(_ keys: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keys.count * 8)
        for k in keys { withUnsafeBytes(of: k.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    static func keys(_ blob: [UInt8]) -> [UInt64] {
        blob.withUnsafeBytes { raw in
            (0..<raw.count / 8).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
    }
}
