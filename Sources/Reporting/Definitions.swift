import Scheduling
import BatonCore
import Foundation
import Orchestration

/// What a `reports/*.json` file defines, by its `kind`: a report (`"report"`, the default), an alert file
/// (`"alerts"`) or the static site (`"site"`).
public enum DefinitionKind: String, Sendable, CaseIterable {
    case report, alerts, site
}

/// An alert file as data (`reports/*.json` with `"kind": "alerts"`): when to write it, where, in which format, and
/// the settings of `baton alerts` (checked against the same ranges as the command's options):
///
/// ```json
/// {"kind": "alerts", "title": "Stalled steps", "schedule": "*/10 * * * *", "out": "alerts.prom",
///  "unwatched_days": 3, "teams": ["hr"]}
/// ```
public struct AlertDefinition: Sendable {
    public var name: String
    public var path: String
    public var title: String
    public var description: String
    /// The output file name (a plain name inside the output folder), default `<name>.json`.
    public var out: String
    /// The format, else the extension of `out`.
    public var format: AlertFormat?
    /// The numeric settings given (by `AlertSettings.Option.key`) and the teams; as_of is the run's.
    public var values: [String: Double]
    public var teams: [String]
    /// Who gets the alerts by e-mail (`mail`, as for reports): a message when a run has alerts, none when it has none.
    public var mail: MailSettings? = nil

    /// The settings for a run as of `asOf`: the defaults, then this definition's values.
    public func settings(asOf: Int64) -> AlertSettings {
        var s = AlertSettings(asOf: asOf)
        for option in AlertSettings.options {
            if let v = values[option.key] { option.apply(&s, v) }
        }
        s.teams = teams
        return s
    }

    public static let keys = ["kind", "title", "description", "schedule", "timezone", "out", "format", "teams", "mail"]
        + AlertSettings.options.map(\.key)

    static func parse(_ object: [String: Any], name: String, path: String, reader r: JSONReader) throws -> AlertDefinition {
        try r.onlyKeys(object, keys, at: "")
        var values: [String: Double] = [:]
        for option in AlertSettings.options {
            guard let v = object[option.key], !(v is NSNull) else { continue }
            guard let n = v as? NSNumber, !r.isBool(n) else {
                throw r.error(option.key, "must be \(option.expected), not \(JSONReader.shown(v))")
            }
            if let problem = option.problem(n.doubleValue) { throw r.error(option.key, "\(problem), not \(JSONReader.shown(v))") }
            values[option.key] = n.doubleValue
        }
        var teams: [String] = []
        if let v = object["teams"], !(v is NSNull) {
            guard let array = v as? [Any] else {
                throw r.error("teams", "must be an array of team keys such as [\"it\"], not \(JSONReader.shown(v)) (an empty array means every team)")
            }
            for (i, item) in array.enumerated() {
                guard let team = item as? String, !team.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw r.error("teams[\(i)]", "must be a team key (a non-empty string), not \(JSONReader.shown(item))")
                }
                teams.append(team)
            }
        }
        let out = try r.optionalString(object, "out", at: "") ?? "\(name).json"
        if out.isEmpty || out.contains("/") || out.hasPrefix(".") {
            throw r.error("out", "must be a plain file name inside the output folder, not '\(out)'")
        }
        var format: AlertFormat?
        if let text = try r.optionalString(object, "format", at: "") {
            guard let f = AlertFormat(rawValue: text) else { throw r.error("format", "must be json, text or prom, not '\(text)'") }
            format = f
        }
        return AlertDefinition(name: name, path: path, title: try r.optionalString(object, "title", at: "") ?? name,
                               description: try r.optionalString(object, "description", at: "") ?? "",
                               out: out, format: format, values: values, teams: teams, mail: try mail(object, reader: r))
    }

    /// `mail`, which only a scheduled definition sends.
    private static func mail(_ object: [String: Any], reader r: JSONReader) throws -> MailSettings? {
        let mail = try MailSettings.parse(object["mail"], reader: r)
        if mail != nil, object["schedule"] == nil || object["schedule"] is NSNull {
            throw r.error("mail", "is only meaningful with a schedule ('baton schedule run' sends it)")
        }
        return mail
    }
}

