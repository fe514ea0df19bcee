-- Work-item aging: step runs open at :as_of with their age (as_of - ready_at), active age (paused time within
-- [ready_at, as_of] excluded), and the p85 of time in step (done_at - ready_at) of the same service and step
-- over runs completed in [:from, :to) (empty when there are none).
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH open_runs AS (
    SELECT id, ticket_id, service, step, CASE WHEN team_since IS NULL OR team_since <= :as_of THEN team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = step_runs.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END AS team, position, ready_at, started_at
    FROM step_runs WHERE done_at IS NULL AND known_at <= :as_of
    UNION ALL
    SELECT id, ticket_id, service, step, CASE WHEN team_since IS NULL OR team_since <= :as_of THEN team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = step_runs.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END AS team, position, ready_at, started_at
    FROM step_runs WHERE done_at > :as_of AND +known_at <= :as_of  -- "+": the done_at index, not known_at (all history)
),
runs_at AS MATERIALIZED (
    SELECT o.*,
           CASE WHEN EXISTS (SELECT 1 FROM step_pauses p WHERE p.run_id = o.id AND p.paused_at <= :as_of
                                AND (p.resumed_at IS NULL OR p.resumed_at > :as_of)) THEN 'paused'
                WHEN o.started_at <= :as_of THEN 'active'
                ELSE 'ready' END AS state,
           :as_of - o.ready_at - coalesce((
               SELECT sum(max(0, min(coalesce(p.resumed_at, :as_of), :as_of) - max(p.paused_at, o.ready_at)))
               FROM step_pauses p WHERE p.run_id = o.id AND p.paused_at <= :as_of), 0) AS active_seconds
    FROM open_runs o JOIN tickets t ON t.id = o.ticket_id
    WHERE t.opened_at <= :as_of
),
p85 AS (
    SELECT service, step, percentile((done_at - ready_at) / 3600.0, 0.85) AS step_p85_hours, count(*) AS completed
    FROM step_runs
    WHERE state = 'done' AND done_at >= :from AND done_at < :to AND done_at <= :as_of AND ready_at IS NOT NULL
      AND (service, step) IN (SELECT service, step FROM runs_at)  -- only the steps with open runs
    GROUP BY service, step
)
SELECT r.ticket_id, r.service, r.step, coalesce(r.team, '') AS team, r.state, r.ready_at,
       (:as_of - r.ready_at) / 3600.0 AS age_hours, r.active_seconds / 3600.0 AS active_age_hours,
       p.step_p85_hours, coalesce(p.completed, 0) AS completed_in_window
FROM runs_at r LEFT JOIN p85 p ON p.service = r.service AND p.step = r.step
ORDER BY r.service, r.position, r.step, age_hours DESC, r.ticket_id
