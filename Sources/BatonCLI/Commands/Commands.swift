import BatonCore
import Foundation
import Orchestration
import Reporting
import Scheduling
import SQLite

/// The command tree. Each command group lives in its own file as a `CommandSpec`.
enum Commands {
    static var root: CommandSpec {
        CommandSpec(
            name: "baton",
            abstract: "Orchestrate internal services, record every step, and report on the flow.",
            discussion: """
            Baton records tickets moving through services' steps in a SQLite store, and computes cycle times,
            stalled steps, team load and automation readiness as HTML, CSV and XLSX reports.
            """,
            subcommands: [
                StoreCommands.initialize, ServiceCommands.group, TeamCommands.group, CalendarCommands.group, TicketCommands.group, StepCommands.group,
                StepCommands.task, ViewCommands.queue, ViewCommands.open, StoreCommands.rebuild,
            ] + extensions,
            sections: [("EXIT STATUS", "0 success, 1 failure (the store is unchanged), 64 usage error."),
                       ("ENVIRONMENT", """
                        BATON_DB       the store when --db is not given (default ./baton.db).
                        BATON_ACTOR    who records events when --by is not given (else $USER, else the login name).
                        BATON_QUERIES  a folder of queries, after ./queries (see 'baton help query').
                        BATON_REPORTS  a folder of report definitions, after ./reports.
                        """)])
    }

    /// Command groups added by the import, reporting and scheduling layers.
    static var extensions: [CommandSpec] {
        ImportCommands.all + [ReportCommands.query, ReportCommands.report, AlertsCommand.command, ScheduleCommands.group, SiteCommands.command,
                              RenderBenchCommand.spec, ToolCommands.version, ToolCommands.completions, ToolCommands.complete,
                              ToolCommands.manual]
    }
}

/// Helpers shared by commands.
enum CommandSupport {
    /// Opens an existing store (or explains how to create one).
    static func store(_ inv: Invocation) throws -> OrchestrationStore {
        try withModuleTables(OrchestrationStore(existingPath: inv.databasePath))
    }

    /// Opens the store at `path`, creating it when missing.
    static func createStore(_ path: String) throws -> OrchestrationStore {
        try withModuleTables(OrchestrationStore(path: path))
    }

    /// Another connection to `store`'s file, for a report's second thread (`ReportEngine.secondConnection`).
    static func secondConnection(to store: OrchestrationStore) -> @Sendable () throws -> OrchestrationStore {
        let path = store.db.path
        return { try OrchestrationStore(existingPath: path) }
    }

    /// Every module's tables up to date, so a command that fails part way finds them as any other command left them.
    private static func withModuleTables(_ store: OrchestrationStore) throws -> OrchestrationStore {
        for migrator in [AlertSchema.migrator, SchedulingSchema.migrator] { try migrator.migrate(store.db) }
        return store
    }

    /// Parses an instant option such as `--at`; nil when absent.
    static func instant(_ inv: Invocation, _ name: String) throws -> Int64? {
        guard let text = inv.value(name) else { return nil }
        guard let t = Instant.parse(text) else {
            throw inv.usageError("--\(name) '\(text)' is not an ISO 8601 date-time (e.g. 2026-03-02T09:15:00Z or 2026-03-02T10:15:00+01:00)")
        }
        return t
    }

    /// An instant for recording what happened: parsed like `instant`, and not in the future (a day of clock skew allowed).
    static func eventInstant(_ inv: Invocation, _ name: String = "at") throws -> Int64 {
        let now = Instant.now()
        guard let t = try instant(inv, name) else { return now }
        if t > now + 86_400 {
            throw inv.usageError("--\(name) \(Instant.iso(t)) is in the future; record events when they happen")
        }
        return t
    }

    /// `--limit N`: a positive whole number, `fallback` when absent.
    static func limit(_ inv: Invocation, fallback: Int = 50) throws -> Int {
        guard let text = inv.value("limit") else { return fallback }
        guard let n = Int(text), n > 0 else { throw inv.usageError("--limit must be a positive whole number, not '\(text)'") }
        return n
    }

