-- Fragment (included with `-- include _open_runs.sql` as the first common table of a WITH): open_runs, the step runs open at
-- :as_of, the one definition of the as_of rule for open work. A run is open at :as_of when its events had shown it
-- by then (known_at <= :as_of: a run whose ready instant is derived from an earlier step is revealed only by its own
-- first event) and it had not ended by then (done_at NULL or later). It is read from the index of unended runs and
-- from the runs that ended after :as_of, so the cost follows open work, not the length of the history. Its columns,
-- as they stood at :as_of: team (the team holding it then: a run reassigned later still belonged to the earlier
-- team), state (ready, active or paused), paused_seconds (paused time within [ready_at, :as_of]) and
-- active_seconds (:as_of - ready_at - paused_seconds); and in the run's calendar (run_calendar: the step's own
-- calendar in the ticket's service version, else that of the team holding the run, else none, 24x7): calendar,
-- target_seconds (run_target_seconds: the step's target, counted in that calendar) and working_seconds (the working
-- time in [ready_at, :as_of] less the working time paused: pauses stop both clocks).
open_runs AS MATERIALIZED (
    SELECT o.*, run_target_seconds(o.service, o.service_version, o.step) AS target_seconds,
           working_seconds(o.calendar, o.ready_at, :as_of)
             - coalesce((SELECT sum(working_seconds(o.calendar, max(p.paused_at, o.ready_at), min(coalesce(p.resumed_at, :as_of), :as_of)))
                         FROM step_pauses p WHERE p.run_id = o.id AND p.paused_at <= :as_of), 0) AS working_seconds
    FROM (SELECT x.*, run_calendar(x.service, x.service_version, x.step, x.team) AS calendar FROM (
    SELECT r.id, r.ticket_id, r.service, t.service_version, t.title, r.step, r.position, r.attempt, r.ready_at, r.started_at,
           nullif(CASE WHEN r.team_since IS NULL OR r.team_since <= :as_of THEN r.team
                       ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = r.id AND x.at > :as_of
                             ORDER BY x.at, x.rowid LIMIT 1) END, '') AS team,
           CASE WHEN EXISTS (SELECT 1 FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of
                             AND (p.resumed_at IS NULL OR p.resumed_at > :as_of)) THEN 'paused'
                WHEN r.started_at <= :as_of THEN 'active'
                ELSE 'ready' END AS state,
           coalesce((SELECT sum(max(0, min(coalesce(p.resumed_at, :as_of), :as_of) - max(p.paused_at, r.ready_at)))
                     FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of), 0) AS paused_seconds,
           :as_of - r.ready_at - coalesce((SELECT sum(max(0, min(coalesce(p.resumed_at, :as_of), :as_of) - max(p.paused_at, r.ready_at)))
                                           FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of), 0) AS active_seconds
    FROM (SELECT id FROM step_runs INDEXED BY step_runs_unended WHERE done_at IS NULL AND known_at <= :as_of
          UNION ALL
          SELECT id FROM step_runs WHERE done_at > :as_of AND +known_at <= :as_of) c  -- "+": the done_at index, not all history
    JOIN step_runs r ON r.id = c.id
    JOIN tickets t ON t.id = r.ticket_id
    WHERE t.opened_at <= :as_of
    ) x) o
)
