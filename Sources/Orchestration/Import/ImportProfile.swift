import BatonCore
import Foundation
import SQLite

/// How to read a status-change history (a row per status or assignment change, as in ServiceNow or Jira
/// exports or the BPI Challenge 2013 log) as Baton events. Loaded from JSON; see `samples/profiles/`.
public struct ImportProfile: Codable, Sendable, Equatable {
    /// What a status means for the step run that holds the ticket.
    public enum StatusClass: String, Codable, Sendable, CaseIterable {
        case waiting, active, paused, closed, cancelled
        var ends: Bool { self == .closed || self == .cancelled }
    }

    public var name: String?
    /// `csv`, `jsonl` or `xes`; the file's extension when absent.
    public var format: String?
    /// The service the tickets belong to (created from the log when the store has no such service).
    public var service: String
    public var serviceName: String?
    /// Attribute (CSV column, JSON key; XES: `case:` + trace attribute, or an event attribute) holding each value.
    public var ticket: String
    public var time: String
    /// `iso8601` (default) or a pattern of `d dd M MM yyyy H HH m mm s ss` and literal characters, e.g. `d/M/yyyy HH:mm`.
    public var timeFormat: String?
    /// Zone for times written without one: `UTC`, an offset such as `+01:00`, or a name such as `Europe/Lisbon`.
    public var timezone: String?
    public var team: String
    /// Attribute whose value names the step; absent: the step is the team (each team's part is one step).
    public var step: String?
    public var actor: String?
    /// One or more attributes whose values, joined with `/`, are the status looked up in `statuses`.
    public var status: [String]
    /// Status (or pattern with `*`) → class. Exact matches win over patterns; longer patterns over shorter.
    public var statuses: [String: StatusClass]
    /// Class of a status the map does not name; absent: such a row is rejected.
    public var defaultStatus: StatusClass?
    /// Values that mean "missing" (e.g. `?`).
    public var missing: [String]?
    /// Statuses that open a ticket. Absent: a ticket opens at its first row. Present: a ticket whose first row
    /// has another status is rejected (a step event before its ticket was opened).
    public var opens: [String]?
    /// The log's cases are complete: a ticket that no closing status ends closes at its last row.
    public var casesComplete: Bool?
    /// Statuses that close a ticket (as if `statuses` mapped them to `closed`).
    public var closeOn: [String]?
    /// Where a ticket's lead time ends when its history ends in a streak of closing rows: `resolved` (default, the
    /// streak's first row: the work was done) or `closed` (its last row: the final closure).
    public var leadTimeEnds: LeadTimeEnds?
    /// Attributes whose values describe the case as a whole (`impact`, `product`; XES trace attributes as
    /// `case:NAME`): kept, from the ticket's first row, as its intake, and written back as trace attributes by the
    /// XES export.
    public var caseAttributes: [String]?

