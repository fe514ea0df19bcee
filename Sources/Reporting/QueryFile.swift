import Foundation
import SQLite

/// One dataset's SQL, as a user can read and adapt it: a `.sql` file in `queries/` with `:named` parameters.
///
/// Comment lines of the form `-- param :name = value` give a parameter's default (a number, an ISO 8601
/// instant (stored as Unix seconds) or text); the leading comment block is the query's description.
public struct QueryFile: Sendable {
    /// The file stem, e.g. `stalled`.
    public let name: String
    public let path: String
    public let sql: String
    public let description: String
    /// Defaults declared in the file's `-- param` lines.
    public let defaults: [String: SQLValue]

    public init(name: String, path: String, sql: String) {
        self.name = name
        self.path = path
        self.sql = sql
        var defaults: [String: SQLValue] = [:]
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
                if !key.isEmpty { defaults[key] = ParameterValue.parse(value) }
            } else if inHeader {
                description.append(text)
            }
        }
        self.defaults = defaults
        self.description = description.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads a query file.
    public static func load(_ url: URL) throws -> QueryFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportingError("\(url.path): cannot read the file")
        }
        guard let sql = String(data: data, encoding: .utf8) else {
            throw ReportingError("\(url.path): is not UTF-8 text")
        }
        return QueryFile(name: url.deletingPathExtension().lastPathComponent, path: url.path, sql: sql)
    }

    /// A query by name (looked up in the queries folders) or by path to a `.sql` file.
    public static func named(_ nameOrPath: String, workingDirectory: String = FileManager.default.currentDirectoryPath,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> QueryFile {
        try load(ResourceDirectory.resolve(nameOrPath, kind: .queries, fileExtension: "sql",
                                           workingDirectory: workingDirectory, environment: environment))
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
