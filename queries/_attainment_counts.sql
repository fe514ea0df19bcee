-- Fragment (included after done_runs, see alerts_attainment.sql): attainment_counts, per team (that completed the
-- run), service and step, the completed runs whose step has a target (runs) and those within it (met).
-- 'baton alerts' replaces this fragment with the same counts from its cache of completed runs per day.
attainment_counts AS (
    SELECT team, service, step, count(*) AS runs, sum(working_seconds <= target_seconds) AS met
    FROM done_runs WHERE target_seconds IS NOT NULL
    GROUP BY team, service, step
)
