import BatonCore
import Foundation
import SQLite

/// One dataset's SQL, as a user can read and adapt it: a `.sql` file in `queries/` with `:named` parameters.
///
/// Comment lines of the form `-- param :name = value` give a parameter's default (a number, an ISO 8601
/// instant (stored as Unix seconds) or text) and with it the parameter's type: a value given for it must be of
/// that type. `:from`, `:to` and `:as_of` are instants. A line `-- series: days` (or `weeks`) marks a query whose
/// rows are one per day or week of the window: it clamps the window to the span of the data (see `DataSpan`).
/// A line `-- include _NAME.sql` is replaced by that file of the same folder: a fragment (its name starts with `_`)
/// that holds SQL several queries share, such as `_open_runs.sql`, the one definition of the step runs open at
/// `:as_of`. Fragments are not queries of their own. A line `-- computed: NAME` marks a query whose rows Swift computes
/// from other queries of its folder (`ComputedQuery`; its SQL then only names its parameters). The leading comment block
/// is the query's description.
public struct QueryFile: Sendable {
    /// The file stem, e.g. `stalled`.
    public let name: String
    public let path: String
    public let sql: String
    public let description: String
    /// Defaults declared in the file's `-- param` lines.
    public let defaults: [String: SQLValue]
    /// The type of each declared default (and of `from`, `to`, `as_of`).
    public let types: [String: ParameterType]
    /// `days` or `weeks` for a query with a row per day or week of the window (`-- series: days`).
    public let series: String?
    /// The name of the Swift computation that gives this query's rows (`-- computed: forecast`), if any.
    public let computed: String?

    public init(name: String, path: String, sql: String) {
        self.name = name
        self.path = path
        self.sql = sql
        var defaults: [String: SQLValue] = [:]
        var types: [String: ParameterType] = ["from": .instant, "to": .instant, "as_of": .instant]
        var series: String?
        var computed: String?
        var description: [String] = []
        var inHeader = true
        for rawLine in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("--") else {
                if !line.isEmpty { inHeader = false }
                continue
            }
            let text = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("param "), let eq = text.firstIndex(of: "=") {
                var key = text.dropFirst("param ".count)[..<eq].trimmingCharacters(in: .whitespaces)
                if key.hasPrefix(":") { key.removeFirst() }
                let value = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if !key.isEmpty {
                    defaults[key] = ParameterValue.parse(value)
                    types[key] = ParameterType.of(value)
                }
            } else if text.hasPrefix("series:") {
                series = text.dropFirst("series:".count).trimmingCharacters(in: .whitespaces)
            } else if text.hasPrefix("computed:") {
                computed = text.dropFirst("computed:".count).trimmingCharacters(in: .whitespaces)
            } else if inHeader {
                description.append(text)
            }
        }
        self.defaults = defaults
        self.types = types
        self.series = series
        self.computed = computed
        self.description = description.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads a query file, with its `-- include` lines replaced by the fragments they name. `replacing` gives the text
    /// of some fragments instead of their files (the alert engine answers `_open_runs.sql` once for all its queries).
    public static func load(_ url: URL, replacing: [String: String] = [:]) throws -> QueryFile {
        QueryFile(name: url.deletingPathExtension().lastPathComponent, path: url.path,
                  sql: try text(of: url, including: true, replacing: replacing))
    }

    private static func text(of url: URL, including: Bool, replacing: [String: String] = [:]) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportingError("\(url.path): cannot read the file")
        }
        guard let sql = String(data: data, encoding: .utf8) else {
            throw ReportingError("\(url.path): is not UTF-8 text")
        }
        guard including, sql.contains("-- include ") else { return sql }
        var lines: [String] = []
        for (k, line) in sql.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("-- include ") else { lines.append(String(line)); continue }
            let name = trimmed.dropFirst("-- include ".count).trimmingCharacters(in: .whitespaces)
            guard name.hasPrefix("_"), name.hasSuffix(".sql"), !name.contains("/") else {
                throw ReportingError("\(url.path):\(k + 1): an include names a fragment of the same folder, '_NAME.sql', not '\(name)'")
            }
            if let text = replacing[name] { lines.append(text); continue }
            let fragment = url.deletingLastPathComponent().appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: fragment.path) else {
                throw ReportingError("\(url.path):\(k + 1): the fragment \(fragment.path) it includes is missing")
            }
            lines.append(try text(of: fragment, including: false).trimmingCharacters(in: .newlines))   // fragments include nothing
        }
        return lines.joined(separator: "\n")
    }

    /// A query by name (looked up in the queries folders) or by path to a `.sql` file.
    public static func named(_ nameOrPath: String, workingDirectory: String = FileManager.default.currentDirectoryPath,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> QueryFile {
        try load(ResourceDirectory.resolve(nameOrPath, kind: .queries, fileExtension: "sql",
                                           workingDirectory: workingDirectory, environment: environment))
    }
}

/// The type of a query parameter, from its `-- param` default.
public enum ParameterType: String, Sendable {
    case integer, real, text, instant

    /// The type a default's text reads as.
    static func of(_ text: String) -> ParameterType {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if Int64(trimmed) != nil { return .integer }
        if let d = Double(trimmed), d.isFinite { return .real }
        if Instant.parse(trimmed) != nil { return .instant }
        return .text
    }

    var expected: String {
        switch self {
        case .integer: return "a whole number"
        case .real: return "a number"
        case .text: return "text"
        case .instant: return "an ISO 8601 instant (e.g. 2026-03-02 or 2026-03-02T09:15:00Z) or Unix seconds"
        }
    }

    /// The value bound for `text`, or nil when it is not of this type.
    public func parse(_ text: String) -> SQLValue? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch self {
        case .integer: return Int64(trimmed).map(SQLValue.integer)
        case .real:
            if let i = Int64(trimmed) { return .real(Double(i)) }
            return Double(trimmed).flatMap { $0.isFinite ? .real($0) : nil }
        case .instant: return (Int64(trimmed) ?? Instant.parse(trimmed)).map(SQLValue.integer)
        case .text:
            if trimmed.count >= 2, trimmed.hasPrefix("'"), trimmed.hasSuffix("'") { return .text(String(trimmed.dropFirst().dropLast())) }
            return .text(text)
        }
    }

    /// Whether a value (e.g. from a report definition's JSON) is of this type; text takes anything but null.
    public func accepts(_ value: SQLValue) -> Bool {
        switch (self, value) {
        case (_, .null): return true
        case (.integer, .integer), (.instant, .integer), (.real, .integer), (.real, .real): return true
        case (.integer, .real(let d)), (.instant, .real(let d)): return d == d.rounded() && abs(d) < 9e15
        case (.text, _): return true
        default: return false
        }
    }
}

/// Parameter values given as text (`--param key=value`, report definitions).
public enum ParameterValue {
    /// An integer, a real, an ISO 8601 instant (→ Unix seconds) or else text.
    public static func parse(_ text: String) -> SQLValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let i = Int64(trimmed) { return .integer(i) }
        if let d = Double(trimmed), d.isFinite { return .real(d) }
        if let t = Instant.parse(trimmed) { return .integer(t) }
        if trimmed.count >= 2, trimmed.hasPrefix("'"), trimmed.hasSuffix("'") { return .text(String(trimmed.dropFirst().dropLast())) }
        return .text(text)
    }
}
