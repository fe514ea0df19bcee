-- Forecast input: the tickets open at :as_of (opened by then, neither closed nor cancelled by then) and what is
-- left of each. kind 'open': a step run open at :as_of (the as_of rule of _open_runs.sql), with its team and ready
-- instant; kind 'next': in a service from a definition file that enforces its order, each declared step after the
-- furthest open run that the ticket has not completed or skipped by :as_of (it will be worked after the open ones);
-- kind 'none': a ticket with no run open at :as_of (a log-made service between steps, or a defined one whose steps
-- are done). origin and enforce_order are those of the ticket's service version. :forecast_ticket, when not '',
-- keeps that ticket only.
-- param forecast_ticket = ''
WITH
-- include _open_runs.sql
, open_tickets AS MATERIALIZED (
    SELECT t.id, t.service, t.service_version, t.opened_at, s.origin, s.enforce_order
    -- CROSS JOIN: from the tickets open at :as_of (as headlines.sql finds them: open now, or ended after :as_of, each
    -- from its index) to their rows, never all tickets.
    FROM (SELECT id FROM tickets WHERE state = 'open' AND opened_at <= :as_of
          UNION ALL SELECT id FROM tickets WHERE closed_at > :as_of AND opened_at <= :as_of
          UNION ALL SELECT id FROM tickets WHERE cancelled_at > :as_of AND opened_at <= :as_of) c
    CROSS JOIN tickets t ON t.id = c.id
    CROSS JOIN services s ON s.key = t.service AND s.version = t.service_version
    WHERE t.opened_at <= :as_of AND (t.cancelled_at IS NULL OR t.cancelled_at > :as_of)
      AND (:forecast_ticket = '' OR t.id = :forecast_ticket)
),
furthest AS MATERIALIZED (
    SELECT ticket_id, max(position) AS position FROM open_runs GROUP BY ticket_id
)
SELECT t.id AS ticket_id, t.service, t.origin, t.enforce_order, t.opened_at, 'open' AS kind, o.step, o.position,
       coalesce(o.team, '') AS team, o.ready_at
FROM open_tickets t JOIN open_runs o ON o.ticket_id = t.id
UNION ALL
SELECT t.id, t.service, t.origin, t.enforce_order, t.opened_at, 'next', s.key, s.position, coalesce(s.team, ''), NULL
FROM open_tickets t
JOIN furthest f ON f.ticket_id = t.id
JOIN service_steps s ON s.service = t.service AND s.version = t.service_version AND s.position > f.position
WHERE t.origin = 'definition' AND t.enforce_order = 1
  AND NOT EXISTS (SELECT 1 FROM step_runs r WHERE r.ticket_id = t.id AND r.step = s.key AND r.done_at <= :as_of
                  AND r.state IN ('done', 'skipped'))
UNION ALL
SELECT t.id, t.service, t.origin, t.enforce_order, t.opened_at, 'none', '', NULL, '', NULL
FROM open_tickets t
WHERE t.id NOT IN (SELECT ticket_id FROM furthest)
ORDER BY 1, 6, 8
