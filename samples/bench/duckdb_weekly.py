#!/usr/bin/env python3
"""DuckDB anchor for the weekly report (issue 15): the same sections as `baton report weekly --format csv`, computed
by DuckDB from a DuckDB file that already holds the events.

What it measures, in two separate timings:
  load      the canonical CSV event log (ticket_id,service,step,team,event,at,actor) read once into a DuckDB file
            (table `events`; instants as Unix seconds, file order kept as `seq`). Not part of the anchor. Skipped when
            the file already holds a load of the same CSV (same path, size and mtime), unless --reload.
  sections  the anchor: from the events alone, in SQL, the tickets and the step runs as Baton's projections hold
            them (one run per ticket, step and attempt: ready/started/done instants, paused time, state, the team
            that completed it; ready instants derived as DESIGN.md says, including the next step of an
            enforced-order definition becoming ready when the step before is done), then the thirteen sections of
            reports/weekly.json over the 12 ISO weeks before --to (as_of = --to): throughput, cumulative_flow, wip,
            lead_times, lead_time_scatter, step_times, service_levels, service_level_weeks, stalled, aging,
            team_load, automation_readiness and headlines, each written to OUT/<section>.csv.
Wall seconds and CPU seconds (user + sys of this process, DuckDB's threads included) are printed for each; with
--repeat N the sections are computed N times and the best wall time is the anchor.

Simplifications, all neutral on the generated bench logs (samples/bench/20-report.sh): working time = wall time
less paused time (the bench stores have no team calendars, and the only step calendar, "24x7", is wall time); a
run's reassignments = 1 when its events name more than one team (team changes are counted only for reworked
steps); only services with a definition file get runs (every bench service has one); events are filtered at as_of
instead of reading known_at; text keys are replaced by 64-bit hashes for speed. Targets and step order come from
the service definitions (--services, default samples/services).

Usage, by hand (`pip install duckdb` first; `make bench` does that):
  python3 samples/bench/duckdb_weekly.py LOG.csv --db /tmp/log.duckdb --out /tmp/duck-out [--repeat 3] \\
          [--to 2026-11-23T00:00:00Z] [--services samples/services] [--threads N]
  python3 samples/bench/duckdb_weekly.py LOG.csv --db /tmp/log.duckdb --out /tmp/duck-out \\
          --compare BATON_REPORT_DIR      # e.g. the folder `baton report weekly --format csv --out D` wrote under D
The last line printed is machine-readable: `RESULT load_wall=… load_cpu=… sections_wall=… sections_cpu=…`
(load_wall=reused when the file was kept). With --compare, the exit status is 1 when a count disagrees.
"""
import argparse
import csv
import datetime as dt
import glob
import json
import math
import os
import re
import resource
import sys
import time

try:
    import duckdb
except ImportError:
    sys.stderr.write("duckdb_weekly.py: the Python module 'duckdb' is missing (pip install duckdb)\n")
    sys.exit(3)

HOUR = 3600.0
DAY = 86400
WEEK = 7 * DAY
MONDAY = 4 * DAY  # 1970-01-05, a Monday: week_start(t) = t - (t - MONDAY) mod WEEK

# reports/weekly.json's parameters (the ones the sections below read).
PARAMS = {"stall_percentile": 0.85, "stall_window_days": 90, "stall_min_runs": 20, "stall_default_hours": 72,
          "min_runs": 30, "min_started": 0.5, "ready_spread": 0.5, "ready_drift": 0.25, "ready_predecessor": 0.9,
          "ready_position": 0.9, "ready_reassigned": 0.1, "ready_rework": 0.05, "ready_skip": 0.10, "order_days": 14}


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def parse_instant(text):
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def duration_seconds(text):
    """"30m", "4h", "2d", "1w", "1d12h" -> seconds (Baton's DurationText)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": WEEK}
    parts = re.findall(r"(\d+)([smhdw])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"bad duration {text!r}")
    return sum(int(n) * units[u] for n, u in parts)


def load_services(folder):
    services, steps = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            d = json.load(f)
        services.append((d["key"], bool(d.get("enforce_order", True))))
        for i, s in enumerate(d["steps"]):
            target = duration_seconds(s["target"]) if s.get("target") else None
            steps.append((d["key"], s["key"], i, s.get("team") or "", s.get("kind", "task"), target, s.get("calendar")))
    return services, steps


# ---------------------------------------------------------------------------------------------------------------
# load

def load(con, csv_path, reload):
    st = os.stat(csv_path)
    stamp = f"{os.path.realpath(csv_path)}|{st.st_size}|{int(st.st_mtime)}"
    con.execute("CREATE TABLE IF NOT EXISTS load_info(stamp VARCHAR, events BIGINT, seconds DOUBLE)")
    row = con.execute("SELECT stamp FROM load_info").fetchone()
    if row and row[0] == stamp and not reload:
        return None
    w0, c0 = time.perf_counter(), cpu()
    con.execute("DROP TABLE IF EXISTS events")
    # all_varchar: columns in any order, read by name; the instants as UTC Unix seconds; seq = file order (ties).
    con.execute(f"""
        CREATE TABLE events AS
        SELECT row_number() OVER () AS seq, ticket_id, service, coalesce(step, '') AS step, coalesce(team, '') AS team,
               event, epoch(CAST("at" AS TIMESTAMPTZ))::BIGINT AS "at", actor
        FROM read_csv('{csv_path}', header = true, all_varchar = true)""")
    con.execute("CHECKPOINT")
    secs = time.perf_counter() - w0
    n = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.execute("DELETE FROM load_info")
    con.execute("INSERT INTO load_info VALUES (?, ?, ?)", [stamp, n, secs])
    con.execute("CHECKPOINT")
    return secs, cpu() - c0, n


# ---------------------------------------------------------------------------------------------------------------
# the anchor: projections, then sections

PROFILE = []


class Timed:
    """A connection whose execute() records each statement's wall time (--profile)."""
    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        t = time.perf_counter()
        r = self.con.execute(sql, *args)
        PROFILE.append((time.perf_counter() - t, " ".join(sql.split())[:90]))
        return r

    def executemany(self, sql, rows):
        return self.con.executemany(sql, rows)


