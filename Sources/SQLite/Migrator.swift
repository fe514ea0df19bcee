/// Ordered schema migrations of one owner's tables. The store's own (`track` nil) are versioned in
/// `PRAGMA user_version` and a `schema_migrations` table; every other module's tables in a track of their own
/// (`schema_tracks`), so each module registers the migrations of the tables it owns and applies them where it uses
/// them. A database whose version is newer than the newest migration known here is refused.
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
    /// The module's track (`scheduling`, `alerts`); nil for the store's own tables.
    public let track: String?
    public let migrations: [Migration]

    public init(application: String, track: String? = nil, migrations: [Migration]) {
        self.application = application
        self.track = track
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public static let tracksTable = "CREATE TABLE IF NOT EXISTS schema_tracks(track TEXT PRIMARY KEY, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The schema version recorded in the database (0 for a new file).
    public func currentVersion(of db: Database) throws -> Int {
        guard let track else { return Int(try db.scalar("PRAGMA user_version")?.int ?? 0) }
        guard try db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_tracks'") != nil else { return 0 }
        return Int(try db.scalar("SELECT version FROM schema_tracks WHERE track = ?", [track])?.int ?? 0)
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
            try db.execute(track == nil
                ? "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"
                : Self.tracksTable)
            // Re-check inside the write lock: another process may have migrated meanwhile.
            let now = try currentVersion(of: db)
            for migration in pending where migration.version > now {
                try db.execute(migration.sql)
                if let track {
                    try db.run("INSERT INTO schema_tracks(track, version, name) VALUES (?, ?, ?) ON CONFLICT(track) DO UPDATE SET version = excluded.version, name = excluded.name, applied_at = excluded.applied_at",
                               [track, migration.version, migration.name])
                } else {
                    try db.run("INSERT INTO schema_migrations(version, name) VALUES (?, ?)", [migration.version, migration.name])
                    try db.execute("PRAGMA user_version = \(migration.version)")
                }
            }
        }
        return pending.map(\.version)
    }
}
