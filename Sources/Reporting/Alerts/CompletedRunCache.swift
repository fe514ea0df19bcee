import BatonCore
import Foundation
import SQLite

/// The alert engine's cache of completed step runs per whole UTC day and per whole hour (`alert_completed_spans`):
/// per span, service, step and team, the counts and sorted working hours `alerts_completed.sql` gives for the runs
/// completed in it. A window reads its whole days, then the whole hours at its two ends, from here, and only the
/// partial hours at its ends live, so the stall percentiles and the target attainment equal what the queries compute
/// over every run at the cost of a few hundred runs.
///
/// Exact, not merely fresh: a span is used only when nothing it was computed from has changed since.
/// - Events are append-only, and a run completed before an instant is fixed by the events up to then (the as_of
///   rule: a report as of A equals the report on a store holding only the events at or before A). So events
///   added since (`events.id` above `through_event`: live actions, imports of history in any order) invalidate
///   the spans that end after the earliest of their instants.
/// - Everything else the working time and targets depend on (calendars, team calendars, step targets and calendars
///   of every service version, schema versions, and a rebuild of the projections, which bumps the `projections`
///   counter) is digested in `settings`; a change drops every span.
/// `isFresh` checks this inside the caller's read transaction, so a writer between `refresh` and the read only
/// sends the alerts to the uncached queries.
struct CompletedRunCache {
    /// [start, start + seconds): a whole UTC day or hour.
    struct Span: Hashable { let start: Int64, seconds: Int64 }

    let db: Database
    /// `alerts_completed.sql`: the completed runs of [:lo, :hi), a row each.
    let rowsQuery: QueryFile

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// [lo, hi) as whole days, whole hours at both ends, and the partial hours left (live).
    static func split(_ lo: Int64, _ hi: Int64) -> (spans: [Span], live: [(Int64, Int64)]) {
        func whole(_ lo: Int64, _ hi: Int64, _ size: Int64) -> [Span] {
            let first = floorDiv(lo + size - 1, size), last = floorDiv(hi, size) - 1
            return first <= last ? (first...last).map { Span(start: $0 * size, seconds: size) } : []
        }
        let days = whole(lo, hi, 86_400)
        let ends = days.isEmpty ? [(lo, hi)] : [(lo, days[0].start), (days[days.count - 1].start + 86_400, hi)]
        var spans = days, live: [(Int64, Int64)] = []
        for (a, b) in ends {
            let hours = whole(a, b, 3_600)
            spans += hours
            live += hours.isEmpty ? [(a, b)] : [(a, hours[0].start), (hours[hours.count - 1].start + 3_600, b)]
        }
        return (spans, live.filter { $0.0 < $0.1 })
    }

    /// Whether every span is cached and still exact (read-only).
    func isFresh(_ spans: [Span]) throws -> Bool {
        guard let state = try db.rows("SELECT through_event, settings FROM alert_cache_state WHERE id = 1").first,
              state.string("settings") == (try settingsDigest()) else { return false }
        let changed = try firstChangedInstant(since: state.int("through_event") ?? 0)
        if let changed, spans.contains(where: { $0.start + $0.seconds > changed }) { return false }
        return try missing(spans).isEmpty
    }

    /// Drops the spans that are no longer exact and computes the missing ones of `spans` (in the caller's write
    /// transaction).
    func refresh(_ spans: [Span]) throws {
        let digest = try settingsDigest()
        let state = try db.rows("SELECT through_event, settings FROM alert_cache_state WHERE id = 1").first
        if state?.string("settings") != digest {
            try db.execute("DELETE FROM alert_completed_spans; DELETE FROM alert_cached_spans;")
        } else if let changed = try firstChangedInstant(since: state?.int("through_event") ?? 0) {
            try db.run("DELETE FROM alert_completed_spans WHERE start + seconds > ?", [changed])
            try db.run("DELETE FROM alert_cached_spans WHERE start + seconds > ?", [changed])
        }
        let through = try db.scalar("SELECT max(id) FROM events")?.int ?? 0
        try db.run("""
            INSERT INTO alert_cache_state(id, through_event, settings) VALUES (1, ?, ?)
            ON CONFLICT(id) DO UPDATE SET through_event = excluded.through_event, settings = excluded.settings
            """, [through, digest])
        // Consecutive missing spans of one size are read in one pass.
        var run: [Span] = []
        for span in try missing(spans).sorted(by: { ($0.seconds, $0.start) < ($1.seconds, $1.start) }) {
            if let last = run.last, last.seconds != span.seconds || last.start + last.seconds != span.start {
                try store(run)
                run = []
            }
            run.append(span)
        }
        if !run.isEmpty { try store(run) }
        try prune(before: spans)
    }

    /// Spans kept before the earliest one a run asks for (a week): alerts from cron ask for a window that moves
    /// forward, so the cache stays about the size of that window instead of growing with history; a run with an
    /// earlier as_of computes its spans again.
    static let keptBefore: Int64 = 7 * 86_400

