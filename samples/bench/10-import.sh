#!/usr/bin/env bash
# Import throughput: `baton import` of generated canonical CSV logs (about 9–10 events per ticket) for
# 10k, 100k and 1M tickets, next to `sqlite3 .import` of the same CSV into a plain table on the same machine.
# Usage: samples/bench/10-import.sh BATON_BINARY WORKDIR   (sizes: BENCH_IMPORT_SIZES="10000 100000 1000000")
set -euo pipefail
BATON="$1"
WORK="$2"
SIZES="${BENCH_IMPORT_SIZES:-10000 100000 1000000}"
mkdir -p "$WORK"

# Runs a command, prints "seconds peak_kib" (peak resident memory from /usr/bin/time -v, else from /proc VmHWM).
measure() {
    local log="$WORK/time.log"
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$log" "$@" >/dev/null
        local wall rss
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
        # wall clock is h:mm:ss or m:ss.cc
        echo "$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }') $rss"
    else
        local start end peak=0 pid
        start=$(date +%s.%N)
        "$@" >/dev/null & pid=$!
        while kill -0 "$pid" 2>/dev/null; do
            local hwm
            hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            [ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
            sleep 0.05
        done
        wait "$pid"
        end=$(date +%s.%N)
        echo "$(echo "$end - $start" | bc) $peak"
    fi
}

printf '%-9s %10s %10s %12s %10s %12s %8s\n' tickets events import_s events_per_s peak_mb sqlite3_s ratio
for n in $SIZES; do
    csv="$WORK/import-$n.csv"
    [ -f "$csv" ] || "$BATON" generate --tickets "$n" --seed 1 --days 365 --out "$csv" 2>/dev/null
    events=$(( $(wc -l < "$csv") - 1 ))
    db="$WORK/import-$n.db"
    rm -f "$db" "$db-wal" "$db-shm"
    "$BATON" --db "$db" init >/dev/null
    read -r secs rss < <(measure "$BATON" --db "$db" import "$csv")
    plain="$WORK/sqlite-$n.db"
    rm -f "$plain"
    read -r ssecs _ < <(measure sqlite3 "$plain" ".import --csv $csv events")
    awk -v n="$n" -v e="$events" -v s="$secs" -v r="$rss" -v q="$ssecs" 'BEGIN {
        printf "%-9d %10d %10.2f %12.0f %10.1f %12.2f %7.2fx\n", n, e, s, e / (s > 0 ? s : 0.001), r / 1024, q, s / (q > 0 ? q : 0.001) }'
    rm -f "$plain" "$db" "$db-wal" "$db-shm"
done
echo "budget: import ≤ 2× sqlite3 .import, peak memory < 300 MB"
