import BatonCore
import Foundation

/// A service as a process owner defines it in JSON (see DESIGN "Domain").
public struct ServiceDefinition: Codable, Equatable, Sendable {
    public struct IntakeField: Codable, Equatable, Sendable {
        public var key: String
        public var label: String
        public var type: FieldType
        public var required: Bool
        public var options: [String]?

        public enum FieldType: String, Codable, Sendable, CaseIterable { case text, number, date, choice, bool }

        public init(key: String, label: String, type: FieldType, required: Bool = false, options: [String]? = nil) {
            self.key = key; self.label = label; self.type = type; self.required = required; self.options = options
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(String.self, forKey: .key)
            label = try c.decodeIfPresent(String.self, forKey: .label) ?? key
            type = try c.decodeIfPresent(FieldType.self, forKey: .type) ?? .text
            required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? false
            options = try c.decodeIfPresent([String].self, forKey: .options)
        }
    }

    public struct Step: Codable, Equatable, Sendable {
        public var key: String
        public var name: String
        public var team: String?
        public var kind: Kind
        public var target: String?
        public var tasks: [String]?
        /// The calendar the step's target and working time are counted in (first the step's, then its team's,
        /// then 24×7); a key of a calendar applied with `baton calendar apply`.
        public var calendar: String?
        /// Free text for the people who maintain the definition (a drafted definition explains itself here); Baton
        /// never acts on it.
        public var notes: String?

        public enum Kind: String, Codable, Sendable, CaseIterable { case task, review, approval, automated }

        public init(key: String, name: String, team: String?, kind: Kind = .task, target: String? = nil, tasks: [String]? = nil,
                    calendar: String? = nil) {
            self.key = key; self.name = name; self.team = team; self.kind = kind; self.target = target; self.tasks = tasks
            self.calendar = calendar
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode(String.self, forKey: .key)
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? key
            team = try c.decodeIfPresent(String.self, forKey: .team)
            kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .task
            target = try c.decodeIfPresent(String.self, forKey: .target)
            tasks = try c.decodeIfPresent([String].self, forKey: .tasks)
            calendar = try c.decodeIfPresent(String.self, forKey: .calendar)
            notes = try c.decodeIfPresent(String.self, forKey: .notes)
        }

        /// The target as seconds, when one is set.
        public var targetSeconds: Int64? { target.flatMap(DurationText.seconds) }
    }

    public var key: String
    public var name: String
    public var enforceOrder: Bool
    /// Close the ticket by itself when its last step is done.
    public var autoClose: Bool
    public var intake: [IntakeField]
    public var steps: [Step]
    /// Display names of teams, keyed by team key (optional).
    public var teams: [String: String]?
    /// Services made by an import: what ends a ticket's lead time there (`resolved`: the first row of the final
    /// closing streak of a status history; `closed`: its last row; `last-event`: the case's last event, for logs
    /// of complete cases; `close-on`: a named closing activity; `log`: only the log's own closed events).
    public var leadTimeEnds: String?
    /// Free text for the people who maintain the definition (e.g. how it was drafted); Baton never acts on it.
    public var notes: String?

    enum CodingKeys: String, CodingKey {
        case key, name, intake, steps, teams, notes
        case enforceOrder = "enforce_order"
        case autoClose = "auto_close"
        case leadTimeEnds = "lead_time_ends"
    }

    public init(key: String, name: String, enforceOrder: Bool = true, autoClose: Bool = true,
                intake: [IntakeField] = [], steps: [Step], teams: [String: String]? = nil) {
        self.key = key; self.name = name; self.enforceOrder = enforceOrder; self.autoClose = autoClose
        self.intake = intake; self.steps = steps; self.teams = teams
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? key
        enforceOrder = try c.decodeIfPresent(Bool.self, forKey: .enforceOrder) ?? true
        autoClose = try c.decodeIfPresent(Bool.self, forKey: .autoClose) ?? true
        intake = try c.decodeIfPresent([IntakeField].self, forKey: .intake) ?? []
        steps = try c.decode([Step].self, forKey: .steps)
        teams = try c.decodeIfPresent([String: String].self, forKey: .teams)
        leadTimeEnds = try c.decodeIfPresent(String.self, forKey: .leadTimeEnds)
        notes = try c.decodeIfPresent(String.self, forKey: .notes)
    }

    /// Canonical JSON (sorted keys): two definitions that mean the same thing encode the same.
    public func canonicalJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public func step(_ key: String) -> Step? { steps.first { $0.key == key } }
    public func position(of key: String) -> Int? { steps.firstIndex { $0.key == key } }
}

