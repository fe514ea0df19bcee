-- Service levels per ISO week of completion (week_start, Monday 00:00 UTC): every step run completed in [:from, :to)
-- and at or before :as_of whose step has a target, over all services, steps and teams; the same rule as
-- service_levels.sql (met: working time in step at most the target). Weeks with no such run are absent.
WITH done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
SELECT week_start, iso_week(week_start) AS week, count(*) AS runs,
       sum(working_seconds <= target_seconds) AS met, sum(working_seconds > target_seconds) AS breached,
       1.0 * sum(working_seconds <= target_seconds) / count(*) AS attainment
FROM done_runs WHERE target_seconds IS NOT NULL
GROUP BY week_start
ORDER BY week_start
