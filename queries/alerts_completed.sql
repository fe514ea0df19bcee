-- Step runs completed in [:lo, :hi), one row each, as the alert engine's cache of completed runs per day keeps
-- them (Reporting's CompletedRunCache): done_at, service, step, team ('' for none), the working time
-- in step in hours (see _done_runs.sql), whether the step has a target and whether the run met it. The stall
-- thresholds (_stall_history.sql) and the target attainment (_attainment_counts.sql) are computed from these rows.
--
-- param :lo = 0
-- param :hi = 0
WITH done_window(lo, hi) AS (SELECT :lo, :hi),
-- include _done_runs.sql
SELECT done_at, service, step, team, working_seconds / 3600.0 AS working_hours,
       target_seconds IS NOT NULL AS has_target, coalesce(working_seconds <= target_seconds, 0) AS met
FROM done_runs
