-- Lead-time scatter: one point per ticket closed in [:from, :to) and at or before :as_of (x: closed_at,
-- y: lead time in hours), with the p50, p85 and p95 of all those tickets as reference lines.
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH closed AS (
    SELECT id, service, opened_at, closed_at, (closed_at - opened_at) / 3600.0 AS lead_time_hours FROM tickets
    WHERE closed_at >= :from AND closed_at < :to AND closed_at <= :as_of
),
lines AS (
    SELECT percentile(lead_time_hours, 0.5) AS p50_hours, percentile(lead_time_hours, 0.85) AS p85_hours,
           percentile(lead_time_hours, 0.95) AS p95_hours FROM closed
)
SELECT c.id AS ticket_id, c.service, c.closed_at, c.lead_time_hours, l.p50_hours, l.p85_hours, l.p95_hours, c.opened_at
FROM closed c CROSS JOIN lines l
ORDER BY c.closed_at, c.id
