import BatonCore
import Foundation
import Orchestration
import SQLite

/// A report as data (`reports/*.json`): title, description, sections (a query, its parameters, the columns
/// to show and an optional chart), headline numbers, default formats, a period rule and an optional schedule.
/// Validated on load; every problem names the file and the field.
public struct ReportDefinition: Sendable {
    /// One section: a query's rows as a table (and optionally a chart); `key` is the CSV file stem.
    public struct Section: Sendable {
        public var key: String
        public var title: String
        public var description: String
        public var query: String
        public var parameters: [String: SQLValue]
        public var columns: [ColumnSpec]
        public var chart: ChartSpec?
        public var highlight: Bool
    }

    /// One headline number: a column of the headline query's single row.
    public struct HeadlineItem: Sendable {
        public var column: String
        public var label: String
        public var unit: ColumnUnit
        public var higherIsBetter: Bool
    }

    /// The headline query, its items and (optionally) the period they cover at the end of the report window.
    public struct Headlines: Sendable {
        public var query: String
        public var parameters: [String: SQLValue]
        public var items: [HeadlineItem]
        /// When set, headlines cover the last units of the window (e.g. the last week of a 12-week report)
        /// and compare with the same number of units before; else the whole window and the one before it.
        public var period: PeriodRule?
    }

    /// One entry of the report's glossary (the `definitions` array of its JSON): a term and what it means.
    public struct Term: Sendable, Equatable {
        public var term: String
        public var text: String
    }

    /// The file stem, e.g. `weekly`.
    public var name: String
    /// Where it was loaded from.
    public var path: String
    public var title: String
    public var description: String
    public var period: PeriodRule
    public var formats: [String]
    /// A cron expression (five fields) for `baton schedule`.
    public var schedule: String?
    /// Report-wide parameter values (each section may override).
    public var parameters: [String: SQLValue]
    public var headlines: Headlines?
    public var sections: [Section]
    /// The definitions section; `{name}` in a text is replaced by the parameter's value in force.
    public var definitions: [Term]
    /// Who gets each scheduled run by e-mail (`mail`), when anyone does.
    public var mail: MailSettings? = nil

    public static let knownFormats = ["csv", "html", "xlsx"]

    /// Loads a report by name (from the reports folders) or by path to a `.json` file.
    public static func named(_ nameOrPath: String, workingDirectory: String = FileManager.default.currentDirectoryPath,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ReportDefinition {
        try load(ResourceDirectory.resolve(nameOrPath, kind: .reports, fileExtension: "json",
                                           workingDirectory: workingDirectory, environment: environment))
    }

    /// Every definition in the first reports folder found, by name (report definitions only). A file that does
    /// not validate is returned as its error, so one bad file does not hide the others.
    public static func available(workingDirectory: String = FileManager.default.currentDirectoryPath,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) -> [(name: String, definition: Result<ReportDefinition, ReportingError>)] {
        guard let folder = ResourceDirectory.find(.reports, workingDirectory: workingDirectory, environment: environment),
              let all = try? DefinitionFile.all(in: folder.path) else { return [] }
        return all.compactMap { name, result in
            switch result {
            case .success(let d): return d.report.map { (name, .success($0)) }
            case .failure(let e): return (name, .failure(e))
            }
        }
    }

    public static func load(_ url: URL) throws -> ReportDefinition {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportingError("\(url.path): cannot read the file")
        }
        return try parse(data, name: url.deletingPathExtension().lastPathComponent, path: url.path)
    }

    /// Parses and validates a report definition (through the one loader, `Definition`): an alert definition is
    /// refused here.
    public static func parse(_ data: Data, name: String, path: String) throws -> ReportDefinition {
        let definition = try DefinitionFile.parse(data, name: name, path: path)
        guard let report = definition.report else {
            throw ReportingError("\(path): is an alert definition (\"kind\": \"\(definition.kind.rawValue)\"), not a report; run it with 'baton alerts --definition \(name)' or 'baton schedule run'")
        }
        return report
    }

    static let keys = ["kind", "title", "description", "period", "formats", "schedule", "timezone", "parameters", "headlines",
                       "sections", "definitions", "mail"]

