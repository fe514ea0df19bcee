-- Open work per team at :as_of, for the alert file's gauges (open runs by state, oldest ready instant).
-- Open step runs at :as_of (ready, active or paused then). Read from the open-work index and the runs that
-- finished after :as_of only, so the cost follows the open work, not the length of the history.
WITH candidates AS (
    SELECT id FROM step_runs INDEXED BY step_runs_open  -- the open runs only, whatever the store's statistics say
    WHERE (state = 'ready' OR state = 'active' OR state = 'paused') AND known_at <= :as_of  -- the index's condition, spelled as it is
    UNION
    SELECT id FROM step_runs WHERE done_at > :as_of AND +known_at <= :as_of  -- "+": use the done_at index, not known_at (all history)
),
open_runs AS (
    SELECT r.id, r.ticket_id, r.service, t.service_version, r.step,
           nullif(CASE WHEN r.team_since IS NULL OR r.team_since <= :as_of THEN r.team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = r.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END, '') AS team, r.attempt, r.ready_at,
           coalesce((SELECT sum(min(coalesce(p.resumed_at, :as_of), :as_of) - p.paused_at)
                     FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of), 0) AS paused_seconds,
           CASE WHEN EXISTS (SELECT 1 FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of
                             AND (p.resumed_at IS NULL OR p.resumed_at > :as_of)) THEN 'paused'
                WHEN r.started_at <= :as_of THEN 'active'
                ELSE 'ready' END AS state
    FROM candidates c
    JOIN step_runs r ON r.id = c.id
    JOIN tickets t ON t.id = r.ticket_id
    WHERE t.opened_at <= :as_of
)
SELECT coalesce(o.team, '') AS team, count(*) AS open_runs,
       sum(o.state = 'ready') AS ready, sum(o.state = 'active') AS active, sum(o.state = 'paused') AS paused,
       min(o.ready_at) AS oldest_ready_at
FROM open_runs o
GROUP BY coalesce(o.team, '')
ORDER BY 1;
