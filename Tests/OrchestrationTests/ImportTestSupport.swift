import BatonCore
import BatonTestSupport
import Foundation
import Testing
@testable import Orchestration
import SQLite

/// A fresh store in a temporary folder for import tests, with helpers to write fixtures and fingerprint the store.
final class ImportFixture: TemporaryStore {
    init() throws { try super.init("import") }

    /// A fixture of its own whose store is a copy of the store file `dbPath`.
    init(copyOf dbPath: String) throws { try super.init("import", copyOf: dbPath) }

    /// A copy of the BPIC 2013 import (`SharedImports.bpic2013`), and its summary.
    static func copyOfBPIC2013() throws -> (ImportFixture, ImportSummary) {
        let shared = try #require(SharedImports.bpic2013).get()
        return (try ImportFixture(copyOf: shared.dbPath), shared.summary)
    }

    /// Imports a file; the summary, or the error thrown.
    @discardableResult
    func importFile(_ file: String, format: ImportFormat? = nil, profile: ImportProfile? = nil, skipBad: String? = nil,
                    dryRun: Bool = false, timezone: String? = nil, writerThread: Bool = true,
                    sortRunRows: Int = StagedRowSorter.defaultRunRows) throws -> ImportSummary {
        let source = try ByteSource(path: file)
        var options = EventLogImporter.Options(format: format ?? ImportFormat.from(path: file) ?? .csv, profile: profile)
        options.skipBadPath = skipBad
        options.dryRun = dryRun
        options.timezone = timezone
        options.writerThread = writerThread
        options.sortRunRows = sortRunRows
        return try EventLogImporter(store: store).run(source, options: options)
    }

    func count(_ sql: String) throws -> Int64 { try store.db.scalar(sql)?.int ?? -1 }

    /// Everything an import can change, as text: events, tickets, step runs, pauses, services.
    func fingerprint() throws -> String {
        var out = ""
        for (sql, label) in [
            ("SELECT ticket_id, step, kind, at, actor, team, task FROM events ORDER BY ticket_id, at, step, kind", "events"),
            ("SELECT id, service, service_version, state, opened_at, closed_at, cancelled_at, last_event_at FROM tickets ORDER BY id", "tickets"),
            ("SELECT ticket_id, step, team, attempt, state, ready_at, started_at, done_at, paused_seconds FROM step_runs ORDER BY ticket_id, step, attempt", "runs"),
            ("SELECT r.ticket_id, r.step, r.attempt, p.paused_at, p.resumed_at FROM step_pauses p JOIN step_runs r ON r.id = p.run_id ORDER BY 1, 2, 3, 4", "pauses"),
            ("SELECT key, version, origin, definition FROM services ORDER BY key, version", "services"),
        ] {
            out += "[\(label)]\n"
            for row in try store.db.rows(sql) { out += row.values.map { "\($0)" }.joined(separator: "|") + "\n" }
        }
        return out
    }

    /// Projections only (tickets, runs, pauses) without row ids, for comparing two stores.
    func projections() throws -> String {
        let full = try fingerprint()
        guard let start = full.range(of: "[tickets]"), let end = full.range(of: "[services]") else { return full }
        return String(full[start.lowerBound..<end.lowerBound])
    }

    func run(_ ticket: String, _ step: String, attempt: Int = 1) throws -> Row? {
        try store.db.rows("SELECT * FROM step_runs WHERE ticket_id = ? AND step = ? AND attempt = ?", [ticket, step, attempt]).first
    }

    static func t(_ iso: String) -> Int64 { Instant.parse(iso)! }

    /// A fixture file of this target's `Fixtures/` folder (logs too long to read well inline).
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// Copies fixture `name` into this fixture's folder, under the same name; the copy's path.
    func copy(fixture name: String) throws -> String {
        try FileManager.default.copyItem(atPath: Self.fixture(name), toPath: path(name))
        return path(name)
    }
}
