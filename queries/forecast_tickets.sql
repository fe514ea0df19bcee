-- Forecast per open ticket: when it is likely done. Computed in Swift (Sources/Reporting/Forecast) from
-- forecast_open_work.sql and forecast_durations.sql. In a service from a definition file, each trial draws the time
-- each open step run holds the ticket from the durations of its step that ended in the :forecast_window_days days
-- before :as_of, keeping only those longer than the run's age (survival: it has lasted that long already), and adds
-- a drawn duration for every later step of an ordered service; steps open in parallel (a flexible service) end
-- when the last of them does. Any other ticket (a log-made service, none of its steps open, or a step with fewer
-- than :forecast_min_runs durations) draws its lead time from the tickets of its service closed in the window,
-- longer than its age. eta_p50_at / eta_p85_at: the p50 / p85 of the :trials trials (Hyndman-Fan type 7); method
-- says which model; empty when neither has :forecast_min_runs durations. The same :as_of and :forecast_seed give
-- the same numbers. :forecast_ticket and :forecast_service, when not '', forecast that ticket (of that service) only.
-- computed: forecast_tickets
-- param trials = 10000
-- param forecast_window_days = 90
-- param forecast_min_runs = 20
-- param forecast_seed = 1
-- param forecast_ticket = ''
-- param forecast_service = ''
SELECT :as_of AS as_of, :trials AS trials, :forecast_window_days AS forecast_window_days,
       :forecast_min_runs AS forecast_min_runs, :forecast_seed AS forecast_seed
