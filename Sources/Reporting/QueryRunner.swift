import BatonCore
import Foundation
import Orchestration
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

    /// The parameters a query takes: those its SQL names and those its `-- param` lines declare (without `:`).
    public static func parameterNames(_ query: QueryFile, on db: Database) throws -> [String] {
        var names: [String] = []
        for name in try prepare(query, on: db).parameterNames {
            let key = name.hasPrefix(":") || name.hasPrefix("@") || name.hasPrefix("$") ? String(name.dropFirst()) : name
            if !names.contains(key) { names.append(key) }
        }
        for key in query.defaults.keys.sorted() where !names.contains(key) { names.append(key) }
        return names
    }

    /// Reads `--param key=value` text for the queries that will run: a name none of them takes is refused with
    /// "did you mean" (and the names they do take), and a value must be of its parameter's type (the type of the
    /// `-- param` default; `from`, `to` and `as_of` are instants). A parameter without a default reads as
    /// `ParameterValue.parse` reads it. Errors are `ReportingError`s that name the parameter and the file.
    public static func parameters(_ given: [String: String], for queries: [QueryFile], on db: Database) throws -> [String: SQLValue] {
        var takers: [String: [QueryFile]] = [:]
        var order: [String] = []
        for q in queries {
            for name in try parameterNames(q, on: db) {
                if takers[name] == nil { order.append(name) }
                takers[name, default: []].append(q)
            }
        }
        for name in ["from", "to", "as_of"] where takers[name] == nil { order.append(name); takers[name] = [] }
        var result: [String: SQLValue] = [:]
        for key in given.keys.sorted() {
            let text = given[key]!
            let name = key.hasPrefix(":") ? String(key.dropFirst()) : key
            guard let files = takers[name] else {
                let where_ = queries.count == 1 ? queries[0].path : "any query of the report (\(queries.map(\.name).joined(separator: ", ")))"
                throw ReportingError("--param \(name): not a parameter of \(where_)\(Suggest.didYouMean(name, in: order)) (parameters: \(order.sorted().joined(separator: ", ")))")
            }
            // The type its defaults give it (every query that declares one must agree; the first decides).
            let declared = ["from", "to", "as_of"].contains(name) ? (QueryFile?.none, ParameterType.instant)
                : files.lazy.compactMap { q in q.types[name].map { (Optional(q), $0) } }.first
            guard let (file, type) = declared else {
                result[name] = ParameterValue.parse(text)
                continue
            }
            guard let value = type.parse(text) else {
                let origin = file.map { " (the default in \($0.path) is \(Self.shown($0.defaults[name])))" } ?? ""
                throw ReportingError("--param \(name)=\(text): must be \(type.expected)\(origin)")
            }
            result[name] = value
        }
        return result
    }

    static func shown(_ v: SQLValue?) -> String {
        switch v {
        case .integer(let i)?: return String(i)
        case .real(let d)?: return "\(d)"
        case .text(let t)?: return "'\(t)'"
        default: return "null"
        }
    }

    /// Prepares the query, naming the file in any SQL error.
    public static func prepare(_ query: QueryFile, on db: Database) throws -> Statement {
        let code = query.sql.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
            .joined().trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
        guard !code.isEmpty else { throw ReportingError("\(query.path): contains no SQL statement") }
        do {
            try RunFacts.prepare(for: query, on: db)
            return try db.prepare(query.sql)
        } catch let error as SQLiteError {
            throw ReportingError("\(query.path): SQL error: \(error.message)")
        }
    }

    /// Runs the query and calls `body` with each row (streaming); returns the column names.
    @discardableResult
    public static func forEachRow(_ query: QueryFile, on db: Database, parameters: [String: SQLValue],
                                  _ body: ([SQLValue]) throws -> Void) throws -> [String] {
        if let name = query.computed {
            let output = try ComputedQuery.run(name, query, on: db, parameters: parameters)
            for row in output.rows { try body(row) }
            return output.columns
        }
        return try forEachStatement(query, on: db, parameters: parameters) { statement in
            try body((0..<statement.columnNames.count).map { statement.value(at: $0) })
        }
    }

    /// Runs a plain query (not a computed one) and calls `body` with the statement at each row, for loops that read
    /// only some columns of many rows (`Statement.int(at:)`, `textEquals(at:_:)`); returns the column names.
    public static func forEachStatement(_ query: QueryFile, on db: Database, parameters: [String: SQLValue],
                                        _ body: (Statement) throws -> Void) throws -> [String] {
        guard query.computed == nil else { throw ReportingError("\(query.path): a computed query has no statement to step") }
        let statement = try prepare(query, on: db)
        let values = try bindings(for: query, statement: statement, parameters: parameters)
        try statement.bind(named: values)
        do {
            while try statement.step() { try body(statement) }
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
