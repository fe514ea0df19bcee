-- At risk at :as_of: open, unpaused step runs with a target that have not breached it yet but will within the
-- risk window of working time: :at_risk_hours when above 0, else the last quarter of the target. Working age and
-- the target are counted in the run's calendar (queries/_open_runs.sql: the step's own, else its team's, else
-- 24x7). remaining_hours = target - working age; due_at = the instant the target is reached if the run stays open
-- (add_working_seconds: working time counted forward in the calendar). Used by 'baton alerts' (kind at_risk).
--
-- param :at_risk_hours = 0.0
WITH
-- include _open_runs.sql
SELECT ticket_id, service, step, coalesce(team, '') AS team, state, ready_at,
       (:as_of - ready_at) / 3600.0 AS age_hours,
       target_seconds / 3600.0 AS threshold_hours, 'target' AS threshold_source,
       active_seconds / 3600.0 AS active_age_hours,
       working_seconds / 3600.0 AS working_age_hours,
       (target_seconds - working_seconds) / 3600.0 AS remaining_hours,
       add_working_seconds(calendar, :as_of, target_seconds - working_seconds) AS due_at,
       coalesce(calendar, '') AS calendar, title
FROM open_runs
WHERE state <> 'paused' AND target_seconds IS NOT NULL AND working_seconds <= target_seconds
  AND target_seconds - working_seconds <= CASE WHEN :at_risk_hours > 0 THEN :at_risk_hours * 3600.0 ELSE target_seconds * 0.25 END
ORDER BY team, remaining_hours, ticket_id, step
