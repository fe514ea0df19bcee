-- Fragment (included after a common table target_runs(service, step, working_seconds) of completed runs, e.g. those
-- of done_runs): drafted_targets, per service and step, the runs (runs), the p85 of their working time in step
-- (p85_seconds; type-7 percentile) and the target a drafted definition proposes (drafted_target), the one rounding
-- rule of 'baton service draft' and of the definition_health proposals: that p85 rounded UP to a unit a person would
-- write: up to 45 minutes, the next quarter hour (15m, 30m, 45m; at least 15m); up to 48 hours, the next whole hour
-- (1h ... 48h); up to 14 days, the next whole day (3d ... 14d); beyond, the next whole week (3w, ...). Rounded up,
-- so at least 85 % of the runs it was drafted from met it.
drafted_targets AS (
    SELECT service, step, runs, p85_seconds,
           CASE WHEN q15 <= 3 THEN (max(q15, 1) * 15) || 'm'
                WHEN qh <= 48 THEN qh || 'h'
                WHEN qd <= 14 THEN qd || 'd'
                ELSE qw || 'w' END AS drafted_target
    FROM (SELECT service, step, runs, p85_seconds,
                 CAST(p85_seconds / 900 AS INTEGER) + (p85_seconds / 900 > CAST(p85_seconds / 900 AS INTEGER)) AS q15,
                 CAST(p85_seconds / 3600 AS INTEGER) + (p85_seconds / 3600 > CAST(p85_seconds / 3600 AS INTEGER)) AS qh,
                 CAST(p85_seconds / 86400 AS INTEGER) + (p85_seconds / 86400 > CAST(p85_seconds / 86400 AS INTEGER)) AS qd,
                 CAST(p85_seconds / 604800 AS INTEGER) + (p85_seconds / 604800 > CAST(p85_seconds / 604800 AS INTEGER)) AS qw
          FROM (SELECT service, step, count(*) AS runs, percentile(max(working_seconds, 0) * 1.0, 0.85) AS p85_seconds
                FROM target_runs GROUP BY service, step))
)
