import SQLite

/// The alerts' memory, in its own schema track: `reported_alerts`, every alert reported to each output file, so
/// an alert says `new` only the first time that file shows it. Applied by the alert engine before it reads or
/// writes it.
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
    ])
}