/// One definition file, whatever its kind: the one loader of `reports/*.json` for `baton report`, `baton alerts
/// --definition` and `baton schedule`. Unknown fields are refused with "did you mean", bad values name the file and
/// the field.
public struct DefinitionFile: Sendable {
    /// The file stem, e.g. `weekly`.
    public var name: String
    public var path: String
    public var kind: DefinitionKind
    public var title: String
    /// The cron schedule, when the definition has one (with its `timezone`).
    public var cron: CronExpression?
    public var report: ReportDefinition?
    public var alerts: AlertDefinition?
    public var site: SiteDefinition? = nil

    /// Reads and checks one file.
    public static func load(_ url: URL) throws -> DefinitionFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportingError("\(url.path): cannot read the file")
        }
        return try parse(data, name: url.deletingPathExtension().lastPathComponent, path: url.path)
    }

    /// A definition by name (in the reports folders) or by path to a `.json` file.
    public static func named(_ nameOrPath: String, workingDirectory: String = FileManager.default.currentDirectoryPath,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DefinitionFile {
        try load(ResourceDirectory.resolve(nameOrPath, kind: .reports, fileExtension: "json",
                                           workingDirectory: workingDirectory, environment: environment))
    }

    public static func parse(_ data: Data, name: String, path: String) throws -> DefinitionFile {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ReportingError("\(path): is not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error))")
        }
        let r = JSONReader(file: path)
        let object = try r.object(root, "(top level)")
        var kind = DefinitionKind.report
        if let value = object["kind"], !(value is NSNull) {
            guard let text = value as? String, let k = DefinitionKind(rawValue: text) else {
                let shown = (value as? String).map { "'\($0)'" } ?? JSONReader.shown(value)
                let hint = (value as? String).map { Suggest.didYouMean($0, in: DefinitionKind.allCases.map(\.rawValue)) } ?? ""
                throw r.error("kind", "must be \"report\", \"alerts\" or \"site\", not \(shown)\(hint)")
            }
            kind = k
        }
        let cron = try r.cron(object)
        switch kind {
        case .report:
            let report = try ReportDefinition.parse(object, name: name, path: path, reader: r)
            return DefinitionFile(name: name, path: path, kind: kind, title: report.title, cron: cron, report: report, alerts: nil)
        case .alerts:
            let alerts = try AlertDefinition.parse(object, name: name, path: path, reader: r)
            return DefinitionFile(name: name, path: path, kind: kind, title: alerts.title, cron: cron, report: nil, alerts: alerts)
        case .site:
            let site = try SiteDefinition.parse(object, name: name, path: path, reader: r)
            return DefinitionFile(name: name, path: path, kind: kind, title: site.title, cron: cron, report: nil, alerts: nil, site: site)
        }
    }

    /// Every definition in `folder`, by name, each as itself or its error (one bad file does not hide the others).
    public static func all(in folder: String) throws -> [(name: String, definition: Result<DefinitionFile, ReportingError>)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ReportingError("cannot read the report definitions folder \(folder) (pass --reports DIR)")
        }
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { file in
            let name = String(file.dropLast(5))
            do {
                return (name, .success(try load(URL(fileURLWithPath: folder + "/" + file))))
            } catch let error as ReportingError {
                return (name, .failure(error))
            } catch {
                return (name, .failure(ReportingError("\(folder)/\(file): \(error)")))
            }
        }
    }
}

extension JSONReader {
    /// The `schedule` (and `timezone`) of a definition, checked by the scheduler's own parser.
    func cron(_ object: [String: Any]) throws -> CronExpression? {
        let schedule = try optionalString(object, "schedule", at: "")
        let timezone = try optionalString(object, "timezone", at: "")
        guard let schedule else {
            if timezone != nil { throw error("timezone", "is only meaningful with a schedule") }
            return nil
        }
        do { return try CronExpression(schedule, timeZone: timezone) } catch let e as CronExpression.ParseError {
            if e.message.contains("time zone") { throw error("timezone", e.message) }
            throw error("schedule", "'\(schedule)' must be a cron expression (minute hour day-of-month month day-of-week, e.g. \"0 6 * * MON\"): \(e.message)")
        }
    }

    /// A JSON value as the file wrote it, for messages.
    static func shown(_ value: Any) -> String {
        switch value {
        case let s as String: return "\"\(s)\""
        case let n as NSNumber: return ["c", "B"].contains(String(cString: n.objCType)) ? (n.boolValue ? "true" : "false") : "\(n)"
        case is NSNull: return "null"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(value)"
        }
    }
}
