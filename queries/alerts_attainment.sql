-- Target attainment over the :attainment_days before :as_of, for the alert file's gauges: step runs completed in
-- (as_of - attainment_days, as_of] whose step has a target, by team (that completed the run), service and step:
-- runs, met (working time in step at most the target; see _done_runs.sql) and attainment = met / runs.
-- The counts are the fragment _attainment_counts.sql, which 'baton alerts' answers from its cache of completed runs.
--
-- param :attainment_days = 7
WITH done_window(lo, hi) AS (SELECT :as_of - :attainment_days * 86400 + 1, :as_of + 1),
-- include _done_runs.sql
,
-- include _attainment_counts.sql
SELECT team, service, step, runs, met, 1.0 * met / runs AS attainment
FROM attainment_counts
ORDER BY team, service, step
