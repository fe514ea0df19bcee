-- Service draft: what 'baton service draft' infers for each step of :service from its history (the steps' order
-- comes from service_draft_order). Over the tickets of :service closed in [:from, :to) and at or before :as_of, with
-- their runs completed or skipped at or before :as_of: tickets (the service's closed tickets), done_tickets (those
-- with a completed run of the step), skipped_tickets (a skipped run and no completed one), left_out_share = 1 -
-- done_tickets / tickets (skipped or never run); first/last_closed_at: the first and last closing among them, optional = left_out_share > :optional_share. Over the step's runs
-- completed in [:from, :to) at or before :as_of (any ticket): team = the modal team (the team that completed most of
-- them; ties by team key; NULL for runs with no team), team_share = its runs / runs, runs, p85_hours (the p85 of
-- working time in step, as service_levels counts it) and target, that p85 rounded up (see _drafted_targets.sql).
-- param :service = ''
-- param :optional_share = 0.30
WITH done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
, runs AS MATERIALIZED (
    -- done_runs once (its working time is worked out per run): the targets and the teams read it.
    SELECT service, step, team, working_seconds FROM done_runs WHERE service = :service
),
target_runs AS (SELECT service, step, working_seconds FROM runs),
-- include _drafted_targets.sql
, closed AS MATERIALIZED (
    SELECT t.id, t.closed_at FROM tickets t
    WHERE t.service = :service AND t.closed_at >= :from AND t.closed_at < :to AND t.closed_at <= :as_of
),
per_ticket AS (
    SELECT c.id, r.step, max(r.state = 'done') AS done, max(r.state = 'skipped') AS skipped
    FROM closed c JOIN step_runs r ON r.ticket_id = c.id
    WHERE (r.state = 'done' OR r.state = 'skipped') AND r.done_at <= :as_of
    GROUP BY c.id, r.step
),
steps AS (
    SELECT step, sum(done) AS done_tickets, sum(skipped AND NOT done) AS skipped_tickets FROM per_ticket GROUP BY step
),
teams AS (
    SELECT step, team, count(*) AS team_runs,
           row_number() OVER (PARTITION BY step ORDER BY count(*) DESC, team) AS k,
           sum(count(*)) OVER (PARTITION BY step) AS runs
    FROM runs GROUP BY step, team
),
total AS (SELECT count(*) AS tickets, min(closed_at) AS first_closed_at, max(closed_at) AS last_closed_at FROM closed)
SELECT s.step, total.tickets, total.first_closed_at, total.last_closed_at, s.done_tickets, s.skipped_tickets,
       1 - s.done_tickets * 1.0 / total.tickets AS left_out_share,
       (1 - s.done_tickets * 1.0 / total.tickets) > :optional_share AS optional,
       nullif(tm.team, '') AS team, tm.team_runs * 1.0 / tm.runs AS team_share,
       coalesce(tm.runs, 0) AS runs, dt.p85_seconds / 3600.0 AS p85_hours, dt.drafted_target AS target
FROM steps s CROSS JOIN total
LEFT JOIN teams tm ON tm.step = s.step AND tm.k = 1
LEFT JOIN drafted_targets dt ON dt.service = :service AND dt.step = s.step
ORDER BY s.step
