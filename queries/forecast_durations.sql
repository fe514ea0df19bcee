-- Forecast input: how long each step held a ticket, and how long tickets took, over the :forecast_window_days days
-- before :as_of (and :forecast_lookback_days more before them, for the calibration, which forecasts as of earlier
-- instants). One row per step run that ended in the span, completed or skipped (the time it held the ticket:
-- ended_at - ready_at; a skipped step is part of how long tickets take), and one row per ticket closed in it, with
-- step '' (its lead time: closed_at - opened_at). Only events at or before :as_of are seen; a run or ticket that
-- ended by then never changes again. :forecast_service, when not '', keeps that service's rows only (`baton ticket
-- show` forecasts one ticket).
-- param forecast_window_days = 90
-- param forecast_lookback_days = 0
-- param forecast_service = ''
SELECT r.service, r.step, r.ready_at AS began_at, r.done_at AS ended_at
FROM step_runs r
WHERE r.done_at > :as_of - (:forecast_window_days + :forecast_lookback_days) * 86400 AND r.done_at <= :as_of
  AND r.state IN ('done', 'skipped') AND r.ready_at IS NOT NULL AND r.ready_at <= r.done_at
  AND (:forecast_service = '' OR r.service = :forecast_service)
UNION ALL
SELECT t.service, '' AS step, t.opened_at AS began_at, t.closed_at AS ended_at
FROM tickets t
WHERE t.closed_at > :as_of - (:forecast_window_days + :forecast_lookback_days) * 86400 AND t.closed_at <= :as_of
  AND (:forecast_service = '' OR t.service = :forecast_service)
