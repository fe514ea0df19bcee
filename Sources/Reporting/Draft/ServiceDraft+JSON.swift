import BatonCore
import Foundation
import Orchestration

extension ServiceDraft {
    /// How a drafted file begins (`key`, then `name`, then these notes): `--out` may replace a file that does.
    public static let notesPrefix = "\"notes\": \"Drafted by baton service draft "

    /// Whether `text` (a file's first bytes) is a draft as `json()` writes it, its notes untouched: a draft someone
    /// has edited is theirs and is never replaced.
    public static func isDraft(_ text: String) -> Bool {
        text.hasPrefix("{\n  \"key\": ") && text.contains("\n  " + notesPrefix)
    }

    /// The definition as a file a person reviews: fixed key order (key, name, notes, enforce_order, …), one step a
    /// line and its notes on the next. `ServiceDefinition.parse` reads it back to the same definition.
    public func json() -> String {
        let d = definition
        var lines = ["{", "  \"key\": \(JSONText.string(d.key)),", "  \"name\": \(JSONText.string(d.name)),"]
        if let notes = d.notes { lines.append("  \"notes\": \(JSONText.string(notes)),") }
        lines.append("  \"enforce_order\": \(d.enforceOrder),")
        if !d.autoClose { lines.append("  \"auto_close\": false,") }
        if let ends = d.leadTimeEnds { lines.append("  \"lead_time_ends\": \(JSONText.string(ends)),") }
        if !d.intake.isEmpty {
            lines.append("  \"intake\": [")
            lines += d.intake.enumerated().map { i, f in "    \(Self.compact(f))\(i + 1 < d.intake.count ? "," : "")" }
            lines.append("  ],")
        }
        if let teams = d.teams, !teams.isEmpty { lines.append("  \"teams\": \(Self.compact(teams)),") }
        lines.append("  \"steps\": [")
        for (i, s) in d.steps.enumerated() {
            var fields = ["\"key\": \(JSONText.string(s.key))", "\"name\": \(JSONText.string(s.name))"]
            if let team = s.team { fields.append("\"team\": \(JSONText.string(team))") }
            fields.append("\"kind\": \"\(s.kind.rawValue)\"")
            if let target = s.target { fields.append("\"target\": \(JSONText.string(target))") }
            if let calendar = s.calendar { fields.append("\"calendar\": \(JSONText.string(calendar))") }
            if let tasks = s.tasks { fields.append("\"tasks\": [\(tasks.map(JSONText.string).joined(separator: ", "))]") }
            let notes = s.notes.map { ",\n     \"notes\": \(JSONText.string($0))" } ?? ""
            lines.append("    {\(fields.joined(separator: ", "))\(notes)}\(i + 1 < d.steps.count ? "," : "")")
        }
        lines += ["  ]", "}"]
        return lines.joined(separator: "\n") + "\n"
    }

    private static func compact<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
