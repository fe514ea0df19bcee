-- Stalled steps as of :as_of: open, unpaused step runs whose active age exceeds their threshold.
--
-- Ages and thresholds are in working time, in the run's calendar (the step's own, else its team's; with none,
-- 24x7, working time is wall time); wall and working age are shown side by side.
-- Threshold, first that applies (threshold_source says which):
--   target   the step's target in the service version the ticket was opened with (working hours);
--   p85      the :stall_percentile of working time in step (less paused time) of the same service and step over
--            runs completed in the :stall_window_days before :as_of, when there are at least :stall_min_runs;
--   default  :stall_default_hours (working hours).
-- Active age = as_of - ready_at, less the paused time within [ready_at, as_of]; working age = the working time in
-- [ready_at, as_of], less the working time paused. A run is stalled when its working age exceeds the threshold.
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
-- The history (runs and percentile per service and step) is the fragment _stall_history.sql; 'baton alerts' answers
-- it from its cache of completed runs per day (Reporting's CompletedRunCache), which gives the same numbers.
--
-- param :stall_percentile = 0.85
-- param :stall_window_days = 90
-- param :stall_min_runs = 20
-- param :stall_default_hours = 72.0
WITH
-- include _open_runs.sql
, done_window(lo, hi) AS (SELECT CAST(:as_of - :stall_window_days * 86400 AS INTEGER) + 1, :as_of + 1),  -- done_at in (as_of - window, as_of]
-- include _done_runs.sql
,
-- include _stall_history.sql
,
judged AS (
    SELECT r.*, h.runs AS history_runs,
           CASE WHEN r.target_seconds IS NOT NULL THEN r.target_seconds / 3600.0
                WHEN h.runs >= :stall_min_runs THEN h.percentile_hours
                ELSE :stall_default_hours * 1.0 END AS threshold_hours,
           CASE WHEN r.target_seconds IS NOT NULL THEN 'target'
                WHEN h.runs >= :stall_min_runs THEN 'p' || CAST(round(:stall_percentile * 100) AS INTEGER)
                ELSE 'default' END AS threshold_source
    FROM open_runs r
    LEFT JOIN history h ON h.service = r.service AND h.step = r.step
)
SELECT ticket_id, service, step, coalesce(team, '') AS team, state, ready_at,
       (:as_of - ready_at) / 3600.0 AS age_hours,
       threshold_hours, threshold_source,
       active_seconds / 3600.0 AS active_age_hours,
       working_seconds / 3600.0 AS working_age_hours,
       working_seconds / 3600.0 - threshold_hours AS over_by_hours,
       coalesce(history_runs, 0) AS history_runs,
       title,
       coalesce(calendar, '') AS calendar
FROM judged
WHERE state <> 'paused' AND working_seconds / 3600.0 > threshold_hours
ORDER BY team, working_seconds / 3600.0 / threshold_hours DESC, ticket_id, step
