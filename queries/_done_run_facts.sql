-- Relation done_run_facts: every completed step run with a ready instant, the one definition of a completed run's
-- times. Queries read it through the fragment _done_runs.sql, which takes the runs done in a window. Baton creates
-- it on each connection as a temporary view; a report replaces the view, for its run, with a temporary table of the
-- runs its sections' windows need, so the calendar, target and working time of a run are worked out once and read
-- in (service, step, team, week) order.
-- Columns: the run's own (id, service, step, team ('' for none), position, attempt, reassignments, ready_at,
-- started_at, done_at, paused_seconds, service_version: the ticket's), calendar (run_calendar: the step's own
-- calendar, else that of the team that completed the run, else none, 24x7), target_seconds (run_target_seconds:
-- the step's target, counted in that calendar), week_start (of done_at: Monday 00:00 UTC), wall_seconds (done_at - ready_at: time in step) and
-- working_seconds (the working time in [ready_at, done_at] less the working time paused: pauses stop the clock).
SELECT d.*, run_target_seconds(d.service, d.service_version, d.step) AS target_seconds, week_start(d.done_at) AS week_start,
       d.done_at - d.ready_at AS wall_seconds,
       working_seconds(d.calendar, d.ready_at, d.done_at)
         - CASE WHEN d.paused_seconds > 0
                THEN coalesce((SELECT sum(working_seconds(d.calendar, max(p.paused_at, d.ready_at), min(coalesce(p.resumed_at, d.done_at), d.done_at)))
                               FROM step_pauses p WHERE p.run_id = d.id), 0)
                ELSE 0 END AS working_seconds
FROM (SELECT r.id, r.service, r.step, coalesce(r.team, '') AS team, r.position, r.attempt, r.reassignments,
             r.ready_at, r.started_at, r.done_at, r.paused_seconds, r.service_version,
             run_calendar(r.service, r.service_version, r.step, r.team) AS calendar
      FROM step_runs r  -- read from the ended-runs index alone: it covers every column used here
      WHERE r.state = 'done' AND r.done_at IS NOT NULL AND r.ready_at IS NOT NULL) d
