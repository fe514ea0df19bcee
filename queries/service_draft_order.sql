-- Service draft order: for each ticket of :service closed in [:from, :to) and at or before :as_of, each step it
-- completed (at or before :as_of) with its first completion (first_done), in that order (step key on equal instants).
-- 'baton service draft' makes the dominant order of the steps from these sequences, and the share of tickets that
-- followed it (see README, "Metric definitions": dominant order).
-- param :service = ''
WITH closed AS MATERIALIZED (
    SELECT t.id FROM tickets t
    WHERE t.service = :service AND t.closed_at >= :from AND t.closed_at < :to AND t.closed_at <= :as_of
)
SELECT r.ticket_id, r.step, min(r.done_at) AS first_done
FROM closed c JOIN step_runs r ON r.ticket_id = c.id
WHERE r.state = 'done' AND r.done_at <= :as_of
GROUP BY r.ticket_id, r.step
ORDER BY r.ticket_id, first_done, r.step
