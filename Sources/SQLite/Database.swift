import CSQLite
import Foundation

/// A connection to one SQLite file. Owns the `sqlite3` handle (closed on deinit), caches prepared
/// statements, runs `BEGIN IMMEDIATE` transactions, and registers Baton's SQL functions.
public final class Database {
    let handle: OpaquePointer
    public let path: String
    private var cache: [String: Statement] = [:]
    private var transactionDepth = 0

    /// Process-wide SQLite settings, made once before the first connection opens.
    private static let configured: Bool = baton_sqlite_disable_memstatus() == SQLITE_OK

    /// Opens (creating when needed) the database at `path`, in WAL mode with `synchronous=NORMAL`,
    /// foreign keys on and a busy timeout, with the aggregate functions registered. `pageSize` applies to a
    /// database created by this call (an existing file keeps the page size it was made with). With
    /// `keepingJournalMode` the file stays in the journal mode it is in (a first import's writer connection opens
    /// while the store is under a rollback journal for the load; see `EventLogImporter`).
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 30_000, pageSize: Int? = nil,
                keepingJournalMode: Bool = false) throws {
        _ = Self.configured
        // Baton creates the file itself, at the mode FileMode decides, before SQLite writes a byte (its -wal and -shm copy it).
        if !readOnly { try Self.createStoreFile(path) }
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteError.from(db, code: code, sql: nil)
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError.openFailure(path: path, error)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        if !readOnly && !keepingJournalMode {
            // Before WAL mode is set: that writes the file's header, which fixes the page size.
            if let pageSize { try execute("PRAGMA page_size=\(pageSize)") }
            try setJournalModeWAL(timeoutMilliseconds: busyTimeoutMilliseconds)
        }
        try execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=FILE; PRAGMA threads=2; PRAGMA mmap_size=2147418112;")
        try SQLFunctions.register(on: self)
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements with no parameters and no results.
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(errorMessage)
            throw SQLiteError.from(handle, code: code, sql: sql, message: message)
        }
    }

    /// A new, uncached prepared statement.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// A prepared statement from the connection's cache (prepared on first use).
    public func cached(_ sql: String) throws -> Statement {
        if let statement = cache[sql] { return statement }
        let statement = try Statement(database: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// Runs a cached statement with positional parameters.
    public func run(_ sql: String, _ values: [SQLBindable] = []) throws {
        try cached(sql).run(values)
    }

    /// Runs a cached query and returns every row.
    public func rows(_ sql: String, _ values: [SQLBindable] = []) throws -> [Row] {
        try cached(sql).rows(values)
    }

    /// The first column of the first row, or nil when there is no row.
    public func scalar(_ sql: String, _ values: [SQLBindable] = []) throws -> SQLValue? {
        var result: SQLValue?
        let statement = try cached(sql)
        try statement.forEach(values) { s in
            if result == nil { result = s.value(at: 0) }
        }
        return result
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var totalChanges: Int { Int(sqlite3_total_changes(handle)) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE` at the outermost level (so writers queue on the
    /// busy timeout instead of failing at commit), a savepoint when nested. Any thrown error rolls back.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        let savepoint = "baton_sp\(transactionDepth)"
        if transactionDepth == 1 {
            try execute("BEGIN IMMEDIATE")
        } else {
            try execute("SAVEPOINT \(savepoint)")
        }
        do {
            let result = try body()
            if transactionDepth == 1 { try execute("COMMIT") } else { try execute("RELEASE \(savepoint)") }
            return result
        } catch {
            if transactionDepth == 1 {
                try? execute("ROLLBACK")
            } else {
                try? execute("ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
            }
            throw error
        }
    }

    /// Puts the store in WAL mode (nothing to do when it is already), waiting up to `timeoutMilliseconds` for other
    /// connections. A store in rollback-journal mode (a first import switches to it, see `EventLogImporter`) changes
    /// mode only under an exclusive lock, and SQLite does not wait on the busy handler for that: the change upgrades
    /// the statement's read lock, which SQLite refuses at once (SQLITE_BUSY) while another connection holds the write
    /// lock, to avoid a deadlock. So every command opened during a first import would fail with "database is locked"
    /// at once; this waits and retries instead, within the busy timeout, like any other lock.
    public func setJournalModeWAL(timeoutMilliseconds: Int32) throws {
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        var pause = 0.002
        defer { sqlite3_busy_timeout(handle, timeoutMilliseconds) }
        while true {
            do {
                try execute("PRAGMA journal_mode=WAL")
                return
            } catch let error as SQLiteError where error.primaryCode == SQLITE_BUSY {
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { throw error }
                Thread.sleep(forTimeInterval: min(pause, left))
                pause = min(pause * 2, 0.05)
                // The statement itself waits on the busy handler for its read lock: only for what is left.
                sqlite3_busy_timeout(handle, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            }
        }
    }

    /// Quotes an identifier for SQL.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A connection has one owner: it is never handed to another thread or task (GRDB's rule), and the compiler
/// refuses to send one. A thread that needs the store opens a connection of its own (the import's writer thread
/// does; the importing thread sends it messages).
@available(*, unavailable)
extension Database: Sendable {}