def projections(con, services, steps, as_of):
    con.execute("CREATE OR REPLACE TEMP TABLE def_services(service VARCHAR, enforce_order BOOLEAN)")
    con.executemany("INSERT INTO def_services VALUES (?, ?)", services)
    con.execute("""CREATE OR REPLACE TEMP TABLE def_steps(service VARCHAR, step VARCHAR, position INTEGER, team VARCHAR,
                   kind VARCHAR, target_seconds BIGINT, calendar VARCHAR)""")
    con.executemany("INSERT INTO def_steps VALUES (?, ?, ?, ?, ?, ?, ?)", steps)
    # Keys: hash(ticket) and hash(ticket, step) (64-bit) stand for the text keys in sorts, groups and joins, which
    # are several times faster on integers (a collision among the ~4M keys of 1M tickets has odds of about 1e-6).
    # Tickets: events at or before as_of only (a report as of A = the report on a store of the events up to A).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE tk AS
        SELECT hash(e.ticket_id) AS tkey, e.ticket_id AS id, arg_min(e.service, e.seq) FILTER (WHERE e.event = 'opened') AS service,
               min(e."at") FILTER (WHERE e.event = 'opened') AS opened_at,
               min(e."at") FILTER (WHERE e.event = 'closed') AS closed_at,
               min(e."at") FILTER (WHERE e.event = 'cancelled') AS cancelled_at,
               coalesce(min(e."at") FILTER (WHERE e.event = 'closed'), min(e."at") FILTER (WHERE e.event = 'cancelled')) AS end_at
        FROM events e WHERE e.step = '' AND e."at" <= {as_of}
        GROUP BY e.ticket_id HAVING min(e."at") FILTER (WHERE e.event = 'opened') IS NOT NULL""")
    # Runs as their events show them. Most (ticket, step) pairs have one attempt: no `reopened` and no event after
    # their completion or skip. Their runs come from one hash aggregation (pauses alternate with resumptions; a
    # pause not resumed ends with the completion, or is still open). The few others (rework) are split into
    # attempts with a window over their events alone: a step event after a completion or skip of the same step
    # belongs to the next attempt (`reopened`, or in history mode the step done again), and a pause ends at the
    # step's next event.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE se AS
        SELECT hash(e.ticket_id, e.step) AS rkey, e.step, e.team, e.event, e."at", e.seq
        FROM events e
        WHERE e.step <> '' AND e."at" <= {as_of}
          AND e.event IN ('ready', 'started', 'paused', 'resumed', 'completed', 'skipped', 'reopened', 'reassigned')""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE er1 AS
        SELECT rkey, any_value(step) AS step, min("at") AS first_at, max("at") AS last_at,
               min(CASE WHEN event = 'ready' THEN "at" END) AS explicit_ready,
               min(CASE WHEN event = 'started' THEN "at" END) AS started_at,
               min(CASE WHEN event IN ('completed', 'skipped') THEN "at" END) AS finished_at,
               sum(CASE WHEN event IN ('completed', 'skipped') THEN 1 ELSE 0 END) AS finishes,
               bool_or(event = 'reopened') AS reopened, bool_or(event = 'completed') AS completed,
               arg_max(team, "at") FILTER (WHERE team <> '') AS team,
               CASE WHEN min(nullif(team, '')) <> max(nullif(team, '')) THEN 1 ELSE 0 END AS reassignments,
               sum(CASE WHEN event = 'paused' THEN 1 ELSE 0 END) AS pauses,
               sum(CASE WHEN event = 'resumed' THEN 1 ELSE 0 END) AS resumes,
               coalesce(sum(CASE WHEN event = 'paused' THEN "at" END), 0) AS paused_sum,
               coalesce(sum(CASE WHEN event = 'resumed' THEN "at" END), 0) AS resumed_sum,
               max(CASE WHEN event = 'paused' THEN "at" END) AS last_paused
        FROM se GROUP BY rkey""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE er AS
        SELECT rkey, 1 AS attempt, step, first_at, explicit_ready, NULL::BIGINT AS reopened_at, started_at, finished_at,
               completed, team, reassignments,
               CASE WHEN pauses > resumes AND finished_at IS NULL THEN resumed_sum - paused_sum + last_paused
                    WHEN pauses > resumes THEN resumed_sum - paused_sum + finished_at
                    ELSE resumed_sum - paused_sum END AS closed_pauses,
               CASE WHEN pauses > resumes AND finished_at IS NULL THEN last_paused END AS open_pause_at
        FROM er1 WHERE NOT reopened AND finishes <= 1 AND (finished_at IS NULL OR last_at = finished_at)
        UNION ALL
        SELECT rkey, attempt, any_value(step), min("at"),
               min("at") FILTER (WHERE event = 'ready'), min("at") FILTER (WHERE event = 'reopened'),
               min("at") FILTER (WHERE event = 'started'), min("at") FILTER (WHERE event IN ('completed', 'skipped')),
               bool_or(event = 'completed'), arg_max(team, rn) FILTER (WHERE team <> ''),
               count(*) FILTER (WHERE team <> prev_team AND team <> '' AND prev_team <> ''),
               coalesce(sum(next_at - "at") FILTER (WHERE event = 'paused' AND next_at IS NOT NULL), 0),
               max("at") FILTER (WHERE event = 'paused' AND next_at IS NULL)
        FROM (
            SELECT se.*, lead("at") OVER w AS next_at, row_number() OVER w AS rn, lag(team) OVER w AS prev_team,
                   1 + coalesce(sum(CASE WHEN event IN ('completed', 'skipped') THEN 1 ELSE 0 END)
                                    OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS attempt
            FROM se WHERE rkey IN (SELECT rkey FROM er1 WHERE reopened OR finishes > 1 OR last_at > finished_at)
            WINDOW w AS (PARTITION BY rkey ORDER BY "at", seq))
        GROUP BY rkey, attempt""")
    # Every run: a defined service has all its steps' first attempts from the opening (waiting until ready); later
    # attempts come from the events alone. (Runs of services or steps that no definition knows are not derived: the
    # bench logs have none.)
    # ready_at, first that applies: an explicit `ready`; `reopened`; the opening (a flexible service, or the first
    # step); in an enforced-order definition, the instant the step before became the furthest one done (the next
    # step is ready at once), when that came before the run's own first event; otherwise the latest completion or
    # skip of the ticket before the run's first event, else the opening.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE runs AS
        WITH slots AS (
            SELECT t.tkey, t.id AS ticket_id, t.service, t.opened_at, t.end_at, d.step, d.position, d.team AS def_team,
                   hash(t.id, d.step) AS rkey, s.enforce_order
            FROM tk t JOIN def_steps d ON d.service = t.service JOIN def_services s ON s.service = t.service
        ),
        j AS (
            SELECT b.tkey, b.ticket_id, b.service, b.opened_at, b.end_at, b.step, b.position, b.enforce_order,
                   coalesce(r.attempt, 1) AS attempt, r.first_at, r.explicit_ready, r.reopened_at, r.started_at,
                   r.finished_at, r.completed, coalesce(r.team, b.def_team, '') AS team, coalesce(r.reassignments, 0) AS reassignments,
                   coalesce(r.closed_pauses, 0) AS closed_pauses, r.open_pause_at
            FROM slots b LEFT JOIN er r ON r.rkey = b.rkey
        ),
        fin AS (
            SELECT tkey, finished_at AS "at", max(position) OVER (PARTITION BY tkey ORDER BY finished_at, position ROWS UNBOUNDED PRECEDING) AS furthest
            FROM j WHERE finished_at IS NOT NULL
        ),
        next_ready AS (SELECT tkey, furthest + 1 AS position, min("at") AS x_at FROM fin GROUP BY ALL),
        k AS (
            SELECT j.*, CASE WHEN j.enforce_order THEN x.x_at END AS x_at
            FROM j LEFT JOIN next_ready x ON x.tkey = j.tkey AND x.position = j.position
        ),
        -- The latest completion or skip before the run's first event: looked up only for the runs that need it.
        needs AS (
            SELECT *, explicit_ready IS NULL AND reopened_at IS NULL AND enforce_order AND NOT (attempt = 1 AND position = 0)
                      AND NOT (x_at IS NOT NULL AND attempt = 1 AND (first_at IS NULL OR x_at <= first_at))
                      AND first_at IS NOT NULL AS lookup
            FROM k
        ),
        derived AS (
            SELECT n.*, (SELECT max(f."at") FROM fin f WHERE f.tkey = n.tkey AND f."at" < n.first_at) AS latest_finished
            FROM needs n WHERE lookup
            UNION ALL BY NAME
            SELECT *, NULL::BIGINT AS latest_finished FROM needs WHERE NOT lookup
        ),
        readied AS (
            SELECT d.*, CASE
                WHEN explicit_ready IS NOT NULL THEN explicit_ready
                WHEN reopened_at IS NOT NULL THEN reopened_at
                WHEN NOT enforce_order THEN opened_at
                WHEN attempt = 1 AND position = 0 THEN opened_at
                WHEN x_at IS NOT NULL AND attempt = 1 AND (first_at IS NULL OR x_at <= first_at) THEN x_at
                WHEN first_at IS NOT NULL THEN least(greatest(opened_at, coalesce(latest_finished, opened_at)), first_at)
                END AS ready_at
            FROM derived d
        )
        SELECT tkey, ticket_id, service, step, position, attempt, team, reassignments, ready_at, started_at,
               CASE WHEN finished_at IS NOT NULL THEN finished_at WHEN end_at IS NOT NULL AND ready_at IS NOT NULL THEN end_at END AS done_at,
               CASE WHEN finished_at IS NOT NULL THEN CASE WHEN completed THEN 'done' ELSE 'skipped' END
                    WHEN end_at IS NOT NULL THEN 'cancelled'
                    WHEN ready_at IS NULL THEN 'waiting'
                    WHEN open_pause_at IS NOT NULL THEN 'paused'
                    WHEN started_at IS NOT NULL THEN 'active'
                    ELSE 'ready' END AS state,
               closed_pauses + CASE WHEN open_pause_at IS NOT NULL THEN coalesce(end_at, {as_of}) - open_pause_at ELSE 0 END AS paused_seconds
        FROM readied""")


def sections(con, frm, to, as_of, out):
    p = dict(PARAMS)
    lo_hist = as_of - p["stall_window_days"] * DAY + 1
    hi = min(to, as_of + 1)
    order_from = max(frm, to - p["order_days"] * DAY)
    weeks = (to - frm) // WEEK
    wk = lambda c: f"({c} - (({c} - {MONDAY}) % {WEEK}))"          # week_start
    iso = lambda c: f"strftime(to_timestamp({c}), '%Y-%m-%dT%H:%M:%SZ')"
    isoweek = lambda c: f"strftime(to_timestamp({c}), '%G-W%V')"
    day = lambda c: f"({c} - ({c} % {DAY}))"

    def copy(name, sql):
        con.execute(f"COPY ({sql}) TO '{os.path.join(out, name + '.csv')}' (HEADER, DELIMITER ',')")

    # Completed runs of the window and of the stall history, with their times; open runs at as_of.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE done AS
        SELECT r.*, d.target_seconds, d.calendar, r.done_at - r.ready_at AS wall_seconds,
               r.done_at - r.ready_at - r.paused_seconds AS working_seconds
        FROM runs r LEFT JOIN def_steps d ON d.service = r.service AND d.step = r.step
        WHERE r.state = 'done' AND r.ready_at IS NOT NULL AND r.done_at >= least({frm}, {lo_hist}) AND r.done_at < {hi}""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE open_runs AS
        SELECT r.*, d.target_seconds, d.calendar, {as_of} - r.ready_at - r.paused_seconds AS active_seconds,
               {as_of} - r.ready_at - r.paused_seconds AS working_seconds
        FROM runs r LEFT JOIN def_steps d ON d.service = r.service AND d.step = r.step
        WHERE r.state IN ('ready', 'active', 'paused')""")
    con.execute(f"CREATE OR REPLACE TEMP VIEW win AS SELECT * FROM done WHERE done_at >= {frm} AND done_at < {hi}")
    con.execute("CREATE OR REPLACE TEMP VIEW services_known AS SELECT service FROM def_services UNION SELECT DISTINCT service FROM tk")
    span = f"""span AS (
        SELECT greatest({frm}, coalesce((SELECT min(opened_at) FROM tk), {to})) AS from_at,
               least({to}, 1 + greatest(coalesce((SELECT max(opened_at) FROM tk), -9e18),
                                        coalesce((SELECT max(closed_at) FROM tk), -9e18),
                                        coalesce((SELECT max(cancelled_at) FROM tk), -9e18)))::BIGINT AS to_at)"""

    copy("throughput", f"""
        WITH {span},
        weeks AS (SELECT unnest(range({wk('from_at')}, to_at, {WEEK})) AS week_start FROM span WHERE from_at < to_at),
        c AS (
            SELECT service, {wk('opened_at')} AS w, 1 AS o, 0 AS c, 0 AS x FROM tk WHERE opened_at >= {frm} AND opened_at < {to}
            UNION ALL SELECT service, {wk('closed_at')}, 0, 1, 0 FROM tk WHERE closed_at >= {frm} AND closed_at < {to}
            UNION ALL SELECT service, {wk('cancelled_at')}, 0, 0, 1 FROM tk WHERE cancelled_at >= {frm} AND cancelled_at < {to}),
        g AS (SELECT service, w, sum(o) AS opened, sum(c) AS closed, sum(x) AS cancelled FROM c GROUP BY ALL)
        SELECT {isoweek('w.week_start')} AS week, s.service, coalesce(g.opened, 0) AS opened,
               coalesce(g.closed, 0) AS closed, coalesce(g.cancelled, 0) AS cancelled
        FROM weeks w CROSS JOIN services_known s LEFT JOIN g ON g.service = s.service AND g.w = w.week_start
        ORDER BY w.week_start, s.service""")

    days = f"""days AS (SELECT unnest(range({day('from_at')}, least(to_at, {as_of} + 1), {DAY})) AS day_start FROM span WHERE from_at < to_at)"""
    copy("cumulative_flow", f"""
        WITH {span}, {days},
        open_at_start AS (SELECT count(*) AS n FROM tk WHERE opened_at < {frm} AND (end_at IS NULL OR end_at >= {frm})),
        arr AS (SELECT {day('opened_at')} AS d, count(*) AS n FROM tk WHERE opened_at >= {frm} AND opened_at < {to} GROUP BY 1),
        dep AS (SELECT {day('end_at')} AS d, count(*) AS n FROM tk WHERE end_at >= {frm} AND end_at < {to} GROUP BY 1),
        daily AS (SELECT d.day_start, coalesce(a.n, 0) AS arrivals, coalesce(x.n, 0) AS departures
                  FROM days d LEFT JOIN arr a ON a.d = d.day_start LEFT JOIN dep x ON x.d = d.day_start)
        SELECT strftime(to_timestamp(day_start), '%Y-%m-%d') AS day, arrivals, departures,
               (SELECT n FROM open_at_start) + sum(arrivals) OVER w AS cumulative_arrivals,
               sum(departures) OVER w AS cumulative_departures,
               (SELECT n FROM open_at_start) + sum(arrivals) OVER w - sum(departures) OVER w AS wip
        FROM daily WINDOW w AS (ORDER BY day_start ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ORDER BY day_start""")

    copy("wip", f"""
        WITH {span}, {days},
        first_day AS (SELECT min(day_start) AS t FROM days),
        open_at_start AS (SELECT service, count(*) AS n FROM tk, first_day
                          WHERE opened_at < first_day.t AND (end_at IS NULL OR end_at >= first_day.t) GROUP BY 1),
        changes AS (
            SELECT service, {day('opened_at')} AS d, 1 AS delta FROM tk, first_day WHERE opened_at >= first_day.t AND opened_at < {to}
            UNION ALL SELECT service, {day('end_at')}, -1 FROM tk, first_day WHERE end_at >= first_day.t AND end_at < {to}),
        per_day AS (SELECT service, d, sum(delta) AS delta FROM changes GROUP BY ALL),
        daily AS (SELECT d.day_start, s.service, coalesce(p.delta, 0) AS delta FROM days d CROSS JOIN services_known s
                  LEFT JOIN per_day p ON p.service = s.service AND p.d = d.day_start)
        SELECT strftime(to_timestamp(d.day_start), '%Y-%m-%d') AS day, d.service,
               coalesce(o.n, 0) + sum(d.delta) OVER (PARTITION BY d.service ORDER BY d.day_start
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS wip,
               {iso(f'least(d.day_start + 86399, {as_of})')} AS "at"
        FROM daily d LEFT JOIN open_at_start o ON o.service = d.service
        ORDER BY d.day_start, d.service""")

    # Lead times (no calendar on any first step of the bench services: working lead time = lead time).
    con.execute(f"""CREATE OR REPLACE TEMP TABLE closed AS
                    SELECT id, service, opened_at, closed_at, (closed_at - opened_at) / {HOUR} AS hours FROM tk
                    WHERE closed_at >= {frm} AND closed_at < {to}""")
    copy("lead_times", f"""
        WITH st AS (
            SELECT service, count(*) AS closed, quantile_cont(hours, 0.5) AS p50, quantile_cont(hours, 0.85) AS p85,
                   quantile_cont(hours, 0.95) AS p95, avg(hours) AS mean, max(hours) AS mx
            FROM closed GROUP BY service)
        SELECT s.service, coalesce(st.closed, 0) AS closed, p50 AS p50_hours, p85 AS p85_hours, p95 AS p95_hours,
               mean AS mean_hours, mx AS max_hours, p50 AS p50_working_hours, p85 AS p85_working_hours, p95 AS p95_working_hours
        FROM services_known s LEFT JOIN st ON st.service = s.service ORDER BY s.service""")
    copy("lead_time_scatter", f"""
        WITH l AS (SELECT quantile_cont(hours, 0.5) AS p50, quantile_cont(hours, 0.85) AS p85, quantile_cont(hours, 0.95) AS p95 FROM closed)
        SELECT c.id AS ticket_id, c.service, {iso('c.closed_at')} AS closed_at, c.hours AS lead_time_hours,
               l.p50 AS p50_hours, l.p85 AS p85_hours, l.p95 AS p95_hours
        FROM closed c CROSS JOIN l ORDER BY c.closed_at, c.id""")

    copy("step_times", f"""
        SELECT service, step, team, count(*) AS runs,
               quantile_cont(wall_seconds / {HOUR}, 0.5) AS p50_hours,
               quantile_cont(wall_seconds / {HOUR}, 0.85) AS p85_hours,
               quantile_cont(wall_seconds / {HOUR}, 0.95) AS p95_hours,
               quantile_cont((started_at - ready_at) / {HOUR}, 0.5) AS wait_p50_hours,
               quantile_cont((done_at - started_at) / {HOUR}, 0.5) AS work_p50_hours,
               sum(done_at - started_at) / nullif(sum(CASE WHEN started_at IS NOT NULL THEN wall_seconds END), 0) AS flow_efficiency,
               avg(wall_seconds / {HOUR}) AS mean_hours,
               count(*) FILTER (WHERE attempt > 1) AS rework_runs,
               sum(reassignments) AS reassignments,
               quantile_cont(working_seconds / {HOUR}, 0.5) AS p50_working_hours,
               quantile_cont(working_seconds / {HOUR}, 0.85) AS p85_working_hours,
               quantile_cont(working_seconds / {HOUR}, 0.95) AS p95_working_hours
        FROM win GROUP BY service, step, team
        ORDER BY service, min(position), step, team""")

    copy("service_levels", f"""
        SELECT service, step, team, {isoweek('w')} AS week, runs, met, breached, attainment, target_hours,
               p85_working_hours, worst_breach_hours, calendar
        FROM (
            SELECT service, step, team, {wk('done_at')} AS w, min(position) AS pos, count(*) AS runs,
                   count(*) FILTER (WHERE working_seconds <= target_seconds) AS met,
                   count(*) FILTER (WHERE working_seconds > target_seconds) AS breached,
                   count(*) FILTER (WHERE working_seconds <= target_seconds) / count(*) AS attainment,
                   max(target_seconds) / {HOUR} AS target_hours,
                   quantile_cont(working_seconds / {HOUR}, 0.85) AS p85_working_hours,
                   greatest(0, max(working_seconds - target_seconds)) / {HOUR} AS worst_breach_hours,
                   coalesce(max(calendar), '') AS calendar
            FROM win WHERE target_seconds IS NOT NULL GROUP BY service, step, team, w)
        ORDER BY service, pos, step, team, w""")
    copy("service_level_weeks", f"""
        SELECT {isoweek('w')} AS week, runs, met, runs - met AS breached, met / runs AS attainment FROM (
            SELECT {wk('done_at')} AS w, count(*) AS runs, count(*) FILTER (WHERE working_seconds <= target_seconds) AS met
            FROM win WHERE target_seconds IS NOT NULL GROUP BY w)
        ORDER BY w""")

    copy("stalled", f"""
        WITH history AS (
            SELECT service, step, count(*) AS runs, quantile_cont(working_seconds / {HOUR}, {p['stall_percentile']}) AS ph
            FROM done WHERE done_at >= {lo_hist} AND done_at <= {as_of}
              AND (service, step) IN (SELECT service, step FROM open_runs) GROUP BY ALL),
        judged AS (
            SELECT r.*, CASE WHEN r.target_seconds IS NOT NULL THEN r.target_seconds / {HOUR}
                             WHEN h.runs >= {p['stall_min_runs']} THEN h.ph ELSE {p['stall_default_hours']} * 1.0 END AS threshold_hours,
                        CASE WHEN r.target_seconds IS NOT NULL THEN 'target'
                             WHEN h.runs >= {p['stall_min_runs']} THEN 'p{round(p['stall_percentile'] * 100)}' ELSE 'default' END AS threshold_source
            FROM open_runs r LEFT JOIN history h ON h.service = r.service AND h.step = r.step)
        SELECT ticket_id, service, step, team, state, {iso('ready_at')} AS ready_at, ({as_of} - ready_at) / {HOUR} AS age_hours,
               threshold_hours, threshold_source, active_seconds / {HOUR} AS active_age_hours,
               working_seconds / {HOUR} AS working_age_hours, working_seconds / {HOUR} - threshold_hours AS over_by_hours,
               coalesce(calendar, '') AS calendar, '' AS title
        FROM judged WHERE state <> 'paused' AND working_seconds / {HOUR} > threshold_hours
        ORDER BY team, working_seconds / {HOUR} / threshold_hours DESC, ticket_id, step""")

    copy("aging", f"""
        WITH p85 AS (
            SELECT service, step, quantile_cont(wall_seconds / {HOUR}, 0.85) AS p85, quantile_cont(working_seconds / {HOUR}, 0.85) AS p85w
            FROM win WHERE (service, step) IN (SELECT service, step FROM open_runs) GROUP BY ALL)
        SELECT r.ticket_id, r.service, r.step, r.team, r.state, {iso('r.ready_at')} AS ready_at,
               ({as_of} - r.ready_at) / {HOUR} AS age_hours, r.active_seconds / {HOUR} AS active_age_hours,
               r.working_seconds / {HOUR} AS working_age_hours, r.target_seconds / {HOUR} AS target_hours,
               p.p85 AS step_p85_hours, p.p85w AS step_p85_working_hours, coalesce(r.calendar, '') AS calendar
        FROM open_runs r LEFT JOIN p85 p ON p.service = r.service AND p.step = r.step
        ORDER BY r.service, r.position, r.step, age_hours DESC, r.ticket_id""")

    copy("team_load", f"""
        WITH load AS (
            SELECT team, count(*) FILTER (WHERE state = 'ready') AS ready, count(*) FILTER (WHERE state = 'active') AS active,
                   count(*) FILTER (WHERE state = 'paused') AS paused, max({as_of} - ready_at) / {HOUR} AS oldest
            FROM open_runs GROUP BY team),
        flow AS (
            SELECT team, count(*) FILTER (WHERE ready_at >= {frm} AND ready_at < {to} AND state <> 'skipped') AS arrivals,
                   count(*) FILTER (WHERE state = 'done' AND done_at >= {frm} AND done_at < {hi}) AS completions
            FROM runs WHERE ready_at IS NOT NULL AND (done_at IS NULL OR done_at >= {frm}) GROUP BY team),
        teams AS (SELECT team FROM load UNION SELECT team FROM flow WHERE arrivals > 0 OR completions > 0),
        between_steps AS (
            SELECT count(*) AS tickets, max({as_of} - coalesce(last_done, t.opened_at)) / {HOUR} AS oldest
            FROM tk t LEFT JOIN (SELECT tkey, max(done_at) AS last_done FROM runs WHERE done_at IS NOT NULL GROUP BY 1) d
                 ON d.tkey = t.tkey
            WHERE t.end_at IS NULL AND t.tkey NOT IN (SELECT tkey FROM open_runs))
        SELECT team, ready, active, paused, oldest_age_hours, arrivals, completions, net_flow, reassignments FROM (
            SELECT t.team, coalesce(l.ready, 0) AS ready, coalesce(l.active, 0) AS active, coalesce(l.paused, 0) AS paused,
                   l.oldest AS oldest_age_hours, coalesce(f.arrivals, 0) AS arrivals, coalesce(f.completions, 0) AS completions,
                   coalesce(f.arrivals, 0) - coalesce(f.completions, 0) AS net_flow, 0 AS reassignments,
                   coalesce(l.ready, 0) + coalesce(l.active, 0) + coalesce(l.paused, 0) AS open_n, 0 AS last
            FROM teams t LEFT JOIN load l ON l.team = t.team LEFT JOIN flow f ON f.team = t.team
            UNION ALL
            SELECT '(between steps)', tickets, 0, 0, oldest, 0, 0, 0, 0, 0, 1 FROM between_steps WHERE tickets > 0)
        ORDER BY last, open_n DESC, team""")

    copy("automation_readiness", f"""
        WITH ended AS (
            SELECT r.*, CASE WHEN state = 'done' AND started_at IS NOT NULL THEN (done_at - started_at) / {HOUR} END AS work,
                   CASE WHEN state = 'done' AND started_at IS NOT NULL THEN ln(greatest(done_at - started_at, 1) / {HOUR}) END AS log_work,
                   CASE WHEN state = 'done' THEN (done_at - coalesce(started_at, ready_at)) / {HOUR} END AS effort,
                   done_at >= {(frm + to) // 2} AS second_half
            FROM runs r WHERE state IN ('done', 'skipped') AND done_at >= {frm} AND done_at < {hi} AND ready_at IS NOT NULL),
        steps AS (
            SELECT service, step, count(*) FILTER (WHERE state = 'done') AS runs, max(team) AS any_team,
                   quantile_cont(work, 0.5) AS median_work_hours, stddev_samp(work) / nullif(avg(work), 0) AS cv,
                   stddev_samp(log_work) AS work_spread,
                   exp(avg(log_work) FILTER (WHERE second_half) - avg(log_work) FILTER (WHERE NOT second_half)) - 1 AS drift,
                   exp(avg(log_work) FILTER (WHERE NOT second_half)) AS h1, exp(avg(log_work) FILTER (WHERE second_half)) AS h2,
                   count(*) FILTER (WHERE state = 'done' AND reassignments > 0) / nullif(count(*) FILTER (WHERE state = 'done'), 0) AS reassigned_share,
                   count(work) / nullif(count(*) FILTER (WHERE state = 'done'), 0) AS started_share,
                   count(*) FILTER (WHERE state = 'done' AND attempt > 1) / nullif(count(*) FILTER (WHERE state = 'done'), 0) AS rework_rate,
                   sum(effort) AS effort_hours, count(*) FILTER (WHERE state = 'skipped') AS skipped
            FROM ended GROUP BY service, step),
        e AS (SELECT tkey, service, step, team, coalesce(started_at, done_at) AS began FROM runs
              WHERE state = 'done' AND attempt = 1 AND done_at >= {order_from} AND done_at < {hi} AND ready_at IS NOT NULL),
        firsts AS (
            SELECT e.service, e.step, e.team, coalesce(arg_max(p.step, {{'d': p.done_at, 'q': p.position}}), '(first)') AS predecessor,
                   count(p.step) AS place
            FROM e LEFT JOIN runs p ON p.tkey = e.tkey AND p.attempt = 1 AND p.step <> e.step
                 AND p.done_at <= e.began AND p.state IN ('done', 'skipped')
            GROUP BY e.tkey, e.service, e.step, e.team),
        ranked AS (
            SELECT service, step, 'predecessor' AS signal, predecessor AS value, count(*) AS n FROM firsts GROUP BY 1, 2, 4
            UNION ALL SELECT service, step, 'place', CAST(place AS VARCHAR), count(*) FROM firsts GROUP BY 1, 2, 4
            UNION ALL SELECT service, step, 'team', team, count(*) FROM firsts GROUP BY 1, 2, 4),
        usual AS (
            SELECT service, step, signal, value, n / sum(n) OVER (PARTITION BY service, step, signal) AS share,
                   row_number() OVER (PARTITION BY service, step, signal ORDER BY n DESC, value) AS rank FROM ranked),
        rated AS (
            SELECT s.service, s.step, coalesce(tm.value, s.any_team) AS team, coalesce(d.kind, 'task') AS kind,
                   coalesce(sv.enforce_order, true) AS ordered, s.runs, s.median_work_hours, s.cv, s.work_spread, s.drift, s.h1, s.h2,
                   pr.value AS predecessor, pr.share AS predecessor_share, pl.share AS position_share,
                   coalesce(s.reassigned_share, 0.0) AS reassigned_share, coalesce(s.started_share, 0.0) AS started_share,
                   coalesce(s.rework_rate, 0.0) AS rework_rate, s.skipped / (s.runs + s.skipped) AS skip_rate,
                   coalesce(s.effort_hours, 0.0) / ({(to - frm) / WEEK}) AS work_hours_per_week
            FROM steps s
            LEFT JOIN def_steps d ON d.service = s.service AND d.step = s.step
            LEFT JOIN def_services sv ON sv.service = s.service
            LEFT JOIN usual pr ON pr.service = s.service AND pr.step = s.step AND pr.signal = 'predecessor' AND pr.rank = 1
            LEFT JOIN usual pl ON pl.service = s.service AND pl.step = s.step AND pl.signal = 'place' AND pl.rank = 1
            LEFT JOIN usual tm ON tm.service = s.service AND tm.step = s.step AND tm.signal = 'team' AND tm.rank = 1),
        reasoned AS (
            SELECT r.*, rtrim(
                CASE WHEN work_spread IS NULL THEN 'work spread unknown (fewer than 2 runs with a start); '
                     WHEN work_spread > {p['ready_spread']} THEN printf('work spread %.2f > %g; ', work_spread, {p['ready_spread']}) ELSE '' END ||
                CASE WHEN drift IS NULL THEN 'drift unknown (no work in one half of the window); '
                     WHEN abs(drift) > {p['ready_drift']} THEN printf('work %s %.0f%% in %d weeks (%.2f h, then %.2f h) > %g%%; ',
                          CASE WHEN drift > 0 THEN 'rose' ELSE 'fell' END, abs(drift) * 100, {weeks}, h1, h2, {p['ready_drift'] * 100})
                     ELSE '' END ||
                CASE WHEN NOT ordered THEN ''
                     WHEN predecessor_share IS NULL THEN printf('order unknown (no first attempt in the last %d days); ', {p['order_days']})
                     WHEN predecessor_share < {p['ready_predecessor']} THEN printf('same predecessor (%s) in %.0f%% < %g%%; ', predecessor,
                          predecessor_share * 100, {p['ready_predecessor'] * 100}) ELSE '' END ||
                CASE WHEN ordered AND position_share < {p['ready_position']} THEN printf('same place in %.0f%% < %g%%; ', position_share * 100, {p['ready_position'] * 100}) ELSE '' END ||
                CASE WHEN reassigned_share > {p['ready_reassigned']} THEN printf('reassigned %.0f%% > %g%%; ', reassigned_share * 100, {p['ready_reassigned'] * 100}) ELSE '' END ||
                CASE WHEN rework_rate > {p['ready_rework']} THEN printf('rework %.1f%% > %g%%; ', rework_rate * 100, {p['ready_rework'] * 100}) ELSE '' END ||
                CASE WHEN skip_rate > {p['ready_skip']} THEN printf('skips %.1f%% > %g%%; ', skip_rate * 100, {p['ready_skip'] * 100}) ELSE '' END,
                '; ') AS problems
            FROM rated r),
        judged AS (
            SELECT r.*, CASE WHEN kind = 'approval' THEN 'keep-human' WHEN kind = 'automated' THEN 'automated'
                             WHEN runs < {p['min_runs']} THEN 'too-few-runs' WHEN started_share < {p['min_started']} THEN 'needs-start-events'
                             WHEN problems = '' THEN 'ready' ELSE 'stabilise-first' END AS verdict
            FROM reasoned r)
        SELECT service, step, team, kind, runs, median_work_hours, cv, rework_rate, skip_rate, work_hours_per_week, verdict,
               CASE verdict
                    WHEN 'keep-human' THEN 'approval steps need human judgment'
                    WHEN 'automated' THEN 'the step is already automated'
                    WHEN 'too-few-runs' THEN printf('%d runs < %d', runs, {p['min_runs']})
                    WHEN 'needs-start-events' THEN printf('work is known for %.0f%% of runs < %g%%: the log needs started events', started_share * 100, {p['min_started'] * 100})
                    WHEN 'ready' THEN printf('work spread %.2f <= %g, work %+.0f%% over the window, %sreassigned %.0f%%, rework %.1f%%, skips %.1f%%',
                                             work_spread, {p['ready_spread']}, drift * 100,
                                             CASE WHEN ordered THEN printf('same predecessor in %.0f%%, same place in %.0f%%, ', predecessor_share * 100, position_share * 100)
                                                  ELSE 'any order (a flexible service), ' END,
                                             reassigned_share * 100, rework_rate * 100, skip_rate * 100)
                    ELSE problems END AS reasons,
               work_spread, drift, predecessor, predecessor_share, position_share, reassigned_share, started_share
        FROM judged
        ORDER BY verdict = 'ready' DESC, work_hours_per_week DESC, service, step""")

    # Headlines: the last week of the window and the week before, that one as it stood at its own end.
    def headline(f, t, a):
        h = min(t, a + 1)
        return f"""(SELECT
            (SELECT count(*) FROM tk WHERE opened_at >= {f} AND opened_at < {t} AND opened_at <= {a}) AS opened,
            (SELECT count(*) FROM tk WHERE closed_at >= {f} AND closed_at < {t} AND closed_at <= {a}) AS closed,
            (SELECT count(*) FROM tk WHERE cancelled_at >= {f} AND cancelled_at < {t} AND cancelled_at <= {a}) AS cancelled,
            (SELECT quantile_cont((closed_at - opened_at) / {HOUR}, 0.5) FROM tk WHERE closed_at >= {f} AND closed_at < {t} AND closed_at <= {a}) AS lead_time_p50_hours,
            (SELECT quantile_cont((closed_at - opened_at) / {HOUR}, 0.85) FROM tk WHERE closed_at >= {f} AND closed_at < {t} AND closed_at <= {a}) AS lead_time_p85_hours,
            (SELECT count(*) FROM tk WHERE opened_at <= {a} AND (end_at IS NULL OR end_at > {a})) AS open_tickets,
            (SELECT count(*) FILTER (WHERE working_seconds <= target_seconds) / count(*) FROM done
             WHERE target_seconds IS NOT NULL AND done_at >= {f} AND done_at < {h}) AS targets_met)"""
    items = [("closed", "Tickets closed", "count"), ("opened", "Tickets opened", "count"),
             ("cancelled", "Tickets cancelled", "count"), ("lead_time_p50_hours", "Lead time p50", "hours"),
             ("lead_time_p85_hours", "Lead time p85", "hours"), ("open_tickets", "Open tickets (WIP)", "count"),
             ("targets_met", "Targets met", "ratio")]
    rows = " UNION ALL ".join(f"SELECT {i} AS k, '{key}' AS key, '{label}' AS label, '{unit}' AS unit, n.{key} AS value, b.{key} AS previous, n.{key} - b.{key} AS change FROM now n, before b"
                              for i, (key, label, unit) in enumerate(items))
    copy("headlines", f"""WITH now AS {headline(to - WEEK, to, as_of)}, before AS {headline(to - 2 * WEEK, to - WEEK, min(as_of, to - WEEK))}
                          SELECT key, label, unit, value, previous, change FROM ({rows}) ORDER BY k""")


