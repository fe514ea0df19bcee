import BatonTestSupport
import Foundation
import Testing
@testable import SQLite

@Suite struct DatabaseTests {
    let directory: URL
    let db: Database

    init() throws {
        directory = try TemporaryFolder.make("sqlite")
        db = try Database(path: directory.appendingPathComponent("t.db").path)
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL, data BLOB)")
    }

    @Test func opensInWALModeWithForeignKeys() throws {
        #expect(try db.scalar("PRAGMA journal_mode")?.string == "wal")
        #expect(try db.scalar("PRAGMA foreign_keys")?.int == 1)
        #expect(try db.scalar("PRAGMA synchronous")?.int == 1)  // NORMAL
    }

    /// `textEquals` against String equality of the value read, for each kind of column value.
    @Test(arguments: [("'team'", "team", true), ("'team'", "tea", false), ("'tea'", "team", false), ("''", "", true),
                      ("NULL", "", false), ("7", "7", false), ("'😀 é'", "😀 é", true), ("'😀 é'", "😀 e", false),
                      ("x'74'", "t", false)])
    func textEqualsComparesInPlace(sql: String, text: String, equal: Bool) throws {
        let statement = try db.prepare("SELECT \(sql)")
        #expect(try statement.step())
        #expect(statement.textEquals(at: 0, text) == equal)
        #expect(equal == (statement.value(at: 0) == .text(text)))
    }

    @Test func bindsAndReadsEveryType() throws {
        let hostile = "'; DROP TABLE t; -- \"<script>\" 😀 \u{202E}rtl\n"
        try db.run("INSERT INTO t(name, score, data) VALUES (?, ?, ?)", [hostile, 2.5, SQLValue.blob([0, 1, 255])])
        let row = try #require(try db.rows("SELECT * FROM t").first)
        #expect(row.string("name") == hostile)
        #expect(row.double("score") == 2.5)
        #expect(row["data"] == .blob([0, 1, 255]))
        #expect(row["missing"] == .null)
    }

    @Test func namedParameters() throws {
        let s = try db.prepare("SELECT :a + :b")
        try s.bind(named: ["a": .integer(2), ":b": .integer(3)])
        #expect(try s.step())
        #expect(s.value(at: 0) == .integer(5))
        #expect(s.parameterNames == [":a", ":b"])
    }

    @Test func missingNamedParameterIsAnError() throws {
        let s = try db.prepare("SELECT :a + :b")
        #expect(throws: SQLiteError.self) { try s.bind(named: ["a": .integer(2)]) }
    }

    @Test func aSecondStatementIsRefusedNotIgnored() throws {
        #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1; DELETE FROM t") }
        _ = try db.prepare("SELECT 1; -- a trailing comment\n  ")
    }

    @Test func cachedStatementsAreReused() throws {
        let a = try db.cached("SELECT 1")
        let b = try db.cached("SELECT 1")
        #expect(a === b)
    }

    @Test func transactionRollsBackOnThrow() throws {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.run("INSERT INTO t(name) VALUES ('a')")
                throw Boom()
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t")?.int == 0)
        #expect(!db.isInTransaction)
    }

    @Test func nestedTransactionUsesASavepoint() throws {
        struct Boom: Error {}
        try db.transaction {
            try db.run("INSERT INTO t(name) VALUES ('outer')")
            try? db.transaction {
                try db.run("INSERT INTO t(name) VALUES ('inner')")
                throw Boom()
            }
        }
        #expect(try db.rows("SELECT name FROM t").map { $0.string("name") } == ["outer"])
    }

    @Test func errorsCarryExtendedCodeMessageAndSQL() throws {
        try db.run("INSERT INTO t(name) VALUES ('x')")
        do {
            try db.run("INSERT INTO t(name) VALUES ('x')")
            Issue.record("expected a constraint error")
        } catch let error as SQLiteError {
            #expect(error.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
            #expect(error.isConstraint)
            #expect(error.message.contains("UNIQUE"))
            #expect(error.sql == "INSERT INTO t(name) VALUES ('x')")
        }
        #expect(throws: SQLiteError.self) { try db.execute("SELEC 1") }
    }

    @Test func migratorAppliesOnceAndRefusesNewerStores() throws {
        let v1 = Migrator(application: "app", migrations: [.init(version: 1, name: "one", sql: "CREATE TABLE m1(x)")])
        #expect(try v1.migrate(db) == [1])
        #expect(try v1.migrate(db) == [])
        let v2 = Migrator(application: "app", migrations: v1.migrations + [.init(version: 2, name: "two", sql: "CREATE TABLE m2(x)")])
        #expect(try v2.migrate(db) == [2])
        #expect(try db.scalar("SELECT count(*) FROM schema_migrations")?.int == 2)
        do {
            try v1.migrate(db)
            Issue.record("an older migrator must refuse a newer store")
        } catch let error as SQLiteError {
            #expect(error.message.contains("newer version"))
        }
    }

    @Test func failedMigrationLeavesTheVersion() throws {
        let bad = Migrator(application: "app", migrations: [.init(version: 1, name: "bad", sql: "CREATE TABLE ok(x); CREATE TABLE ok(x);")])
        #expect(throws: SQLiteError.self) { try bad.migrate(db) }
        #expect(try bad.currentVersion(of: db) == 0)
        #expect(try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'ok'")?.int == 0)
    }

    /// The hot-loop binding API: text copied into the statement's own chunks (bound without SQLite copying it),
    /// across chunk boundaries and for values larger than a chunk, NULLs, and rows run one after another.
    @Test func bulkBindingKeepsEveryValueUntilTheRowRuns() throws {
        try db.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, a TEXT, n INTEGER, c TEXT)")
        let insert = try db.prepare("INSERT INTO b(id, a, n, c) VALUES (?, ?, ?, ?)")
        let big = String(repeating: "é😀x", count: 40_000)   // 280,000 bytes: more than one chunk
        var expected: [(Int64, String?, Int64?, String?)] = []
        for i in 0..<3000 {
            let a: String? = i % 7 == 0 ? nil : (i == 1234 ? big : String(repeating: "ab", count: i % 300) + "#\(i)")
            let n: Int64? = i % 5 == 0 ? nil : Int64(i) * 1_000_000_007
            let c: String? = i % 3 == 0 ? "" : "row \(i) 'quoted' \u{202E}"
            try insert.bindInteger(Int64(i), at: 1)
            try insert.bindText(a, at: 2)
            try insert.bindInteger(n, at: 3)
            try insert.bindText(c, at: 4)
            try insert.execute()
            expected.append((Int64(i), a, n, c))
        }
        let rows = try db.rows("SELECT id, a, n, c FROM b ORDER BY id")
        #expect(rows.count == expected.count)
        for (row, e) in zip(rows, expected) {
            #expect(row.int("id") == e.0 && row.string("a") == e.1 && row.int("n") == e.2 && row.string("c") == e.3, "row \(e.0)")
        }
        // A constraint error surfaces from execute(), and the statement is usable afterwards.
        try insert.bindInteger(1, at: 1); try insert.bindText("x", at: 2); try insert.bindInteger(nil, at: 3); try insert.bindText(nil, at: 4)
        #expect(throws: SQLiteError.self) { try insert.execute() }
        try insert.bindInteger(5000, at: 1); try insert.bindText("y", at: 2); try insert.bindInteger(1, at: 3); try insert.bindText("z", at: 4)
        try insert.execute()
        #expect(try db.scalar("SELECT a || c FROM b WHERE id = 5000")?.string == "yz")
    }
}
