-- Fragment (included with `-- include _team_flow.sql` after a comma in a WITH): flow_by_team, each team's flow over
-- [:from, :to) as of :as_of, the one definition of arrivals and completions (team_load.sql, and the static site's queue
-- pages through site_flow.sql). Columns: team (the team holding the run at :as_of, its last team once done; '' for
-- none), arrivals (runs whose ready_at falls in the window, known by :as_of, runs skipped by :as_of excluded),
-- completions (runs done in the window by :as_of) and reassignments (runs handed to the team in the window). A team
-- has a row when any of its runs ended since :from, arrived unended in the window, or was handed to it then.
flow AS (
    -- Arrivals and completions in one pass over the runs that ended since :from (a run ends after it becomes
    -- ready, so every ended arrival is among them), read from the ended-runs index; the unary + keeps SQLite from
    -- choosing the ready_at index instead, which would read every row from the table. A run counts for the team
    -- that held it at :as_of (its last team once done), and only once its events have shown it (known_at).
    SELECT coalesce(CASE WHEN done_at <= :as_of OR team_since IS NULL OR team_since <= :as_of THEN team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = step_runs.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END, '') AS team,
           sum(+ready_at >= :from AND +ready_at < :to AND +known_at <= :as_of
               AND NOT (state = 'skipped' AND done_at <= :as_of)) AS arrivals,
           sum(state = 'done' AND done_at < :to AND done_at <= :as_of) AS completions,
           0 AS reassignments
    FROM step_runs WHERE done_at >= :from
    GROUP BY 1
    UNION ALL
    -- Arrivals that have not ended, read from the index of unended runs ("+": not the ready_at index over all history).
    SELECT coalesce(CASE WHEN team_since IS NULL OR team_since <= :as_of THEN team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = step_runs.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END, '') AS team, count(*), 0, 0 FROM step_runs
    WHERE done_at IS NULL AND +ready_at >= :from AND +ready_at < :to AND known_at <= :as_of
    GROUP BY 1
    UNION ALL
    -- Reassignments: runs handed to the team in the window.
    SELECT coalesce(to_team, ''), 0, 0, count(*) FROM step_reassignments
    WHERE at >= :from AND at < :to AND at <= :as_of
    GROUP BY 1
),
flow_by_team AS (SELECT team, sum(arrivals) AS arrivals, sum(completions) AS completions, sum(reassignments) AS reassignments
                 FROM flow GROUP BY team)