SECTIONS = ["throughput", "cumulative_flow", "wip", "lead_times", "lead_time_scatter", "step_times", "service_levels",
            "service_level_weeks", "stalled", "aging", "team_load", "automation_readiness", "headlines"]


# ---------------------------------------------------------------------------------------------------------------
# --compare: the anchor's CSVs beside Baton's

# section -> key columns (a row's identity) and count columns (must be equal); every other shared column is a
# number compared with a relative tolerance.
COMPARE = {
    "throughput": (["week", "service"], ["opened", "closed", "cancelled"]),
    "cumulative_flow": (["day"], ["arrivals", "departures", "cumulative_arrivals", "cumulative_departures", "wip"]),
    "wip": (["day", "service"], ["wip"]),
    "lead_times": (["service"], ["closed"]),
    "lead_time_scatter": (["ticket_id"], []),
    "step_times": (["service", "step", "team"], ["runs", "rework_runs", "reassignments"]),
    "service_levels": (["service", "step", "team", "week"], ["runs", "met", "breached"]),
    "service_level_weeks": (["week"], ["runs", "met", "breached"]),
    "stalled": (["ticket_id", "step"], []),
    "aging": (["ticket_id", "step"], []),
    "team_load": (["team"], ["ready", "active", "paused", "arrivals", "completions", "net_flow", "reassignments"]),
    "automation_readiness": (["service", "step"], ["runs"]),
    "headlines": (["key"], []),
}
TEXT = {"team", "state", "ready_at", "threshold_source", "calendar", "title", "kind", "verdict", "reasons",
        "predecessor", "closed_at", "at", "label", "unit", "service", "step", "week", "day", "ticket_id"}


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return rows