    /// The report fields of a definition's JSON object (`kind`, `schedule` and `timezone` are checked by `DefinitionFile`).
    static func parse(_ object: [String: Any], name: String, path: String, reader r: JSONReader) throws -> ReportDefinition {
        try r.onlyKeys(object, keys, at: "")
        let title = try r.string(object, "title", at: "")
        let description = try r.optionalString(object, "description", at: "") ?? ""
        let period = try r.period(object["period"], field: "period") ?? PeriodRule(unit: .weeks, count: 1)
        let formats = try parseFormats(object["formats"], reader: r)
        let schedule = try r.optionalString(object, "schedule", at: "")
        let parameters = try r.parameters(object["parameters"], "parameters")
        let headlines = try object["headlines"].map { try parseHeadlines($0, reader: r) }
        let sections = try parseSections(object["sections"], reader: r)
        let definitions = try object["definitions"].map { try parseDefinitions($0, reader: r) } ?? []
        if object["mail"] != nil, !(object["mail"] is NSNull), schedule == nil {
            throw r.error("mail", "is only meaningful with a schedule ('baton schedule run' sends it)")
        }
        return ReportDefinition(name: name, path: path, title: title, description: description, period: period, formats: formats,
                                schedule: schedule, parameters: parameters, headlines: headlines, sections: sections,
                                definitions: definitions, mail: try MailSettings.parse(object["mail"], reader: r))
    }

    /// `formats`: an array (or comma-separated string) of known formats; CSV alone when absent.
    private static func parseFormats(_ value: Any?, reader r: JSONReader) throws -> [String] {
        guard let value else { return ["csv"] }
        let formats = try r.stringArray(value, "formats")
        for (i, f) in formats.enumerated() where !knownFormats.contains(f) {
            throw r.error("formats[\(i)]", "'\(f)' is not a format; use \(knownFormats.joined(separator: ", "))")
        }
        return formats
    }

    /// `headlines`: the query, its parameters, the items (a column each) and an optional period.
    private static func parseHeadlines(_ value: Any, reader r: JSONReader) throws -> Headlines {
        let h = try r.object(value, "headlines")
        try r.onlyKeys(h, ["query", "parameters", "items", "period"], at: "headlines")
        let itemsValue = h["items"] ?? []
        guard let itemArray = itemsValue as? [Any] else { throw r.error("headlines.items", "must be an array") }
        var items: [HeadlineItem] = []
        for (i, v) in itemArray.enumerated() {
            let field = "headlines.items[\(i)]"
            let o = try r.object(v, field)
            try r.onlyKeys(o, ["column", "label", "unit", "higher_is_better"], at: field)
            let column = try r.string(o, "column", at: field)
            items.append(HeadlineItem(column: column, label: try r.optionalString(o, "label", at: field) ?? column,
                                      unit: try r.unit(o["unit"], "\(field).unit") ?? .number,
                                      higherIsBetter: try r.optionalBool(o, "higher_is_better", at: field) ?? true))
        }
        return Headlines(query: try r.string(h, "query", at: "headlines"),
                         parameters: try r.parameters(h["parameters"], "headlines.parameters"),
                         items: items, period: try r.period(h["period"], field: "headlines.period"))
    }

    /// `sections`: a non-empty array of sections with unique keys.
    private static func parseSections(_ value: Any?, reader r: JSONReader) throws -> [Section] {
        guard let sectionValues = value as? [Any] else {
            throw r.error("sections", value == nil ? "is required" : "must be an array of sections")
        }
        var sections: [Section] = []
        var keys = Set<String>()
        for (i, value) in sectionValues.enumerated() {
            sections.append(try parseSection(value, field: "sections[\(i)]", keys: &keys, reader: r))
        }
        if sections.isEmpty { throw r.error("sections", "a report needs at least one section") }
        return sections
    }

