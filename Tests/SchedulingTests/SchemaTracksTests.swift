import Foundation
import Orchestration
import Reporting
import Scheduling
import SQLite
import Testing

/// Each module's tables live in a schema track of their own (the store's `schema_tracks`); a store made before the
/// tracks existed had them in the store's own migrations 3 and 7, and must come through with nothing lost.
@Suite struct SchemaTracksTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("baton-tracks-\(UUID().uuidString).db").path

    /// A store as an older Baton left it at `storeVersion`: the store's migrations up to there, plus the module tables
    /// as those versions created them (migration 3: version 1 of each track, migration 7: version 2).
    func legacyStore(storeVersion: Int) throws {
        let db = try Database(path: path)
        let store = OrchestrationStore.schemaMigrations.filter { $0.version <= storeVersion }
        _ = try Migrator(application: "baton", migrations: store).migrate(db)
        for track in [AlertSchema.migrator, SchedulingSchema.migrator] {
            for m in track.migrations where (m.version == 1 && storeVersion >= 3) || (m.version == 2 && storeVersion >= 7) {
                try db.execute(m.sql)
            }
        }
    }

    func tracks(_ db: Database) throws -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: try db.rows("SELECT track, version FROM schema_tracks").map { ($0.string("track")!, $0.int("version")!) })
    }

    func openAll() throws -> OrchestrationStore {
        let store = try OrchestrationStore(existingPath: path)
        for m in [AlertSchema.migrator, SchedulingSchema.migrator] { try m.migrate(store.db) }
        return store
    }

    /// A store from before migration 7 keeps what it reported: those alerts stay old for every output file.
    @Test func aStoreFromSchemaSixKeepsItsAlertsAndRuns() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try legacyStore(storeVersion: 6)
        let db = try Database(path: path)
        try db.run("INSERT INTO reported_alerts(alert_key, kind, first_as_of, last_as_of, first_reported_at) VALUES ('stalled/T/a/1', 'stalled', 10, 20, 30)")
        try db.run("INSERT INTO schedule_runs(definition, kind, period_end, state, started_at) VALUES ('w', 'report', 5, 'done', 1)")
        let store = try OrchestrationStore(existingPath: path)
        #expect(try tracks(store.db) == ["alerts": 1, "scheduling": 1])
        _ = try openAll()
        #expect(try tracks(store.db) == ["alerts": 3, "scheduling": 3])
        let row = try #require(try store.db.rows("SELECT * FROM reported_alerts").first)
        #expect(row.string("alert_key") == "stalled/T/a/1" && row.string("output") == "" && row.int("first_as_of") == 10)
        #expect(try store.db.scalar("SELECT count(*) FROM schedule_runs WHERE error IS NULL")?.int == 1)
        #expect(try store.db.scalar("SELECT count(*) FROM schedule_attempts")?.int == 0)
        #expect(try store.db.scalar("SELECT count(*) FROM teams WHERE roster = 1")?.int == 0)
    }

    /// A store at schema 7 already has every module table in its latest shape: nothing is applied twice.
    @Test func aStoreFromSchemaSevenIsAlreadyCurrent() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try legacyStore(storeVersion: 7)
        let store = try openAll()
        #expect(try tracks(store.db) == ["alerts": 3, "scheduling": 3])
        #expect(try store.db.scalar("PRAGMA user_version")?.int == Int64(OrchestrationStore.schemaVersion))
    }

    /// A store from before the schedule existed, and a new one, get the module tables from their tracks.
    @Test(arguments: [2, nil]) func aStoreWithoutModuleTablesGetsThem(storeVersion: Int?) throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        if let storeVersion { try legacyStore(storeVersion: storeVersion) }
        let store = try OrchestrationStore(path: path)
        #expect(try tracks(store.db).isEmpty)
        #expect(try store.db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'schedule_runs'") == nil)
        _ = try openAll()
        #expect(try tracks(store.db) == ["alerts": 3, "scheduling": 3])
        #expect(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('schedule_runs', 'schedule_attempts', 'reported_alerts')")?.int == 3)
    }
}
