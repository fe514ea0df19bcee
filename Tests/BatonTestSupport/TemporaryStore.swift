import Foundation
import Orchestration
import SQLite

/// A real store (`baton.db`, schema migrated) in a temporary folder of its own, removed with the folder.
open class TemporaryStore: TemporaryFolder {
    /// The store, open.
    public let store: OrchestrationStore

    /// The store file's path.
    public var dbPath: String { path("baton.db") }

    /// Creates the folder (`baton-<label>-…`) and an empty store in it.
    public override init(_ label: String) throws {
        let directory = try TemporaryFolder.make(label)
        do {
            store = try OrchestrationStore(path: directory.appendingPathComponent("baton.db").path)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        super.init(adopting: directory)
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