    /// One section; `keys` holds the keys of the sections before it (a duplicate is an error) and gains this one's.
    private static func parseSection(_ value: Any, field: String, keys: inout Set<String>, reader r: JSONReader) throws -> Section {
        let s = try r.object(value, field)
        try r.onlyKeys(s, ["key", "title", "description", "query", "parameters", "columns", "chart", "highlight"], at: field)
        let key = try r.string(s, "key", at: field)
        guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw r.error("\(field).key", "'\(key)' must be letters, digits, '_' or '-' (it names the CSV file)")
        }
        guard keys.insert(key).inserted else { throw r.error("\(field).key", "duplicate section key '\(key)'") }
        let columns = try parseColumns(s["columns"], field: "\(field).columns", reader: r)
        var chart: ChartSpec?
        if let c = s["chart"] { chart = try r.chart(c, "\(field).chart", columns: columns.map(\.name)) }
        return Section(key: key, title: try r.optionalString(s, "title", at: field) ?? key,
                       description: try r.optionalString(s, "description", at: field) ?? "",
                       query: try r.string(s, "query", at: field),
                       parameters: try r.parameters(s["parameters"], "\(field).parameters"),
                       columns: columns, chart: chart, highlight: try r.optionalBool(s, "highlight", at: field) ?? false)
    }

    /// A section's `columns`: each a name (a text column labelled by its name) or `{"name", "label", "unit"}`.
    private static func parseColumns(_ value: Any?, field: String, reader r: JSONReader) throws -> [ColumnSpec] {
        guard let columnValues = value as? [Any], !columnValues.isEmpty else {
            throw r.error(field, "must be a non-empty array of columns ({\"name\", \"label\", \"unit\"})")
        }
        var columns: [ColumnSpec] = []
        for (j, c) in columnValues.enumerated() {
            let cf = "\(field)[\(j)]"
            if let name = c as? String {
                columns.append(ColumnSpec(name: name, label: name, unit: .text))
                continue
            }
            let o = try r.object(c, cf)
            try r.onlyKeys(o, ["name", "label", "unit"], at: cf)
            let name = try r.string(o, "name", at: cf)
            guard !columns.contains(where: { $0.name == name }) else { throw r.error("\(cf).name", "duplicate column '\(name)'") }
            columns.append(ColumnSpec(name: name, label: try r.optionalString(o, "label", at: cf) ?? name,
                                      unit: try r.unit(o["unit"], "\(cf).unit") ?? .text))
        }
        return columns
    }

    /// `definitions`: the glossary, an array of `{"term", "text"}`.
    private static func parseDefinitions(_ value: Any, reader r: JSONReader) throws -> [Term] {
        guard let array = value as? [Any] else { throw r.error("definitions", "must be an array of {\"term\", \"text\"}") }
        var definitions: [Term] = []
        for (i, d) in array.enumerated() {
            let field = "definitions[\(i)]"
            let o = try r.object(d, field)
            try r.onlyKeys(o, ["term", "text"], at: field)
            definitions.append(Term(term: try r.string(o, "term", at: field), text: try r.string(o, "text", at: field)))
        }
        return definitions
    }
}

/// Reads loosely typed JSON values with errors that name the file and the field.
struct JSONReader {
    let file: String

    func error(_ field: String, _ message: String) -> ReportingError {
        ReportingError("\(file): field '\(field)': \(message)")
    }

    private func path(_ at: String, _ key: String) -> String { at.isEmpty ? key : "\(at).\(key)" }

    func object(_ value: Any, _ field: String) throws -> [String: Any] {
        guard let o = value as? [String: Any] else { throw error(field, "must be an object") }
        return o
    }

    func onlyKeys(_ o: [String: Any], _ allowed: [String], at: String) throws {
        for key in o.keys.sorted() where !allowed.contains(key) {
            let hint = Suggest.didYouMean(key, in: allowed)
            throw error(path(at, key), "is not a known field\(hint.isEmpty ? " (known: \(allowed.joined(separator: ", ")))" : hint)")
        }
    }

    func string(_ o: [String: Any], _ key: String, at: String) throws -> String {
        guard let v = o[key] else { throw error(path(at, key), "is required") }
        guard let s = v as? String else { throw error(path(at, key), "must be a string") }
        return s
    }

    func optionalString(_ o: [String: Any], _ key: String, at: String) throws -> String? {
        guard let v = o[key], !(v is NSNull) else { return nil }
        guard let s = v as? String else { throw error(path(at, key), "must be a string") }
        return s
    }

    func optionalBool(_ o: [String: Any], _ key: String, at: String) throws -> Bool? {
        guard let v = o[key], !(v is NSNull) else { return nil }
        guard let n = v as? NSNumber, isBool(n) else {
            throw error(path(at, key), "must be true or false")
        }
        return n.boolValue
    }

