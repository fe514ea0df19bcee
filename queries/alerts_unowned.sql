-- Unowned work at :as_of: open step runs whose step has no team (source no-team), whose team the store does not know
-- (unknown-team), or -- only when a team roster is declared ('baton team apply': teams.roster = 1) -- whose team is
-- not on the roster (not-in-roster). With no roster, a team first seen in an imported log owns its work: it is not
-- an alert. Used by 'baton alerts'.
-- The step runs open at :as_of are queries/_open_runs.sql's (the one as_of rule for open work).
WITH
-- include _open_runs.sql
SELECT 'unowned' AS kind, o.ticket_id, o.service, o.step, o.team, o.attempt, o.state, o.ready_at,
       (:as_of - o.ready_at) / 3600.0 AS age_hours,
       (:as_of - o.ready_at - o.paused_seconds) / 3600.0 AS active_age_hours,
       NULL AS threshold_hours,
       CASE WHEN o.team IS NULL THEN 'no-team'
            WHEN tm.key IS NULL THEN 'unknown-team'
            ELSE 'not-in-roster' END AS source,
       NULL AS last_started_at
FROM open_runs o
LEFT JOIN teams tm ON tm.key = o.team
WHERE o.team IS NULL OR tm.key IS NULL OR (tm.roster = 0 AND EXISTS (SELECT 1 FROM teams WHERE roster = 1))
ORDER BY o.ready_at, o.ticket_id, o.step, o.attempt;
