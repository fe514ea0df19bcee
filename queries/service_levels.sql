-- Service levels: step runs completed in [:from, :to) and at or before :as_of whose step has a target, by service,
-- step, team (the team that completed the run) and ISO week of completion (week_start, Monday 00:00 UTC). A run
-- met its target when its working time in step (the working time of its calendar in [ready_at, done_at], less the
-- working time paused; see _done_runs.sql) is at most the target; otherwise it breached it by the difference.
-- Columns: runs, met, breached, attainment (met / runs, a fraction), target_hours, p85_working_hours (the p85 of
-- working time in step), worst_breach_hours (the largest excess; 0 when every run met the target), calendar.
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
, judged AS (
    SELECT service, step, team, position, week_start, target_seconds, calendar,
           working_seconds, working_seconds <= target_seconds AS met
    FROM done_runs WHERE target_seconds IS NOT NULL
)
SELECT service, step, team, week_start, iso_week(week_start) AS week, count(*) AS runs,
       sum(met) AS met, sum(NOT met) AS breached, 1.0 * sum(met) / count(*) AS attainment,
       max(target_seconds) / 3600.0 AS target_hours,
       percentile(working_seconds / 3600.0, 0.85) AS p85_working_hours,
       max(0, max(working_seconds - target_seconds)) / 3600.0 AS worst_breach_hours,
       coalesce(max(calendar), '') AS calendar
FROM judged
GROUP BY service, step, team, week_start
ORDER BY service, min(position), step, team, week_start