    public enum LeadTimeEnds: String, Codable, Sendable, CaseIterable { case resolved, closed }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, format, service, ticket, time, timezone, team, step, actor, status, statuses, missing, opens
        case serviceName = "service_name"
        case timeFormat = "time_format"
        case defaultStatus = "default_status"
        case casesComplete = "cases_complete"
        case closeOn = "close_on"
        case leadTimeEnds = "lead_time_ends"
        case caseAttributes = "case_attributes"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        service = try c.decode(String.self, forKey: .service)
        serviceName = try c.decodeIfPresent(String.self, forKey: .serviceName)
        ticket = try c.decode(String.self, forKey: .ticket)
        time = try c.decode(String.self, forKey: .time)
        timeFormat = try c.decodeIfPresent(String.self, forKey: .timeFormat)
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone)
        team = try c.decode(String.self, forKey: .team)
        step = try c.decodeIfPresent(String.self, forKey: .step)
        actor = try c.decodeIfPresent(String.self, forKey: .actor)
        if let one = try? c.decode(String.self, forKey: .status) { status = [one] } else { status = try c.decode([String].self, forKey: .status) }
        statuses = try c.decode([String: StatusClass].self, forKey: .statuses)
        defaultStatus = try c.decodeIfPresent(StatusClass.self, forKey: .defaultStatus)
        missing = try c.decodeIfPresent([String].self, forKey: .missing)
        opens = try c.decodeIfPresent([String].self, forKey: .opens)
        casesComplete = try c.decodeIfPresent(Bool.self, forKey: .casesComplete)
        if let one = try? c.decode(String.self, forKey: .closeOn) {
            closeOn = one.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            closeOn = try c.decodeIfPresent([String].self, forKey: .closeOn)
        }
        leadTimeEnds = try c.decodeIfPresent(LeadTimeEnds.self, forKey: .leadTimeEnds)
        caseAttributes = try c.decodeIfPresent([String].self, forKey: .caseAttributes)
    }

    /// Reads and checks a profile file; problems name the file and the field.
    public static func load(path: String) throws -> ImportProfile {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError(file: path, "cannot read the profile") }
        // Unknown fields, with "did you mean" (the decoder would skip them).
        if let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            try KnownFields.check(object, fields, at: "", file: path)
            try KnownFields.refuseNull(object, at: "", file: path)
        }
        let profile: ImportProfile
        do {
            profile = try JSONDecoder().decode(ImportProfile.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw InputError(file: path, field: key.stringValue, "is required")
        } catch let DecodingError.typeMismatch(_, context) {
            throw InputError(file: path, field: Self.fieldPath(context.codingPath), "has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw InputError(file: path, field: Self.fieldPath(context.codingPath), "must not be null")
        } catch let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            let allowed = field == "lead_time_ends" ? LeadTimeEnds.allCases.map(\.rawValue) : StatusClass.allCases.map(\.rawValue)
            throw InputError(file: path, field: field.isEmpty ? nil : field,
                             field.isEmpty ? "is not valid JSON" : "must be one of: \(allowed.joined(separator: ", "))")
        }
        guard ServiceDefinition.isValidKey(profile.service) else {
            throw InputError(file: path, field: "service", "'\(profile.service)' must be letters, digits, '-', '_' or '.'")
        }
        if let f = profile.format, !["csv", "jsonl", "xes"].contains(f) {
            throw InputError(file: path, field: "format", "'\(f)' must be csv, jsonl or xes")
        }
        _ = try profile.timeParser(file: path, timezoneOverride: nil)
        try profile.checkAttributes(file: path)
        return profile
    }

    /// `missing[0]`, `statuses.New`: a decoding path as the file writes it.
    static func fieldPath(_ path: [CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return out
    }

    /// The fields a profile file may have.
    public static let fields = CodingKeys.allCases.map(\.rawValue)

    /// The attributes (columns, keys) the profile reads, by the field that names them, in the profile's order.
    public var attributes: [(field: String, name: String)] {
        var result: [(String, String)] = [("ticket", ticket), ("time", time), ("team", team)]
        if let step { result.append(("step", step)) }
        if let actor { result.append(("actor", actor)) }
        for (i, s) in status.enumerated() { result.append((status.count == 1 ? "status" : "status[\(i)]", s)) }
        for (i, s) in (caseAttributes ?? []).enumerated() { result.append(("case_attributes[\(i)]", s)) }
        return result
    }

    /// What a profile can check without the file: every attribute it names is a non-empty name, and `status`
    /// names at least one.
    func checkAttributes(file: String) throws {
        guard !status.isEmpty else { throw InputError(file: file, field: "status", "needs at least one attribute") }
        for (field, name) in attributes where name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw InputError(file: file, field: field, "must name a column (or key, or XES attribute), not be empty")
        }
    }

    /// Checks a CSV header against the profile: every attribute it names (ticket, time, team, step, actor, status)
    /// must be a column, else an error naming the profile's field, the missing column and the closest column
    /// ("did you mean"). The importer calls this on the header row (a `step` naming a missing column would
    /// otherwise make every run the team's).
    public func checkColumns(_ header: [String], file: String, line: Int = 1, profilePath: String? = nil) throws {
        let columns = Set(header)
        for (field, name) in attributes where !columns.contains(name) {
            let origin = profilePath.map { " (the profile \($0) names it in '\(field)')" } ?? " (the profile names it in '\(field)')"
            throw InputError(file: file, line: line, field: name,
                             "missing column\(origin)\(Suggest.didYouMean(name, in: header)) (columns: \(header.joined(separator: ", ")))")
        }
    }

    /// The values of `case_attributes` on one row, by name (`case:` dropped); missing values are left out.
    func caseValues(_ value: (String) -> String?) -> [String: String] {
        let missingValues = Set(missing ?? [])
        var out: [String: String] = [:]
        for name in caseAttributes ?? [] {
            guard let v = value(name)?.trimmingCharacters(in: .whitespaces), !v.isEmpty, !missingValues.contains(v) else { continue }
            out[name.hasPrefix("case:") ? String(name.dropFirst(5)) : name] = v
        }
        return out
    }

    /// The class of a status: an exact entry, else the longest matching `*` pattern, else `default_status`.
    public func classify(_ status: String) -> StatusClass? {
        if let c = statuses[status] { return c }
        if let closeOn, closeOn.contains(status) { return .closed }
        var best: (Int, StatusClass)?
        for (pattern, c) in statuses where pattern.contains("*") && Self.glob(pattern, status) {
            if best == nil || pattern.count > best!.0 { best = (pattern.count, c) }
        }
        return best?.1 ?? defaultStatus
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(text)
        for (i, part) in parts.enumerated() {
            if i == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if i == parts.count - 1 {
                return part.isEmpty || rest.hasSuffix(part)
            } else if !part.isEmpty {
                guard let r = rest.range(of: part) else { return false }
                rest = rest[r.upperBound...]
            }
        }
        return rest.isEmpty
    }

    func timeParser(file: String, timezoneOverride: String?) throws -> TimeParser {
        try TimeParser(format: timeFormat ?? "iso8601", zone: timezoneOverride ?? timezone ?? "UTC", file: file)
    }

    /// Turns one record (attribute → text) into a staged status-change row.
    func stagedRow(_ value: (String) -> String?, line: Int, file: String, times: TimeParser) throws -> (StagedRow, RowNames) {
        let missingValues = Set(missing ?? [])
        func get(_ attribute: String) -> String {
            guard let v = value(attribute)?.trimmingCharacters(in: .whitespaces), !missingValues.contains(v) else { return "" }
            return v
        }
        let ticketID = get(ticket)
        guard !ticketID.isEmpty else { throw InputError(file: file, line: line, field: ticket, "the ticket id is missing") }
        let timeText = get(time)
        guard let at = times.parse(timeText) else {
            throw InputError(file: file, line: line, field: time, timeText.isEmpty ? "the time is missing" : "'\(timeText)' is not a time in the format \(times.format)")
        }
        let statusText = status.map { get($0) }.joined(separator: "/")
        guard let c = classify(statusText) else {
            throw InputError(file: file, line: line, field: status.joined(separator: "+"),
                             "status '\(statusText)' is not in the profile's statuses (and there is no default_status)")
        }
        // Keys are slugs of the source's labels (one rule on every path: `KeySlug`); the labels stay as names.
        let teamName = get(team)
        let teamKey = teamName.isEmpty ? "" : KeySlug.make(teamName)
        var stepKey = teamKey, stepName = teamName
        if let step { stepName = get(step); stepKey = stepName.isEmpty ? "" : KeySlug.make(stepName) }
        let row = StagedRow(ticket: ticketID, at: at, kind: c.rawValue, service: service, step: stepKey, team: teamKey,
                            actor: actor.map(get) ?? "", status: statusText, line: line)
        return (row, RowNames(step: stepName.isEmpty ? nil : stepName, team: teamName.isEmpty ? nil : teamName))
    }
}

