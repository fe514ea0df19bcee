-- Time in step (done_at - ready_at), wait (started_at - ready_at) and work (done_at - started_at), in hours, of
-- step runs completed in [:from, :to) and at or before :as_of, by service, step and team. Skipped runs are
-- excluded. Wait and work are over the runs with a started event; flow efficiency = sum of work / sum of time
-- in step over those same runs (a ratio of sums). Rework attempts count as runs of their own. A run counts for
-- the team that completed it; reassignments: how often those runs changed team before they were done.
-- Working time in step (p50/p85/p95_working_hours): the working time of the run's calendar in [ready_at, done_at],
-- less the working time paused (see _done_runs.sql; with no calendar it is time in step less the paused time).
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
, runs AS (
    SELECT service, step, team, position, attempt, reassignments,
           wall_seconds / 3600.0 AS sojourn_hours,
           working_seconds / 3600.0 AS working_hours,
           CASE WHEN started_at IS NOT NULL THEN (started_at - ready_at) / 3600.0 END AS wait_hours,
           CASE WHEN started_at IS NOT NULL THEN (done_at - started_at) / 3600.0 END AS work_hours,
           CASE WHEN started_at IS NOT NULL THEN done_at - started_at END AS work_seconds,
           CASE WHEN started_at IS NOT NULL THEN done_at - ready_at END AS started_sojourn_seconds
    FROM done_runs
)
SELECT service, step, team, count(*) AS runs,
       percentile(sojourn_hours, 0.5) AS p50_hours,
       percentile(sojourn_hours, 0.85) AS p85_hours,
       percentile(sojourn_hours, 0.95) AS p95_hours,
       percentile(wait_hours, 0.5) AS wait_p50_hours,
       percentile(work_hours, 0.5) AS work_p50_hours,
       1.0 * sum(work_seconds) / nullif(sum(started_sojourn_seconds), 0) AS flow_efficiency,
       mean(sojourn_hours) AS mean_hours,
       sum(attempt > 1) AS rework_runs,
       min(position) AS position,
       sum(reassignments) AS reassignments,
       percentile(working_hours, 0.5) AS p50_working_hours,
       percentile(working_hours, 0.85) AS p85_working_hours,
       percentile(working_hours, 0.95) AS p95_working_hours
FROM runs
GROUP BY service, step, team
ORDER BY service, min(position), step, team
