import Foundation

/// A business calendar compiled for computation: exact working seconds between two instants, and the instant a
/// number of working seconds after another, each in O(log n) with no walk over days or minutes.
///
/// Let F(t) be the working seconds from a fixed origin to the instant t (Unix seconds, UTC); then the working time
/// between two instants is F(to) − F(from). Between two offset changes of the zone (its DST and standard-time
/// transitions, read from Foundation for 1900–2200; outside that range the nearest offset holds) the local wall
/// time `t + offset` runs with real time, so F(t) = base[segment] + W(t + offset[segment]), where W(x) is the
/// working seconds in wall time before x: the weekly pattern's prefix sum, less the working time inside the
/// holidays before x. Each segment's base makes F continuous at the transitions. A working day on a DST change day
/// therefore has its true length: a 00:00–24:00 day in Europe/Berlin counts 23 h on the spring change day and 25 h
/// on the autumn one; an interval holding the skipped hour loses it, one holding the repeated hour counts it twice.
public struct WorkingCalendar: Sendable {
    /// The definition this calendar was compiled from.
    public let definition: CalendarDefinition

    /// UTC instants at which the zone's offset changes, ascending; segment `j` (0…count) starts at
    /// `transitions[j - 1]` (segment 0 reaches back without bound, the last one forward).
    private let transitions: ContiguousArray<Int64>
    /// Per segment: the UTC offset in seconds, and the base with F(t) = base + W(t + offset).
    private let offsets: ContiguousArray<Int64>
    private let bases: ContiguousArray<Int64>
    /// Per 2^22 s (≈ 48.5 days) of the transition range: the segment at its start, so that finding the segment of
    /// an instant is a look-up and a step or two, not a search.
    private let segmentAtBucket: ContiguousArray<Int32>
    static let bucketShift: Int64 = 22

    /// The week and the holidays in wall time.
    private let pattern: WallPattern

    /// Instants are clamped to ±2^62 s (≈ 1.5 × 10^11 years) so that no sum overflows.
    static let limit: Int64 = 1 << 62
    /// The span whose transitions are read: 1900-01-01 to 2200-01-01 UTC.
    static let transitionRange: (from: Int64, to: Int64) = (-2_208_988_800, 7_258_118_400)

    /// Compiles `definition`; its time zone must be one `TimeZone(identifier:)` knows (a parsed definition's is), or
    /// UTC is used.
    public init(_ definition: CalendarDefinition) {
        self.definition = definition
        let zone = TimeZone(identifier: definition.timeZone) ?? TimeZone(identifier: "UTC")!
        let (transitions, offsets) = Self.offsetSegments(of: zone)
        self.transitions = transitions
        self.offsets = offsets
        var buckets = ContiguousArray<Int32>(), j = 0
        let range = Self.transitionRange
        for b in 0...((range.to - range.from) >> Self.bucketShift) {
            while j < transitions.count && transitions[j] <= range.from + (b << Self.bucketShift) { j += 1 }
            buckets.append(Int32(j))
        }
        segmentAtBucket = buckets

        let pattern = WallPattern(definition)
        self.pattern = pattern
        // F continuous at each transition T: base[j+1] + W(T + offset[j+1]) == base[j] + W(T + offset[j]).
        var bases = ContiguousArray<Int64>([0])
        bases.reserveCapacity(offsets.count)
        for (j, t) in transitions.enumerated() {
            bases.append(bases[j] + pattern.wall(t + offsets[j]) - pattern.wall(t + offsets[j + 1]))
        }
        self.bases = bases
    }

    /// Every day 00:00–24:00 in UTC: working time is elapsed time. For runs with no calendar.
    public static let always = WorkingCalendar(CalendarDefinition(
        key: "24x7", name: "Always (24×7, UTC)", timeZone: "UTC",
        week: Array(repeating: [CalendarDefinition.Interval(start: 0, end: 1440)], count: 7)))

    /// Whether the calendar has any working time (a week with none makes every span 0).
    public var hasWorkingTime: Bool { pattern.weekTotal > 0 }