/// Parses times written in a profile's format and zone into Unix seconds.
struct TimeParser {
    let format: String
    let fixedOffset: Int?
    let zone: TimeZone?
    private let tokens: [Token]

    enum Token: Equatable { case number(Character, min: Int, max: Int), literal(UInt8) }

    init(format: String, zone zoneText: String, file: String) throws {
        self.format = format
        if zoneText.uppercased() == "UTC" || zoneText == "Z" {
            fixedOffset = 0; zone = nil
        } else if let first = zoneText.first, first == "+" || first == "-",
                  let t = Instant.parse("2000-01-01T00:00:00" + zoneText) {
            fixedOffset = Int(Instant.parse("2000-01-01T00:00:00Z")! - t); zone = nil
        } else if let tz = TimeZone(identifier: zoneText) {
            fixedOffset = nil; zone = tz
        } else {
            throw InputError(file: file, field: "timezone", "'\(zoneText)' is not UTC, an offset such as +01:00, or a zone name such as Europe/Lisbon")
        }
        var tokens: [Token] = []
        if format != "iso8601" {
            var chars = Array(format)
            var i = 0
            while i < chars.count {
                let c = chars[i]
                var n = 1
                while i + n < chars.count, chars[i + n] == c { n += 1 }
                switch c {
                case "d", "M", "H", "m", "s": tokens.append(.number(c, min: n, max: 2))
                case "y": tokens.append(.number("y", min: 4, max: 4))
                default:
                    for b in String(repeating: String(c), count: n).utf8 { tokens.append(.literal(b)) }
                }
                i += n
            }
            chars.removeAll()
            guard tokens.contains(.number("y", min: 4, max: 4)), tokens.contains(where: { if case .number("d", _, _) = $0 { return true }; return false }) else {
                throw InputError(file: file, field: "time_format", "'\(format)' needs at least yyyy, M and d (e.g. d/M/yyyy HH:mm)")
            }
        }
        self.tokens = tokens
    }

