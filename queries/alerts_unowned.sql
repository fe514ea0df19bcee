-- Unowned work at :as_of: open step runs whose step has no team (source no-team), whose team the store does not know
-- (unknown-team), or -- only when a team roster is declared ('baton team apply': teams.roster = 1) -- whose team is
-- not on the roster (not-in-roster). With no roster, a team first seen in an imported log owns its work: it is not
-- an alert. Used by 'baton alerts'.
-- Open step runs at :as_of (ready, active or paused then). Read from the open-work index and the runs that
-- finished after :as_of only, so the cost follows the open work, not the length of the history.
WITH candidates AS (
    SELECT id FROM step_runs INDEXED BY step_runs_open  -- the open runs only, whatever the store's statistics say
    WHERE (state = 'ready' OR state = 'active' OR state = 'paused') AND known_at <= :as_of  -- the index's condition, spelled as it is
    UNION
    SELECT id FROM step_runs WHERE done_at > :as_of AND +known_at <= :as_of  -- "+": use the done_at index, not known_at (all history)
),
open_runs AS (
    SELECT r.id, r.ticket_id, r.service, t.service_version, r.step,
           nullif(CASE WHEN r.team_since IS NULL OR r.team_since <= :as_of THEN r.team
                ELSE (SELECT x.from_team FROM step_reassignments x WHERE x.run_id = r.id AND x.at > :as_of ORDER BY x.at, x.rowid LIMIT 1) END, '') AS team, r.attempt, r.ready_at,
           coalesce((SELECT sum(min(coalesce(p.resumed_at, :as_of), :as_of) - p.paused_at)
                     FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of), 0) AS paused_seconds,
           CASE WHEN EXISTS (SELECT 1 FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of
                             AND (p.resumed_at IS NULL OR p.resumed_at > :as_of)) THEN 'paused'
                WHEN r.started_at <= :as_of THEN 'active'
                ELSE 'ready' END AS state
    FROM candidates c
    JOIN step_runs r ON r.id = c.id
    JOIN tickets t ON t.id = r.ticket_id
    WHERE t.opened_at <= :as_of
)
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
