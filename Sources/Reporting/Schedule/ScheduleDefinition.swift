import Foundation

/// A report or alert definition that has a `schedule`, read from a `reports/*.json` file.
///
/// Only the scheduling keys are read here (`schedule`, `timezone`, and for alert definitions their options);
/// the rest of a report definition belongs to the report engine. A file is an alert definition when its
/// `kind` is `"alerts"`:
///
/// ```json
/// {"kind": "alerts", "title": "Stalled steps", "schedule": "*/10 * * * *", "out": "alerts.prom",
///  "unwatched_days": 3, "teams": ["hr"]}
/// ```
public struct ScheduleDefinition: Sendable, Equatable {
    public enum Kind: String, Sendable { case report, alerts }

    /// The file stem: `weekly` for `reports/weekly.json`.
    public var name: String
    public var kind: Kind
    public var title: String
    public var path: String
    public var cron: CronExpression
    /// The whole JSON object (for the report engine or the alert options).
    public var json: [String: JSONValue]

    /// Alert definitions: the output file name (relative to the output folder), default `<name>.json`.
    public var alertOutput: String { json["out"]?.string ?? "\(name).json" }

    /// Reads every `*.json` in `folder` that has a `schedule`. Files without one are not scheduled; a file with
    /// a bad schedule or bad JSON is an error naming the file and field, returned beside the good definitions so
    /// one bad file does not stop the others.
    public static func load(folder: String) throws -> (definitions: [ScheduleDefinition], errors: [ScheduleError]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ScheduleError("cannot read the report definitions folder \(folder) (pass --reports DIR)")
        }
        var definitions: [ScheduleDefinition] = [], errors: [ScheduleError] = []
        for name in names.filter({ $0.hasSuffix(".json") && !$0.hasPrefix(".") }).sorted() {
            do {
                if let d = try load(path: folder + "/" + name) { definitions.append(d) }
            } catch let e as ScheduleError {
                errors.append(e)
            }
        }
        return (definitions, errors)
    }

    /// Reads one definition file; nil when it has no `schedule`.
    public static func load(path: String) throws -> ScheduleDefinition? {
        guard let data = FileManager.default.contents(atPath: path) else { throw ScheduleError("\(path): cannot read the file") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ScheduleError("\(path): not valid JSON (\(error.localizedDescription))")
        }
        guard let dictionary = object as? [String: Any] else { throw ScheduleError("\(path): the definition must be a JSON object") }
        let json = dictionary.mapValues(JSONValue.init)
        guard let scheduleValue = json["schedule"], scheduleValue != .null else { return nil }
        guard let schedule = scheduleValue.string else { throw ScheduleError("\(path): field 'schedule' must be a string such as \"0 6 * * MON\"") }
        let zone = json["timezone"]?.string
        let cron: CronExpression
        do { cron = try CronExpression(schedule, timeZone: zone) } catch {
            throw ScheduleError("\(path): field '\(zone != nil && "\(error)".contains("time zone") ? "timezone" : "schedule")': \(error)")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let kindText = json["kind"]?.string ?? "report"
        guard let kind = Kind(rawValue: kindText) else { throw ScheduleError("\(path): field 'kind' must be \"report\" or \"alerts\", not '\(kindText)'") }
        if kind == .alerts, let out = json["out"]?.string, out.contains("/") || out.hasPrefix(".") {
            throw ScheduleError("\(path): field 'out' must be a plain file name inside the output folder, not '\(out)'")
        }
        return ScheduleDefinition(name: name, kind: kind, title: json["title"]?.string ?? name, path: path, cron: cron, json: json)
    }
}

/// A JSON value kept as data (so definitions can be compared and passed on).
public enum JSONValue: Sendable, Equatable {
    case null, number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(_ any: Any) {
        switch any {
        case let s as String: self = .string(s)
        case let n as NSNumber: self = .number(n.doubleValue)  // true/false read as 1/0: no option here is a bool
        case let a as [Any]: self = .array(a.map(JSONValue.init))
        case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init))
        default: self = .null
        }
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var number: Double? { if case .number(let n) = self { return n } else { return nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
}

/// A scheduling problem (bad definition, unreadable folder), with a message for people.
public struct ScheduleError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
