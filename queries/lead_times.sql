-- Lead time (closed_at - opened_at, hours) of tickets closed in [:from, :to) and at or before :as_of, by service.
-- Every service appears; one with no closed tickets has closed = 0 and empty percentiles.
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH closed AS (
    SELECT service, (closed_at - opened_at) / 3600.0 AS hours FROM tickets
    WHERE closed_at >= :from AND closed_at < :to AND closed_at <= :as_of
),
stats AS (
    SELECT service, count(*) AS closed,
           percentile(hours, 0.5) AS p50_hours, percentile(hours, 0.85) AS p85_hours,
           percentile(hours, 0.95) AS p95_hours, avg(hours) AS mean_hours, max(hours) AS max_hours
    FROM closed GROUP BY service
)
SELECT s.service, coalesce(st.closed, 0) AS closed, st.p50_hours, st.p85_hours, st.p95_hours, st.mean_hours, st.max_hours
FROM (SELECT DISTINCT key AS service FROM services) s
LEFT JOIN stats st ON st.service = s.service
ORDER BY s.service
