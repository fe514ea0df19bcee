-- Handoffs at :as_of: open tickets (opened at or before :as_of, neither closed nor cancelled by then) with no step
-- run open then, so no team owns them: they wait *between steps*. Used by 'baton alerts'. source says why:
--   between-steps   a service created by an import (origin 'log'): it has no declared order, so Baton invents no
--                   next step; the ticket waits until its log shows one.
--   all-steps-done  a defined service: every run is done or skipped by :as_of, and the ticket is not closed.
--   no-step-ready   a defined service: no run is open, but a step still waits (not yet ready at :as_of; e.g. the
--                   steps after it were done first, so the order rule readied nothing). A defined service declares
--                   its first attempts at the opening, so a first attempt not ready by :as_of was waiting then; a
--                   later attempt (a reopening) did not exist before its own event.
-- The step runs open at :as_of are queries/_open_runs.sql's (the one as_of rule for open work).
-- since (ready_at) = the latest done_at at or before :as_of among the ticket's runs, else its opening; step, team
-- and attempt are that run's (the last step done and the team that did it; NULL when none is done). Age = as_of -
-- since; a row is reported when its age exceeds :handoff_hours.
-- The open tickets are read from the open-tickets index and the tickets closed or cancelled after :as_of, their runs
-- through the (ticket_id, step, attempt) index: the cost follows open work, not the length of the history.
--
-- param :handoff_hours = 24.0
WITH
-- include _open_runs.sql
, open_tickets AS (
    SELECT id FROM tickets WHERE state = 'open' AND opened_at <= :as_of
    UNION ALL SELECT id FROM tickets WHERE closed_at > :as_of AND opened_at <= :as_of
    UNION ALL SELECT id FROM tickets WHERE cancelled_at > :as_of AND opened_at <= :as_of
),
idle AS (
    SELECT t.id AS ticket_id, t.service, t.opened_at, s.origin,
           (SELECT r.id FROM step_runs r WHERE r.ticket_id = t.id AND r.done_at <= :as_of
            ORDER BY r.done_at DESC, coalesce(r.position, -1) DESC, r.step DESC, r.attempt DESC LIMIT 1) AS last_run,
           EXISTS (SELECT 1 FROM step_runs r WHERE r.ticket_id = t.id AND r.attempt = 1
                   AND (r.known_at IS NULL OR r.known_at > :as_of) AND (r.done_at IS NULL OR r.done_at > :as_of)) AS waiting
    FROM open_tickets o
    JOIN tickets t ON t.id = o.id
    JOIN services s ON s.key = t.service AND s.version = t.service_version
    WHERE t.id NOT IN (SELECT ticket_id FROM open_runs)  -- IN: SQLite indexes the list once
),
handoffs AS (
    SELECT i.ticket_id, i.service, lr.step, nullif(lr.team, '') AS team, lr.attempt,
           coalesce(lr.done_at, i.opened_at) AS since,
           CASE WHEN i.origin <> 'definition' THEN 'between-steps'
                WHEN i.waiting THEN 'no-step-ready'
                ELSE 'all-steps-done' END AS source
    FROM idle i LEFT JOIN step_runs lr ON lr.id = i.last_run
)
SELECT 'handoff' AS kind, h.ticket_id, h.service, h.step, h.team, h.attempt, 'between-steps' AS state,
       h.since AS ready_at,
       (:as_of - h.since) / 3600.0 AS age_hours,
       (:as_of - h.since) / 3600.0 AS active_age_hours,
       :handoff_hours * 1.0 AS threshold_hours,
       h.source,
       NULL AS last_started_at
FROM handoffs h
WHERE (:as_of - h.since) / 3600.0 > :handoff_hours
ORDER BY h.since, h.ticket_id;
