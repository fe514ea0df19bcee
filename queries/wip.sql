-- WIP over time by service: tickets opened at or before t and neither closed nor cancelled at t, where t is the
-- end of each UTC day of [:from, :to) (the last second of the day), or :as_of on the day that contains it; the days
-- within the span of the data only (the first ticket opening to the last change at or before :as_of).
-- series: days
WITH RECURSIVE
-- include _span.sql
, days(day_start) AS (
    SELECT from_at - ((from_at % 86400) + 86400) % 86400 FROM span WHERE from_at < to_at AND from_at <= :as_of
    UNION ALL
    SELECT day_start + 86400 FROM days WHERE day_start + 86400 < (SELECT to_at FROM span) AND day_start + 86400 <= :as_of
),
first_day AS (SELECT min(day_start) AS t FROM days),
open_at_start AS (
    -- Open just before the first day: from the tickets still open and those ended since (not from all history).
    SELECT service, count(*) AS n FROM (
        SELECT service FROM tickets, first_day WHERE state = 'open' AND opened_at < first_day.t
        UNION ALL SELECT service FROM tickets, first_day WHERE closed_at >= first_day.t AND opened_at < first_day.t
        UNION ALL SELECT service FROM tickets, first_day WHERE cancelled_at >= first_day.t AND opened_at < first_day.t)
    GROUP BY service
),
changes AS (
    SELECT service, opened_at - ((opened_at % 86400) + 86400) % 86400 AS day_start, 1 AS delta FROM tickets, first_day
    WHERE opened_at >= first_day.t AND opened_at < :to AND opened_at <= :as_of
    UNION ALL
    SELECT service, closed_at - ((closed_at % 86400) + 86400) % 86400, -1 FROM tickets, first_day
    WHERE closed_at >= first_day.t AND closed_at < :to AND closed_at <= :as_of
    UNION ALL
    SELECT service, cancelled_at - ((cancelled_at % 86400) + 86400) % 86400, -1 FROM tickets, first_day
    WHERE cancelled_at >= first_day.t AND cancelled_at < :to AND cancelled_at <= :as_of
),
per_day AS (SELECT service, day_start, sum(delta) AS delta FROM changes GROUP BY service, day_start),
daily AS (
    SELECT d.day_start, s.service, coalesce(p.delta, 0) AS delta
    FROM days d CROSS JOIN (SELECT DISTINCT key AS service FROM services) s
    LEFT JOIN per_day p ON p.service = s.service AND p.day_start = d.day_start
)
SELECT substr(iso(d.day_start), 1, 10) AS day, d.service,
       coalesce(o.n, 0) + sum(d.delta) OVER (PARTITION BY d.service ORDER BY d.day_start
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS wip,
       min(d.day_start + 86399, :as_of) AS at
FROM daily d LEFT JOIN open_at_start o ON o.service = d.service
ORDER BY d.day_start, d.service
