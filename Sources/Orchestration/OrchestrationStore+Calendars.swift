import BatonCore
import Foundation
import SQLite

/// Business calendars (migration 9): versioned like services, named by teams (`teams.calendar`) and by steps
/// (`service_steps.calendar`). Which one applies to a run is decided in one place, `CalendarPolicy` (Reporting).
extension OrchestrationStore {
    /// Stores `calendar` as a new version when it differs from the latest one.
    @discardableResult
    public func apply(calendar: CalendarDefinition, at: Int64 = Instant.now()) throws -> ApplyOutcome {
        try db.transaction {
            let json = String(decoding: calendar.json(), as: UTF8.self)
            let latest = try db.rows("SELECT version, definition FROM calendars WHERE key = ? ORDER BY version DESC LIMIT 1", [calendar.key]).first
            if let latest, latest.string("definition") == json { return .unchanged(version: Int(latest.int("version") ?? 1)) }
            let version = Int(latest?.int("version") ?? 0) + 1
            try db.run("INSERT INTO calendars(key, version, name, definition, created_at) VALUES (?, ?, ?, ?, ?)",
                       [calendar.key, version, calendar.name, json, at])
            try registerServiceLevels()
            return latest == nil ? .created(version: version) : .updated(version: version)
        }
    }

    /// The latest version of every calendar, by key.
    public func calendars() throws -> [String: CalendarDefinition] {
        var result: [String: CalendarDefinition] = [:]
        for row in try db.rows("""
            SELECT key, definition FROM calendars c WHERE version = (SELECT max(version) FROM calendars WHERE key = c.key)
            """) {
            guard let key = row.string("key"), let json = row.string("definition") else { continue }
            result[key] = try CalendarDefinition.parse(Data(json.utf8), file: "calendar '\(key)' in the store")
        }
        return result
    }

    /// Every calendar: key, version, name, time zone, and the teams and steps that use it.
    public func calendarList() throws -> [Row] {
        let calendars = try self.calendars()
        let teams = try db.rows("SELECT calendar, group_concat(key, ' ') AS teams FROM (SELECT calendar, key FROM teams WHERE calendar IS NOT NULL ORDER BY key) GROUP BY calendar")
        let steps = try db.rows("""
            SELECT st.calendar, group_concat(st.service || '/' || st.key, ' ') AS steps
            FROM service_steps st JOIN (SELECT key, max(version) AS version FROM services GROUP BY key) s ON s.key = st.service AND s.version = st.version
            WHERE st.calendar IS NOT NULL GROUP BY st.calendar
            """)
        let teamsOf = Dictionary(uniqueKeysWithValues: teams.compactMap { r in r.string("calendar").map { ($0, r.string("teams") ?? "") } })
        let stepsOf = Dictionary(uniqueKeysWithValues: steps.compactMap { r in r.string("calendar").map { ($0, r.string("steps") ?? "") } })
        return try db.rows("SELECT key, max(version) AS version FROM calendars GROUP BY key ORDER BY key").map { row in
            let key = row.string("key") ?? ""
            return Row(columns: ["calendar", "version", "name", "time_zone", "teams", "steps"],
                       values: [.text(key), row["version"], .text(calendars[key]?.name ?? key),
                                .text(calendars[key]?.timeZone ?? ""), .text(teamsOf[key] ?? ""), .text(stepsOf[key] ?? "")])
        }
    }

    /// Refuses a calendar a team or step names that the store does not hold (applied calendars, plus those about to
    /// be applied in the same command), naming the file and the field.
    public func requireCalendar(_ key: String?, file: String, field: String, alsoKnown: Set<String> = []) throws {
        guard let key else { return }
        let known = alsoKnown.union(try db.rows("SELECT DISTINCT key FROM calendars").compactMap { $0.string("key") })
        guard !known.contains(key) else { return }
        throw InputError(file: file, field: field,
                         "no calendar '\(key)' in the store (apply it first with 'baton calendar apply FILE')\(Suggest.didYouMean(key, in: Array(known)))")
    }
}

extension OrchestrationStore {
    /// The store's service-level rule (calendars, team calendars, step targets), with what-if `targets` and
    /// `calendars` overrides, registered as the queries' SQL functions on this connection. Called on open and after
    /// a calendar or team is applied; a what-if report calls it with its overrides (nothing is written).
    @discardableResult
    public func registerServiceLevels(targets: [String: Int64] = [:], calendars overrides: [String: String] = [:]) throws -> ServiceLevelPolicy {
        var policy = try ServiceLevelPolicy.load(from: db, calendars: try calendars())
        policy.targetOverrides = targets
        policy.calendarOverrides = overrides
        try policy.register(on: db)
        return policy
    }
}