    /// `key=value` pairs from a repeatable option.
    static func pairs(_ inv: Invocation, _ name: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in inv.all(name) {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw inv.usageError("--\(name) '\(item)' must be key=value")
            }
            result[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return result
    }

    /// Refuses two files of one apply that declare the same key (which one would win is nobody's guess).
    static func refuseDuplicateKeys(_ files: [String], _ keys: [String], kind: String) throws {
        var seen: [String: String] = [:]
        for (file, key) in zip(files, keys) {
            if let first = seen[key] { throw InputError(file: file, field: "key", "\(kind) '\(key)' is also in \(first)") }
            seen[key] = file
        }
    }

    /// `apply FILE…`, the one way for every kind of definition: every file is loaded and checked (`uniqueKeys`: two
    /// files may not declare the same key; then `check`) before any is stored, all or nothing; then each is stored
    /// in one transaction and the line `apply` returns for it is printed.
    static func applyFiles<Definition>(
        _ inv: Invocation, load: (String) throws -> Definition,
        uniqueKeys: (kind: String, key: KeyPath<Definition, String>)? = nil,
        check: (OrchestrationStore, [(file: String, definition: Definition)]) throws -> Void = { _, _ in },
        apply: (OrchestrationStore, _ file: String, Definition) throws -> String
    ) throws -> Int32 {
        let store = try store(inv)
        let files = try inv.arguments.map { (file: $0, definition: try load($0)) }
        if let uniqueKeys {
            try refuseDuplicateKeys(inv.arguments, files.map { $0.definition[keyPath: uniqueKeys.key] }, kind: uniqueKeys.kind)
        }
        try check(store, files)
        try store.db.transaction {
            for (file, definition) in files { inv.out.line(try apply(store, file, definition)) }
        }
        return 0
    }

    /// `list`, `queue` and the other commands that print rows from the store: `--format` is read first (a usage
    /// error comes before the store is opened), then `rows` runs.
    static func printRows(_ inv: Invocation, columns: [String]? = nil, _ rows: () throws -> [Row]) throws -> Int32 {
        let format = try RowFormat.from(inv)
        RowPrinter.print(try rows(), columns: columns, format: format, to: inv.out)
        return 0
    }

    /// The line `baton service apply` and `baton calendar apply` print for each definition.
    static func applied(_ key: String, _ outcome: OrchestrationStore.ApplyOutcome, from file: String) -> String {
        switch outcome {
        case .created(let v): return "\(key): created (version \(v)) from \(file)"
        case .updated(let v): return "\(key): changed, now version \(v)"
        case .unchanged(let v): return "\(key): unchanged (version \(v))"
        }
    }

    /// Repeated `--NAME key=value` options in the order given (a key may repeat: the last wins where it matters).
    static func pairList(_ inv: Invocation, _ name: String) throws -> [(String, String)] {
        try inv.all(name).map { item in
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex, item.index(after: eq) != item.endIndex else {
                throw inv.usageError("--\(name) '\(item)' must be KEY=VALUE")
            }
            return (String(item[..<eq]), String(item[item.index(after: eq)...]))
        }
    }

    /// Who records an event: `--by`, else `$BATON_ACTOR`, else `$USER`, else `$LOGNAME`, else the login name of the
    /// process's user (cron and containers often set no `$USER`), so an event is never recorded as by `unknown`
    /// while the system knows who ran it. Empty values count as absent.
    static func actor(_ inv: Invocation) -> String {
        let given = [inv.value("by"), inv.context.environment["BATON_ACTOR"], inv.context.environment["USER"],
                     inv.context.environment["LOGNAME"]]
        if let name = given.compactMap({ $0 }).first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) { return name }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name, !String(cString: name).isEmpty {
            return String(cString: name)
        }
        return "uid \(getuid())"
    }
}
