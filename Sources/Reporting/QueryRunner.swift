import Foundation
import SQLite

/// The columns and rows a query returned.
public struct QueryOutput: Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]
    public init(columns: [String], rows: [[SQLValue]]) { self.columns = columns; self.rows = rows }
}

/// Runs `queries/*.sql` files on a store connection with `:named` parameters.
///
/// Parameters, last wins: the file's `-- param` defaults, then the given values. Every parameter the SQL
/// names must have a value; a missing one or an SQL error is a `ReportingError` naming the file.
public enum QueryRunner {
    /// The values bound to each parameter the SQL names, or an error naming the missing ones.
    public static func bindings(for query: QueryFile, statement: Statement, parameters: [String: SQLValue]) throws -> [String: SQLValue] {
        var values = query.defaults
        for (k, v) in parameters { values[k.hasPrefix(":") ? String(k.dropFirst()) : k] = v }
        var bound: [String: SQLValue] = [:]
        var missing: [String] = []
        for name in statement.parameterNames {
            let key = name.hasPrefix(":") || name.hasPrefix("@") || name.hasPrefix("$") ? String(name.dropFirst()) : name
            if let v = values[key] { bound[key] = v } else if !missing.contains(key) { missing.append(key) }
        }
        guard missing.isEmpty else {
            let list = missing.map { ":\($0)" }.joined(separator: ", ")
            let hint = missing.map { "--param \($0)=VALUE" }.joined(separator: " ")
            throw ReportingError("\(query.path) needs a value for \(list); pass \(hint)")
        }
        return bound
    }

    /// Prepares the query, naming the file in any SQL error.
    public static func prepare(_ query: QueryFile, on db: Database) throws -> Statement {
        let code = query.sql.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
            .joined().trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
        guard !code.isEmpty else { throw ReportingError("\(query.path): contains no SQL statement") }
        do {
            return try db.prepare(query.sql)
        } catch let error as SQLiteError {
            throw ReportingError("\(query.path): SQL error: \(error.message)")
        }
    }

    /// Runs the query and calls `body` with each row (streaming); returns the column names.
    @discardableResult
    public static func forEachRow(_ query: QueryFile, on db: Database, parameters: [String: SQLValue],
                                  _ body: ([SQLValue]) throws -> Void) throws -> [String] {
        let statement = try prepare(query, on: db)
        let values = try bindings(for: query, statement: statement, parameters: parameters)
        try statement.bind(named: values)
        let count = statement.columnNames.count
        do {
            while try statement.step() {
                try body((0..<count).map { statement.value(at: $0) })
            }
        } catch let error as SQLiteError {
            throw ReportingError("\(query.path): SQL error: \(error.message)")
        }
        return statement.columnNames
    }

    /// Runs the query and collects every row.
    public static func run(_ query: QueryFile, on db: Database, parameters: [String: SQLValue]) throws -> QueryOutput {
        var rows: [[SQLValue]] = []
        let columns = try forEachRow(query, on: db, parameters: parameters) { rows.append($0) }
        return QueryOutput(columns: columns, rows: rows)
    }
}
