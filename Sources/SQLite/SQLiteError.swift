import CSQLite

/// The one error type of the store layer: SQLite's extended result code, its message and the SQL that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// SQLite's extended result code (e.g. 2067 for SQLITE_CONSTRAINT_UNIQUE).
    public let extendedCode: Int32
    public let message: String
    public let sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { extendedCode & 0xff }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    public var isConstraint: Bool { primaryCode == SQLITE_CONSTRAINT }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (in: \(sql.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)))" }
        return text
    }
}

import Foundation

extension SQLiteError {
    static func from(_ db: OpaquePointer?, code: Int32, sql: String?) -> SQLiteError {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        return SQLiteError(extendedCode: extended, message: message, sql: sql)
    }
}
