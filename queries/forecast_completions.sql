-- Forecast input: the completions over the :forecast_weeks weeks before :as_of (and :forecast_lookback_weeks more,
-- for the calibration), one row each, by day: per team, its step runs completed (skipped runs excluded, as in team
-- load), and per service, its tickets closed. Days count back from :as_of: day 0 is (as_of - 24 h, as_of], day d is
-- (as_of - (d + 1) x 24 h, as_of - d x 24 h]. The forecast counts the rows per queue and day (days without one
-- count as 0). Rows come in index order, not grouped here: at 1M tickets the calibration's 140 days hold 1.4M
-- completed runs, and a GROUP BY would sort them all (1.5 s) where counting them as they come costs a fraction.
-- param forecast_weeks = 8
-- param forecast_lookback_weeks = 0
SELECT 'team' AS scope, coalesce(team, '') AS key, (:as_of - done_at) / 86400 AS day
FROM step_runs
WHERE done_at > :as_of - (:forecast_weeks + :forecast_lookback_weeks) * 7 * 86400 AND done_at <= :as_of AND state = 'done'
UNION ALL
SELECT 'service', service, (:as_of - closed_at) / 86400
FROM tickets
WHERE closed_at > :as_of - (:forecast_weeks + :forecast_lookback_weeks) * 7 * 86400 AND closed_at <= :as_of
