import BatonCore
import Foundation
import SQLite

/// The team roster (migration 7: `teams.roster`) and the checks `baton service apply` makes of step teams.
extension OrchestrationStore {
    public enum TeamOutcome: Equatable, Sendable { case added, updated, unchanged }

    /// Puts a team on the roster (creating it, or marking a team first seen in a definition or a log).
    @discardableResult
    public func apply(team: TeamDefinition) throws -> TeamOutcome {
        try db.transaction {
            let existing = try db.rows("SELECT name, defined, roster, calendar FROM teams WHERE key = ?", [team.key]).first
            if let existing, existing.string("name") == team.name, existing.int("defined") == 1, existing.int("roster") == 1,
               existing.string("calendar") == team.calendar {
                return .unchanged
            }
            try db.run("""
                INSERT INTO teams(key, name, defined, roster, calendar) VALUES (?, ?, 1, 1, ?)
                ON CONFLICT(key) DO UPDATE SET name = excluded.name, defined = 1, roster = 1, calendar = excluded.calendar
                """, [team.key, team.name, team.calendar])
            if existing?.string("calendar") != team.calendar { try registerServiceLevels() }
            return existing == nil ? .added : .updated
        }
    }

    /// The teams on the roster (empty: no roster is declared).
    public func rosterTeams() throws -> [String] {
        try db.rows("SELECT key FROM teams WHERE roster = 1 ORDER BY key").compactMap { $0.string("key") }
    }

    /// Every known team key (on the roster, or first seen in a definition or a log), in no particular order.
    public func teamKeys() throws -> [String] {
        try db.rows("SELECT key FROM teams").compactMap { $0.string("key") }
    }

    /// Every team: key, name, how it is known (`roster`, `definition`, `log`), and its open runs.
    public func teamList() throws -> [Row] {
        try db.rows("""
            SELECT t.key AS team, t.name, coalesce(t.calendar, '') AS calendar, CASE WHEN t.roster = 1 THEN 'roster' WHEN t.defined = 1 THEN 'definition' ELSE 'log' END AS known_from,
                   (SELECT count(*) FROM step_runs r WHERE r.team = t.key AND (r.state = 'ready' OR r.state = 'active' OR r.state = 'paused')) AS open_runs
            FROM teams t ORDER BY t.key
            """)
    }

    /// Warnings for the step teams of definitions about to be applied: a team the roster does not hold (when one
    /// is declared), or — with no roster — a team no other definition, log or team file knows that is one edit from
    /// one they do ("facilties" beside "facilities"). Each names the file and the field.
    public func teamWarnings(for definitions: [(file: String, definition: ServiceDefinition)]) throws -> [String] {
        let stored = Set(try teamKeys())
        let roster = try rosterTeams()
        var warnings: [String] = []
        for (index, (file, definition)) in definitions.enumerated() {
            // Teams the other files of this apply name count as known too.
            var others = stored
            for (j, other) in definitions.enumerated() where j != index { for s in other.definition.steps { if let t = s.team { others.insert(t) } } }
            var warned = Set<String>()
            for (i, step) in definition.steps.enumerated() {
                guard let team = step.team, !warned.contains(team) else { continue }
                let field = "\(file): field 'steps[\(i)].team'"
                if !roster.isEmpty {
                    guard !roster.contains(team) else { continue }
                    warned.insert(team)
                    warnings.append("\(field): team '\(team)' is not on the team roster, so its open work will be alerted as unowned\(Suggest.didYouMean(team, in: roster)) (roster: \(roster.joined(separator: ", ")); add it with 'baton team apply')")
                } else if !stored.contains(team) {
                    let sameFile = definition.steps.compactMap(\.team).filter { $0 != team }
                    guard let close = Suggest.likelyTypo(team, in: Array(others) + sameFile) else { continue }
                    warned.insert(team)
                    warnings.append("\(field): team '\(team)' is new: no other definition, log or team file knows it; did you mean '\(close)'? (applied as written)")
                }
            }
        }
        return warnings
    }
}
