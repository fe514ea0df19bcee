import SQLite

/// The store's tables. Instants are INTEGER Unix seconds, UTC, everywhere (`iso(x)` formats one).
/// `events` is append-only; `tickets`, `step_runs`, `step_pauses` and `ticket_tasks` are projections
/// rebuilt from it by `baton rebuild`.
enum StoreSchema {
    /// Tables an import writes in bulk: their secondary indexes may be dropped for a large load and built again
    /// at its end (one sort instead of millions of random B-tree inserts).
    static let bulkLoadTables = ["events", "tickets", "step_runs", "step_pauses", "step_reassignments"]

    /// Indexes a bulk load keeps. An import writes events ticket by ticket (a staged file is read back ordered by
    /// ticket), so a ticket's keys in the identity index (ticket first) land together, at its right edge when tickets
    /// come in id order as exports and generated logs do: measured at 10 M events, keeping it costs next to nothing
    /// while building it again took 10 s, and it keeps rejecting duplicates as rows arrive. Pauses are written in
    /// run order, so their index only grows at its right edge. With these two (and the PRIMARY KEY and UNIQUE
    /// constraint indexes, which are never dropped) every lookup of a ticket the import replays stays indexed:
    /// its events, its runs (UNIQUE ticket_id, step, attempt) and their pauses.
    ///
    /// Partial indexes that only hold what is open or cancelled stay as well: an import writes each ticket's final
    /// state, so they get few rows, where building one again scans its whole table.
    static let bulkLoadKeptIndexes: Set<String> = ["events_identity", "step_pauses_run", "step_reassignments_run",
                                                  "tickets_open", "tickets_cancelled_at", "step_runs_unended"]