def same_number(a, b, tol):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) and math.isnan(y):
        return True
    return abs(x - y) <= tol * max(1.0, abs(x), abs(y))


def compare(duck_dir, baton_dir, tol=1e-9):
    ok = True
    print(f"compare: anchor {duck_dir} vs Baton {baton_dir} (numbers within relative {tol:g})")
    for name in SECTIONS:
        bp, dp = os.path.join(baton_dir, name + ".csv"), os.path.join(duck_dir, name + ".csv")
        if not os.path.exists(bp):
            print(f"  {name:22} Baton has no {name}.csv"); ok = False; continue
        keys, counts = COMPARE[name]
        b, d = read_csv(bp), read_csv(dp)
        bk = {tuple(r[k] for k in keys): r for r in b}
        dk = {tuple(r[k] for k in keys): r for r in d}
        common = [k for k in bk if k in dk]
        only_b, only_d = len(bk) - len(common), len(dk) - len(common)
        count_bad = sum(1 for k in common for c in counts if bk[k][c] != dk[k][c])
        shared = [c for c in (b[0].keys() if b else []) if c not in keys and d and c in d[0]]
        numbers = [c for c in shared if c not in counts and c not in TEXT]
        texts = [c for c in shared if c in TEXT and c not in keys]
        num_cells = len(common) * len(numbers)
        num_ok = sum(1 for k in common for c in numbers if same_number(bk[k][c], dk[k][c], tol))
        txt_cells = len(common) * len(texts)
        txt_ok = sum(1 for k in common for c in texts if bk[k][c] == dk[k][c])
        rows_ok = only_b == 0 and only_d == 0 and count_bad == 0
        ok = ok and rows_ok
        line = (f"  {name:22} rows Baton {len(b):>6} anchor {len(d):>6}  same keys {len(common):>6}"
                f" (only Baton {only_b}, only anchor {only_d});  counts {'equal' if count_bad == 0 else f'{count_bad} cells differ'}"
                f" ({len(common) * len(counts)} cells)")
        if num_cells:
            line += f";  numbers {num_ok}/{num_cells} equal"
        if txt_cells:
            line += f";  text {txt_ok}/{txt_cells} equal"
        print(line)
        if count_bad or num_ok < num_cells:
            worst = []
            for c in counts + numbers:
                bad = [(k, bk[k][c], dk[k][c]) for k in common if not same_number(bk[k][c], dk[k][c], tol)]
                if bad:
                    worst.append(f"{c}: {len(bad)} (e.g. {'/'.join(bad[0][0])}: Baton {bad[0][1] or 'empty'}, anchor {bad[0][2] or 'empty'})")
            for w in worst[:6]:
                print(f"      {w}")
    print("compare: " + ("every count agrees" if ok else "SOME COUNTS DISAGREE"))
    return ok


