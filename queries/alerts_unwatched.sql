-- Unwatched queues at :as_of: a team whose oldest ready step run has waited at least :unwatched_days days
-- and which has started no step in the :unwatched_days days before :as_of. One row per team, naming its
-- oldest ready run. Used by 'baton alerts'.
--
-- param :unwatched_days = 3
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
, oldest_ready AS (
    SELECT o.*, row_number() OVER (PARTITION BY o.team ORDER BY o.ready_at, o.ticket_id, o.step, o.attempt) AS rank
    FROM open_runs o
    WHERE o.state = 'ready' AND o.team IS NOT NULL
),
queues AS (
    SELECT q.*, (SELECT max(s.started_at) FROM step_runs s WHERE s.team = q.team AND s.started_at <= :as_of) AS last_started_at
    FROM oldest_ready q
    WHERE q.rank = 1 AND q.ready_at <= :as_of - :unwatched_days * 86400
)
SELECT 'unwatched' AS kind, q.ticket_id, q.service, q.step, q.team, q.attempt, q.state, q.ready_at,
       (:as_of - q.ready_at) / 3600.0 AS age_hours,
       (:as_of - q.ready_at - q.paused_seconds) / 3600.0 AS active_age_hours,
       :unwatched_days * 24.0 AS threshold_hours,
       'unwatched-days' AS source,
       q.last_started_at
FROM queues q
WHERE q.last_started_at IS NULL OR q.last_started_at < :as_of - :unwatched_days * 86400
ORDER BY q.team;
