-- Automation readiness of each step over [:from, :to), events at or before :as_of, ranked by work hours per week.
--   runs                 completed runs n (skipped runs are not runs here)
--   median_work_hours    median of work (done_at - started_at), or of time in step (done_at - ready_at) for a
--                        run with no started event
--   cv                   coefficient of variation of the same measure: sample standard deviation / mean
--   rework_rate          runs with attempt > 1 / n
--   skip_rate            skipped / (n + skipped)
--   work_hours_per_week  sum of the measure / weeks in the window
-- Verdict: keep-human for approval (judgment) steps; too-few-runs under :min_runs runs; ready when
-- cv <= :ready_cv, rework_rate <= :ready_rework and skip_rate <= :ready_skip; otherwise stabilise-first,
-- with the reasons.
-- param :min_runs = 30
-- param :ready_cv = 0.5
-- param :ready_rework = 0.05
-- param :ready_skip = 0.10
WITH measured AS (
    SELECT service, step, coalesce(team, '') AS team, attempt,
           (done_at - coalesce(started_at, ready_at)) / 3600.0 AS hours
    FROM step_runs
    WHERE state = 'done' AND done_at >= :from AND done_at < :to AND done_at <= :as_of AND ready_at IS NOT NULL
),
completed AS (
    SELECT service, step, team, count(*) AS runs, median(hours) AS median_work_hours,
           stdev(hours) / nullif(avg(hours), 0) AS cv,
           sum(attempt > 1) * 1.0 / count(*) AS rework_rate,
           sum(hours) AS work_hours
    FROM measured GROUP BY service, step, team
),
skipped AS (
    SELECT service, step, coalesce(team, '') AS team, count(*) AS skipped FROM step_runs
    WHERE state = 'skipped' AND done_at >= :from AND done_at < :to AND done_at <= :as_of
    GROUP BY 1, 2, 3
),
steps AS (
    SELECT service, step, team FROM completed UNION SELECT service, step, team FROM skipped
),
rated AS (
    SELECT s.service, s.step, s.team,
           coalesce((SELECT kind FROM service_steps ss WHERE ss.service = s.service AND ss.key = s.step
                     ORDER BY ss.version DESC LIMIT 1), 'task') AS kind,
           coalesce(c.runs, 0) AS runs, c.median_work_hours, c.cv,
           coalesce(c.rework_rate, 0.0) AS rework_rate,
           coalesce(k.skipped, 0) * 1.0 / (coalesce(c.runs, 0) + coalesce(k.skipped, 0)) AS skip_rate,
           coalesce(c.work_hours, 0.0) / ((:to - :from) / 604800.0) AS work_hours_per_week,
           coalesce(k.skipped, 0) AS skipped
    FROM steps s
    LEFT JOIN completed c ON c.service = s.service AND c.step = s.step AND c.team = s.team
    LEFT JOIN skipped k ON k.service = s.service AND k.step = s.step AND k.team = s.team
),
reasoned AS (
    SELECT r.*,
           rtrim(
               CASE WHEN cv IS NULL THEN 'cv unknown (fewer than 2 runs or zero mean); '
                    WHEN cv > :ready_cv THEN printf('cv %.2f > %g; ', cv, :ready_cv) ELSE '' END ||
               CASE WHEN rework_rate > :ready_rework THEN printf('rework %.1f%% > %g%%; ', rework_rate * 100, :ready_rework * 100) ELSE '' END ||
               CASE WHEN skip_rate > :ready_skip THEN printf('skips %.1f%% > %g%%; ', skip_rate * 100, :ready_skip * 100) ELSE '' END,
               '; ') AS problems
    FROM rated r
)
SELECT service, step, team, kind, runs, median_work_hours, cv, rework_rate, skip_rate, work_hours_per_week,
       CASE WHEN kind = 'approval' THEN 'keep-human'
            WHEN runs < :min_runs THEN 'too-few-runs'
            WHEN problems = '' THEN 'ready'
            ELSE 'stabilise-first' END AS verdict,
       CASE WHEN kind = 'approval' THEN 'approval steps need human judgment'
            WHEN runs < :min_runs THEN printf('%d runs < %d', runs, :min_runs)
            WHEN problems = '' THEN printf('cv %.2f <= %g, rework %.1f%% <= %g%%, skips %.1f%% <= %g%%', cv, :ready_cv,
                                           rework_rate * 100, :ready_rework * 100, skip_rate * 100, :ready_skip * 100)
            ELSE problems END AS reasons,
       skipped
FROM reasoned
ORDER BY work_hours_per_week DESC, service, step, team
