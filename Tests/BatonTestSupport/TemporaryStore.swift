import Foundation
import Orchestration
import SQLite

/// A real store (`baton.db`, schema migrated) in a temporary folder of its own, removed with the folder.
open class TemporaryStore: TemporaryFolder {
    /// The store, open.
    public let store: OrchestrationStore

    /// The store file's path.
    public var dbPath: String { path("baton.db") }

    /// Creates the folder (`baton-<label>-…`) and an empty store in it, or a copy of the store file `copyOf` (one no
    /// connection is writing, its log checkpointed: see `checkpoint()`).
    public init(_ label: String, copyOf source: String? = nil) throws {
        let directory = try TemporaryFolder.make(label)
        do {
            let path = directory.appendingPathComponent("baton.db").path
            if let source { try FileManager.default.copyItem(atPath: source, toPath: path) }
            store = try OrchestrationStore(path: path)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        super.init(adopting: directory)
    }

    /// Moves everything in the write-ahead log into the store file, so that copying the file copies the store.
    public func checkpoint() throws {
        _ = try store.db.scalar("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}

extension Database {
    /// Every row of `tables` (in rowid order) as text, one line a row, for comparing a store before and after:
    /// what a refused or failed command must leave unchanged.
    public func dump(_ tables: [String]) throws -> String {
        try tables.map { table in
            try rows("SELECT * FROM \(table) ORDER BY rowid").map { "\(table):" + $0.values.map(\.description).joined(separator: "|") }
                .joined(separator: "\n")
        }.joined(separator: "\n--\n")
    }
}
