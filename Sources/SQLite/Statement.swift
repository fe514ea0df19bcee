import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// A prepared statement. Owns its `sqlite3_stmt`, finalized on deinit.
public final class Statement {
    let handle: OpaquePointer
    unowned let database: Database
    public let sql: String
    /// Column names of the result, in order.
    public let columnNames: [String]

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        // A second statement after the first would be silently ignored by SQLite: refuse it instead.
        let (code, trailing) = sql.withCString { text -> (Int32, Bool) in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(database.handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            guard code == SQLITE_OK, let tail, tail.pointee != 0 else { return (code, false) }
            var extra: OpaquePointer?
            let extraCode = sqlite3_prepare_v2(database.handle, tail, -1, &extra, nil)
            defer { sqlite3_finalize(extra) }
            return (code, extraCode != SQLITE_OK || extra != nil)
        }
        if trailing {
            sqlite3_finalize(stmt)
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "only one SQL statement is allowed here; found more after the first", sql: sql)
        }
        guard code == SQLITE_OK, let stmt else {
            throw SQLiteError.from(database.handle, code: code, sql: sql)
        }
        self.handle = stmt
        self.database = database
        self.sql = sql
        let count = Int(sqlite3_column_count(stmt))
        self.columnNames = (0..<count).map { String(cString: sqlite3_column_name(stmt, Int32($0))) }
    }

    deinit {
        sqlite3_finalize(handle)
        for chunk in textChunks { chunk.deallocate() }
    }

    // MARK: binding in hot loops

    /// Text bound by `bindText`: copied into chunks the statement owns and bound with SQLITE_STATIC, so a bulk
    /// insert allocates nothing per value (SQLITE_TRANSIENT would make SQLite allocate and copy each one).
    /// The bytes stay put until `execute()` has stepped and reset the statement. These are touched for every value
    /// bound, only from within this class and never re-entrantly, so the run-time exclusivity checks are skipped.
    @exclusivity(unchecked) private var textChunks: [UnsafeMutableRawBufferPointer] = []
    @exclusivity(unchecked) private var textChunk = 0
    @exclusivity(unchecked) private var textChunkUsed = 0
    private static let textChunkSize = 1 << 16

    private func textStorage(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer {
        let n = bytes.count
        if textChunk < textChunks.count, textChunkUsed + n > textChunks[textChunk].count {
            textChunk += 1
            textChunkUsed = 0
        }
        while textChunk < textChunks.count, n > textChunks[textChunk].count { textChunk += 1 }
        if textChunk == textChunks.count {
            textChunks.append(.allocate(byteCount: max(n, Self.textChunkSize), alignment: 8))
            textChunkUsed = 0
        }
        let start = textChunks[textChunk].baseAddress! + textChunkUsed
        if n > 0 { start.copyMemory(from: bytes.baseAddress!, byteCount: n) }
        textChunkUsed += n
        return UnsafeRawPointer(start)
    }

    /// Binds an integer, or NULL for nil, without building an `SQLValue`.
    public func bindInteger(_ value: Int64?, at index: Int32) throws {
        let code = value.map { sqlite3_bind_int64(handle, index, $0) } ?? sqlite3_bind_null(handle, index)
        guard code == SQLITE_OK else { throw SQLiteError.from(database.handle, code: code, sql: sql) }
    }

    /// Binds text, or NULL for nil, without an allocation per value. Use with `execute()`, which keeps the bytes
    /// alive until the statement has run.
    public func bindText(_ value: String?, at index: Int32) throws {
        guard var value else { return try bindInteger(nil, at: index) }
        let code = value.withUTF8 { utf8 -> Int32 in
            let p = textStorage(UnsafeRawBufferPointer(utf8))
            return sqlite3_bind_text(handle, index, p.assumingMemoryBound(to: CChar.self), Int32(utf8.count), baton_sqlite_static())
        }
        guard code == SQLITE_OK else { throw SQLiteError.from(database.handle, code: code, sql: sql) }
    }

    /// Runs a statement whose parameters were all bound with `bindInteger`/`bindText` (a statement that returns
    /// no rows), then resets it for the next row. Bindings are not cleared: the next row binds every parameter.
    public func execute() throws {
        defer {
            sqlite3_reset(handle)
            textChunk = 0
            textChunkUsed = 0
        }
        while try step() {}
    }

    /// Names of the parameters as written in the SQL (`:from`, `?1`, …), in index order.
    public var parameterNames: [String] {
        let count = Int(sqlite3_bind_parameter_count(handle))
        return (1...max(count, 1)).prefix(count).map { i in
            sqlite3_bind_parameter_name(handle, Int32(i)).map { String(cString: $0) } ?? "?\(i)"
        }
    }

    /// Resets the statement and clears its bindings so it can run again.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds positional values (1-based in SQL, 0-based here).
    public func bind(_ values: [SQLBindable]) throws {
        for (i, v) in values.enumerated() { try bind(v.sqlValue, at: Int32(i + 1)) }
    }

    /// Binds named values; keys may be written with or without the leading `:`.
    /// Throws when the SQL names a parameter that is not given.
    public func bind(named values: [String: SQLValue]) throws {
        for (i, name) in parameterNames.enumerated() {
            let key = name.hasPrefix(":") || name.hasPrefix("@") || name.hasPrefix("$") ? String(name.dropFirst()) : name
            guard let value = values[key] ?? values[name] else {
                throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "missing parameter \(name)", sql: sql)
            }
            try bind(value, at: Int32(i + 1))
        }
    }

    public func bind(_ value: SQLValue, at index: Int32) throws {
        let code: Int32
        switch value {
        case .null: code = sqlite3_bind_null(handle, index)
        case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
        case .real(let v): code = sqlite3_bind_double(handle, index, v)
        case .text(let s): code = sqlite3_bind_text(handle, index, s, -1, baton_sqlite_transient())
        case .blob(let b):
            code = b.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32(b.count), baton_sqlite_transient()) }
        }
        guard code == SQLITE_OK else { throw SQLiteError.from(database.handle, code: code, sql: sql) }
    }

    /// Advances to the next row; false when done.
    @discardableResult
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError.from(database.handle, code: code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// The value of column `index` of the current row.
    public func value(at index: Int) -> SQLValue {
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            guard let p = sqlite3_column_text(handle, i) else { return .text("") }
            let n = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(handle, i))
            guard n > 0, let p = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    public func int(at index: Int) -> Int64? {
        sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, Int32(index))
    }

    public func string(at index: Int) -> String? { value(at: index).string }

    /// Whether column `index` is text equal to `text`, compared in place: a loop over many rows that mostly repeat
    /// the previous row's text makes no String for them.
    public func textEquals(at index: Int, _ text: String) -> Bool {
        let i = Int32(index)
        guard sqlite3_column_type(handle, i) == SQLITE_TEXT else { return false }
        let n = Int(sqlite3_column_bytes(handle, i))
        guard let p = sqlite3_column_text(handle, i) else { return n == 0 && text.isEmpty }
        var text = text
        return text.withUTF8 { u in u.count == n && (n == 0 || memcmp(u.baseAddress!, p, n) == 0) }
    }

    /// The current row as a `Row`.
    public func currentRow() -> Row {
        Row(columns: columnNames, values: (0..<columnNames.count).map { value(at: $0) })
    }

    /// Runs the statement to completion with the given bindings (statement is reset before and after).
    public func run(_ values: [SQLBindable] = []) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        defer { sqlite3_reset(handle) }
        try bind(values)
        while try step() {}
    }

    /// Runs a query and calls `body` with each row.
    public func forEach(_ values: [SQLBindable] = [], _ body: (Statement) throws -> Void) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        defer { sqlite3_reset(handle) }
        try bind(values)
        while try step() { try body(self) }
    }

    /// Runs a query and collects every row.
    public func rows(_ values: [SQLBindable] = []) throws -> [Row] {
        var result: [Row] = []
        try forEach(values) { result.append($0.currentRow()) }
        return result
    }
}
