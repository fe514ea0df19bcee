-- Forecast per queue: when today's open work clears and how many will be done by a date. One row per team (its step
-- runs open at :as_of) and per service (its tickets open at :as_of). Computed in Swift (Sources/Reporting/Forecast)
-- from forecast_completions.sql: each of :trials seeded trials draws days at random, with replacement, from the
-- queue's daily completions over the :forecast_weeks weeks before :as_of (a bootstrap), until the drawn completions
-- reach the open work; clear_p50_at / clear_p85_at = as_of + the p50 / p85 of the days that took (Hyndman-Fan type
-- 7, rounded up to whole days; empty when the queue completed nothing in those weeks). by_p50, by_p85, by_p95 = how
-- many it completes by by_at = as_of + :forecast_horizon_days days with 50 / 85 / 95 % probability (the p50, p15 and
-- p5 of the drawn sums, rounded down). Arrivals are not simulated: a queue clears when its completions reach
-- today's open work. The same :as_of and :forecast_seed give the same numbers.
-- computed: forecast
-- param trials = 10000
-- param forecast_weeks = 8
-- param forecast_horizon_days = 28
-- param forecast_seed = 1
SELECT :as_of AS as_of, :trials AS trials, :forecast_weeks AS forecast_weeks,
       :forecast_horizon_days AS forecast_horizon_days, :forecast_seed AS forecast_seed