    func parse(_ text: String) -> Int64? {
        if tokens.isEmpty {
            if let fixedOffset { return Instant.parse(text, defaultOffsetSeconds: fixedOffset) }
            if let t = Instant.parse(text, defaultOffsetSeconds: nil) { return t }
            guard let naive = Instant.parse(text, defaultOffsetSeconds: 0) else { return nil }
            return localToUTC(naive)
        }
        let s = Array(text.utf8)
        var i = 0
        var fields: [Character: Int] = [:]
        for token in tokens {
            switch token {
            case .literal(let b):
                guard i < s.count, s[i] == b else { return nil }
                i += 1
            case .number(let c, let minDigits, let maxDigits):
                var v = 0, n = 0
                while i < s.count, n < maxDigits, s[i] >= 48, s[i] <= 57 { v = v * 10 + Int(s[i] - 48); i += 1; n += 1 }
                guard n >= minDigits || (n >= 1 && minDigits <= 2) else { return nil }
                fields[c] = v
            }
        }
        guard i == s.count, let y = fields["y"], let m = fields["M"], let d = fields["d"],
              (1...12).contains(m), d >= 1, d <= Instant.daysIn(month: m, year: y) else { return nil }
        let hh = fields["H"] ?? 0, mm = fields["m"] ?? 0, ss = fields["s"] ?? 0
        guard hh <= 23, mm <= 59, ss <= 59 else { return nil }
        let naive = Instant.daysFromCivil(y, m, d) * 86_400 + Int64(hh * 3600 + mm * 60 + ss)
        if let fixedOffset { return naive - Int64(fixedOffset) }
        return localToUTC(naive)
    }

    /// A wall-clock time in the named zone (daylight saving included) → UTC.
    private func localToUTC(_ naive: Int64) -> Int64 {
        guard let zone else { return naive }
        let first = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive)))
        let second = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - Int64(first))))
        return naive - Int64(second)
    }
}
