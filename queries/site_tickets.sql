-- The static site's ticket pages (baton site): the tickets open at :as_of (opened by then, not closed or cancelled by
-- then), each with every step run its events had shown by then (in a defined service, also the first attempt of
-- every step not reached yet, as waiting: the definition declares them), in one pass ordered by ticket, then step position and
-- attempt. A run's state is as it stood at :as_of: done, skipped or cancelled when it ended by then; waiting when no
-- event had shown it as open work yet (known_at after :as_of, or never ready); else paused, active or ready, by the
-- same rule as queries/_open_runs.sql (a pause open at :as_of, then started_at). A ticket with no run gives one row
-- with a NULL step. since = the instant the run entered that state (ready_at for ready, the start for active, the
-- pause for paused, done_at for an ended run).
WITH open_tickets AS (
    SELECT id FROM tickets WHERE state = 'open' AND opened_at <= :as_of
    UNION
    SELECT id FROM tickets WHERE closed_at > :as_of AND opened_at <= :as_of
    UNION
    SELECT id FROM tickets WHERE cancelled_at > :as_of AND opened_at <= :as_of
)
SELECT t.id AS ticket_id, t.service, t.service_version, t.title, t.requester, t.intake, t.opened_at,
       r.step, r.position, r.attempt, r.team, r.ready_at, r.started_at, r.done_at,
       CASE WHEN r.id IS NULL THEN NULL
            WHEN r.done_at IS NOT NULL AND r.done_at <= :as_of THEN r.state
            WHEN r.known_at IS NULL OR r.known_at > :as_of OR r.ready_at IS NULL OR r.ready_at > :as_of THEN 'waiting'
            WHEN EXISTS (SELECT 1 FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of
                         AND (p.resumed_at IS NULL OR p.resumed_at > :as_of)) THEN 'paused'
            WHEN r.started_at <= :as_of THEN 'active'
            ELSE 'ready' END AS state_at,
       (SELECT max(p.paused_at) FROM step_pauses p WHERE p.run_id = r.id AND p.paused_at <= :as_of) AS paused_at
FROM open_tickets o
JOIN tickets t ON t.id = o.id
LEFT JOIN services s ON s.key = t.service AND s.version = t.service_version
LEFT JOIN step_runs r ON r.ticket_id = t.id
      AND (r.known_at <= :as_of OR (s.origin = 'definition' AND r.attempt = 1))
ORDER BY t.id, coalesce(r.position, 1e9), r.ready_at IS NULL, r.ready_at, r.step, r.attempt