extension ServiceDefinition {
    /// Parses and validates a definition file; every problem names the file and the field.
    public static func load(path: String) throws -> ServiceDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, "cannot read the file")
        }
        return try parse(data, file: path)
    }

    /// The fields a definition file may have (the decoder ignores others, so they are refused here).
    public static let fields = ["key", "name", "enforce_order", "auto_close", "intake", "steps", "teams", "lead_time_ends", "notes"]
    public static let stepFields = ["key", "name", "team", "kind", "target", "tasks", "calendar", "notes"]
    public static let intakeFields = ["key", "label", "type", "required", "options"]

    public static func parse(_ data: Data, file: String) throws -> ServiceDefinition {
        // Unknown fields first, with "did you mean": the decoder would skip them.
        if let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            try KnownFields.check(object, fields, at: "", file: file)
            try KnownFields.refuseNull(object, at: "", file: file)
            try KnownFields.checkEach(object["steps"], stepFields, at: "steps", file: file)
            try KnownFields.checkEach(object["intake"], intakeFields, at: "intake", file: file)
        }
        let definition: ServiceDefinition
        do {
            definition = try JSONDecoder().decode(ServiceDefinition.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw InputError(file: file, field: fieldPath(context.codingPath + [key]), "is required")
        } catch let DecodingError.typeMismatch(type, context) {
            throw InputError(file: file, field: fieldPath(context.codingPath), "must be \(describe(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw InputError(file: file, field: fieldPath(context.codingPath), "must be \(describe(type)), not null")
        } catch let DecodingError.dataCorrupted(context) {
            if context.codingPath.isEmpty {
                throw InputError(file: file, "is not valid JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)")
            }
            let field = fieldPath(context.codingPath)
            let last = context.codingPath.last?.stringValue ?? ""
            let allowed: String
            switch last {
            case "kind": allowed = ServiceDefinition.Step.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            case "type": allowed = ServiceDefinition.IntakeField.FieldType.allCases.map(\.rawValue).joined(separator: ", ")
            default: allowed = ""
            }
            throw InputError(file: file, field: field, allowed.isEmpty ? context.debugDescription : "must be one of: \(allowed)")
        }
        try definition.validate(file: file)
        return definition
    }

    /// Checks what the JSON shape cannot: keys, duplicates, durations, options.
    public func validate(file: String) throws {
        guard Self.isValidKey(key) else {
            throw InputError(file: file, field: "key", "'\(key)' must be letters, digits, '-', '_' or '.' (no spaces)")
        }
        guard !steps.isEmpty else { throw InputError(file: file, field: "steps", "a service needs at least one step") }
        var seen = Set<String>()
        for (i, step) in steps.enumerated() {
            let field = "steps[\(i)]"
            guard Self.isValidKey(step.key) else {
                throw InputError(file: file, field: "\(field).key", "'\(step.key)' must be letters, digits, '-', '_' or '.'")
            }
            guard seen.insert(step.key).inserted else {
                throw InputError(file: file, field: "\(field).key", "duplicate step key '\(step.key)'")
            }
            if let team = step.team, !Self.isValidKey(team) {
                throw InputError(file: file, field: "\(field).team", "'\(team)' must be letters, digits, '-', '_' or '.'")
            }
            if let calendar = step.calendar, !Self.isValidKey(calendar) {
                throw InputError(file: file, field: "\(field).calendar", "'\(calendar)' must be a calendar key: letters, digits, '-', '_' or '.'")
            }
            if let target = step.target, DurationText.seconds(target) == nil {
                throw InputError(file: file, field: "\(field).target", "'\(target)' is not a duration; write e.g. 30m, 4h, 2d, 1w or 1d12h")
            }
            if let tasks = step.tasks {
                var names = Set<String>()
                for (j, task) in tasks.enumerated() where !names.insert(task).inserted || task.isEmpty {
                    throw InputError(file: file, field: "\(field).tasks[\(j)]", task.isEmpty ? "must not be empty" : "duplicate task '\(task)'")
                }
            }
        }
        var fieldKeys = Set<String>()
        for (i, f) in intake.enumerated() {
            guard Self.isValidKey(f.key) else { throw InputError(file: file, field: "intake[\(i)].key", "'\(f.key)' must be letters, digits, '-', '_' or '.'") }
            guard fieldKeys.insert(f.key).inserted else { throw InputError(file: file, field: "intake[\(i)].key", "duplicate field key '\(f.key)'") }
            if f.type == .choice && (f.options ?? []).isEmpty {
                throw InputError(file: file, field: "intake[\(i)].options", "a choice field needs options")
            }
        }
    }

    static func isValidKey(_ s: String) -> Bool {
        // ASCII answered without building a CharacterSet per scalar (this runs on every imported `opened` row).
        !s.isEmpty && s.count <= 200 && s.unicodeScalars.allSatisfy {
            switch $0.value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F, 0x2E: return true
            case 0..<0x80: return false
            default: return CharacterSet.alphanumerics.contains($0)
            }
        }
    }

    private static func fieldPath(_ path: [CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return out.isEmpty ? "(document)" : out
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is [Any].Type: return "a list"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name)"
        }
    }

    /// Validates intake values against the form; returns the values to store.
    public func validateIntake(_ values: [String: String], file: String = "command line") throws -> [String: String] {
        for key in values.keys where !intake.contains(where: { $0.key == key }) {
            let known = intake.map(\.key).joined(separator: ", ")
            throw InputError(file: file, field: key, "is not a field of service '\(self.key)' (fields: \(known.isEmpty ? "none" : known))")
        }
        for f in intake {
            guard let value = values[f.key], !value.isEmpty else {
                if f.required { throw InputError(file: file, field: f.key, "is required (\(f.label))") }
                continue
            }
            switch f.type {
            case .text: break
            case .number:
                guard Double(value) != nil else { throw InputError(file: file, field: f.key, "'\(value)' is not a number") }
            case .date:
                guard Instant.parseDate(value) != nil else { throw InputError(file: file, field: f.key, "'\(value)' is not a date (YYYY-MM-DD)") }
            case .bool:
                guard ["true", "false", "yes", "no", "1", "0"].contains(value.lowercased()) else {
                    throw InputError(file: file, field: f.key, "'\(value)' is not true or false")
                }
            case .choice:
                guard (f.options ?? []).contains(value) else {
                    throw InputError(file: file, field: f.key, "'\(value)' is not one of: \((f.options ?? []).joined(separator: ", "))")
                }
            }
        }
        return values
    }
}

import SQLite

extension Instant {
    /// A calendar date `YYYY-MM-DD` (validated: no 2026-02-30).
    static func parseDate(_ s: String) -> Int64? {
        guard s.count == 10 else { return nil }
        return Instant.parse(s)
    }
}
