-- Cumulative flow of tickets per day of [:from, :to) (UTC days), up to :as_of: arrivals (opened that day),
-- departures (closed or cancelled that day), cumulative arrivals (tickets open when the window began plus every
-- arrival since), cumulative departures since the window began, and WIP at the end of the day (or at :as_of on
-- the day that contains it) = cumulative arrivals - cumulative departures. Only the days within the span of the data
-- (the first ticket opening to the last change at or before :as_of).
-- series: days
WITH RECURSIVE
-- include _span.sql
, days(day_start) AS (
    SELECT from_at - ((from_at % 86400) + 86400) % 86400 FROM span WHERE from_at < to_at AND from_at <= :as_of
    UNION ALL
    SELECT day_start + 86400 FROM days WHERE day_start + 86400 < (SELECT to_at FROM span) AND day_start + 86400 <= :as_of
),
open_at_start AS (
    -- WIP just before :from: tickets opened before it and neither closed nor cancelled before it. Found from the
    -- tickets still open and those ended since :from, so the cost does not grow with history.
    SELECT count(*) AS n FROM (
        SELECT id FROM tickets WHERE state = 'open' AND opened_at < :from
        UNION ALL SELECT id FROM tickets WHERE closed_at >= :from AND opened_at < :from
        UNION ALL SELECT id FROM tickets WHERE cancelled_at >= :from AND opened_at < :from)
),
arrivals AS (
    SELECT opened_at - ((opened_at % 86400) + 86400) % 86400 AS day_start, count(*) AS n FROM tickets
    WHERE opened_at >= :from AND opened_at < :to AND opened_at <= :as_of GROUP BY 1
),
departures AS (
    SELECT ended - ((ended % 86400) + 86400) % 86400 AS day_start, count(*) AS n FROM (
        SELECT closed_at AS ended FROM tickets WHERE closed_at >= :from AND closed_at < :to AND closed_at <= :as_of
        UNION ALL
        SELECT cancelled_at FROM tickets WHERE cancelled_at >= :from AND cancelled_at < :to AND cancelled_at <= :as_of)
    GROUP BY 1
),
daily AS (
    SELECT d.day_start, coalesce(a.n, 0) AS arrivals, coalesce(x.n, 0) AS departures
    FROM days d LEFT JOIN arrivals a ON a.day_start = d.day_start LEFT JOIN departures x ON x.day_start = d.day_start
)
SELECT substr(iso(day_start), 1, 10) AS day, arrivals, departures,
       (SELECT n FROM open_at_start) + sum(arrivals) OVER w AS cumulative_arrivals,
       sum(departures) OVER w AS cumulative_departures,
       (SELECT n FROM open_at_start) + sum(arrivals) OVER w - sum(departures) OVER w AS wip,
       day_start
FROM daily
WINDOW w AS (ORDER BY day_start ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY day_start
