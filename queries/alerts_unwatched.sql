-- Unwatched queues at :as_of: a team whose oldest ready step run has waited at least :unwatched_days days
-- and which has started no step in the :unwatched_days days before :as_of. One row per team, naming its
-- oldest ready run. Used by 'baton alerts'.
--
-- param :unwatched_days = 3
-- The step runs open at :as_of are queries/_open_runs.sql's (the one as_of rule for open work).
WITH
-- include _open_runs.sql
,
-- include _oldest_ready.sql
,
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
