-- Lead time (closed_at - opened_at, hours) of tickets closed in [:from, :to) and at or before :as_of, by service.
-- Every service appears; one with no closed tickets has closed = 0 and empty percentiles. Working lead time
-- (p50/p85/p95_working_hours): the working time in [opened_at, closed_at] of the calendar of the service's first
-- step (its own, else its team's, in the ticket's service version: the desk that takes the request in), 24x7 without.
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH closed AS MATERIALIZED (
    SELECT t.service, (t.closed_at - t.opened_at) / 3600.0 AS hours,
           working_seconds((SELECT run_calendar(t.service, t.service_version, st.key, st.team) FROM service_steps st
                            WHERE st.service = t.service AND st.version = t.service_version ORDER BY st.position LIMIT 1),
                           t.opened_at, t.closed_at) / 3600.0 AS working_hours
    FROM tickets t
    WHERE t.closed_at >= :from AND t.closed_at < :to AND t.closed_at <= :as_of
),
stats AS (
    SELECT service, count(*) AS closed,
           percentile(hours, 0.5) AS p50_hours, percentile(hours, 0.85) AS p85_hours,
           percentile(hours, 0.95) AS p95_hours, mean(hours) AS mean_hours, max(hours) AS max_hours,
           percentile(working_hours, 0.5) AS p50_working_hours, percentile(working_hours, 0.85) AS p85_working_hours,
           percentile(working_hours, 0.95) AS p95_working_hours
    FROM closed GROUP BY service
)
SELECT s.service, coalesce(st.closed, 0) AS closed, st.p50_hours, st.p85_hours, st.p95_hours, st.mean_hours, st.max_hours,
       st.p50_working_hours, st.p85_working_hours, st.p95_working_hours
FROM (SELECT DISTINCT key AS service FROM services) s
LEFT JOIN stats st ON st.service = s.service
ORDER BY s.service
