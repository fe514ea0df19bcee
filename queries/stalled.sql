-- Stalled steps as of :as_of: open, unpaused step runs whose active age exceeds their threshold.
--
-- Threshold, first that applies (threshold_source says which):
--   target   the step's target in the service version the ticket was opened with;
--   p85      the :stall_percentile of time in step (done_at - ready_at) of the same service and step over
--            runs completed in the :stall_window_days before :as_of, when there are at least :stall_min_runs;
--   default  :stall_default_hours.
-- Active age = as_of - ready_at, less the paused time within [ready_at, as_of].
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
--
-- param :stall_percentile = 0.85
-- param :stall_window_days = 90
-- param :stall_min_runs = 20
-- param :stall_default_hours = 72.0
WITH open_runs AS (
    -- Open at as_of: ready by then and not ended by then. Runs that have not ended at all are found through
    -- an index of unended runs, runs that ended after as_of through the done_at index: the cost follows
    -- open work, not history.
    SELECT id, ticket_id, service, step, CASE WHEN team_since IS NULL OR team_since <= :as_of THEN team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = step_runs.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END AS team, ready_at, started_at
    FROM step_runs WHERE done_at IS NULL AND known_at <= :as_of
    UNION ALL
    SELECT id, ticket_id, service, step, CASE WHEN team_since IS NULL OR team_since <= :as_of THEN team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = step_runs.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END AS team, ready_at, started_at
    FROM step_runs WHERE done_at > :as_of AND +known_at <= :as_of  -- "+": the done_at index, not known_at (all history)
),
runs_at AS MATERIALIZED (
    SELECT o.id, o.ticket_id, t.title, o.service, t.service_version, o.step, o.team, o.ready_at,
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
history AS (
    SELECT service, step, count(*) AS runs,
           percentile((done_at - ready_at) / 3600.0, :stall_percentile) AS percentile_hours
    FROM step_runs
    WHERE state = 'done' AND done_at > :as_of - :stall_window_days * 86400 AND done_at <= :as_of
      AND ready_at IS NOT NULL
      AND (service, step) IN (SELECT service, step FROM runs_at)  -- only the steps with open runs
    GROUP BY service, step
),
judged AS (
    SELECT r.*, h.runs AS history_runs,
           CASE WHEN st.target_seconds IS NOT NULL THEN st.target_seconds / 3600.0
                WHEN h.runs >= :stall_min_runs THEN h.percentile_hours
                ELSE :stall_default_hours * 1.0 END AS threshold_hours,
           CASE WHEN st.target_seconds IS NOT NULL THEN 'target'
                WHEN h.runs >= :stall_min_runs THEN 'p' || CAST(round(:stall_percentile * 100) AS INTEGER)
                ELSE 'default' END AS threshold_source
    FROM runs_at r
    LEFT JOIN service_steps st ON st.service = r.service AND st.version = r.service_version AND st.key = r.step
    LEFT JOIN history h ON h.service = r.service AND h.step = r.step
)
SELECT ticket_id, service, step, coalesce(team, '') AS team, state, ready_at,
       (:as_of - ready_at) / 3600.0 AS age_hours,
       threshold_hours, threshold_source,
       active_seconds / 3600.0 AS active_age_hours,
       active_seconds / 3600.0 - threshold_hours AS over_by_hours,
       coalesce(history_runs, 0) AS history_runs,
       title
FROM judged
WHERE state <> 'paused' AND active_seconds / 3600.0 > threshold_hours
ORDER BY team, active_seconds / 3600.0 / threshold_hours DESC, ticket_id, step