    private func prune(before spans: [Span]) throws {
        guard let earliest = spans.map(\.start).min() else { return }
        try db.run("DELETE FROM alert_completed_spans WHERE start + seconds < ?", [earliest - Self.keptBefore])
        try db.run("DELETE FROM alert_cached_spans WHERE start + seconds < ?", [earliest - Self.keptBefore])
    }

    private func missing(_ spans: [Span]) throws -> [Span] {
        let lookup = try db.cached("SELECT 1 FROM alert_cached_spans WHERE start = ? AND seconds = ?")
        return try spans.filter { try lookup.rows([$0.start, $0.seconds]).isEmpty }
    }

    /// Computes and stores consecutive spans of one size (each marked cached, with or without runs).
    private func store(_ spans: [Span]) throws {
        let size = spans[0].seconds, lo = spans[0].start, hi = spans[spans.count - 1].start + size
        let buckets = try rows(lo, hi) { Span(start: lo + CompletedRunCache.floorDiv($0 - lo, size) * size, seconds: size) }
        let insert = try db.cached("""
            INSERT INTO alert_completed_spans(start, seconds, service, step, team, runs, target_runs, met, hours)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (span, runs) in buckets {
            for (g, c) in runs.groups {
                try insert.run([span.start, span.seconds, g.service, g.step, g.team, c.runs, c.targetRuns, c.met,
                                SQLValue.blob(OrderKey.blob(c.hours.first ?? []))])
            }
        }
        let mark = try db.cached("INSERT OR IGNORE INTO alert_cached_spans(start, seconds) VALUES (?, ?)")
        for span in spans { try mark.run([span.start, span.seconds]) }
    }

    /// The completed runs of [lo, hi): its whole days and hours from the cache (`isFresh` must hold for them), the
    /// partial hours at its ends live.
    func runs(_ lo: Int64, _ hi: Int64) throws -> CompletedRuns {
        let (spans, live) = Self.split(lo, hi)
        var result = CompletedRuns()
        for (a, b) in live {
            for (_, runs) in try rows(a, b, bucket: { _ in Span(start: a, seconds: b - a) }) { result.add(runs) }
        }
        let read = try db.cached("SELECT service, step, team, runs, target_runs, met, hours FROM alert_completed_spans WHERE start = ? AND seconds = ?")
        for span in spans {
            try read.forEach([span.start, span.seconds]) { s in
                let group = CompletedRuns.Group(service: s.string(at: 0) ?? "", step: s.string(at: 1) ?? "", team: s.string(at: 2) ?? "")
                var counts = CompletedRuns.Counts(runs: Int(s.int(at: 3) ?? 0), targetRuns: Int(s.int(at: 4) ?? 0), met: Int(s.int(at: 5) ?? 0))
                if case .blob(let bytes) = s.value(at: 6), !bytes.isEmpty { counts.hours = [OrderKey.keys(bytes)] }
                result.groups[group, default: CompletedRuns.Counts()].add(counts)
            }
        }
        return result
    }

    /// The completed runs of [lo, hi) from the runs themselves, by the span `bucket` gives each done_at.
    private func rows(_ lo: Int64, _ hi: Int64, bucket: @escaping (Int64) -> Span) throws -> [Span: CompletedRuns] {
        try CompletedRuns.buckets(by: bucket) { body in
            try QueryRunner.forEachRow(rowsQuery, on: db, parameters: ["lo": .integer(lo), "hi": .integer(hi)], body)
        }
    }

    /// The earliest instant of the events added after `eventID`, or nil when none were added.
    private func firstChangedInstant(since eventID: Int64) throws -> Int64? {
        try db.scalar("SELECT min(at) FROM events WHERE id > ?", [eventID])?.int
    }

    /// A digest of everything besides the events that a completed run's working time and target depend on.
    func settingsDigest() throws -> String {
        let text = try db.scalar("""
            SELECT coalesce((SELECT group_concat(key || x'1f' || version || x'1f' || definition, x'1e')
                             FROM (SELECT key, version, definition FROM calendars ORDER BY key, version)), '')
                || x'1d' || coalesce((SELECT group_concat(key || x'1f' || coalesce(calendar, x'1c'), x'1e')
                                      FROM (SELECT key, calendar FROM teams ORDER BY key)), '')
                || x'1d' || coalesce((SELECT group_concat(service || x'1f' || version || x'1f' || key || x'1f'
                                                          || coalesce(target_seconds, x'1c') || x'1f' || coalesce(calendar, x'1c'), x'1e')
                                      FROM (SELECT * FROM service_steps ORDER BY service, version, key)), '')
                || x'1d' || (SELECT group_concat(version, ',') FROM (SELECT version FROM schema_migrations ORDER BY version))
                || x'1d' || coalesce((SELECT group_concat(track || ':' || version, ',') FROM (SELECT * FROM schema_tracks ORDER BY track)), '')
                || x'1d' || coalesce((SELECT value FROM counters WHERE name = 'projections'), 0)
            """)?.string ?? ""
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16) + "/" + String(text.utf8.count)
    }
}
