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
WITH ended AS (
    -- One pass over the runs that ended in the window: completed runs with their measure, and skipped runs.
    SELECT service, step, coalesce(team, '') AS team, state, attempt,
           CASE WHEN state = 'done' THEN (done_at - coalesce(started_at, ready_at)) / 3600.0 END AS hours
    FROM step_runs
    WHERE state IN ('done', 'skipped') AND done_at >= :from AND done_at < :to AND done_at <= :as_of
      AND ready_at IS NOT NULL
),
steps AS (
    SELECT service, step, team, sum(state = 'done') AS runs, median(hours) AS median_work_hours,
           stdev(hours) / nullif(avg(hours), 0) AS cv,
           sum(state = 'done' AND attempt > 1) * 1.0 / nullif(sum(state = 'done'), 0) AS rework_rate,
           sum(hours) AS work_hours, sum(state = 'skipped') AS skipped
    FROM ended GROUP BY service, step, team
),
rated AS (
    SELECT s.service, s.step, s.team,
           coalesce((SELECT kind FROM service_steps ss WHERE ss.service = s.service AND ss.key = s.step
                     ORDER BY ss.version DESC LIMIT 1), 'task') AS kind,
           s.runs, s.median_work_hours, s.cv,
           coalesce(s.rework_rate, 0.0) AS rework_rate,
           s.skipped * 1.0 / (s.runs + s.skipped) AS skip_rate,
           coalesce(s.work_hours, 0.0) / ((:to - :from) / 604800.0) AS work_hours_per_week,
           s.skipped
    FROM steps s
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
