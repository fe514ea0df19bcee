import BatonCore
import CSQLite

/// The one error type of the store layer: SQLite's extended result code, its message and the SQL that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// SQLite's extended result code (e.g. 2067 for SQLITE_CONSTRAINT_UNIQUE).
    public let extendedCode: Int32
    public let message: String
    public let sql: String?
    /// The errno of the system call that failed, for I/O and open errors (0 when none is known).
    public let systemErrno: Int32

    public init(extendedCode: Int32, message: String, sql: String? = nil, systemErrno: Int32 = 0) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
        self.systemErrno = systemErrno
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
    /// The error of the last failed call on `db`. When the store's file is the trouble (an I/O error, a full disk,
    /// a file that cannot be opened or written), the message names the file and the system's reason, e.g.
    /// "the store /srv/baton.db: No space left on device (SQLite: disk I/O error)", instead of SQLite's bare words.
    static func from(_ db: OpaquePointer?, code: Int32, sql: String?, message given: String? = nil) -> SQLiteError {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        let sqliteMessage = given ?? db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        let primary = extended & 0xff
        // SQLite records the system errno for I/O and open errors only; for others it may be stale.
        let systemErrno = (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) ? (db.map { sqlite3_system_errno($0) } ?? 0) : 0
        var message = sqliteMessage
        if let file = db.flatMap({ sqlite3_db_filename($0, "main") }).map({ String(cString: $0) }), !file.isEmpty,
           let reason = fileReason(primary: primary, systemErrno: systemErrno) {
            message = "the store \(file): \(reason) (SQLite: \(sqliteMessage))"
            if primary == SQLITE_FULL || systemErrno == ENOSPC || systemErrno == EDQUOT {
                message += "; free some space there: even reading the store needs room for its -wal and -shm files"
            }
        }
        return SQLiteError(extendedCode: extended, message: message, sql: sql, systemErrno: systemErrno)
    }

    /// Why the store's file failed, in the system's words, or nil when the error is not about the file.
    static func fileReason(primary: Int32, systemErrno: Int32) -> String? {
        switch primary {
        case SQLITE_FULL: return SystemError.reason(ENOSPC)
        case SQLITE_IOERR, SQLITE_CANTOPEN: return systemErrno != 0 ? SystemError.reason(systemErrno) : nil
        case SQLITE_READONLY: return "it is read-only here (the file, its folder or the file system cannot be written by this user)"
        default: return nil
        }
    }

    /// A store that could not be opened: "cannot open the store PATH: Permission denied".
    static func openFailure(path: String, _ error: SQLiteError) -> SQLiteError {
        var reason = error.systemErrno != 0 ? SystemError.reason(error.systemErrno) : nil
        if reason == nil {
            // SQLite does not always keep the errno of a failed open: ask the file system what is in the way.
            let parent = (path as NSString).deletingLastPathComponent
            if access(parent.isEmpty ? "." : parent, F_OK) != 0 || (access(path, F_OK) != 0 && access(parent.isEmpty ? "." : parent, W_OK) != 0)
                || (access(path, F_OK) == 0 && access(path, R_OK) != 0) {
                reason = SystemError.reason(errno)
            }
        }
        let message = reason.map { "\($0) (SQLite: \(error.message))" } ?? error.message
        return SQLiteError(extendedCode: error.extendedCode, message: "cannot open the store \(path): \(message)", systemErrno: error.systemErrno)
    }
}
