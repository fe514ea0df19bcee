-- Lead time (closed_at - opened_at, hours) of tickets closed in [:from, :to) and at or before :as_of, by service.
-- Every service appears; one with no closed tickets has closed = 0 and empty percentiles. Working lead time
-- (p50/p85/p95_working_hours): the working time in [opened_at, closed_at] of the calendar of the service's first
-- step (its own, else its team's, in the ticket's service version: the desk that takes the request in), 24x7 without.
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH first_steps AS MATERIALIZED (
    -- The calendar of each service version's first step, worked out once per version, not once per ticket (with
    -- min(), SQLite takes the bare columns from the row holding the minimum: one row per version).
    SELECT service, version, run_calendar(service, version, key, team) AS calendar, min(position) AS position
    FROM service_steps GROUP BY service, version
),
closed AS MATERIALIZED (
    SELECT t.service, (t.closed_at - t.opened_at) / 3600.0 AS hours,
           working_seconds(f.calendar, t.opened_at, t.closed_at) / 3600.0 AS working_hours
    FROM tickets t LEFT JOIN first_steps f ON f.service = t.service AND f.version = t.service_version
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
