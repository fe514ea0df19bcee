-- The static site's open work (baton site): every step run open at :as_of, one pass for every queue page and the
-- index, oldest first within each team. The runs are queries/_open_runs.sql's (the one as_of rule for open work):
-- state at :as_of, age = as_of - ready_at (hours), active age (less paused time), working age in the run's calendar
-- (NULL when the run has no calendar: then working time is wall time) and the step's target (hours, in that calendar).
WITH
-- include _open_runs.sql
SELECT o.ticket_id, o.service, o.service_version, o.step, coalesce(o.team, '') AS team, o.state, o.attempt,
       o.ready_at, (:as_of - o.ready_at) / 3600.0 AS age_hours, o.active_seconds / 3600.0 AS active_age_hours,
       CASE WHEN o.calendar IS NOT NULL THEN o.working_seconds / 3600.0 END AS working_age_hours,
       o.target_seconds / 3600.0 AS target_hours, coalesce(o.calendar, '') AS calendar, o.title
FROM open_runs o
ORDER BY coalesce(o.team, ''), o.ready_at, o.ticket_id, o.step, o.attempt
