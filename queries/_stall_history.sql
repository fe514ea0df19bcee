-- Fragment (included after done_runs over the stall window, see stalled.sql): history, the runs completed in the
-- window per service and step of the open runs, and the :stall_percentile of their working time in step (hours).
-- 'baton alerts' replaces this fragment with the same numbers from its cache of completed runs per day.
history AS (
    SELECT service, step, count(*) AS runs,
           percentile(working_seconds / 3600.0, :stall_percentile) AS percentile_hours
    FROM done_runs
    WHERE (service, step) IN (SELECT service, step FROM open_runs)  -- only the steps with open runs
    GROUP BY service, step
)