# ---------------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="canonical CSV event log")
    ap.add_argument("--db", required=True, help="DuckDB file holding the events (made from the log when needed)")
    ap.add_argument("--out", required=True, help="folder for the section CSVs")
    ap.add_argument("--to", default="2026-11-23T00:00:00Z", help="end of the window and as_of (default %(default)s)")
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--services", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services"))
    ap.add_argument("--repeat", type=int, default=1, help="compute the sections N times; the best wall time counts")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, one per core)")
    ap.add_argument("--reload", action="store_true", help="load the CSV again even if the file holds it")
    ap.add_argument("--compare", metavar="BATON_CSV_DIR", help="compare the sections with Baton's CSV report")
    ap.add_argument("--profile", action="store_true", help="print each statement's wall time (last run)")
    a = ap.parse_args()

    to = parse_instant(a.to)
    frm = to - a.weeks * WEEK
    as_of = to
    services, steps = load_services(a.services)
    os.makedirs(a.out, exist_ok=True)

    con = duckdb.connect(a.db)
    con.execute("SET TimeZone = 'UTC'")
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    loaded = load(con, a.log, a.reload)
    if loaded:
        lw, lc, n = loaded
        print(f"load: {lw:.2f} s wall, {lc:.2f} s CPU ({n} events from {a.log} into {a.db})")
    else:
        n, secs = con.execute("SELECT events, seconds FROM load_info").fetchone()
        print(f"load: reused {a.db} ({n} events; loaded earlier in {secs:.2f} s)")
    con.close()

    best = None
    for i in range(a.repeat):
        # A fresh connection each time: nothing carried over but the file (and the OS page cache).
        con = duckdb.connect(a.db, read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        if a.threads:
            con.execute(f"SET threads = {a.threads}")
        run = Timed(con) if a.profile else con
        PROFILE.clear()
        w0, c0 = time.perf_counter(), cpu()
        projections(run, services, steps, as_of)
        w1 = time.perf_counter()
        sections(run, frm, to, as_of, a.out)
        w, c = time.perf_counter() - w0, cpu() - c0
        con.close()
        print(f"sections run {i + 1}: {w:.2f} s wall ({w1 - w0:.2f} s of it deriving tickets and step runs), {c:.2f} s CPU")
        if best is None or w < best[0]:
            best = (w, c)
    for secs, sql in PROFILE:
        print(f"  {secs:6.2f} s  {sql}")
    print(f"sections: {best[0]:.2f} s wall, {best[1]:.2f} s CPU (best of {a.repeat}; CSVs in {a.out})")
    ok = compare(a.out, a.compare) if a.compare else True
    lw_s = f"{loaded[0]:.2f}" if loaded else "reused"
    lc_s = f"{loaded[1]:.2f}" if loaded else "reused"
    print(f"RESULT load_wall={lw_s} load_cpu={lc_s} sections_wall={best[0]:.2f} sections_cpu={best[1]:.2f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
