#!/usr/bin/env bash
# Import throughput, beside its anchor: `baton import` of generated canonical CSV logs (about 10 events per ticket),
# grouped by ticket (as `baton generate` writes them) and sorted by time (the shape real exports have), next to
# `sqlite3 .import` of the same file into a plain table, at each size; then XES against the canonical CSV of the
# same events (both exported by Baton from the first size's store).
# Usage: samples/bench/10-import.sh BATON_BINARY WORKDIR
#   BENCH_IMPORT_SIZES="100000 1000000"   tickets per log
#   BENCH_IMPORT_XES_TICKETS=N            tickets of the XES comparison (default: the first size)
set -euo pipefail
BATON="$1"
WORK="$2"
SIZES="${BENCH_IMPORT_SIZES:-100000 1000000}"
XES_TICKETS="${BENCH_IMPORT_XES_TICKETS:-${SIZES%% *}}"
mkdir -p "$WORK"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command-line shell (apt-get install sqlite3)"; exit 1; }

# Runs a command; prints "wall_seconds peak_kib cpu_seconds" (CPU = user + system: the fairer figure on a shared
# machine; wall is what the goal is stated in).
measure() {
    local log="$WORK/time.log"
    /usr/bin/time -f '%e %M %U %S' -o "$log" "$@" >/dev/null
    awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$log"
}

# A fresh store with the log imported: "wall peak cpu".
import_into() {
    local db="$1" file="$2"
    rm -f "$db" "$db-wal" "$db-shm"
    "$BATON" --db "$db" init >/dev/null
    measure "$BATON" --db "$db" import "$file"
}

# sqlite3 .import of the same file into a plain table of a new database: "wall peak cpu".
anchor() {
    local plain="$WORK/anchor.db"
    rm -f "$plain"
    measure sqlite3 "$plain" ".import --csv $1 events"
    rm -f "$plain"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / (b > 0 ? b : 0.001) }'; }

printf '%-9s %-12s %9s %8s %8s %8s %9s %9s %10s %9s\n' \
    tickets shape events wall_s cpu_s peak_mb sqlite3_s sqlite3_cpu wall_ratio cpu_ratio
worst_peak=0
for n in $SIZES; do
    grouped="$WORK/import-$n.csv"
    [ -f "$grouped" ] || "$BATON" generate --tickets "$n" --seed 1 --days 365 --out "$grouped" 2>/dev/null
    if grep -q '"' "$grouped"; then echo "$grouped has quoted fields: a plain sort by the sixth field would misread it"; exit 1; fi
    timed="$WORK/import-$n-by-time.csv"
    # A stable sort on the instant (sixth field; ISO 8601 UTC sorts as text), header kept.
    [ -f "$timed" ] || { head -1 "$grouped"; tail -n +2 "$grouped" | LC_ALL=C sort -s -t, -k6,6; } > "$timed"
    events=$(( $(wc -l < "$grouped") - 1 ))
    for shape in grouped time-ordered; do
        file="$grouped"; [ "$shape" = time-ordered ] && file="$timed"
        read -r secs rss cpu < <(import_into "$WORK/import-$n.db" "$file")
        read -r ssecs _ scpu < <(anchor "$file")
        [ "$rss" -gt "$worst_peak" ] && worst_peak=$rss
        printf '%-9d %-12s %9d %8.2f %8.2f %8.1f %9.2f %11.2f %10s %9s\n' "$n" "$shape" "$events" "$secs" "$cpu" \
            "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$ssecs" "$scpu" "$(ratio "$secs" "$ssecs")" "$(ratio "$cpu" "$scpu")"
        # The grouped store of the XES size stays for the exports below.
        if [ "$n" = "$XES_TICKETS" ] && [ "$shape" = grouped ]; then
            mv "$WORK/import-$n.db" "$WORK/xes-source.db"
        fi
        rm -f "$WORK/import-$n.db" "$WORK/import-$n.db-wal" "$WORK/import-$n.db-shm"
    done
done

# XES against canonical CSV: the same events, exported by Baton (XES carries the exact kind as baton:event).
if [ ! -f "$WORK/xes-source.db" ]; then
    csv="$WORK/import-$XES_TICKETS.csv"
    [ -f "$csv" ] || "$BATON" generate --tickets "$XES_TICKETS" --seed 1 --days 365 --out "$csv" 2>/dev/null
    rm -f "$WORK/xes-source.db"
    "$BATON" --db "$WORK/xes-source.db" init >/dev/null
    "$BATON" --db "$WORK/xes-source.db" import "$csv" >/dev/null
fi
xes="$WORK/export-$XES_TICKETS.xes" canonical="$WORK/export-$XES_TICKETS.csv"
rm -f "$xes" "$canonical"
"$BATON" --db "$WORK/xes-source.db" export --format xes --out "$xes" >/dev/null 2>&1
"$BATON" --db "$WORK/xes-source.db" export --format csv --out "$canonical" >/dev/null 2>&1
rm -f "$WORK/xes-source.db" "$WORK/xes-source.db-wal" "$WORK/xes-source.db-shm"
read -r csecs crss ccpu < <(import_into "$WORK/xes-csv.db" "$canonical")
read -r xsecs xrss xcpu < <(import_into "$WORK/xes-xes.db" "$xes")
rm -f "$WORK"/xes-csv.db* "$WORK"/xes-xes.db*
[ "$xrss" -gt "$worst_peak" ] && worst_peak=$xrss
echo
printf '%-9s %-14s %8s %8s %8s\n' tickets format wall_s cpu_s peak_mb
printf '%-9d %-14s %8.2f %8.2f %8.1f\n' "$XES_TICKETS" "canonical CSV" "$csecs" "$ccpu" "$(awk -v r="$crss" 'BEGIN { print r / 1024 }')"
printf '%-9d %-14s %8.2f %8.2f %8.1f\n' "$XES_TICKETS" "XES" "$xsecs" "$xcpu" "$(awk -v r="$xrss" 'BEGIN { print r / 1024 }')"
echo "XES / CSV: wall $(ratio "$xsecs" "$csecs"), cpu $(ratio "$xcpu" "$ccpu")"
echo
echo "peak memory of any import: $(awk -v r="$worst_peak" 'BEGIN { printf "%.1f MB", r / 1024 }')"
echo "goals: import ≤ 1.5× sqlite3 .import (wall) for both shapes, peak memory < 300 MB, XES ≤ 2× canonical CSV"
