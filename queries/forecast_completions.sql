-- Forecast input: completions per day over the :forecast_weeks weeks before :as_of (and :forecast_lookback_weeks
-- more, for the calibration): per team, its step runs completed (skipped runs excluded, as in team load), and per
-- service, its tickets closed. Days count back from :as_of: day 0 is (as_of - 24 h, as_of], day d is
-- (as_of - (d + 1) x 24 h, as_of - d x 24 h]. Days without a completion have no row (they count as 0).
-- param forecast_weeks = 8
-- param forecast_lookback_weeks = 0
SELECT 'team' AS scope, coalesce(team, '') AS key, (:as_of - done_at) / 86400 AS day, count(*) AS completions
FROM step_runs
WHERE done_at > :as_of - (:forecast_weeks + :forecast_lookback_weeks) * 7 * 86400 AND done_at <= :as_of AND state = 'done'
GROUP BY 1, 2, 3
UNION ALL
SELECT 'service', service, (:as_of - closed_at) / 86400, count(*)
FROM tickets
WHERE closed_at > :as_of - (:forecast_weeks + :forecast_lookback_weeks) * 7 * 86400 AND closed_at <= :as_of
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
