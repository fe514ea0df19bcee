-- Definition health: where each service's latest definition and the work disagree (drift and maintenance debt), one
-- row per finding, each with the change to the definition file it proposes, as a JSON Patch operation (op, path
-- (RFC 6901, into the latest definition as 'baton service show' gives it; indexes count from 0, so apply removals
-- from the last path up), value) and in plain words (proposal). Tickets: those closed in [:from, :to) at or before
-- :as_of; runs: those completed in the window. Findings:
--   always-skipped      a step not done on at least :always_share of the tickets it applies to (those whose version
--                       declares it; in a service made from a log, those with a run of it), over >= :min_tickets
--                       tickets: remove it
--   task-never-ticked   a checklist item no ticket ticked, over >= :min_tickets tickets that completed the step: remove it
--   target-never-met    a target none of >= :health_min_runs runs met (working time in step <= target): replace it
--                       with the drafted target (the p85 of working time in step rounded up, see _drafted_targets.sql)
--   target-stale        a target beaten tenfold: the p85 of working time in step * :stale_factor <= target, over
--                       >= :health_min_runs runs: replace it with the drafted target
--   team-idle           a step's team (a team from a definition or the roster) that neither started nor ended a run
--                       in the :idle_days before :as_of: replace it with the team that completed most of the step's
--                       runs in the window, when there is one, else name the team that does the work now
--   field-always-empty  an intake field no ticket filled in, over >= :min_tickets tickets: remove it
--   field-constant      an intake field every one of >= :min_tickets tickets filled with one value: remove it (the
--                       value goes without saying) or make it a choice with a default
-- param :always_share = 0.95
-- param :stale_factor = 10
-- param :health_min_runs = 20
-- param :idle_days = 90
-- param :min_tickets = 20
WITH done_window(lo, hi) AS (SELECT :from, min(:to, :as_of + 1)),
-- include _done_runs.sql
, runs AS MATERIALIZED (
    -- done_runs once: its working time is worked out per run, and three parts below read it.
    SELECT service, step, team, target_seconds, working_seconds FROM done_runs
),
target_runs AS (SELECT service, step, working_seconds FROM runs),
-- include _drafted_targets.sql
, latest AS (
    SELECT sv.key AS service, sv.version, sv.origin, sv.definition FROM services sv
    WHERE sv.version = (SELECT max(version) FROM services s2 WHERE s2.key = sv.key)
),
defined_steps AS (
    SELECT l.service, l.origin, ss.position, ss.key AS step, ss.team, ss.target_seconds
    FROM latest l JOIN service_steps ss ON ss.service = l.service AND ss.version = l.version
),
closed AS MATERIALIZED (
    SELECT t.id, t.service, t.service_version, t.intake FROM tickets t
    WHERE t.closed_at >= :from AND t.closed_at < :to AND t.closed_at <= :as_of
),
ticket_steps AS (
    SELECT c.service, r.step, max(r.state = 'done') AS done, max(r.state = 'skipped') AS skipped
    FROM closed c JOIN step_runs r ON r.ticket_id = c.id
    WHERE (r.state = 'done' OR r.state = 'skipped') AND r.done_at <= :as_of
    GROUP BY c.id, r.step
),
run_counts AS (
    SELECT service, step, count(*) AS with_run, sum(done) AS done, sum(skipped AND NOT done) AS skipped
    FROM ticket_steps GROUP BY service, step
),
declaring AS (
    -- Closed tickets whose own service version declares the step.
    SELECT d.service, d.step, sum(v.n) AS tickets
    FROM defined_steps d
    JOIN (SELECT service, service_version, count(*) AS n FROM closed GROUP BY service, service_version) v ON v.service = d.service
    WHERE EXISTS (SELECT 1 FROM service_steps ss WHERE ss.service = v.service AND ss.version = v.service_version AND ss.key = d.step)
    GROUP BY d.service, d.step
),
skips AS (
    SELECT d.service, d.step, d.position, coalesce(rc.done, 0) AS done, coalesce(rc.skipped, 0) AS skipped,
           CASE WHEN d.origin = 'definition' THEN coalesce(dc.tickets, 0) ELSE coalesce(rc.with_run, 0) END AS tickets
    FROM defined_steps d
    LEFT JOIN run_counts rc ON rc.service = d.service AND rc.step = d.step
    LEFT JOIN declaring dc ON dc.service = d.service AND dc.step = d.step
),
tasks AS (
    SELECT l.service, CAST(st.key AS INTEGER) AS position, json_extract(st.value, '$.key') AS step,
           CAST(tk.key AS INTEGER) AS task_index, tk.value AS task
    FROM latest l, json_each(l.definition, '$.steps') st, json_each(st.value, '$.tasks') tk
),
ticked AS (
    SELECT c.service, tt.step, tt.task, count(*) AS n
    FROM closed c JOIN ticket_tasks tt ON tt.ticket_id = c.id WHERE tt.done_at <= :as_of
    GROUP BY c.service, tt.step, tt.task
),
attained AS (
    SELECT d.service, d.step, d.position, d.target_seconds, count(*) AS runs, sum(r.working_seconds <= d.target_seconds) AS met
    FROM defined_steps d JOIN runs r ON r.service = d.service AND r.step = d.step AND r.target_seconds = d.target_seconds
    WHERE d.target_seconds IS NOT NULL
    GROUP BY d.service, d.step, d.position, d.target_seconds
),
active(team) AS (
    SELECT team FROM step_runs WHERE done_at > :as_of - :idle_days * 86400 AND done_at <= :as_of AND team IS NOT NULL
    UNION SELECT team FROM step_runs WHERE done_at IS NULL AND known_at IS NOT NULL AND started_at > :as_of - :idle_days * 86400 AND started_at <= :as_of
    UNION SELECT team FROM step_runs WHERE done_at > :as_of AND started_at > :as_of - :idle_days * 86400 AND started_at <= :as_of
),
modal AS (
    SELECT service, step, team, row_number() OVER (PARTITION BY service, step ORDER BY count(*) DESC, team) AS k, count(*) AS runs
    FROM runs WHERE team <> '' GROUP BY service, step, team
),
fields AS (
    SELECT l.service, CAST(f.key AS INTEGER) AS field_index, json_extract(f.value, '$.key') AS field
    FROM latest l, json_each(l.definition, '$.intake') f
),
field_values AS (
    SELECT f.service, f.field_index, f.field, count(c.id) AS tickets,
           count(nullif(json_extract(c.intake, '$."' || f.field || '"'), '')) AS filled,
           count(DISTINCT nullif(json_extract(c.intake, '$."' || f.field || '"'), '')) AS distinct_values,
           min(nullif(json_extract(c.intake, '$."' || f.field || '"'), '')) AS first_value
    FROM fields f JOIN closed c ON c.service = f.service
    GROUP BY f.service, f.field_index, f.field
),
findings(service, finding, step, item, basis, evidence, op, path, value, proposal, sort) AS (
    SELECT service, 'always-skipped', step, step, tickets,
           printf('not done on %.1f%% of %d tickets (skipped on %d, never run on %d) >= %g%%',
                  100.0 - done * 100.0 / tickets, tickets, skipped, tickets - done - skipped, :always_share * 100),
           'remove', printf('/steps/%d', position), NULL,
           printf('remove step %s: the work goes without it', step), position
    FROM skips WHERE tickets >= :min_tickets AND done <= (1 - :always_share) * tickets
    UNION ALL
    SELECT t.service, 'task-never-ticked', t.step, t.task, s.done,
           printf('no tick on the %d tickets that completed %s', s.done, t.step),
           'remove', printf('/steps/%d/tasks/%d', t.position, t.task_index), NULL,
           printf('remove the checklist item "%s" of %s: nobody ticks it', t.task, t.step), t.position
    FROM tasks t JOIN skips s ON s.service = t.service AND s.step = t.step
    LEFT JOIN ticked k ON k.service = t.service AND k.step = t.step AND k.task = t.task
    WHERE s.done >= :min_tickets AND k.n IS NULL
    UNION ALL
    SELECT a.service, CASE WHEN a.met = 0 THEN 'target-never-met' ELSE 'target-stale' END, a.step,
           (SELECT target FROM (SELECT json_extract(st.value, '$.target') AS target FROM latest l, json_each(l.definition, '$.steps') st
                                WHERE l.service = a.service AND CAST(st.key AS INTEGER) = a.position)), a.runs,
           CASE WHEN a.met = 0 THEN printf('none of %d runs met the target (%.2f h); p85 of working time in step %.2f h', a.runs, a.target_seconds / 3600.0, dt.p85_seconds / 3600.0)
                ELSE printf('p85 of working time in step %.2f h over %d runs: the %.2f h target is %.0fx that (>= %gx)', dt.p85_seconds / 3600.0, a.runs,
                            a.target_seconds / 3600.0, a.target_seconds / max(dt.p85_seconds, 1), :stale_factor) END,
           'replace', printf('/steps/%d/target', a.position), json_quote(dt.drafted_target),
           printf('%s the target of %s to %s (the p85 of working time in step, rounded up)',
                  CASE WHEN a.met = 0 THEN 'loosen' ELSE 'tighten' END, a.step, dt.drafted_target), a.position
    FROM attained a JOIN drafted_targets dt ON dt.service = a.service AND dt.step = a.step
    WHERE a.runs >= :health_min_runs AND (a.met = 0 OR dt.p85_seconds * :stale_factor <= a.target_seconds)
    UNION ALL
    SELECT d.service, 'team-idle', d.step, d.team, coalesce(m.runs, 0),
           printf('team %s started or ended no run in the %d days before as_of%s', d.team, :idle_days,
                  CASE WHEN m.team IS NOT NULL THEN printf('; %s completed %d of the step''s runs in the window', m.team, m.runs) ELSE '' END),
           'replace', printf('/steps/%d/team', d.position), CASE WHEN m.team IS NOT NULL THEN json_quote(m.team) END,
           CASE WHEN m.team IS NOT NULL THEN printf('give %s to %s, the team that does it now', d.step, m.team)
                ELSE printf('name the team that does %s now, or remove the step', d.step) END, d.position
    FROM defined_steps d JOIN teams tm ON tm.key = d.team AND tm.defined = 1
    LEFT JOIN modal m ON m.service = d.service AND m.step = d.step AND m.k = 1 AND m.team <> d.team
    WHERE d.team NOT IN (SELECT team FROM active WHERE team IS NOT NULL)
    UNION ALL
    SELECT service, CASE WHEN filled = 0 THEN 'field-always-empty' ELSE 'field-constant' END, NULL, field, tickets,
           CASE WHEN filled = 0 THEN printf('empty on all %d tickets', tickets)
                ELSE printf('"%s" on all %d tickets', first_value, tickets) END,
           'remove', printf('/intake/%d', field_index), NULL,
           CASE WHEN filled = 0 THEN printf('remove the intake field %s: nobody fills it in', field)
                ELSE printf('remove the intake field %s (every ticket says "%s"), or give it that default', field, first_value) END, 1000000 + field_index
    FROM field_values WHERE tickets >= :min_tickets AND (filled = 0 OR (filled = tickets AND distinct_values = 1))
)
SELECT service, finding, step, item, basis, evidence, op, path, value, proposal
FROM findings ORDER BY service, sort, finding, item
