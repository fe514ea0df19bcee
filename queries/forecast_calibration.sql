-- Forecasts checked against what then happened. For each of the :calibration_points weekly instants before :as_of
-- (as_of - 7 d, as_of - 14 d, ...), the ticket and queue forecasts made as of that instant, with only what was known
-- then (forecast_tickets.sql, forecast.sql), against forecast_outcomes.sql as of :as_of. Censoring: a ticket counts
-- only once its p85 instant is at or before :as_of, whether it has closed or not (so its outcome is known at both
-- its p50 and p85, and the selection depends on the forecast, not on the outcome); one cancelled by its p85 instant
-- is left out (it will never close). tickets = those counted; closed_by_p50 / closed_by_p85 = those closed at or
-- before their p50 / p85 instant; coverage = closed / tickets (a calibrated forecast gives about 0.5 and 0.85).
-- A team queue counts once its clear_p85_at is at or before :as_of; it cleared when the team completed at least its
-- open work after the instant and by clear_p85_at. The row 'all' sums every instant. verdict: over-confident (the
-- ETAs are too early) when coverage_p85 is below 0.85 by more than the larger of twice its binomial standard error
-- and 0.025 (a ticket open for several weeks counts at each), under-confident (too late) when above, else
-- calibrated; too few under 20 tickets. The past ticket forecasts take :calibration_trials trials per key (2,000:
-- each ETA's percentile then has a Monte Carlo error of about 0.8 points, which averages out over the tickets; the
-- queue forecasts take :trials).
-- computed: forecast_calibration
-- param calibration_points = 12
-- param trials = 10000
-- param calibration_trials = 2000
-- param forecast_window_days = 90
-- param forecast_weeks = 8
-- param forecast_min_runs = 20
-- param forecast_seed = 1
SELECT :as_of AS as_of, :calibration_points AS calibration_points, :calibration_trials AS calibration_trials, :trials AS trials,
       :forecast_window_days AS forecast_window_days, :forecast_weeks AS forecast_weeks,
       :forecast_min_runs AS forecast_min_runs, :forecast_seed AS forecast_seed
