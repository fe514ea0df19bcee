-- Variants: the distinct step sequences of the tickets closed in [:from, :to) and at or before :as_of, per service,
-- most frequent first. A ticket's variant is the step keys of its completed runs done at or before :as_of, in
-- done_at order (run id breaks ties: the order the runs were made), joined by ' > '. Rework attempts are repeated
-- (a step reopened and done again appears twice); skipped and cancelled runs are left out (nothing was done);
-- '(no completed step)' when none was completed. This is what a process-mining tool calls the trace's variant over
-- its `complete` events (see the PM4Py test). Columns:
--   rank                 1 for the service's most frequent variant (ties: variant text order)
--   tickets              closed tickets with that variant; share = tickets / the service's closed tickets
--   cumulative_share     share of the service's tickets covered by this variant and every one ranked above it
--   lead_p50/p85_hours   lead time (closed_at - opened_at) of those tickets, type-7 percentiles
--   variants_for_80      the service's smallest number of top variants whose cumulative share reaches 80 %
--                        (the same on each of its rows); variants = its distinct variants
-- Reads the window's closed tickets through tickets_closed_at and each one's runs through the (ticket_id, step,
-- attempt) index: the cost follows the tickets closed in the window, not history.
WITH closed AS MATERIALIZED (
    SELECT t.id, t.service, (t.closed_at - t.opened_at) / 3600.0 AS lead_hours,
           (SELECT group_concat(r.step, ' > ') FROM
                (SELECT r.step FROM step_runs r
                 WHERE r.ticket_id = t.id AND r.state = 'done' AND r.done_at <= :as_of
                 ORDER BY r.done_at, r.id) r) AS variant
    FROM tickets t
    WHERE t.closed_at >= :from AND t.closed_at < :to AND t.closed_at <= :as_of
),
counted AS (
    SELECT service, coalesce(variant, '(no completed step)') AS variant, count(*) AS tickets,
           percentile(lead_hours, 0.5) AS lead_p50_hours, percentile(lead_hours, 0.85) AS lead_p85_hours
    FROM closed GROUP BY 1, 2
),
ranked AS (
    SELECT c.*,
           row_number() OVER (PARTITION BY service ORDER BY tickets DESC, variant) AS rank,
           sum(tickets) OVER (PARTITION BY service ORDER BY tickets DESC, variant ROWS UNBOUNDED PRECEDING) AS covered,
           sum(tickets) OVER (PARTITION BY service) AS total,
           count(*) OVER (PARTITION BY service) AS variants
    FROM counted c
),
covering AS (
    -- The first rank whose cumulative share reaches 80 %, compared in integers (covered / total >= 4 / 5).
    SELECT service, min(rank) AS variants_for_80 FROM ranked WHERE covered * 5 >= total * 4 GROUP BY service
)
SELECT r.service, r.variant, r.tickets, r.tickets * 1.0 / r.total AS share, r.covered * 1.0 / r.total AS cumulative_share, r.lead_p50_hours, r.lead_p85_hours, r.rank,
       v.variants_for_80, r.variants
FROM ranked r JOIN covering v ON v.service = r.service
ORDER BY r.service, r.rank
