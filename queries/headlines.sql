-- Headline numbers for [:from, :to), events at or before :as_of: tickets opened, closed and cancelled, lead-time
-- p50 and p85 (hours) of the tickets closed, open tickets (WIP) at :as_of, and targets_met: the share of step runs
-- completed in the window whose step has a target that met it (working time in step at most the target; see
-- service_levels.sql), empty when none had a target.
-- Percentiles: linear interpolation between closest ranks (Hyndman-Fan type 7, Excel PERCENTILE.INC).
WITH done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
SELECT
    (SELECT count(*) FROM tickets WHERE opened_at >= :from AND opened_at < :to AND opened_at <= :as_of) AS opened,
    (SELECT count(*) FROM tickets WHERE closed_at >= :from AND closed_at < :to AND closed_at <= :as_of) AS closed,
    (SELECT count(*) FROM tickets WHERE cancelled_at >= :from AND cancelled_at < :to AND cancelled_at <= :as_of) AS cancelled,
    (SELECT percentile((closed_at - opened_at) / 3600.0, 0.5) FROM tickets
     WHERE closed_at >= :from AND closed_at < :to AND closed_at <= :as_of) AS lead_time_p50_hours,
    (SELECT percentile((closed_at - opened_at) / 3600.0, 0.85) FROM tickets
     WHERE closed_at >= :from AND closed_at < :to AND closed_at <= :as_of) AS lead_time_p85_hours,
    (SELECT count(*) FROM (
        SELECT id FROM tickets WHERE state = 'open' AND opened_at <= :as_of
        UNION ALL SELECT id FROM tickets WHERE closed_at > :as_of AND opened_at <= :as_of
        UNION ALL SELECT id FROM tickets WHERE cancelled_at > :as_of AND opened_at <= :as_of)) AS open_tickets,
    (SELECT 1.0 * sum(working_seconds <= target_seconds) / count(*) FROM done_runs WHERE target_seconds IS NOT NULL) AS targets_met
