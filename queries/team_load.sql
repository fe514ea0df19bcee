-- Team load: step runs ready, active and paused at :as_of per team, the age (as_of - ready_at, hours) of the
-- oldest, and the flow over [:from, :to): arrivals (runs whose ready_at falls in it, runs skipped by :as_of
-- excluded), completions (runs completed in it) and net flow = arrivals - completions. Events after :as_of are
-- not seen. Runs with no team are reported under the team ''. Reassignments: runs handed to the team in
-- [:from, :to) (a run whose events change team mid-run; the new team owns it from then on).
-- Open work no team owns comes last, as the row '(between steps)': ready = the tickets open at :as_of with no step
-- run open then (a log-made service waiting for its next step, or a defined one whose steps are done but which is
-- not closed; any age, as in alerts_handoff.sql), oldest_age_hours = the oldest of them (as_of minus the latest
-- done_at at or before :as_of among its runs, else its opening); its other counts are 0. No such tickets: no row.
WITH
-- include _open_runs.sql
, load AS (
    SELECT coalesce(team, '') AS team,
           sum(state = 'ready') AS ready, sum(state = 'active') AS active, sum(state = 'paused') AS paused,
           max(:as_of - ready_at) / 3600.0 AS oldest_age_hours
    FROM open_runs
    GROUP BY 1
),
-- include _team_flow.sql
,
teams AS (SELECT team FROM load UNION SELECT team FROM flow_by_team WHERE arrivals > 0 OR completions > 0 OR reassignments > 0),
-- Tickets open at :as_of, from the open-tickets index and those ended after :as_of; their runs through the
-- (ticket_id, step, attempt) index: the cost follows open work, not history.
open_tickets AS (
    SELECT id FROM tickets WHERE state = 'open' AND opened_at <= :as_of
    UNION ALL SELECT id FROM tickets WHERE closed_at > :as_of AND opened_at <= :as_of
    UNION ALL SELECT id FROM tickets WHERE cancelled_at > :as_of AND opened_at <= :as_of
),
between_steps AS (
    SELECT count(*) AS tickets,
           max(:as_of - coalesce((SELECT max(r.done_at) FROM step_runs r WHERE r.ticket_id = t.id AND r.done_at <= :as_of),
                                 t.opened_at)) / 3600.0 AS oldest_age_hours
    FROM open_tickets o JOIN tickets t ON t.id = o.id
    WHERE t.id NOT IN (SELECT ticket_id FROM open_runs)  -- IN: SQLite indexes the list once
)
SELECT * FROM (
SELECT t.team, coalesce(l.ready, 0) AS ready, coalesce(l.active, 0) AS active, coalesce(l.paused, 0) AS paused,
       l.oldest_age_hours, coalesce(f.arrivals, 0) AS arrivals, coalesce(f.completions, 0) AS completions,
       coalesce(f.arrivals, 0) - coalesce(f.completions, 0) AS net_flow,
       coalesce(l.ready, 0) + coalesce(l.active, 0) + coalesce(l.paused, 0) AS open_runs,
       coalesce(f.reassignments, 0) AS reassignments
FROM teams t
LEFT JOIN load l ON l.team = t.team
LEFT JOIN flow_by_team f ON f.team = t.team
UNION ALL
SELECT '(between steps)', b.tickets, 0, 0, b.oldest_age_hours, 0, 0, 0, 0, 0 FROM between_steps b WHERE b.tickets > 0
)
ORDER BY team = '(between steps)', open_runs DESC, team
