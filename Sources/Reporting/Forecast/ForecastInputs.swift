import BatonCore
import Foundation
import SQLite

/// The rows a forecast reads, from the `forecast_*.sql` queries of one folder (the folder of the computed query, as a
/// report's fragments are): durations, open work, daily completions and, for the calibration, outcomes.
struct ForecastInputs {
    let folder: URL
    let db: Database
    let parameters: [String: SQLValue]

    func query(_ name: String) throws -> QueryFile {
        try QueryFile.load(folder.appendingPathComponent("\(name).sql"))
    }

    /// `parameters` with some values replaced (as_of, the lookback).
    func values(_ changes: [String: SQLValue]) -> [String: SQLValue] { parameters.merging(changes) { $1 } }

    /// The durations that ended in (asOf - (window + lookback) days, asOf], by sample: a step (`service` and `step`)
    /// or a service's lead times (`service` and '').
    func durations(asOf: Int64, lookbackDays: Int64) throws -> DurationRows {
        var rows = DurationRows()
        let q = try query("forecast_durations")
        let values = values(["as_of": .integer(asOf), "forecast_lookback_days": .integer(lookbackDays)])
        var last: (String, String, Int) = ("", "\u{0}", -1)
        try QueryRunner.forEachRow(q, on: db, parameters: values) { row in
            guard let service = row[0].string, let step = row[1].string, let began = row[2].int, let ended = row[3].int else { return }
            let id: Int
            if last.0 == service && last.1 == step { id = last.2 } else {
                id = rows.id(service: service, step: step)
                last = (service, step, id)
            }
            rows.ended[id].append(ended)
            rows.lengths[id].append(ended - began)
        }
        rows.sortByLength()
        return rows
    }

    /// The tickets open at `asOf`, each with its open runs and the later steps it still has.
    func openWork(asOf: Int64) throws -> [OpenTicket] {
        var tickets: [OpenTicket] = []
        try QueryRunner.forEachRow(try query("forecast_open_work"), on: db, parameters: values(["as_of": .integer(asOf)])) { row in
            guard let id = row[0].string, let service = row[1].string else { return }
            if tickets.last?.id != id {
                tickets.append(OpenTicket(id: id, service: service, defined: row[2].string == "definition",
                                          openedAt: row[4].int ?? asOf, open: [], next: []))
            }
            let step = row[6].string ?? ""
            switch row[5].string {
            case "open": tickets[tickets.count - 1].open.append(.init(step: step, team: row[8].string ?? "", readyAt: row[9].int ?? asOf))
            case "next": tickets[tickets.count - 1].next.append(step)
            default: break
            }
        }
        return tickets
    }

    /// Daily completions per queue over `days` days before `asOf` (index 0 = the last day): the rows of
    /// forecast_completions.sql (one per completion) counted per queue and day.
    func completions(asOf: Int64, days: Int) throws -> [QueueKey: [Int]] {
        var counts: [[Int]] = [], index: [QueueKey: Int] = [:]
        var last: (scope: String, key: String, at: Int) = ("", "", -1)  // rows of one queue often come together
        let weeks = Int64((days + 6) / 7)
        let values = values(["as_of": .integer(asOf), "forecast_weeks": .integer(weeks), "forecast_lookback_weeks": .integer(0)])
        // Read in place (1.4M rows for the calibration at 1M tickets): a queue's texts only when they change.
        _ = try QueryRunner.forEachStatement(try query("forecast_completions"), on: db, parameters: values) { row in
            guard let day = row.int(at: 2), day >= 0, day < Int64(days) else { return }
            var at = last.at
            if at < 0 || !row.textEquals(at: 1, last.key) || !row.textEquals(at: 0, last.scope) {
                guard let scope = row.string(at: 0), let key = row.string(at: 1) else { return }
                let q = QueueKey(scope: scope, key: key)
                at = index[q] ?? {
                    counts.append(Array(repeating: 0, count: days))
                    index[q] = counts.count - 1
                    return counts.count - 1
                }()
                last = (scope, key, at)
            }
            counts[at][Int(day)] += 1
        }
        return index.mapValues { counts[$0] }
    }

    /// When the tickets closed or cancelled in the `lookbackDays` before `asOf` did so.
    func outcomes(asOf: Int64, lookbackDays: Int64) throws -> [String: (closed: Int64?, cancelled: Int64?)] {
        var result: [String: (closed: Int64?, cancelled: Int64?)] = [:]
        let values = values(["as_of": .integer(asOf), "forecast_lookback_days": .integer(lookbackDays)])
        try QueryRunner.forEachRow(try query("forecast_outcomes"), on: db, parameters: values) { row in
            guard let id = row[0].string else { return }
            var o = result[id] ?? (nil, nil)
            if let c = row[1].int { o.closed = c }
            if let c = row[2].int { o.cancelled = c }
            result[id] = o
        }
        return result
    }
}

/// A queue: a team's open step runs, or a service's open tickets.
struct QueueKey: Hashable, Comparable, Sendable {
    var scope: String
    var key: String
    static func < (a: QueueKey, b: QueueKey) -> Bool { (a.scope, a.key) < (b.scope, b.key) }
}

/// A ticket open at the forecast's instant.
struct OpenTicket: Sendable {
    struct Run: Sendable {
        var step: String
        var team: String
        var readyAt: Int64
    }
    var id: String
    var service: String
    /// Its service comes from a definition file (its steps are known), not from an imported log.
    var defined: Bool
    var openedAt: Int64
    /// Its runs open at the instant (in position order).
    var open: [Run]
    /// The declared steps it still has after them (an ordered service).
    var next: [String]
}

/// Durations by sample, with the instant each ended, as read.
struct DurationRows {
    private(set) var ids: [String: Int] = [:]
    /// The name of each id (service and step joined by U+001F).
    private(set) var names: [String] = []
    var ended: [[Int64]] = []
    var lengths: [[Int64]] = []

    static func name(service: String, step: String) -> String { service + "\u{1F}" + step }

    mutating func id(service: String, step: String) -> Int {
        let name = Self.name(service: service, step: step)
        if let id = ids[name] { return id }
        ids[name] = ended.count
        names.append(name)
        ended.append([])
        lengths.append([])
        return ended.count - 1
    }

    func id(ofService service: String, step: String) -> Int? { ids[Self.name(service: service, step: step)] }

    /// Puts each sample's durations in ascending order (their instants with them), once: a sample as of any instant
    /// then keeps that order, so the calibration's twelve samples of a step are not each sorted again.
    mutating func sortByLength() {
        for id in ended.indices {
            let e = ended[id], l = lengths[id]
            var order = Array(l.indices)
            order.sort { l[$0] != l[$1] ? l[$0] < l[$1] : e[$0] < e[$1] }
            ended[id] = order.map { e[$0] }
            lengths[id] = order.map { l[$0] }
        }
    }

    /// The sample as of `asOf`: the durations that ended in (asOf - windowDays, asOf].
    func sample(_ id: Int, asOf: Int64, windowDays: Int64) -> DurationSample {
        let lo = asOf - windowDays * 86_400
        var kept: [Int64] = []
        let e = ended[id], l = lengths[id]
        kept.reserveCapacity(e.count)
        for i in e.indices where e[i] > lo && e[i] <= asOf { kept.append(l[i]) }
        return DurationSample(kept)
    }
}
