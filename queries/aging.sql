-- Work-item aging: step runs open at :as_of with their age (as_of - ready_at), active age (paused time within
-- [ready_at, as_of] excluded), and the p85 of time in step (done_at - ready_at) of the same service and step
-- over runs completed in [:from, :to) (empty when there are none). Working age: the working time of the run's
-- calendar in [ready_at, as_of], less the working time paused; target_hours: the step's target (working hours);
-- step_p85_working_hours: the p85 of working time in step over the same runs (see _done_runs.sql).
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH
-- include _open_runs.sql
, done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
, p85 AS (
    SELECT service, step, percentile(wall_seconds / 3600.0, 0.85) AS step_p85_hours, count(*) AS completed,
           percentile(working_seconds / 3600.0, 0.85) AS step_p85_working_hours
    FROM done_runs
    WHERE (service, step) IN (SELECT service, step FROM open_runs)  -- only the steps with open runs
    GROUP BY service, step
)
SELECT r.ticket_id, r.service, r.step, coalesce(r.team, '') AS team, r.state, r.ready_at,
       (:as_of - r.ready_at) / 3600.0 AS age_hours, r.active_seconds / 3600.0 AS active_age_hours,
       p.step_p85_hours, coalesce(p.completed, 0) AS completed_in_window,
       r.working_seconds / 3600.0 AS working_age_hours, r.target_seconds / 3600.0 AS target_hours,
       p.step_p85_working_hours, coalesce(r.calendar, '') AS calendar
FROM open_runs r LEFT JOIN p85 p ON p.service = r.service AND p.step = r.step
ORDER BY r.service, r.position, r.step, age_hours DESC, r.ticket_id
