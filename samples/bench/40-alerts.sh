#!/usr/bin/env bash
# Alert cost follows open work, not history. Stores written straight with SQL, reproducibly:
#   1m-2k, 1m-50k  a 1M-ticket history (the last 90 days as dense as a 1M-tickets-a-year store) with 2,000 and with
#                  50,000 open runs: the seconds `baton alerts` takes at each;
#   small, large   the same open work and last 90 days, one with 10x the older history: the ratio.
# Each store: the first run (it fills the cache of completed runs per day and hour), the best of 3 after it, and a
# run 10 minutes later (a cron run: new as_of, new partial hour). Seconds are wall time; user+sys CPU in brackets.
# Usage: samples/bench/40-alerts.sh BATON_BINARY WORKDIR   (HISTORY=1000000 OPEN=2000 BIG_OPEN=50000 OLD=40000)
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2/alerts"
HISTORY="${HISTORY:-1000000}"
OPEN="${OPEN:-2000}"
BIG_OPEN="${BIG_OPEN:-50000}"
OLD="${OLD:-40000}"
RECENT=5000
AS_OF=2026-03-10T12:00:00Z
AS_OF_S=$(date -u -d "$AS_OF" +%s)
LATER=$(date -u -d "@$((AS_OF_S + 600))" +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$WORK"
cat > "$WORK/svc.json" <<'JSON'
{"key": "bench", "name": "Bench", "enforce_order": true,
 "steps": [{"key": "triage", "name": "Triage", "team": "desk", "kind": "task", "target": "8h"},
           {"key": "fix", "name": "Fix", "team": "eng", "kind": "task"},
           {"key": "check", "name": "Check", "team": "qa", "kind": "review"}]}
JSON

# history STORE OLD_TICKETS RECENT_TICKETS: the projections written directly with SQL (alerts read only tickets and
# step_runs). No ANALYZE: a store that `baton import` filled has no statistics either, so the queries must not need them.
history() {
    local db="$1" old="$2" recent="$3"
    rm -f "$db" "$db-wal" "$db-shm"
    BATON_DB="$db" "$BATON" init >/dev/null
    BATON_DB="$db" "$BATON" service apply "$WORK/svc.json" >/dev/null
    sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
-- Closed history: 'old' tickets from 3 years to 100 days before as_of, 'recent' ones in the last 89 days.
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $old + $recent - 1)
INSERT INTO tickets(id, service, service_version, title, state, opened_at, closed_at, last_event_at)
SELECT 'H-' || i, 'bench', 1, 'history', 'closed', t, t + 30 * 3600, t + 30 * 3600
FROM (SELECT i, CASE WHEN i < $old THEN $AS_OF_S - 1095 * 86400 + i * ((995 * 86400) / $old)
                     ELSE $AS_OF_S - 89 * 86400 + (i - $old) * ((88 * 86400) / $recent) END AS t FROM n);
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT id, 'bench', 'triage', 'desk', 0, 1, 'done', opened_at, opened_at + 600, opened_at + 7200 FROM tickets WHERE id LIKE 'H-%';
-- Fix times vary from ticket to ticket (a fixed hash of the row, so every build is the same).
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT id, 'bench', 'fix', 'eng', 1, 1, 'done', opened_at + 7200, opened_at + 9000, opened_at + 7200 + (rowid * 7919) % 86400 FROM tickets WHERE id LIKE 'H-%';
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT r.ticket_id, 'bench', 'check', 'qa', 2, 1, 'done', r.done_at, r.done_at + 60, r.done_at + 3600 FROM step_runs r WHERE r.step = 'fix';
COMMIT;
SQL
}

# open STORE OPEN_RUNS: open work spread over the last 20 days, a third at each step (one open run per ticket).
open_work() {
    local db="$1" open="$2"
    sqlite3 "$db" >/dev/null <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $open - 1)