    /// The secondary indexes of `bulkLoadTables` as the store itself defines them (name and `CREATE INDEX` text),
    /// read from `sqlite_master` so they match whatever migrations created and cannot drift from them. Indexes
    /// SQLite makes for PRIMARY KEY and UNIQUE table constraints (no SQL text) stay in place.
    static func secondaryIndexes(_ db: Database) throws -> [(name: String, sql: String)] {
        let tables = bulkLoadTables.map { "'\($0)'" }.joined(separator: ",")
        return try db.rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(tables)) ORDER BY name")
            .compactMap { row in row.string("name").flatMap { name in row.string("sql").map { (name, $0) } } }
    }

    static let migrator = Migrator(application: "baton", migrations: [
        .init(version: 1, name: "orchestration core", sql: """
        CREATE TABLE teams(
            key TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            defined INTEGER NOT NULL DEFAULT 1  -- 0: seen only in an imported log
        );
        CREATE TABLE services(
            key TEXT NOT NULL,
            version INTEGER NOT NULL,
            name TEXT NOT NULL,
            enforce_order INTEGER NOT NULL,
            auto_close INTEGER NOT NULL DEFAULT 1,
            origin TEXT NOT NULL,               -- 'definition' (a JSON file) or 'log' (created by an import)
            definition TEXT NOT NULL,           -- canonical JSON of the definition
            created_at INTEGER NOT NULL,
            PRIMARY KEY(key, version)
        );
        CREATE TABLE service_steps(
            service TEXT NOT NULL,
            version INTEGER NOT NULL,
            position INTEGER NOT NULL,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            team TEXT,
            kind TEXT NOT NULL,
            target_seconds INTEGER,
            PRIMARY KEY(service, version, key),
            FOREIGN KEY(service, version) REFERENCES services(key, version)
        );
        CREATE TABLE events(
            id INTEGER PRIMARY KEY,
            ticket_id TEXT NOT NULL,
            step TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            at INTEGER NOT NULL,
            actor TEXT,
            source TEXT NOT NULL,
            team TEXT,
            task TEXT NOT NULL DEFAULT '',
            note TEXT,
            service TEXT,
            service_version INTEGER,
            payload TEXT                         -- JSON: title, requester, intake (opened events)
        );
        CREATE UNIQUE INDEX events_identity ON events(ticket_id, step, kind, at, task);
        CREATE TABLE tickets(
            id TEXT PRIMARY KEY,
            service TEXT NOT NULL,
            service_version INTEGER NOT NULL,
            requester TEXT,
            title TEXT,
            intake TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL,                 -- open | closed | cancelled
            opened_at INTEGER NOT NULL,
            closed_at INTEGER,
            cancelled_at INTEGER,
            last_event_at INTEGER NOT NULL
        );
        CREATE INDEX tickets_closed ON tickets(closed_at);
        CREATE INDEX tickets_opened ON tickets(opened_at);
        CREATE INDEX tickets_open ON tickets(state) WHERE state = 'open';
        CREATE TABLE step_runs(
            id INTEGER PRIMARY KEY,
            ticket_id TEXT NOT NULL REFERENCES tickets(id),
            service TEXT NOT NULL,
            step TEXT NOT NULL,
            team TEXT,
            position INTEGER,                    -- the step's place in the definition
            attempt INTEGER NOT NULL,
            state TEXT NOT NULL,                 -- waiting | ready | active | paused | done | skipped | cancelled
            ready_at INTEGER,
            started_at INTEGER,
            done_at INTEGER,                     -- when the run ended: completed, skipped or cancelled
            paused_seconds INTEGER NOT NULL DEFAULT 0,
            actor TEXT,
            UNIQUE(ticket_id, step, attempt)
        );
        CREATE INDEX step_runs_done ON step_runs(done_at) WHERE done_at IS NOT NULL;
        CREATE INDEX step_runs_ready ON step_runs(ready_at);
        CREATE INDEX step_runs_open ON step_runs(team, ready_at) WHERE state IN ('ready', 'active', 'paused');
        CREATE TABLE step_pauses(
            run_id INTEGER NOT NULL REFERENCES step_runs(id) ON DELETE CASCADE,
            paused_at INTEGER NOT NULL,
            resumed_at INTEGER
        );
        CREATE INDEX step_pauses_run ON step_pauses(run_id);
        CREATE TABLE ticket_tasks(
            ticket_id TEXT NOT NULL REFERENCES tickets(id),
            step TEXT NOT NULL,
            task TEXT NOT NULL,
            done_at INTEGER NOT NULL,
            actor TEXT,
            PRIMARY KEY(ticket_id, step, task)
        );
        CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        """),
        // Reporting (issue 4). Runs that are open at as_of are found from the runs not ended (step_runs_unended) and
        // those ended after as_of (step_runs_ended), so their cost follows open work, not the length of history.
        // The window scans (runs ended in [from, to), tickets opened/closed/cancelled in it) read covering indexes:
        // rows of a big store are in ticket order, not time order, and reading them one by one costs more than the
        // rest of a report together. step_runs_ended and tickets_*_at replace v1's single-column indexes.
        .init(version: 2, name: "reporting indexes", sql: """
        DROP INDEX IF EXISTS step_runs_done;
        CREATE INDEX step_runs_ended ON step_runs(done_at, state, service, step, team, position, attempt, ready_at, started_at)
            WHERE done_at IS NOT NULL;
        CREATE INDEX step_runs_unended ON step_runs(ready_at) WHERE done_at IS NULL AND ready_at IS NOT NULL;
        DROP INDEX IF EXISTS tickets_closed;
        CREATE INDEX tickets_closed_at ON tickets(closed_at, service, opened_at, id) WHERE closed_at IS NOT NULL;
        DROP INDEX IF EXISTS tickets_opened;
        CREATE INDEX tickets_opened_at ON tickets(opened_at, service);
        CREATE INDEX tickets_cancelled_at ON tickets(cancelled_at, service, opened_at) WHERE cancelled_at IS NOT NULL;
        """),
        // Version 3 also created schedule_runs and reported_alerts; they are now the Scheduling and Alerts modules'
        // tables, in tracks of their own (SchedulingSchema, AlertSchema), and version 8 records where old stores stand.
        .init(version: 3, name: "team start index", sql: """
        -- "When did this team last start a step" without reading the whole history.
        CREATE INDEX step_runs_team_started ON step_runs(team, started_at) WHERE started_at IS NOT NULL;
        """),
        .init(version: 4, name: "import history", sql: """
        -- One row per import run to its end (a dry run or a failed import leaves none): the file, what it
        -- brought and how long it took. Events it added carry source 'import:<id>' (a short label instead of the
        -- file name on every row; events of earlier versions keep 'import:<file name>').
        CREATE TABLE imports(
            id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,                  -- as given on the command line, or 'standard input'
            format TEXT NOT NULL,                -- csv | jsonl | xes
            profile TEXT,                        -- the status-change profile's name, when one was used
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            rows_read INTEGER,
            tickets_new INTEGER,
            tickets_updated INTEGER,
            events_added INTEGER,
            duplicates INTEGER,
            rejected INTEGER,
            seconds REAL
        );
        """),
        // The same index with its condition written as ORs: SQLite evaluates a partial index's `IN (list)` by
        // building a lookup table for every row it checks, which made this tiny index cost 0.1 s to build over
        // 400k runs and 0.4 s to keep during a 1M-event import; the ORs cost next to nothing. Queries that want it
        // spell the condition the same way (SQLite matches a partial index's condition by its form).
        .init(version: 5, name: "open runs index without IN", sql: """
        DROP INDEX IF EXISTS step_runs_open;
        CREATE INDEX step_runs_open ON step_runs(team, ready_at) WHERE state = 'ready' OR state = 'active' OR state = 'paused';
        """),
        // Imported history as the source meant it (issue 11). known_at: when a run became open work as its events
        // tell; a run whose ready instant is derived from an earlier step (a log-made service) is revealed only by
        // its own first event, so a report as of an earlier instant must not see it. Reassignments: a run's team
        // changes mid-run; `team` is the current one, step_reassignments the history, team_since the last change
        // (so "the team at as_of" costs a lookup only for runs reassigned after as_of). Stores made by an earlier
        // version take known_at = ready_at; 'baton rebuild' derives both from the events.
        .init(version: 6, name: "known_at and reassignments", sql: """
        ALTER TABLE step_runs ADD COLUMN known_at INTEGER;
        ALTER TABLE step_runs ADD COLUMN reassignments INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE step_runs ADD COLUMN team_since INTEGER;
        UPDATE step_runs SET known_at = ready_at;
        CREATE TABLE step_reassignments(
            run_id INTEGER NOT NULL REFERENCES step_runs(id) ON DELETE CASCADE,
            at INTEGER NOT NULL,
            from_team TEXT,
            to_team TEXT NOT NULL
        );
        CREATE INDEX step_reassignments_run ON step_reassignments(run_id);
        DROP INDEX IF EXISTS step_runs_unended;
        CREATE INDEX step_runs_unended ON step_runs(known_at) WHERE done_at IS NULL AND known_at IS NOT NULL;
        DROP INDEX IF EXISTS step_runs_open;
        CREATE INDEX step_runs_open ON step_runs(team, known_at) WHERE state = 'ready' OR state = 'active' OR state = 'paused';
        -- The window scans read the new columns too: keep the ended-runs index covering.
        DROP INDEX IF EXISTS step_runs_ended;
        CREATE INDEX step_runs_ended ON step_runs(done_at, state, service, step, team, position, attempt, ready_at, started_at,
                                                  known_at, team_since, reassignments)
            WHERE done_at IS NOT NULL;
        """),
        // teams.roster: 1 for a team declared by 'baton team apply' (the roster). When any team is on the roster,
        // open work of a team outside it is unowned; with no roster only work with no team is.
        .init(version: 7, name: "team roster", sql: """
        ALTER TABLE teams ADD COLUMN roster INTEGER NOT NULL DEFAULT 0;
        """),
        // Each module's tables in a track of its own. A store from before knows them by the store's version: seed the
        // tracks from the tables that exist (version 1: as schema 3 made them, 2: as schema 7 changed them).
        .init(version: 8, name: "module schema tracks", sql: Migrator.tracksTable + """
        ;
        INSERT OR IGNORE INTO schema_tracks(track, version, name)
            SELECT 'scheduling', CASE WHEN EXISTS(SELECT 1 FROM sqlite_master WHERE name = 'schedule_attempts') THEN 2 ELSE 1 END,
                   'from store schema ' || (SELECT max(version) FROM schema_migrations)
            WHERE EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedule_runs');
        INSERT OR IGNORE INTO schema_tracks(track, version, name)
            SELECT 'alerts', CASE WHEN EXISTS(SELECT 1 FROM pragma_table_info('reported_alerts') WHERE name = 'output') THEN 2 ELSE 1 END,
                   'from store schema ' || (SELECT max(version) FROM schema_migrations)
            WHERE EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reported_alerts');
        """),
        // Business calendars (issue 14): versioned like services; a team's and a step's calendar by key.
        .init(version: 9, name: "calendars", sql: """
        CREATE TABLE calendars(
            key TEXT NOT NULL,
            version INTEGER NOT NULL,
            name TEXT NOT NULL,
            definition TEXT NOT NULL,            -- the canonical JSON of the calendar file
            created_at INTEGER NOT NULL,
            PRIMARY KEY(key, version)
        );
        ALTER TABLE teams ADD COLUMN calendar TEXT;
        ALTER TABLE service_steps ADD COLUMN calendar TEXT;
        """),
        // The ticket's service version on each run, so the reports read a completed run's calendar and target (the
        // service version's) from the ended-runs index alone, without a lookup of its ticket (issue 14).
        .init(version: 10, name: "service version on step runs", sql: """
        ALTER TABLE step_runs ADD COLUMN service_version INTEGER;
        UPDATE step_runs SET service_version = (SELECT t.service_version FROM tickets t WHERE t.id = step_runs.ticket_id);
        DROP INDEX IF EXISTS step_runs_ended;
        CREATE INDEX step_runs_ended ON step_runs(done_at, state, service, step, team, position, attempt, ready_at, started_at,
                                                  known_at, team_since, reassignments, service_version, paused_seconds)
            WHERE done_at IS NOT NULL;
        """),
    ])
}
