/// Ordered schema migrations, tracked in `PRAGMA user_version` and a `schema_migrations` table.
/// A database whose version is newer than the newest migration known here is refused.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
        public init(version: Int, name: String, sql: String) {
            self.version = version
            self.name = name
            self.sql = sql
        }
    }

    public let application: String
    public let migrations: [Migration]

    public init(application: String, migrations: [Migration]) {
        self.application = application
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The schema version recorded in the database (0 for a new file).
    public func currentVersion(of db: Database) throws -> Int {
        Int(try db.scalar("PRAGMA user_version")?.int ?? 0)
    }

    /// Applies pending migrations in one transaction. Returns the versions applied.
    @discardableResult
    public func migrate(_ db: Database) throws -> [Int] {
        let current = try currentVersion(of: db)
        if current > latestVersion {
            throw SQLiteError(extendedCode: 1,
                message: "\(db.path) was written by a newer version of \(application) (schema \(current); this version knows up to \(latestVersion)). Upgrade \(application) to use it.")
        }
        let pending = migrations.filter { $0.version > current }
        guard !pending.isEmpty else { return [] }
        try db.transaction {
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))")
            // Re-check inside the write lock: another process may have migrated meanwhile.
            let now = try currentVersion(of: db)
            for migration in pending where migration.version > now {
                try db.execute(migration.sql)
                try db.run("INSERT INTO schema_migrations(version, name) VALUES (?, ?)", [migration.version, migration.name])
                try db.execute("PRAGMA user_version = \(migration.version)")
            }
        }
        return pending.map(\.version)
    }
}
