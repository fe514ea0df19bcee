-- Open work per team at :as_of, for the alert file's gauges (open runs by state, oldest ready instant).
-- The step runs open at :as_of are queries/_open_runs.sql's (the one as_of rule for open work).
WITH
-- include _open_runs.sql
SELECT coalesce(o.team, '') AS team, count(*) AS open_runs,
       sum(o.state = 'ready') AS ready, sum(o.state = 'active') AS active, sum(o.state = 'paused') AS paused,
       min(o.ready_at) AS oldest_ready_at
FROM open_runs o
GROUP BY coalesce(o.team, '')
ORDER BY 1;
