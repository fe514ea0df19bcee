-- Forecast input for the calibration: the tickets closed or cancelled in the :forecast_lookback_days days before
-- :as_of, with when. A forecast made as of an earlier instant is checked against these.
-- param forecast_lookback_days = 84
SELECT id AS ticket_id, closed_at, NULL AS cancelled_at FROM tickets
WHERE closed_at > :as_of - :forecast_lookback_days * 86400 AND closed_at <= :as_of
UNION ALL
SELECT id, NULL, cancelled_at FROM tickets
WHERE cancelled_at > :as_of - :forecast_lookback_days * 86400 AND cancelled_at <= :as_of
