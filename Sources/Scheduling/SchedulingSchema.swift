import SQLite

/// The scheduler's tables, in its own schema track: `schedule_runs` (one row per definition and period: the claim
/// that makes each period run exactly once), `schedule_attempts` (every attempt at a period, its end and error) and
/// `schedule_mail` (each period's e-mail and its hand-off).
/// Applied by the runner and the history before they read or write them.
public enum SchedulingSchema {
    public static let migrator = Migrator(application: "baton", track: "scheduling", migrations: [
        .init(version: 1, name: "schedule run history", sql: """
        -- One row per (definition, period): the claim that makes each scheduled period run exactly once.
        -- state 'running' with a dead pid (or older than the stale timeout) is retried by the next run.
        CREATE TABLE schedule_runs(
            id INTEGER PRIMARY KEY,
            definition TEXT NOT NULL,            -- report or alert definition name (file stem in reports/)
            kind TEXT NOT NULL,                  -- report | alerts
            period_start INTEGER,                -- the period [period_start, period_end): previous fire time
            period_end INTEGER NOT NULL,         -- the fire time; also the run's as_of
            state TEXT NOT NULL,                 -- running | done
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            pid INTEGER,
            host TEXT,
            attempts INTEGER NOT NULL DEFAULT 1,
            outcome TEXT,                        -- a one-line summary
            outputs TEXT,                        -- JSON array of the paths written
            UNIQUE(definition, period_end)
        );
        """),
        // schedule_runs.error is the last attempt's error (state 'failed' until a retry succeeds).
        .init(version: 2, name: "schedule attempts", sql: """
        ALTER TABLE schedule_runs ADD COLUMN error TEXT;
        CREATE TABLE schedule_attempts(
            id INTEGER PRIMARY KEY,
            definition TEXT NOT NULL,
            period_end INTEGER NOT NULL,
            attempt INTEGER NOT NULL,            -- 1, 2, … for the period
            state TEXT NOT NULL,                 -- running | done | failed | killed (its process died)
            started_at INTEGER NOT NULL,
            finished_at INTEGER,                 -- killed: when a later run found its process gone
            pid INTEGER,
            host TEXT,
            error TEXT,
            UNIQUE(definition, period_end, attempt)
        );
        """),
        // The e-mail of a generated period, handed off after the period is recorded; a failed hand-off stays
        // 'pending' and is retried by the next run, from the same message file (the report is not run again).
        .init(version: 3, name: "schedule mail", sql: """
        CREATE TABLE schedule_mail(
            id INTEGER PRIMARY KEY,
            definition TEXT NOT NULL,
            period_end INTEGER NOT NULL,
            message TEXT NOT NULL,               -- path of the message file (in the report's folder)
            state TEXT NOT NULL,                 -- pending | sent
            attempts INTEGER NOT NULL DEFAULT 0, -- hand-offs tried
            queued_at INTEGER NOT NULL,
            last_attempt_at INTEGER,
            sent_at INTEGER,
            error TEXT,                          -- the last failed hand-off's error
            UNIQUE(definition, period_end)
        );
        """),
    ])
}
