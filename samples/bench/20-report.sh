#!/usr/bin/env bash
# Benchmark of the report engine (issue 4): seconds and peak memory of `baton report weekly --format csv` and of
# the stalled query alone, on stores of 100k and 1M tickets; and the stalled query on two stores with the same
# open work and the same last 90 days, one with 10x the older history (its time must not grow with history).
#
# Usage: samples/bench/20-report.sh BATON_BINARY WORKDIR
#
# The stores are built by a fixture generator of this script's own (SQL writing the projections tickets and
# step_runs directly, ~1000 tickets a day, three steps each, ~3% cancelled, every ticket older than a few days
# closed), so the benchmark does not depend on the importer. Every store's last 90 days are identical.
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2/report"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$WORK"
END_ISO="2026-11-23T00:00:00Z"
END=$(date -u -d "$END_ISO" +%s)

# make_store PATH TOTAL [INTERVAL]: TOTAL tickets, one every INTERVAL seconds (default 86: 90k in 90 days) back
# from the end of the history, so stores with the same interval share their recent history exactly.
make_store() {
    local db="$1" total="$2" interval="${3:-86}"
    if [ -f "$db" ] && [ "$(sqlite3 "$db" 'SELECT count(*) FROM tickets' 2>/dev/null)" = "$total" ]; then return; fi
    rm -f "$db" "$db-wal" "$db-shm"
    "$BATON" --db "$db" init >/dev/null
    "$BATON" --db "$db" service apply "$HERE/report-fixture.json" >/dev/null
    sqlite3 "$db" <<SQL
PRAGMA synchronous=OFF;
BEGIN;
CREATE TEMP TABLE plan AS
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n + 1 < $total),
h AS (SELECT n, $END - (n + 1) * $interval AS opened, (n * 2654435761) % 4294967296 AS h FROM k),
t AS (
    SELECT n, opened,
           opened AS r1, opened + h % 28800 AS s1, opened + h % 28800 + 1800 + (h / 7) % 12600 AS d1,
           (h / 13) % 172800 AS w2, 720 + (h / 17) % 28080 AS k2, (h / 19) % 86400 AS w3, 60 + (h / 23) % 3540 AS k3,
           n % 33 = 0 AND n > 200 AS cancelled, opened + (h % 28800) / 2 AS cancel_at
    FROM h)
SELECT n, 'B-' || n AS id, opened, cancelled, cancel_at, r1, s1, d1,
       d1 AS r2, d1 + w2 AS s2, d1 + w2 + k2 AS d2, d1 + w2 + k2 AS r3, d1 + w2 + k2 + w3 AS s3, d1 + w2 + k2 + w3 + k3 AS d3
FROM t;
INSERT INTO tickets(id, service, service_version, requester, title, state, opened_at, closed_at, cancelled_at, last_event_at)
SELECT id, 'bench', 1, 'req', 'Benchmark ticket ' || n,
       CASE WHEN cancelled THEN 'cancelled' WHEN d3 <= $END THEN 'closed' ELSE 'open' END,
       opened, CASE WHEN NOT cancelled AND d3 <= $END THEN d3 END, CASE WHEN cancelled THEN cancel_at END,
       CASE WHEN cancelled THEN cancel_at WHEN d3 <= $END THEN d3 ELSE opened END
FROM plan ORDER BY n DESC;
-- One run per step; state as of the end of the history ($END_ISO).
INSERT INTO step_runs(ticket_id, service, step, team, position, attempt, state, ready_at, started_at, done_at, actor)
SELECT id, 'bench', step, team, position, 1,
       CASE WHEN cancelled THEN 'cancelled' WHEN r > $END THEN 'waiting' WHEN d <= $END THEN 'done'
            WHEN s <= $END THEN 'active' ELSE 'ready' END,
       CASE WHEN cancelled AND position > 0 THEN NULL WHEN r > $END THEN NULL ELSE r END,
       CASE WHEN cancelled OR s > $END THEN NULL ELSE s END,
       CASE WHEN cancelled AND position = 0 THEN cancel_at WHEN cancelled THEN NULL WHEN d <= $END THEN d END,
       'bo'
FROM (SELECT n, id, cancelled, cancel_at, 'triage' AS step, 'servicedesk' AS team, 0 AS position, r1 AS r, s1 AS s, d1 AS d FROM plan
      UNION ALL SELECT n, id, cancelled, cancel_at, 'fulfil', 'it', 1, r2, s2, d2 FROM plan
      UNION ALL SELECT n, id, cancelled, cancel_at, 'approve', 'managers', 2, r3, s3, d3 FROM plan)
ORDER BY n DESC, position;
COMMIT;
PRAGMA optimize;
SQL
}

# measure LABEL COMMAND...: wall seconds and peak resident memory (best of 3 runs).
measure() {
    local label="$1"; shift
    local best="" mem=""
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null
        read -r secs kb < "$WORK/time.txt"
        if [ -z "$best" ] || awk "BEGIN {exit !($secs < $best)}"; then best="$secs"; mem="$kb"; fi
    done
    printf "%-58s %7.2f s  %6.0f MB\n" "$label" "$best" "$(awk "BEGIN {print $mem / 1024}")"
}

FROM=$(date -u -d "$END_ISO - 84 days" +%Y-%m-%dT%H:%M:%SZ)   # the weekly report's 12 weeks
# name total interval: 1000 tickets a day (100k: 100 days; 1M: 2.7 years), and 1M in one year (2800 a day).
for spec in "100000 100000 86" "1000000 1000000 86" "dense-1000000 1000000 31"; do
    read -r name total interval <<< "$spec"
    db="$WORK/bench-$name.db"
    start=$(date +%s)
    make_store "$db" "$total" "$interval"
    open=$(sqlite3 "$db" "SELECT count(*) FROM step_runs WHERE state IN ('ready','active','paused')")
    window=$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE closed_at >= $END - 84 * 86400")
    echo "store $name: $total tickets over $(( total * interval / 86400 )) days, $(sqlite3 "$db" 'SELECT count(*) FROM step_runs') step runs, $open open runs, $window tickets closed in the report window ($(( $(date +%s) - start )) s to build)"
    rm -rf "$WORK/out-$name"
    measure "  report weekly --format csv" \
        "$BATON" --db "$db" report weekly --from "$FROM" --to "$END_ISO" --as-of "$END_ISO" --format csv --out "$WORK/out-$name"
    measure "  query stalled" "$BATON" --db "$db" query stalled --as-of "$END_ISO" --format csv
done

# Same open work and the same last 90 days; the second store has 10x the older history.
echo "stalled query: same open work, 10x the older history"
small="$WORK/bench-100000.db"                  # 90k recent + 10k older
large="$WORK/bench-190000.db"; make_store "$large" 190000   # 90k recent + 100k older
measure "  query stalled, older history 10k tickets" "$BATON" --db "$small" query stalled --as-of "$END_ISO" --format csv
measure "  query stalled, older history 100k tickets (10x)" "$BATON" --db "$large" query stalled --as-of "$END_ISO" --format csv
measure "  query stalled, older history 910k tickets (91x)" "$BATON" --db "$WORK/bench-1000000.db" query stalled --as-of "$END_ISO" --format csv
cmp <("$BATON" --db "$small" query stalled --as-of "$END_ISO" --format csv) \
    <("$BATON" --db "$large" query stalled --as-of "$END_ISO" --format csv) && echo "  (same stalled rows in both stores)"
