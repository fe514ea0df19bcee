-- Ownership health of each team as of :as_of: who actually works its queue. Over the :ownership_days days before
-- :as_of (done_at in (:as_of - :ownership_days days, :as_of]), from the step runs the team completed (its team when
-- done) and their actor (the last person who acted on the run: the one who completed it). Columns:
--   completed              runs the team completed in the period
--   actors                 distinct actors of those runs (runs without an actor are left out)
--   top_actor              the actor with most of them (ties: the name first in order), top_actor_runs its runs,
--                          top_actor_share = top_actor_runs / completed runs with an actor
--   last_started_at        the team's latest start at or before :as_of (any time; never: null), and
--                          hours_since_last_start = (:as_of - last_started_at) / 3600
--   open_ready             its runs ready (not started) at :as_of, oldest_ready_hours the age of the oldest
--   owned_steps            steps the team owns in the latest version of their service; idle_steps those with no run
--                          (by any team) completed or skipped in the period, listed in idle_step_list (service/step)
-- Verdict, first that applies: unmonitored (no one completed its work in the period, yet it has open work or owns a
-- step: work assigned to it reaches a queue no one watches); no-work (nothing completed, open or owned);
-- actors-unknown (work completed, none of it with an actor: who works the queue cannot be told); single-person (one
-- actor); concentrated (top_actor_share >= :ownership_top_share); else ok.
-- param :ownership_days = 90
-- param :ownership_top_share = 0.8
WITH
-- include _open_runs.sql
, teams_seen AS (
    SELECT key AS team FROM teams
    UNION SELECT team FROM open_runs WHERE team IS NOT NULL
),
done AS (
    SELECT r.team, r.actor FROM step_runs r
    WHERE r.done_at > :as_of - :ownership_days * 86400 AND r.done_at <= :as_of AND r.state = 'done' AND r.team IS NOT NULL
),
by_actor AS (
    SELECT team, actor, count(*) AS runs,
           row_number() OVER (PARTITION BY team ORDER BY count(*) DESC, actor) AS rank
    FROM done WHERE actor IS NOT NULL GROUP BY team, actor
),
worked AS (
    SELECT d.team, count(*) AS completed, count(DISTINCT d.actor) AS actors, count(d.actor) AS with_actor FROM done d GROUP BY d.team
),
latest AS (
    SELECT ss.service, ss.key AS step, ss.team FROM service_steps ss
    WHERE ss.team IS NOT NULL AND ss.version = (SELECT max(v.version) FROM services v WHERE v.key = ss.service)
),
ended AS (
    SELECT DISTINCT service, step FROM step_runs
    WHERE done_at > :as_of - :ownership_days * 86400 AND done_at <= :as_of AND (state = 'done' OR state = 'skipped')
),
owned AS (
    SELECT l.team, count(*) AS owned_steps, sum(e.step IS NULL) AS idle_steps,
           group_concat(CASE WHEN e.step IS NULL THEN l.service || '/' || l.step END, ', ') AS idle_step_list
    FROM (SELECT * FROM latest ORDER BY service, step) l
    LEFT JOIN ended e ON e.service = l.service AND e.step = l.step
    GROUP BY l.team
),
queue AS (
    SELECT team, count(*) AS open_ready, max(:as_of - ready_at) / 3600.0 AS oldest_ready_hours
    FROM open_runs WHERE state = 'ready' AND team IS NOT NULL GROUP BY team
),
health AS (
    SELECT t.team, coalesce(w.completed, 0) AS completed, coalesce(w.actors, 0) AS actors,
           a.actor AS top_actor, a.runs AS top_actor_runs, a.runs * 1.0 / nullif(w.with_actor, 0) AS top_actor_share,
           (SELECT max(s.started_at) FROM step_runs s WHERE s.team = t.team AND s.started_at <= :as_of) AS last_started_at,
           coalesce(q.open_ready, 0) AS open_ready, q.oldest_ready_hours,
           coalesce(o.owned_steps, 0) AS owned_steps, coalesce(o.idle_steps, 0) AS idle_steps, o.idle_step_list,
           (SELECT count(*) FROM open_runs x WHERE x.team = t.team) AS open_runs
    FROM teams_seen t
    LEFT JOIN worked w ON w.team = t.team
    LEFT JOIN by_actor a ON a.team = t.team AND a.rank = 1
    LEFT JOIN queue q ON q.team = t.team
    LEFT JOIN owned o ON o.team = t.team
)
SELECT team,
       CASE WHEN completed = 0 AND (open_runs > 0 OR owned_steps > 0) THEN 'unmonitored'
            WHEN completed = 0 THEN 'no-work'
            WHEN actors = 0 THEN 'actors-unknown'
            WHEN actors = 1 THEN 'single-person'
            WHEN top_actor_share >= :ownership_top_share THEN 'concentrated'
            ELSE 'ok' END AS verdict,
       completed, actors, top_actor, top_actor_runs, top_actor_share, last_started_at,
       (:as_of - last_started_at) / 3600.0 AS hours_since_last_start, open_ready, oldest_ready_hours,
       owned_steps, idle_steps, idle_step_list, open_runs
FROM health
ORDER BY CASE verdict WHEN 'unmonitored' THEN 0 WHEN 'single-person' THEN 1 WHEN 'concentrated' THEN 2
                      WHEN 'actors-unknown' THEN 3 WHEN 'ok' THEN 4 ELSE 5 END,
         open_ready DESC, team
