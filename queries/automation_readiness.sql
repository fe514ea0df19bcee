-- Automation readiness of each step over [:from, :to), events at or before :as_of: one row per service and step.
-- Each signal describes the step itself, not its queue. Work = done_at - started_at, over the runs with a
-- started event (wait is the queue's). Columns:
--   team                 the team that completed most of the step's runs in the last :order_days days of the window
--                        (a step routed to several teams is one step)
--   runs                 completed runs n (skipped runs are not runs here)
--   median_work_hours    median of work
--   cv                   coefficient of variation of work (sample standard deviation / mean), shown only: a
--                        lognormal work time with sigma >= 0.47 already has cv > 0.5
--   work_spread          sample standard deviation of ln(work), the sigma of a lognormal work time: 0.2 for work
--                        done the same way each time, 0.6 for ordinary human work, 1.2 for work that varies widely
--   drift                geometric mean of work in the window's second half / that of its first half, minus 1
--                        (0.4: work became 40 % longer)
--   predecessor          the step most often finished just before this one began (the ticket's first attempts;
--                        '(first)' when none had finished), and predecessor_share the share of first attempts with it
--   position_share       share of first attempts at the step's most common place (how many of the ticket's steps
--                        had finished before it began); both over the first attempts completed in the last
--                        :order_days days of the window (the current practice, and a bounded read); judged only
--                        in services with an order (enforced, or made from a log): a flexible service's steps
--                        may be worked in any order by design
--   reassigned_share     share of runs that changed team before they were done
--   started_share        share of runs with a started event (work is unknown without one)
--   rework_rate          runs with attempt > 1 / n
--   skip_rate            skipped / (n + skipped)
--   work_hours_per_week  sum of work (time in step for runs without a started event) / weeks in the window
-- Verdict, first that applies: keep-human (approval steps need judgment); automated (already automated steps);
-- too-few-runs (under :min_runs); needs-start-events (started_share < :min_started: no guess from time in step,
-- which is mostly queue wait); ready when every signal is within its threshold; otherwise stabilise-first, with
-- every reason that held it back and the numbers behind it. Rows: ready steps first, then by work hours per week.
-- param :min_runs = 30
-- param :min_started = 0.5
-- param :ready_spread = 0.5
-- param :ready_drift = 0.25
-- param :ready_predecessor = 0.9
-- param :ready_position = 0.9
-- param :ready_reassigned = 0.1
-- param :ready_rework = 0.05
-- param :ready_skip = 0.10
-- param :order_days = 14
WITH done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
, done AS (
    SELECT service, step, team, attempt, reassignments,
           CASE WHEN started_at IS NOT NULL THEN (done_at - started_at) / 3600.0 END AS work,
           CASE WHEN started_at IS NOT NULL THEN ln(max(done_at - started_at, 1) / 3600.0) END AS log_work,
           done_at - coalesce(started_at, ready_at) AS effort_seconds,
           done_at >= (:from + :to) / 2 AS second_half
    FROM done_runs
),
skips AS (
    -- Skipped runs that ended in the window, read from the ended-runs index.
    SELECT service, step, count(*) AS skipped, max(coalesce(team, '')) AS any_team FROM step_runs
    WHERE state = 'skipped' AND done_at >= :from AND done_at < :to AND done_at <= :as_of AND ready_at IS NOT NULL
    GROUP BY service, step
),
done_steps AS (
    SELECT service, step, count(*) AS runs, max(team) AS any_team,
           median(work) AS median_work_hours,
           stdev(work) / nullif(mean(work), 0) AS cv,
           stdev(log_work) AS work_spread,
           exp(mean(CASE WHEN second_half THEN log_work END) - mean(CASE WHEN NOT second_half THEN log_work END)) - 1 AS drift,
           exp(mean(CASE WHEN NOT second_half THEN log_work END)) AS first_half_hours,
           exp(mean(CASE WHEN second_half THEN log_work END)) AS second_half_hours,
           sum(reassignments > 0) * 1.0 / count(*) AS reassigned_share,
           count(work) * 1.0 / count(*) AS started_share,
           sum(attempt > 1) * 1.0 / count(*) AS rework_rate,
           sum(effort_seconds) / 3600.0 AS effort_hours
    FROM done GROUP BY service, step
),
steps AS (
    -- Every step with a run that ended in the window: completed runs (done_steps), skipped ones (skips), or both.
    SELECT coalesce(d.service, k.service) AS service, coalesce(d.step, k.step) AS step, coalesce(d.runs, 0) AS runs,
           max(coalesce(d.any_team, ''), coalesce(k.any_team, '')) AS any_team, d.median_work_hours, d.cv,
           d.work_spread, d.drift, d.first_half_hours, d.second_half_hours, d.reassigned_share, d.started_share,
           d.rework_rate, d.effort_hours, coalesce(k.skipped, 0) AS skipped
    FROM done_steps d FULL JOIN skips k ON k.service = d.service AND k.step = d.step
),
firsts AS MATERIALIZED (
    -- Where each recent first attempt stood in its ticket: the step of the first attempt that finished last before it
    -- began, and how many had finished by then.
    SELECT e.service, e.step, e.team,
           coalesce((SELECT p.step FROM step_runs p
                     WHERE p.ticket_id = e.ticket_id AND p.attempt = 1 AND p.step <> e.step AND p.done_at <= coalesce(e.started_at, e.done_at)
                       AND (p.state = 'done' OR p.state = 'skipped')
                     ORDER BY p.done_at DESC, p.id DESC LIMIT 1), '(first)') AS predecessor,
           (SELECT count(*) FROM step_runs p
            WHERE p.ticket_id = e.ticket_id AND p.attempt = 1 AND p.step <> e.step AND p.done_at <= coalesce(e.started_at, e.done_at)
              AND (p.state = 'done' OR p.state = 'skipped')) AS place
    FROM (SELECT ticket_id, service, step, coalesce(team, '') AS team, started_at, done_at FROM step_runs
          WHERE state = 'done' AND attempt = 1 AND done_at >= max(:from, :to - :order_days * 86400) AND done_at < :to
            AND done_at <= :as_of AND ready_at IS NOT NULL) e
),
ranked AS (
    SELECT service, step, 'predecessor' AS signal, predecessor AS value, count(*) AS n FROM firsts GROUP BY 1, 2, 4
    UNION ALL SELECT service, step, 'place', place, count(*) FROM firsts GROUP BY 1, 2, 4
    UNION ALL SELECT service, step, 'team', team, count(*) FROM firsts GROUP BY 1, 2, 4
),
usual AS (
    SELECT service, step, signal, value, n * 1.0 / sum(n) OVER (PARTITION BY service, step, signal) AS share,
           row_number() OVER (PARTITION BY service, step, signal ORDER BY n DESC, value) AS rank
    FROM ranked
),
rated AS (
    SELECT s.service, s.step, coalesce(tm.value, s.any_team) AS team,
           coalesce((SELECT kind FROM service_steps ss WHERE ss.service = s.service AND ss.key = s.step
                     ORDER BY ss.version DESC LIMIT 1), 'task') AS kind,
           coalesce((SELECT enforce_order FROM services sv WHERE sv.key = s.service ORDER BY sv.version DESC LIMIT 1), 1) AS ordered,
           s.runs, s.median_work_hours, s.cv, s.work_spread, s.drift, s.first_half_hours, s.second_half_hours,
           pr.value AS predecessor, pr.share AS predecessor_share, pl.share AS position_share,
           coalesce(s.reassigned_share, 0.0) AS reassigned_share, coalesce(s.started_share, 0.0) AS started_share,
           coalesce(s.rework_rate, 0.0) AS rework_rate,
           s.skipped * 1.0 / (s.runs + s.skipped) AS skip_rate,
           coalesce(s.effort_hours, 0.0) / ((:to - :from) / 604800.0) AS work_hours_per_week,
           s.skipped
    FROM steps s
    LEFT JOIN usual pr ON pr.service = s.service AND pr.step = s.step AND pr.signal = 'predecessor' AND pr.rank = 1
    LEFT JOIN usual pl ON pl.service = s.service AND pl.step = s.step AND pl.signal = 'place' AND pl.rank = 1
    LEFT JOIN usual tm ON tm.service = s.service AND tm.step = s.step AND tm.signal = 'team' AND tm.rank = 1
),
reasoned AS (
    SELECT r.*,
           rtrim(
               CASE WHEN work_spread IS NULL THEN 'work spread unknown (fewer than 2 runs with a start); '
                    WHEN work_spread > :ready_spread THEN printf('work spread %.2f > %g; ', work_spread, :ready_spread) ELSE '' END ||
               CASE WHEN drift IS NULL THEN 'drift unknown (no work in one half of the window); '
                    WHEN abs(drift) > :ready_drift THEN printf('work %s %.0f%% in %d weeks (%.2f h, then %.2f h) > %g%%; ',
                                                        CASE WHEN drift > 0 THEN 'rose' ELSE 'fell' END, abs(drift) * 100,
                                                        (:to - :from) / 604800, first_half_hours, second_half_hours, :ready_drift * 100)
                    ELSE '' END ||
               CASE WHEN NOT ordered THEN ''
                    WHEN predecessor_share IS NULL THEN printf('order unknown (no first attempt in the last %d days); ', :order_days)
                    WHEN predecessor_share < :ready_predecessor THEN printf('same predecessor (%s) in %.0f%% < %g%%; ', predecessor,
                                                                           predecessor_share * 100, :ready_predecessor * 100) ELSE '' END ||
               CASE WHEN ordered AND position_share < :ready_position THEN printf('same place in %.0f%% < %g%%; ', position_share * 100, :ready_position * 100) ELSE '' END ||
               CASE WHEN reassigned_share > :ready_reassigned THEN printf('reassigned %.0f%% > %g%%; ', reassigned_share * 100, :ready_reassigned * 100) ELSE '' END ||
               CASE WHEN rework_rate > :ready_rework THEN printf('rework %.1f%% > %g%%; ', rework_rate * 100, :ready_rework * 100) ELSE '' END ||
               CASE WHEN skip_rate > :ready_skip THEN printf('skips %.1f%% > %g%%; ', skip_rate * 100, :ready_skip * 100) ELSE '' END,
               '; ') AS problems
    FROM rated r
),
judged AS (
    SELECT r.*,
           CASE WHEN kind = 'approval' THEN 'keep-human'
                WHEN kind = 'automated' THEN 'automated'
                WHEN runs < :min_runs THEN 'too-few-runs'
                WHEN started_share < :min_started THEN 'needs-start-events'
                WHEN problems = '' THEN 'ready'
                ELSE 'stabilise-first' END AS verdict
    FROM reasoned r
)
SELECT service, step, team, kind, runs, median_work_hours, cv, rework_rate, skip_rate, work_hours_per_week, verdict,
       CASE verdict
            WHEN 'keep-human' THEN 'approval steps need human judgment'
            WHEN 'automated' THEN 'the step is already automated'
            WHEN 'too-few-runs' THEN printf('%d runs < %d', runs, :min_runs)
            WHEN 'needs-start-events' THEN printf('work is known for %.0f%% of runs < %g%%: the log needs started events', started_share * 100, :min_started * 100)
            WHEN 'ready' THEN printf('work spread %.2f <= %g, work %+.0f%% over the window, %sreassigned %.0f%%, rework %.1f%%, skips %.1f%%',
                                     work_spread, :ready_spread, drift * 100,
                                     CASE WHEN ordered THEN printf('same predecessor in %.0f%%, same place in %.0f%%, ', predecessor_share * 100, position_share * 100)
                                          ELSE 'any order (a flexible service), ' END,
                                     reassigned_share * 100, rework_rate * 100, skip_rate * 100)
            ELSE problems END AS reasons,
       work_spread, drift, predecessor, predecessor_share, position_share, reassigned_share, started_share, skipped
FROM judged
ORDER BY verdict = 'ready' DESC, work_hours_per_week DESC, service, step