    func isBool(_ n: NSNumber) -> Bool {
        ["c", "B"].contains(String(cString: n.objCType))
    }

    func stringArray(_ value: Any, _ field: String) throws -> [String] {
        if let s = value as? String { return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard let a = value as? [Any] else { throw error(field, "must be an array of strings") }
        return try a.enumerated().map { i, v in
            guard let s = v as? String else { throw error("\(field)[\(i)]", "must be a string") }
            return s
        }
    }

    func unit(_ value: Any?, _ field: String) throws -> ColumnUnit? {
        guard let value, !(value is NSNull) else { return nil }
        guard let s = value as? String, let u = ColumnUnit(rawValue: s) else {
            throw error(field, "must be one of \(ColumnUnit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return u
    }

    func period(_ value: Any?, field: String) throws -> PeriodRule? {
        guard let value, !(value is NSNull) else { return nil }
        let o = try object(value, field)
        try onlyKeys(o, ["period", "count"], at: field)
        let unitText = try string(o, "period", at: field)
        guard let unit = PeriodRule.Unit(rawValue: unitText) else {
            throw error("\(field).period", "'\(unitText)' must be one of \(PeriodRule.Unit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var count = 1
        if let c = o["count"] {
            guard let n = c as? NSNumber, !isBool(n), n.doubleValue == n.doubleValue.rounded(), n.intValue >= 1, n.intValue <= 1000 else {
                throw error("\(field).count", "must be a whole number from 1 to 1000")
            }
            count = n.intValue
        }
        return PeriodRule(unit: unit, count: count)
    }

    func parameters(_ value: Any?, _ field: String) throws -> [String: SQLValue] {
        guard let value, !(value is NSNull) else { return [:] }
        let o = try object(value, field)
        var result: [String: SQLValue] = [:]
        for (k, v) in o {
            switch v {
            case let s as String: result[k] = ParameterValue.parse(s)
            case let n as NSNumber:
                if isBool(n) { result[k] = .integer(n.boolValue ? 1 : 0) }
                else if !["d", "f"].contains(String(cString: n.objCType)) { result[k] = .integer(n.int64Value) }
                else { result[k] = .real(n.doubleValue) }
            case is NSNull: result[k] = .null
            default: throw error("\(field).\(k)", "must be a number, a string, true/false or null")
            }
        }
        return result
    }

    func chart(_ value: Any, _ field: String, columns: [String]) throws -> ChartSpec {
        let o = try object(value, field)
        try onlyKeys(o, ["type", "title", "x", "y", "series", "x_label", "y_label", "reference_lines", "color_by"], at: field)
        let typeText = try string(o, "type", at: field)
        guard let kind = ChartSpec.Kind(rawValue: typeText) else {
            throw error("\(field).type", "'\(typeText)' must be one of \(ChartSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func column(_ name: String, _ f: String) throws -> String {
            guard columns.contains(name) else {
                throw error(f, "'\(name)' is not a column of the section\(Suggest.didYouMean(name, in: columns)) (columns: \(columns.joined(separator: ", ")))")
            }
            return name
        }
        let x = try column(try string(o, "x", at: field), "\(field).x")
        guard let yValue = o["y"] else { throw error("\(field).y", "is required") }
        let y = try stringArray(yValue, "\(field).y").enumerated().map { try column($1, "\(field).y[\($0)]") }
        guard !y.isEmpty else { throw error("\(field).y", "needs at least one column") }
        let series = try optionalString(o, "series", at: field).map { try column($0, "\(field).series") }
        let colorBy = try optionalString(o, "color_by", at: field).map { try column($0, "\(field).color_by") }
        var references: [String]?
        if let r = o["reference_lines"] {
            references = try stringArray(r, "\(field).reference_lines").enumerated().map { try column($1, "\(field).reference_lines[\($0)]") }
        }
        return ChartSpec(kind: kind, title: try optionalString(o, "title", at: field) ?? "", x: x, y: y, series: series,
                         xLabel: try optionalString(o, "x_label", at: field), yLabel: try optionalString(o, "y_label", at: field),
                         referenceLines: references, colorBy: colorBy)
    }
}
