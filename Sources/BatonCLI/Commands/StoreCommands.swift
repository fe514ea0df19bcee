import Foundation
import Orchestration

enum StoreCommands {
    static let initialize = CommandSpec(
        name: "init",
        abstract: "Create a store, or upgrade an existing one to this version's schema.",
        discussion: "The store is --db PATH, else $BATON_DB, else ./baton.db. Running it again is safe.",
        run: { inv in
            let path = inv.databasePath
            let existed = FileManager.default.fileExists(atPath: path)
            _ = try CommandSupport.createStore(path)
            inv.out.line(existed ? "Store \(path) is ready (schema \(OrchestrationStore.schemaVersion))."
                                 : "Created store \(path) (schema \(OrchestrationStore.schemaVersion)).")
            return 0
        })

    static let rebuild = CommandSpec(
        name: "rebuild",
        abstract: "Rebuild tickets and step runs from the events table alone.",
        discussion: "The projections (tickets, step_runs, step_pauses, ticket_tasks) are derived data; this replays every event in one transaction.",
        run: { inv in
            let store = try CommandSupport.store(inv)
            let started = Date()
            let (tickets, events) = try store.rebuild()
            inv.out.line("Rebuilt \(tickets) tickets from \(events) events in \(String(format: "%.1f", Date().timeIntervalSince(started))) s.")
            return 0
        })
}
