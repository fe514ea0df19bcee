-- Thin ownership at :as_of, the early warning before a queue becomes unwatched: a team whose oldest ready step run
-- has waited at least :thin_hours working hours (in the run's calendar, pauses left out, as stalled counts; wall time
-- without a calendar), whose queue is not (yet) unwatched (alerts_unwatched.sql's rule), and whose runs started in
-- the :thin_days days before :as_of were started by one person or by no one: source 'one-person' (every one of them
-- was started by the same actor: work assigned to the team waits on that person) or 'no-one' (no run started). Runs without an
-- actor say nothing about who works the queue, so a team with such runs is not called one-person. One row per team,
-- naming its oldest ready run. The recent starts are read through the (team, started_at) index and the reads stop
-- at the second person, so the cost follows open work, not history. Used by 'baton alerts'.
--
-- param :thin_hours = 8
-- param :thin_days = 14
-- param :unwatched_days = 3
WITH
-- include _open_runs.sql
,
-- include _oldest_ready.sql
,
waiting AS (
    SELECT q.* FROM oldest_ready q WHERE q.rank = 1 AND q.working_seconds >= :thin_hours * 3600
),
recent AS (
    -- Who started the team's runs in the last :thin_days days: the actor of each run's started event (what it was at
    -- as_of: a run's own actor moves on with later events), runs read through the (team, started_at) index and
    -- stopped at the first answer: the starter of one run ('' when unknown; NULL when nothing started), then whether
    -- any run had another starter or an unknown one. A team of several people stops at its second person, so the cost
    -- is at most the starts of a one-person team (what one person can start in :thin_days days). A run reassigned
    -- after as_of is left out: it was another team's then.
    SELECT w.*, (SELECT coalesce((SELECT e.actor FROM events e WHERE e.ticket_id = s.ticket_id AND e.step = s.step
                                  AND e.kind = 'started' AND e.at = s.started_at LIMIT 1), '')
                 FROM step_runs s
                 WHERE s.team = w.team AND s.started_at > :as_of - :thin_days * 86400 AND s.started_at <= :as_of
                   AND (s.team_since IS NULL OR s.team_since <= :as_of) LIMIT 1) AS first_actor
    FROM waiting w
),
queues AS (
    SELECT r.*,
           -- CASE, not AND: only CASE is sure not to run the scan when the answer is known already.
           CASE WHEN r.first_actor IS NULL OR r.first_actor = '' THEN 0 ELSE NOT EXISTS (
               SELECT 1 FROM step_runs s
               WHERE s.team = r.team AND s.started_at > :as_of - :thin_days * 86400 AND s.started_at <= :as_of
                 AND (s.team_since IS NULL OR s.team_since <= :as_of)
                 AND coalesce((SELECT e.actor FROM events e WHERE e.ticket_id = s.ticket_id AND e.step = s.step
                               AND e.kind = 'started' AND e.at = s.started_at LIMIT 1), '') <> r.first_actor) END AS one_person,
           (SELECT max(s.started_at) FROM step_runs s WHERE s.team = r.team AND s.started_at <= :as_of) AS last_started_at
    FROM recent r
)
SELECT 'thin_ownership' AS kind, q.ticket_id, q.service, q.step, q.team, q.attempt, q.state, q.ready_at,
       (:as_of - q.ready_at) / 3600.0 AS age_hours,
       (:as_of - q.ready_at - q.paused_seconds) / 3600.0 AS active_age_hours,
       :thin_hours * 1.0 AS threshold_hours,
       CASE WHEN q.first_actor IS NULL THEN 'no-one' ELSE 'one-person' END AS source,
       q.last_started_at, q.working_seconds / 3600.0 AS working_age_hours
FROM queues q
WHERE (q.first_actor IS NULL OR q.one_person)
  -- Not what alerts_unwatched.sql reports: that rule takes over once it holds.
  AND NOT (q.ready_at <= :as_of - :unwatched_days * 86400
           AND (q.last_started_at IS NULL OR q.last_started_at < :as_of - :unwatched_days * 86400))
ORDER BY q.team;
