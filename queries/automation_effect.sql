-- Did automating (or removing) a step pay off? For every version boundary of a defined service where a step that
-- people worked (present, kind other than automated) becomes `automated` or is removed, the tickets of the versions
-- before the boundary (the run of consecutive versions with the step as it was) are compared with those of the
-- versions after it (the run with the step as it became). Tickets: those of the service closed in [:from, :to), at or
-- before :as_of, each counted once per metric. Per ticket, with its runs as they stood at :as_of:
--   time_in_step_hours     sum of time in step (done - ready) over the step's completed runs; 0 when the ticket has
--                          none (the step was removed, or skipped): the time the ticket spent at the step
--   rework_share           1 when the step was completed more than once (a reopened attempt was done), else 0
--   downstream_wait_hours  wait (started - ready) of the first attempt of the downstream step, the one declared right
--                          after the changed step in version_before; tickets where it never started are left out
-- before / after: the median of each side for the hours, the mean (a share) for rework; difference = after - before.
-- ci_low, ci_high: a :confidence percentile bootstrap of the difference, :resamples resamples of each side's tickets
-- drawn with replacement, SplitMix64 seeded with :seed (bootstrap_difference; the same rows always give the same
-- interval). Lower is better for all three: verdict 'helped' when ci_high < 0, 'worse' when ci_low > 0, else
-- 'no clear change'; 'too-few-tickets' when a side has fewer than :effect_min_tickets tickets.
-- param :effect_min_tickets = 20
-- param :resamples = 2000
-- param :confidence = 0.95
-- param :seed = 1
WITH states AS (
    -- Each step key a service ever declared, in each of its versions: human, automated or absent.
    SELECT v.key AS service, v.version, k.step,
           CASE WHEN ss.key IS NULL THEN 'absent' WHEN ss.kind = 'automated' THEN 'automated' ELSE 'human' END AS state
    FROM services v
    JOIN (SELECT DISTINCT service, key AS step FROM service_steps) k ON k.service = v.key
    LEFT JOIN service_steps ss ON ss.service = v.key AND ss.version = v.version AND ss.key = k.step
),
segments AS (
    -- Runs of consecutive versions with the step in the same state (versions count up from 1 with no gaps).
    SELECT service, step, state, min(version) AS first_version, max(version) AS last_version
    FROM (SELECT s.*, version - row_number() OVER (PARTITION BY service, step, state ORDER BY version) AS island FROM states s)
    GROUP BY service, step, state, island
),
changes AS (
    SELECT a.service, a.step, CASE a.state WHEN 'automated' THEN 'automated' ELSE 'removed' END AS change,
           b.first_version AS before_first, b.last_version AS version_before,
           a.first_version AS version_after, a.last_version AS after_last,
           (SELECT n.key FROM service_steps n JOIN service_steps me ON me.service = n.service AND me.version = n.version
            WHERE me.service = a.service AND me.version = b.last_version AND me.key = a.step AND n.position > me.position
            ORDER BY n.position LIMIT 1) AS downstream_step
    FROM segments a JOIN segments b ON b.service = a.service AND b.step = a.step AND b.last_version = a.first_version - 1
    WHERE a.state IN ('automated', 'absent') AND b.state = 'human'
),
samples AS MATERIALIZED (
    SELECT c.service, c.step, c.change, c.version_before, c.version_after, c.downstream_step,
           t.service_version >= c.version_after AS side,
           coalesce((SELECT sum(r.done_at - r.ready_at) FROM step_runs r
                     WHERE r.ticket_id = t.id AND r.step = c.step AND r.state = 'done' AND r.done_at <= :as_of
                       AND r.ready_at IS NOT NULL), 0) / 3600.0 AS time_in_step_hours,
           coalesce((SELECT count(*) > 1 FROM step_runs r
                     WHERE r.ticket_id = t.id AND r.step = c.step AND r.state = 'done' AND r.done_at <= :as_of), 0) AS reworked,
           (SELECT (r.started_at - r.ready_at) / 3600.0 FROM step_runs r
            WHERE r.ticket_id = t.id AND r.step = c.downstream_step AND r.attempt = 1 AND r.started_at <= :as_of
              AND r.ready_at IS NOT NULL) AS downstream_wait_hours
    FROM changes c
    JOIN tickets t ON t.service = c.service AND t.service_version BETWEEN c.before_first AND c.after_last
    WHERE t.closed_at >= :from AND t.closed_at < :to AND t.closed_at <= :as_of
),
metrics AS (
    SELECT service, step, change, version_before, version_after, downstream_step, side,
           'time_in_step_hours' AS metric, 1 AS metric_order, 'median' AS statistic, time_in_step_hours AS value FROM samples
    UNION ALL
    SELECT service, step, change, version_before, version_after, downstream_step, side,
           'rework_share', 2, 'mean', reworked FROM samples
    UNION ALL
    SELECT service, step, change, version_before, version_after, downstream_step, side,
           'downstream_wait_hours', 3, 'median', downstream_wait_hours FROM samples WHERE downstream_step IS NOT NULL
),
compared AS (
    SELECT service, step, change, version_before, version_after, downstream_step, metric, metric_order, statistic,
           bootstrap_difference(value, side, statistic, :resamples, :confidence, :seed) AS b
    FROM metrics GROUP BY service, step, change, version_before, version_after, metric
)
SELECT service, step, change, version_before, version_after,
       json_extract(b, '$.n_before') AS tickets_before, json_extract(b, '$.n_after') AS tickets_after,
       metric, statistic,
       json_extract(b, '$.before') AS before, json_extract(b, '$.after') AS after,
       json_extract(b, '$.difference') AS difference,
       json_extract(b, '$.ci_low') AS ci_low, json_extract(b, '$.ci_high') AS ci_high,
       CASE WHEN json_extract(b, '$.n_before') < :effect_min_tickets OR json_extract(b, '$.n_after') < :effect_min_tickets
                THEN 'too-few-tickets'
            WHEN json_extract(b, '$.ci_high') < 0 THEN 'helped'
            WHEN json_extract(b, '$.ci_low') > 0 THEN 'worse'
            ELSE 'no clear change' END AS verdict,
       CASE WHEN metric = 'downstream_wait_hours' THEN downstream_step END AS downstream_step
FROM compared
ORDER BY service, step, version_after, metric_order
