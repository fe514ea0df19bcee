-- Throughput by ISO week and service: tickets opened, closed and cancelled in each week of [:from, :to),
-- counting only events at or before :as_of. Every week of the window within the span of the data (the first ticket
-- opening to the last change at or before :as_of) and every service appears (zeros included).
-- series: weeks
WITH RECURSIVE
-- include _span.sql
, weeks(week_start) AS (
    SELECT week_start(from_at) FROM span WHERE from_at < to_at
    UNION ALL
    SELECT week_start + 7 * 86400 FROM weeks WHERE week_start + 7 * 86400 < (SELECT to_at FROM span)
),
services_known AS (SELECT DISTINCT key AS service FROM services),
opened AS (
    SELECT service, week_start(opened_at) AS week_start, count(*) AS n FROM tickets
    WHERE opened_at >= :from AND opened_at < :to AND opened_at <= :as_of GROUP BY 1, 2
),
closed AS (
    SELECT service, week_start(closed_at) AS week_start, count(*) AS n FROM tickets
    WHERE closed_at >= :from AND closed_at < :to AND closed_at <= :as_of GROUP BY 1, 2
),
cancelled AS (
    SELECT service, week_start(cancelled_at) AS week_start, count(*) AS n FROM tickets
    WHERE cancelled_at >= :from AND cancelled_at < :to AND cancelled_at <= :as_of GROUP BY 1, 2
)
SELECT iso_week(w.week_start) AS week, s.service,
       coalesce(o.n, 0) AS opened, coalesce(c.n, 0) AS closed, coalesce(x.n, 0) AS cancelled,
       w.week_start
FROM weeks w CROSS JOIN services_known s
LEFT JOIN opened o ON o.service = s.service AND o.week_start = w.week_start
LEFT JOIN closed c ON c.service = s.service AND c.week_start = w.week_start
LEFT JOIN cancelled x ON x.service = s.service AND x.week_start = w.week_start
ORDER BY w.week_start, s.service