    /// The working seconds in `[from, to)` (Unix seconds, UTC); 0 when `to <= from`. Exact to the second.
    public func workingSeconds(from: Int64, to: Int64) -> Int64 {
        guard to > from else { return 0 }
        return cumulative(to) - cumulative(from)
    }

    /// The earliest instant `u >= t` with `workingSeconds(from: t, to: u) == s`: `t` itself for `s <= 0`, and
    /// `Int64.max` when that much working time never comes (a calendar without working time, or beyond ±2^62 s).
    public func addingWorkingSeconds(_ s: Int64, to t: Int64) -> Int64 {
        guard s > 0 else { return t }
        guard pattern.weekTotal > 0, s < Self.limit, t < Self.limit else { return .max }
        let t = max(t, -Self.limit)
        let target = cumulative(t) + s
        // F rises by 0 or 1 per second, so the first u with F(u) >= target has F(u) == target.
        var lo = t, gap = s, hi = min(Self.limit, t + s)
        while cumulative(hi) < target {
            if hi == Self.limit { return .max }
            lo = hi
            gap = gap < Self.limit / 2 ? gap * 2 : Self.limit // hi < 2^62 and gap <= 2^62: hi + gap cannot overflow
            hi = min(Self.limit, hi + gap)
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if cumulative(mid) >= target { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// F(t): working seconds from the origin to `t` (negative before it).
    func cumulative(_ t: Int64) -> Int64 {
        let t = min(max(t, -Self.limit), Self.limit)
        let j = segment(t)
        return bases[j] + pattern.wall(t + offsets[j])
    }

    /// The segment of `t`: the number of transitions at or before it.
    @inline(__always)
    private func segment(_ t: Int64) -> Int {
        let n = transitions.count
        guard n > 0, t > Self.transitionRange.from else { return 0 }
        let b = Int((t - Self.transitionRange.from) >> Self.bucketShift)
        guard b < segmentAtBucket.count else { return n }
        return transitions.withUnsafeBufferPointer { transitions in
            var j = Int(segmentAtBucket[b])
            while j < n && transitions[j] <= t { j += 1 }
            return j
        }
    }

    /// The zone's offset changes between 1900 and 2200, and the offset of each segment (one more than changes).
    static func offsetSegments(of zone: TimeZone) -> (ContiguousArray<Int64>, ContiguousArray<Int64>) {
        var transitions = ContiguousArray<Int64>(), offsets = ContiguousArray<Int64>()
        var current = Date(timeIntervalSince1970: TimeInterval(transitionRange.from))
        offsets.append(Int64(zone.secondsFromGMT(for: current)))
        let end = Date(timeIntervalSince1970: TimeInterval(transitionRange.to))
        while let next = zone.nextDaylightSavingTimeTransition(after: current), next < end, next > current {
            let offset = Int64(zone.secondsFromGMT(for: next))
            // A change of DST flag alone (standard offset moved by the same amount) leaves the offset as it was.
            if offset != offsets[offsets.count - 1] {
                transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
                offsets.append(offset)
            }
            current = next
        }
        return (transitions, offsets)
    }
}

/// The weekly pattern and the holidays of a calendar in wall time (seconds since 1970-01-01 00:00 local time).
struct WallPattern: Sendable {
    /// The week as merged intervals in seconds since Monday 00:00 (`[weekStarts[i], weekEnds[i])`), with the
    /// working seconds of the week before each, and those of the whole week.
    let weekStarts: ContiguousArray<Int64>
    let weekEnds: ContiguousArray<Int64>
    let weekBefore: ContiguousArray<Int64>
    let weekTotal: Int64

    /// Holidays as merged wall-time intervals, ascending; per holiday, G at its start (see `weekly`), the working
    /// seconds it takes away, and those all earlier ones take away.
    let holidayStarts: ContiguousArray<Int64>
    let holidayEnds: ContiguousArray<Int64>
    let holidayStartG: ContiguousArray<Int64>
    let holidayContent: ContiguousArray<Int64>
    let holidayBefore: ContiguousArray<Int64>

    static let week: Int64 = 604_800
    static let day: Int64 = 86_400
    /// Wall seconds of Monday 1970-01-05 00:00 (1970-01-01 was a Thursday): the origin of the weekly prefix.
    static let firstMonday: Int64 = 4 * 86_400

    init(_ definition: CalendarDefinition) {
        var starts = ContiguousArray<Int64>(), ends = ContiguousArray<Int64>()
        for (d, intervals) in definition.week.enumerated() {
            for i in intervals.sorted() where i.start < i.end {
                let s = Int64(d) * Self.day + Int64(i.start) * 60, e = Int64(d) * Self.day + Int64(i.end) * 60
                if let last = ends.last, s <= last { ends[ends.count - 1] = max(last, e) } else { starts.append(s); ends.append(e) }
            }
        }
        var before = ContiguousArray<Int64>(), total: Int64 = 0
        for (s, e) in zip(starts, ends) { before.append(total); total += e - s }
        (weekStarts, weekEnds, weekBefore, weekTotal) = (starts, ends, before, total)

        let (hStarts, hEnds) = Self.mergedHolidays(definition.holidays)
        var startG = ContiguousArray<Int64>(), content = ContiguousArray<Int64>(), hBefore = ContiguousArray<Int64>()
        var removed: Int64 = 0
        for (s, e) in zip(hStarts, hEnds) {
            let g = Self.weekly(s, starts, ends, before, total)
            startG.append(g)
            content.append(Self.weekly(e, starts, ends, before, total) - g)
            hBefore.append(removed)
            removed += content[content.count - 1]
        }
        (holidayStarts, holidayEnds, holidayStartG, holidayContent, holidayBefore) = (hStarts, hEnds, startG, content, hBefore)
    }

    /// W(x): working seconds in wall time before `x`, holidays taken out.
    func wall(_ x: Int64) -> Int64 {
        let g = Self.weekly(x, weekStarts, weekEnds, weekBefore, weekTotal)
        let k = countNotAfter(x, in: holidayStarts) - 1
        guard k >= 0 else { return g }
        let inside = x < holidayEnds[k] ? g - holidayStartG[k] : holidayContent[k]
        return g - holidayBefore[k] - inside
    }

    /// G(x): working seconds of the weekly pattern in wall time before `x`, counted from Monday 1970-01-05.
    static func weekly(_ x: Int64, _ starts: ContiguousArray<Int64>, _ ends: ContiguousArray<Int64>,
                       _ before: ContiguousArray<Int64>, _ total: Int64) -> Int64 {
        let y = x - firstMonday
        var w = y / week, p = y % week
        if p < 0 { w -= 1; p += week }
        let i = countNotAfter(p, in: starts) - 1
        guard i >= 0 else { return w * total }
        return w * total + before[i] + min(p, ends[i]) - starts[i]
    }

    /// The holidays as wall-time intervals (seconds since 1970-01-01 00:00 local), sorted with overlapping and
    /// touching ones merged.
    static func mergedHolidays(_ holidays: [CalendarDefinition.Holiday]) -> (ContiguousArray<Int64>, ContiguousArray<Int64>) {
        let spans = holidays.map { h -> (Int64, Int64) in
            let midnight = h.date.daysSinceEpoch * day
            return (midnight + Int64(h.span.start) * 60, midnight + Int64(h.span.end) * 60)
        }.filter { $0.0 < $0.1 }.sorted { $0 < $1 }
        var starts = ContiguousArray<Int64>(), ends = ContiguousArray<Int64>()
        for (s, e) in spans {
            if let last = ends.last, s <= last { ends[ends.count - 1] = max(last, e) } else { starts.append(s); ends.append(e) }
        }
        return (starts, ends)
    }
}

/// The number of elements of the ascending `values` that are <= `x`.
@inline(__always)
private func countNotAfter(_ x: Int64, in values: ContiguousArray<Int64>) -> Int {
    values.withUnsafeBufferPointer { b in
        var lo = 0, n = b.count
        while n > 0 {
            let half = n >> 1
            if b[lo + half] <= x { lo += half + 1; n -= half + 1 } else { n = half }
        }
        return lo
    }
}
