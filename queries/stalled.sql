-- Stalled steps as of :as_of: open, unpaused step runs whose active age exceeds their threshold.
--
-- Threshold, first that applies (threshold_source says which):
--   target   the step's target in the service version the ticket was opened with;
--   p85      the :stall_percentile of time in step (done_at - ready_at) of the same service and step over
--            runs completed in the :stall_window_days before :as_of, when there are at least :stall_min_runs;
--   default  :stall_default_hours.
-- Active age = as_of - ready_at, less the paused time within [ready_at, as_of].
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
--
-- param :stall_percentile = 0.85
-- param :stall_window_days = 90
-- param :stall_min_runs = 20
-- param :stall_default_hours = 72.0
WITH
-- include _open_runs.sql
, history AS (
    SELECT service, step, count(*) AS runs,
           percentile((done_at - ready_at) / 3600.0, :stall_percentile) AS percentile_hours
    FROM step_runs
    WHERE state = 'done' AND done_at > :as_of - :stall_window_days * 86400 AND done_at <= :as_of
      AND ready_at IS NOT NULL
      AND (service, step) IN (SELECT service, step FROM open_runs)  -- only the steps with open runs
    GROUP BY service, step
),
judged AS (
    SELECT r.*, h.runs AS history_runs,
           CASE WHEN st.target_seconds IS NOT NULL THEN st.target_seconds / 3600.0
                WHEN h.runs >= :stall_min_runs THEN h.percentile_hours
                ELSE :stall_default_hours * 1.0 END AS threshold_hours,
           CASE WHEN st.target_seconds IS NOT NULL THEN 'target'
                WHEN h.runs >= :stall_min_runs THEN 'p' || CAST(round(:stall_percentile * 100) AS INTEGER)
                ELSE 'default' END AS threshold_source
    FROM open_runs r
    LEFT JOIN service_steps st ON st.service = r.service AND st.version = r.service_version AND st.key = r.step
    LEFT JOIN history h ON h.service = r.service AND h.step = r.step
)
SELECT ticket_id, service, step, coalesce(team, '') AS team, state, ready_at,
       (:as_of - ready_at) / 3600.0 AS age_hours,
       threshold_hours, threshold_source,
       active_seconds / 3600.0 AS active_age_hours,
       active_seconds / 3600.0 - threshold_hours AS over_by_hours,
       coalesce(history_runs, 0) AS history_runs,
       title
FROM judged
WHERE state <> 'paused' AND active_seconds / 3600.0 > threshold_hours
ORDER BY team, active_seconds / 3600.0 / threshold_hours DESC, ticket_id, step
