-- Conformance: per service, how the tickets closed in [:from, :to) and at or before :as_of followed the declared
-- order (the service_steps positions of the ticket's own service version), with the deviations by kind and a
-- recommendation. A ticket's runs are those completed or skipped at or before :as_of. Each kind counts tickets
-- (a ticket may show several):
--   swapped     two declared steps were completed in the reverse of their declared order: ordered by each step's
--               first completion (equal instants in declared order), some step comes after one declared later
--   repeated    a step was completed more than once (a rework loop: reopened, or done again in an imported log)
--   skipped     a declared step has a skipped run and no completed one
--   absent      a declared step has neither a completed nor a skipped run (the ticket closed without it); only
--               in services from a definition file: a log-made service's steps are all those its log showed
--   undeclared  a step completed that its service version does not declare
--   followed    none of these: the completed steps are the declared ones, each once, in the declared order (the
--               ticket's variant is the declared order); followed_share = followed / tickets
--   in_order_share  1 - swapped / tickets: what enforcing the order would have required (an enforced service still
--               allows skips and reopened steps)
--   swapped_imported  swapped tickets with an imported event at or before :as_of (live actions refuse out-of-order work in an enforced
--               service, so there every swap came through an import)
-- Recommendation (the service's latest version; first that applies): too-few-tickets under :min_tickets closed
-- tickets; flexible services (enforce_order false): can-be-enforced when in_order_share >= :enforce_share, else
-- keep-flexible; enforced services: should-be-flexible when swapped_imported / tickets >= :flexible_share (worked
-- out of order routinely), else keep-enforced. `evidence` gives the numbers behind it.
-- param :enforce_share = 0.95
-- param :flexible_share = 0.10
-- param :min_tickets = 20
WITH closed AS MATERIALIZED (
    SELECT t.id, t.service, t.service_version FROM tickets t
    WHERE t.closed_at >= :from AND t.closed_at < :to AND t.closed_at <= :as_of
),
steps AS MATERIALIZED (
    -- One row per closed ticket and step it completed or skipped, with the step's declared place (NULL: undeclared).
    SELECT c.id AS ticket_id, r.step,
           min(CASE WHEN r.state = 'done' THEN r.done_at END) AS first_done,
           sum(r.state = 'done') AS done_runs,
           (SELECT ss.position FROM service_steps ss
            WHERE ss.service = c.service AND ss.version = c.service_version AND ss.key = r.step) AS position
    FROM closed c JOIN step_runs r ON r.ticket_id = c.id
    WHERE (r.state = 'done' OR r.state = 'skipped') AND r.done_at <= :as_of
    GROUP BY c.id, r.step
),
per_ticket AS (
    SELECT ticket_id, max(done_runs > 1) AS repeated, sum(position IS NOT NULL AND done_runs = 0) AS skipped_steps,
           sum(position IS NOT NULL) AS covered, sum(position IS NULL AND done_runs > 0) AS undeclared_steps,
           max(previous > position) AS swapped
    FROM (SELECT s.*, CASE WHEN done_runs > 0 AND position IS NOT NULL
                           THEN lag(position) OVER (PARTITION BY ticket_id, done_runs > 0 AND position IS NOT NULL
                                                    ORDER BY first_done, position) END AS previous
          FROM steps s)
    GROUP BY ticket_id
),
declared AS (
    -- The steps each version declares, for absence: only a definition file declares which steps a ticket needs (a
    -- log-made service lists every step its log ever showed, in order of first appearance, and no ticket does all).
    SELECT ss.service, ss.version, count(*) AS n FROM service_steps ss
    JOIN services sv ON sv.key = ss.service AND sv.version = ss.version AND sv.origin = 'definition'
    GROUP BY ss.service, ss.version
),
judged AS (
    SELECT c.id, c.service, coalesce(p.swapped, 0) AS swapped, coalesce(p.repeated, 0) AS repeated,
           coalesce(p.skipped_steps, 0) > 0 AS skipped, coalesce(d.n, 0) > coalesce(p.covered, 0) AS absent,
           coalesce(p.undeclared_steps, 0) > 0 AS undeclared
    FROM closed c
    LEFT JOIN per_ticket p ON p.ticket_id = c.id
    LEFT JOIN declared d ON d.service = c.service AND d.version = c.service_version
),
counts AS (
    SELECT service, count(*) AS tickets, sum(NOT (swapped OR repeated OR skipped OR absent OR undeclared)) AS followed,
           sum(swapped) AS swapped, sum(repeated) AS repeated, sum(skipped) AS skipped, sum(absent) AS absent,
           sum(undeclared) AS undeclared,
           sum(swapped AND EXISTS (SELECT 1 FROM events e WHERE e.ticket_id = j.id AND e.at <= :as_of AND e.source LIKE 'import%')) AS swapped_imported
    FROM judged j GROUP BY service
),
latest AS (
    -- Each service's latest version: its flag decides the recommendation, its steps are the order shown (a log-made
    -- service's steps are those its log has shown so far, in order of first appearance: as of an earlier instant
    -- there were fewer, so that is what is said).
    SELECT sv.key AS service, sv.enforce_order,
           CASE WHEN sv.origin = 'log' THEN 'first appearance in the log' ELSE (SELECT CASE WHEN count(*) <= 8 THEN group_concat(key, ' > ') ELSE printf('%d steps', count(*)) END
            FROM (SELECT key FROM service_steps ss WHERE ss.service = sv.key AND ss.version = sv.version ORDER BY position)) END AS declared_order
    FROM services sv WHERE sv.version = (SELECT max(version) FROM services s2 WHERE s2.key = sv.key)
),
rated AS (
    SELECT l.service, l.enforce_order, l.declared_order, coalesce(c.tickets, 0) AS tickets, coalesce(c.followed, 0) AS followed,
           c.followed * 1.0 / c.tickets AS followed_share, 1 - c.swapped * 1.0 / c.tickets AS in_order_share,
           coalesce(c.swapped, 0) AS swapped, coalesce(c.repeated, 0) AS repeated, coalesce(c.skipped, 0) AS skipped,
           coalesce(c.absent, 0) AS absent, coalesce(c.undeclared, 0) AS undeclared, coalesce(c.swapped_imported, 0) AS swapped_imported
    FROM latest l LEFT JOIN counts c ON c.service = l.service
)
SELECT service, enforce_order, tickets, followed, followed_share, in_order_share, swapped, repeated, skipped, absent,
       undeclared, recommendation,
       CASE recommendation
            WHEN 'too-few-tickets' THEN printf('%d closed tickets < %d', tickets, :min_tickets)
            ELSE printf('%.1f%% of %d closed tickets did their steps in the declared order (%s)%s; %.1f%% followed it exactly; swapped %d (%d through imports), repeated %d, skipped %d, absent %d, undeclared %d',
                        in_order_share * 100, tickets, declared_order,
                        CASE recommendation
                             WHEN 'can-be-enforced' THEN printf(' >= %g%% in a flexible service', :enforce_share * 100)
                             WHEN 'keep-flexible' THEN printf(' < %g%% in a flexible service', :enforce_share * 100)
                             WHEN 'should-be-flexible' THEN printf(', out of order through imports in %.1f%% >= %g%%', swapped_imported * 100.0 / tickets, :flexible_share * 100)
                             ELSE printf(', out of order through imports in %.1f%% < %g%%', swapped_imported * 100.0 / tickets, :flexible_share * 100) END,
                        followed_share * 100, swapped, swapped_imported, repeated, skipped, absent, undeclared) END AS evidence,
       declared_order, swapped_imported
FROM (SELECT r.*,
             CASE WHEN tickets < :min_tickets THEN 'too-few-tickets'
                  WHEN NOT enforce_order THEN CASE WHEN in_order_share >= :enforce_share THEN 'can-be-enforced' ELSE 'keep-flexible' END
                  WHEN swapped_imported * 1.0 / tickets >= :flexible_share THEN 'should-be-flexible'
                  ELSE 'keep-enforced' END AS recommendation
      FROM rated r)
ORDER BY service
