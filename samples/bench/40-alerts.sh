#!/usr/bin/env bash
# Alert cost follows open work, not history: two stores with the same open work (and the same last 90 days),
# one with 10x the older history. Prints the seconds `baton alerts` takes on each (best of 3).
# Usage: samples/bench/40-alerts.sh BATON_BINARY WORKDIR   (OPEN=2000 OLD=40000 to change the sizes)
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2/alerts"
OPEN="${OPEN:-2000}"
OLD="${OLD:-40000}"
RECENT=5000
AS_OF=2026-03-10T12:00:00Z
AS_OF_S=$(date -u -d "$AS_OF" +%s)
mkdir -p "$WORK"
cat > "$WORK/svc.json" <<'JSON'
{"key": "bench", "name": "Bench", "enforce_order": true,
 "steps": [{"key": "triage", "name": "Triage", "team": "desk", "kind": "task", "target": "8h"},
           {"key": "fix", "name": "Fix", "team": "eng", "kind": "task"},
           {"key": "check", "name": "Check", "team": "qa", "kind": "review"}]}
JSON

# build STORE OLD_TICKETS: the projections written directly with SQL (alerts read only tickets and step_runs).
# No ANALYZE: a store that `baton import` filled has no statistics either, so the queries must not need them.
build() {
    local db="$1" old="$2"
    rm -f "$db" "$db-wal" "$db-shm"
    BATON_DB="$db" "$BATON" init >/dev/null
    BATON_DB="$db" "$BATON" service apply "$WORK/svc.json" >/dev/null
    sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
-- Closed history: 'old' tickets from 3 years to 100 days before as_of, 'recent' ones in the last 90 days.
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $old + $RECENT - 1)
INSERT INTO tickets(id, service, service_version, title, state, opened_at, closed_at, last_event_at)
SELECT 'H-' || i, 'bench', 1, 'history', 'closed', t, t + 30 * 3600, t + 30 * 3600
FROM (SELECT i, CASE WHEN i < $old THEN $AS_OF_S - 1095 * 86400 + i * ((995 * 86400) / $old)
                     ELSE $AS_OF_S - 89 * 86400 + (i - $old) * ((88 * 86400) / $RECENT) END AS t FROM n);
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT id, 'bench', 'triage', 'desk', 0, 1, 'done', opened_at, opened_at + 600, opened_at + 7200 FROM tickets WHERE id LIKE 'H-%';
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT id, 'bench', 'fix', 'eng', 1, 1, 'done', opened_at + 7200, opened_at + 9000, opened_at + 7200 + (abs(random()) % 86400) FROM tickets WHERE id LIKE 'H-%';
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at)
SELECT r.ticket_id, 'bench', 'check', 'qa', 2, 1, 'done', r.done_at, r.done_at + 60, r.done_at + 3600 FROM step_runs r WHERE r.step = 'fix';
-- Open work: the same in both stores, spread over the last 20 days, a third at each step.
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $OPEN - 1)
INSERT INTO tickets(id, service, service_version, title, state, opened_at, last_event_at)
SELECT 'O-' || i, 'bench', 1, 'open', 'open', $AS_OF_S - 20 * 86400 + i * ((20 * 86400) / $OPEN), $AS_OF_S - 3600 FROM n;
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

best_of_3() {
    local db="$1" best=""
    for _ in 1 2 3; do
        local start end
        start=$(date +%s.%N)
        BATON_DB="$db" "$BATON" alerts --as-of "$AS_OF" --out "$WORK/alerts.json" --no-record
        end=$(date +%s.%N)
        best=$(echo "$start $end $best" | awk '{d = $2 - $1; if ($3 == "" || d < $3) print d; else print $3}')
    done
    echo "$best"
}

echo "building: $OPEN open tickets each; history $((OLD + RECENT)) vs $((10 * OLD + RECENT)) closed tickets"
build "$WORK/small.db" "$OLD"
build "$WORK/large.db" "$((10 * OLD))"
for store in small large; do
    runs=$(sqlite3 "$WORK/$store.db" "SELECT count(*) FROM step_runs")
    size=$(du -m "$WORK/$store.db" | cut -f1)
    seconds=$(best_of_3 "$WORK/$store.db")
    alerts=$(grep -c '"kind"' "$WORK/alerts.json" || true)
    printf 'alerts %-5s store: %8d step runs, %4d MB, %5d alerts: %.3f s\n' "$store" "$runs" "$size" "$alerts" "$seconds"
done
