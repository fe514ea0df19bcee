import BatonCore
import Foundation
import SQLite

/// Which calendar and which target apply to a step run: the one place for that rule.
///
/// - Calendar: the step's own (`"calendar"` on the step, in the service version the ticket was opened with), else
///   the calendar of the team holding the run, else none (24×7: working time is wall time).
/// - Target: the step's target in that service version, counted in the run's calendar.
///
/// What-if overrides (`baton report … --target SERVICE/STEP=4h --calendar TEAM=KEY`) replace the stored values as
/// if they had always applied; they live only in this value, never in the store.
///
/// The queries reach the rule through SQL functions registered on the store's connection (`register(on:)`):
/// `working_seconds(calendar, from, to)`, `add_working_seconds(calendar, from, seconds)` (the instant that much
/// working time after `from`; NULL when the calendar never works), `run_calendar(service, version, step, team)` and
/// `run_target_seconds(service, version, step)`.
public struct ServiceLevelPolicy: Sendable {
    /// The latest version of every calendar, compiled.
    public var calendars: [String: WorkingCalendar]
    var teamCalendars: [String: String]
    /// Every service version's steps with a target or a calendar.
    var steps: [(service: String, version: Int64, step: String, target: Int64?, calendar: String?)]
    /// `SERVICE/STEP` → target seconds.
    public var targetOverrides: [String: Int64] = [:]
    /// `TEAM` or `SERVICE/STEP` → calendar key.
    public var calendarOverrides: [String: String] = [:]

    /// Reads the calendars, the teams' calendars and every service version's step targets and calendars.
    static func load(from db: Database, calendars definitions: [String: CalendarDefinition]) throws -> ServiceLevelPolicy {
        var teams: [String: String] = [:]
        for row in try db.rows("SELECT key, calendar FROM teams WHERE calendar IS NOT NULL") {
            if let key = row.string("key"), let calendar = row.string("calendar") { teams[key] = calendar }
        }
        let steps = try db.rows("SELECT service, version, key, target_seconds, calendar FROM service_steps WHERE target_seconds IS NOT NULL OR calendar IS NOT NULL")
            .compactMap { row -> (service: String, version: Int64, step: String, target: Int64?, calendar: String?)? in
                guard let service = row.string("service"), let version = row.int("version"), let step = row.string("key") else { return nil }
                return (service, version, step, row.int("target_seconds"), row.string("calendar"))
            }
        return ServiceLevelPolicy(calendars: definitions.mapValues(WorkingCalendar.init), teamCalendars: teams, steps: steps)
    }

    /// Registers the policy's SQL functions on `db` (replacing earlier ones).
    func register(on db: Database) throws {
        let lookup = CalendarLookup(calendars)
        try db.createFunction("working_seconds", argumentCount: 3) { args in
            guard !args.isNull(1), !args.isNull(2) else { return .null }
            let from = args.int64(1), to = args.int64(2)
            // Through the lookup, not a returned copy: a WorkingCalendar is a struct of arrays, and copying it per call
            // (a retain and release of each) cost more than the computation.
            guard let seconds = try args.withText(0, { try lookup.workingSeconds($0, from: from, to: to) }) else {
                return .integer(max(0, to - from))
            }
            return .integer(seconds)
        }
        try db.createFunction("add_working_seconds", argumentCount: 3) { args in
            guard !args.isNull(1), !args.isNull(2) else { return .null }
            let from = args.int64(1), seconds = args.int64(2)
            guard let calendar = try args.withText(0, lookup.calendar) else { return .integer(from + max(0, seconds)) }
            let due = calendar.addingWorkingSeconds(seconds, to: from)
            return due == Int64.max ? .null : .integer(due)
        }
        // The rule per row without making Strings: the queries call these once or more for every run they read.
        let index = PolicyIndex(self)
        try db.createFunction("run_calendar", argumentCount: 4) { args in
            index.calendar(args).map(SQLValue.text) ?? .null
        }
        try db.createFunction("run_target_seconds", argumentCount: 3) { args in
            index.target(args).map(SQLValue.integer) ?? .null
        }
    }
}

/// Calendars by key for `working_seconds`, with the last key's calendar remembered: a query calls it row after
/// row with the same key, and comparing bytes costs less than making a String.
private final class CalendarLookup {
    let calendars: [String: WorkingCalendar]
    var lastKey: [UInt8] = []
    var last: WorkingCalendar?

    init(_ calendars: [String: WorkingCalendar]) { self.calendars = calendars }

