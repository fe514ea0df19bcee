import SQLite

/// The alerts' memory, in its own schema track: `reported_alerts`, every alert reported to each output file, so
/// an alert says `new` only the first time that file shows it; and the cache of completed runs per day and hour
/// (`CompletedRunCache`). Applied by the alert engine before it reads or writes them.
public enum AlertSchema {
    public static let migrator = Migrator(application: "baton", track: "alerts", migrations: [
        .init(version: 1, name: "reported alerts", sql: """
        -- Every alert ever reported, so an alert says `new` only the first time.
        -- first_as_of is the earliest as_of that reported it, so re-running an as_of gives the same answer.
        CREATE TABLE reported_alerts(
            alert_key TEXT PRIMARY KEY,          -- kind/ticket/step/ready_at, or unwatched/team/last-start
            kind TEXT NOT NULL,                  -- stalled | unowned | unwatched
            ticket_id TEXT,
            step TEXT,
            team TEXT,
            first_as_of INTEGER NOT NULL,
            last_as_of INTEGER NOT NULL,
            first_reported_at INTEGER NOT NULL
        );
        """),
        // Memory per output file: an alert is new in a file until an earlier as_of wrote it to that file, so a look
        // by hand never silences the cron run. Rows from before keep output '' (they count for every file).
        .init(version: 2, name: "alert memory per output", sql: """
        CREATE TABLE reported_alerts_v7(
            alert_key TEXT NOT NULL,             -- kind/ticket/step/ready_at, or unwatched/team/last-start
            output TEXT NOT NULL DEFAULT '',     -- the file it was written to (absolute path); '' before version 7
            kind TEXT NOT NULL,                  -- stalled | unowned | unwatched | handoff
            ticket_id TEXT,
            step TEXT,
            team TEXT,
            first_as_of INTEGER NOT NULL,
            last_as_of INTEGER NOT NULL,
            first_reported_at INTEGER NOT NULL,
            PRIMARY KEY(alert_key, output)
        );
        INSERT INTO reported_alerts_v7(alert_key, output, kind, ticket_id, step, team, first_as_of, last_as_of, first_reported_at)
            SELECT alert_key, '', kind, ticket_id, step, team, first_as_of, last_as_of, first_reported_at FROM reported_alerts;
        DROP TABLE reported_alerts;
        ALTER TABLE reported_alerts_v7 RENAME TO reported_alerts;
        """),
        // The completed runs of whole UTC days and hours, so an alert run reads the stall window's percentiles and the
        // target attainment from them instead of every run of the last 90 days (CompletedRunCache keeps them exact).
        .init(version: 3, name: "completed runs per day and hour", sql: """
        CREATE TABLE alert_completed_spans(
            start INTEGER NOT NULL,              -- the span [start, start + seconds) of done_at: a UTC day or hour
            seconds INTEGER NOT NULL,            -- 86400 or 3600
            service TEXT NOT NULL,
            step TEXT NOT NULL,
            team TEXT NOT NULL,                  -- the team that completed the runs, '' for none
            runs INTEGER NOT NULL,               -- completed runs
            target_runs INTEGER NOT NULL,        -- of them, runs whose step has a target
            met INTEGER NOT NULL,                -- of those, runs within the target
            hours BLOB NOT NULL,                 -- working hours in step, sorted, as order keys of 8 bytes (OrderKey)
            PRIMARY KEY(start, seconds, service, step, team)
        );
        -- The spans alert_completed_spans holds in full (with or without runs).
        CREATE TABLE alert_cached_spans(start INTEGER NOT NULL, seconds INTEGER NOT NULL, PRIMARY KEY(start, seconds));
        -- What the cached spans were computed from: the last event then, and a digest of the service-level settings.
        CREATE TABLE alert_cache_state(id INTEGER PRIMARY KEY CHECK (id = 1), through_event INTEGER NOT NULL, settings TEXT NOT NULL);
        """),
    ])
}
