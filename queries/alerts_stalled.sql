-- Stalled steps at :as_of (DESIGN: an open, unpaused run whose active age exceeds its threshold; the threshold
-- is the step's target, else the :percentile of time in step of the same service and step over runs completed
-- in the :window_days days before :as_of when there are at least :min_runs, else :default_hours).
-- Provisional copy for 'baton alerts' until the report engine's queries/stalled.sql lands.
-- Open step runs at :as_of (ready, active or paused then). Read from the open-work index and the runs that
-- finished after :as_of only, so the cost follows the open work, not the length of the history.
WITH candidates AS (
    SELECT id FROM step_runs WHERE state IN ('ready', 'active', 'paused') AND ready_at <= :as_of
    UNION
    SELECT id FROM step_runs WHERE done_at > :as_of AND +ready_at <= :as_of  -- "+": use the done_at index, not ready_at (all history)
),
open_runs AS (
    SELECT r.id, r.ticket_id, r.service, t.service_version, r.step, nullif(r.team, '') AS team, r.attempt, r.ready_at,
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
, targeted AS (
    SELECT o.*, st.target_seconds
    FROM open_runs o
    LEFT JOIN service_steps st ON st.service = o.service AND st.version = o.service_version AND st.key = o.step
    WHERE o.state <> 'paused'
),
history AS (
    SELECT h.service, h.step, count(*) AS runs, percentile((h.done_at - h.ready_at) / 3600.0, :percentile) AS value_hours
    FROM step_runs h
    WHERE h.done_at >= :as_of - :window_days * 86400 AND h.done_at <= :as_of
      AND h.state = 'done' AND h.ready_at IS NOT NULL
      AND (h.service, h.step) IN (SELECT service, step FROM targeted WHERE target_seconds IS NULL)
    GROUP BY h.service, h.step
),
judged AS (
    SELECT g.*,
           CASE WHEN g.target_seconds IS NOT NULL THEN g.target_seconds / 3600.0
                WHEN h.runs >= :min_runs THEN h.value_hours
                ELSE :default_hours END AS threshold_hours,
           CASE WHEN g.target_seconds IS NOT NULL THEN 'target'
                WHEN h.runs >= :min_runs THEN 'p' || CAST(round(:percentile * 100) AS INTEGER)
                ELSE 'default' END AS source
    FROM targeted g
    LEFT JOIN history h ON h.service = g.service AND h.step = g.step
)
SELECT 'stalled' AS kind, j.ticket_id, j.service, j.step, j.team, j.attempt, j.state, j.ready_at,
       (:as_of - j.ready_at) / 3600.0 AS age_hours,
       (:as_of - j.ready_at - j.paused_seconds) / 3600.0 AS active_age_hours,
       j.threshold_hours, j.source, NULL AS last_started_at
FROM judged j
WHERE (:as_of - j.ready_at - j.paused_seconds) / 3600.0 > j.threshold_hours
ORDER BY j.ready_at, j.ticket_id, j.step, j.attempt;