INSERT INTO tickets(id, service, service_version, title, state, opened_at, last_event_at)
SELECT 'O-' || i, 'bench', 1, 'open', 'open', $AS_OF_S - 20 * 86400 + i * ((20 * 86400) / $open), $AS_OF_S - 3600 FROM n;
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT id, 'bench', 'triage', 'desk', 0, 1, CASE WHEN rowid % 3 = 0 THEN 'ready' ELSE 'done' END, opened_at,
       CASE WHEN rowid % 3 = 0 THEN NULL ELSE opened_at + 600 END, CASE WHEN rowid % 3 = 0 THEN NULL ELSE opened_at + 3600 END
FROM tickets WHERE id LIKE 'O-%';
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT id, 'bench', 'fix', 'eng', 1, 1, CASE WHEN rowid % 3 = 1 THEN 'active' ELSE 'done' END, opened_at + 3600, opened_at + 4000,
       CASE WHEN rowid % 3 = 1 THEN NULL ELSE opened_at + 7200 END
FROM tickets WHERE id LIKE 'O-%' AND rowid % 3 <> 0;
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at)
SELECT id, 'bench', 'check', 'qa', 2, 1, 'ready', opened_at + 7200 FROM tickets WHERE id LIKE 'O-%' AND rowid % 3 = 2;
-- Written straight into the projections: each run is known from its ready instant, as the state machine would say.
UPDATE step_runs SET known_at = ready_at;
COMMIT;
SQL
}

# timed STORE AS_OF: "wall user+sys" of one `baton alerts` run.
timed() {
    local start end cpu
    start=$(date +%s.%N)
    cpu=$( { /usr/bin/time -f '%U %S' env BATON_DB="$1" "$BATON" alerts --as-of "$2" --out "$WORK/alerts.json" --no-record; } 2>&1 )
    end=$(date +%s.%N)
    echo "$start $end $cpu" | awk '{printf "%.3f %.3f\n", $2 - $1, $3 + $4}'
}

# measure NAME: prints the first run, the best of 3 after it and the run 10 minutes later; sets BEST ("wall cpu").
measure() {
    local db="$WORK/$1.db" first best="" t later
    first=$(timed "$db" "$AS_OF")
    for _ in 1 2 3; do
        t=$(timed "$db" "$AS_OF")
        best=$(echo "$t ${best:-}" | awk '{if ($3 == "" || $1 < $3) print $1, $2; else print $3, $4}')
    done
    later=$(timed "$db" "$LATER")
    local open runs alerts
    open=$(sqlite3 "$db" "SELECT count(*) FROM step_runs WHERE done_at IS NULL")
    runs=$(sqlite3 "$db" "SELECT count(*) FROM step_runs")
    alerts=$(grep -c '"kind"' "$WORK/alerts.json" || true)
    printf 'alerts %-6s %8d step runs, %6d open, %5d alerts: first %s s [%s], best of 3 %s s [%s], 10 min later %s s [%s]\n' \
        "$1" "$runs" "$open" "$alerts" ${first% *} ${first#* } ${best% *} ${best#* } ${later% *} ${later#* }
    BEST=$best
}

echo "building: ${HISTORY}-ticket history with $OPEN and $BIG_OPEN open runs; history $((OLD + RECENT)) vs $((10 * OLD + RECENT)) closed tickets with $OPEN open"
history "$WORK/1m-2k.db" "$((HISTORY * 3 / 4))" "$((HISTORY / 4))"
cp "$WORK/1m-2k.db" "$WORK/1m-50k.db"
open_work "$WORK/1m-2k.db" "$OPEN"
open_work "$WORK/1m-50k.db" "$BIG_OPEN"
history "$WORK/small.db" "$OLD" "$RECENT"
open_work "$WORK/small.db" "$OPEN"
history "$WORK/large.db" "$((10 * OLD))" "$RECENT"
open_work "$WORK/large.db" "$OPEN"
measure 1m-2k
measure 1m-50k
measure small
small=$BEST
measure large
# CPU as well as wall: at tens of milliseconds, wall time on a shared machine is mostly other processes.
echo "$small $BEST" | awk '{printf "alerts at 10x history: %.2fx the wall time at 1x, %.2fx the CPU (best of 3)\n", $3 / $1, $4 / $2}'