    func workingSeconds(_ key: UnsafeRawBufferPointer?, from: Int64, to: Int64) throws -> Int64? {
        guard let key else { return nil }
        if last == nil || !key.elementsEqual(lastKey) { try select(key) }
        return last?.workingSeconds(from: from, to: to)
    }

    func calendar(_ key: UnsafeRawBufferPointer?) throws -> WorkingCalendar? {
        guard let key else { return nil }
        if last == nil || !key.elementsEqual(lastKey) { try select(key) }
        return last
    }

    /// Makes `key`'s calendar the remembered one, or fails the query for an unknown key.
    private func select(_ key: UnsafeRawBufferPointer) throws {
        let name = String(decoding: key, as: UTF8.self)
        guard let found = calendars[name] else {
            throw FunctionError("working_seconds: no calendar '\(name)' in the store\(Suggest.didYouMean(name, in: Array(calendars.keys)))")
        }
        lastKey = Array(key)
        last = found
    }
}

/// The rule of `ServiceLevelPolicy` (its only implementation) over a call's raw argument bytes: entries are found by an
/// FNV-1a hash of the bytes and confirmed by comparing them, so a call allocates nothing.
/// - calendar: the what-if calendar of SERVICE/STEP, else the step's own in the run's service version, else the
///   (what-if, else stored) calendar of the team holding the run; nil (24×7) for none or no team.
/// - target: the what-if target of SERVICE/STEP, else the step's own in the run's service version.
private final class PolicyIndex {
    struct Entry { let parts: [[UInt8]]; let version: Int64; let target: Int64?; let calendar: String? }
    var steps: [UInt64: [Entry]] = [:]       // service, version, step
    var overrides: [UInt64: [Entry]] = [:]   // service, step (what-if, every version)
    var teams: [UInt64: [Entry]] = [:]       // team (what-if overrides included)

    init(_ policy: ServiceLevelPolicy) {
        func add(_ table: inout [UInt64: [Entry]], _ parts: [String], version: Int64, target: Int64?, calendar: String?) {
            let bytes = parts.map { Array($0.utf8) }
            table[Self.hash(bytes, version), default: []]
                .append(Entry(parts: bytes, version: version, target: target, calendar: calendar))
        }
        for s in policy.steps { add(&steps, [s.service, s.step], version: s.version, target: s.target, calendar: s.calendar) }
        var serviceSteps = Set(policy.targetOverrides.keys)
        for key in policy.calendarOverrides.keys where key.contains("/") { serviceSteps.insert(key) }
        for key in serviceSteps {
            let p = key.split(separator: "/", maxSplits: 1).map(String.init)
            add(&overrides, p, version: 0, target: policy.targetOverrides[key], calendar: policy.calendarOverrides[key])
        }
        var teamCalendars = policy.teamCalendars
        for (key, value) in policy.calendarOverrides where !key.contains("/") { teamCalendars[key] = value }
        for (team, calendar) in teamCalendars { add(&teams, [team], version: 0, target: nil, calendar: calendar) }
    }

    static func hash<Bytes: Collection<UInt8>>(_ parts: [Bytes], _ version: Int64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            h = (h ^ 0xff) &* 0x100_0000_01b3
        }
        return (h ^ UInt64(bitPattern: version)) &* 0x100_0000_01b3
    }

    func find(_ table: [UInt64: [Entry]], _ parts: [UnsafeRawBufferPointer], _ version: Int64) -> Entry? {
        guard !table.isEmpty, let bucket = table[Self.hash(parts, version)] else { return nil }
        return bucket.first { e in e.version == version && zip(e.parts, parts).allSatisfy { $0.elementsEqual($1) } }
    }

    /// The text of arguments `indices`, or nil when one is NULL.
    func withParts<T>(_ args: FunctionArguments, _ indices: [Int], _ body: ([UnsafeRawBufferPointer]) -> T?) -> T? {
        args.withText(indices[0]) { a in
            guard let a else { return nil }
            guard indices.count > 1 else { return body([a]) }
            return args.withText(indices[1]) { b in b.flatMap { body([a, $0]) } }
        }
    }

    /// run_calendar(service, version, step, team).
    func calendar(_ args: FunctionArguments) -> String? {
        let version = args.int64(1)
        if let c = withParts(args, [0, 2], { p in find(overrides, p, 0)?.calendar ?? find(steps, p, version)?.calendar }) { return c }
        return withParts(args, [3]) { p in find(teams, p, 0)?.calendar }
    }

    /// run_target_seconds(service, version, step).
    func target(_ args: FunctionArguments) -> Int64? {
        let version = args.int64(1)
        return withParts(args, [0, 2]) { p in find(overrides, p, 0)?.target ?? find(steps, p, version)?.target }
    }
}
