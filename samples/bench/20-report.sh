#!/usr/bin/env bash
# Benchmark of the report engine (issue 4): seconds and peak memory of `baton report weekly --format csv` and of
# the stalled query alone on stores of 100k and 1M tickets; then the stalled query on two stores with the same
# open work and the same last 90 days, one with 10x the older history (its time must follow open work, not history).
#
# Usage: samples/bench/20-report.sh BATON_BINARY WORKDIR
#
# Stores are built with `baton generate` (the sample service definitions, applied first) and `baton import`, and
# kept in WORKDIR/report between runs. Budget: the weekly report on 1M tickets under 10 s and 500 MB.
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2/report"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$WORK"
END="2026-11-23T00:00:00Z"          # a Monday: the end of every generated history and the reports' as_of
RECENT="2026-08-25"                 # END - 90 days

# import_into DB CSV...: a store with the sample services applied and the logs imported (kept when it exists).
import_into() {
    local db="$1"; shift
    [ -f "$db" ] && return
    "$BATON" --db "$db.tmp" init >/dev/null
    "$BATON" --db "$db.tmp" calendar apply "$ROOT"/samples/calendars/*.json >/dev/null
    "$BATON" --db "$db.tmp" service apply "$ROOT"/samples/services/*.json >/dev/null
    for csv in "$@"; do "$BATON" --db "$db.tmp" import "$csv" >/dev/null; done
    mv "$db.tmp" "$db"; rm -f "$db.tmp-wal" "$db.tmp-shm"
}

# generate OUT TICKETS SEED START DAYS
generate() {
    [ -f "$1" ] || "$BATON" generate --services "$ROOT/samples/services" --tickets "$2" --seed "$3" --start "$4" --days "$5" --out "$1" 2>/dev/null
}

# older_only IN OUT: the tickets of IN that ended (closed or cancelled) before RECENT, renamed H-…, so they add
# history but no open work and nothing inside the last 90 days.
older_only() {
    [ -f "$2" ] && return
    awk -F, -v cut="$RECENT" '
        NR == FNR { if (FNR > 1) { if ($6 >= cut) late[$1] = 1; if ($5 == "closed" || $5 == "cancelled") ended[$1] = 1 } next }
        FNR == 1 { print; next }
        ($1 in ended) && !($1 in late) { sub(/^G-/, "H-"); print }' "$1" "$1" > "$2.tmp"
    mv "$2.tmp" "$2"
}

# measure LABEL COMMAND...: wall seconds and peak resident memory, best of 3 runs.
measure() {
    local label="$1"; shift
    local best="" mem=""
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null
        read -r secs kb < "$WORK/time.txt"
        if [ -z "$best" ] || awk "BEGIN {exit !($secs < $best)}"; then best="$secs"; mem="$kb"; fi
    done
    printf "%-68s %7.2f s  %6.0f MB\n" "$label" "$best" "$(awk "BEGIN {print $mem / 1024}")"
}

describe() {
    local db="$1"
    echo "$(sqlite3 "$db" 'SELECT count(*) FROM tickets') tickets, $(sqlite3 "$db" 'SELECT count(*) FROM step_runs') step runs," \
         "$(sqlite3 "$db" "SELECT count(*) FROM step_runs WHERE state IN ('ready','active','paused')") open runs," \
         "$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE closed_at >= strftime('%s','$END') - 84 * 86400") closed in the 12-week window"
}

for n in 100000 1000000; do
    csv="$WORK/log-$n.csv"; db="$WORK/store-$n.db"
    start=$(date +%s)
    generate "$csv" "$n" 1 2025-11-24 364
    import_into "$db" "$csv"
    echo "store of $n tickets over a year: $(describe "$db") (built in $(( $(date +%s) - start )) s)"
    rm -rf "$WORK/out-$n"
    measure "  baton report weekly --format csv" "$BATON" --db "$db" report weekly --to "$END" --format csv --out "$WORK/out-$n"
    measure "  baton query stalled" "$BATON" --db "$db" query stalled --as-of "$END" --format csv
done

echo "stalled query: the same open work and last 90 days, 10x the older history"
generate "$WORK/recent.csv" 25000 11 "$RECENT" 90
generate "$WORK/older-1x.raw.csv" 25000 12 2026-05-27 90
generate "$WORK/older-10x.raw.csv" 250000 12 2024-03-09 900
older_only "$WORK/older-1x.raw.csv" "$WORK/older-1x.csv"
older_only "$WORK/older-10x.raw.csv" "$WORK/older-10x.csv"
import_into "$WORK/store-older-1x.db" "$WORK/recent.csv" "$WORK/older-1x.csv"
import_into "$WORK/store-older-10x.db" "$WORK/recent.csv" "$WORK/older-10x.csv"
for s in 1x 10x; do
    echo "  older history $s: $(describe "$WORK/store-older-$s.db")"
done
measure "  baton query stalled, older history 1x" "$BATON" --db "$WORK/store-older-1x.db" query stalled --as-of "$END" --format csv
measure "  baton query stalled, older history 10x" "$BATON" --db "$WORK/store-older-10x.db" query stalled --as-of "$END" --format csv
# A past as_of (30 days before the end): open work then is found from the runs ended after it (the done_at index),
# still not from the history before it.
PAST="2026-10-24T00:00:00Z"
measure "  baton query stalled --as-of 30 days earlier, older history 1x" "$BATON" --db "$WORK/store-older-1x.db" query stalled --as-of "$PAST" --format csv
measure "  baton query stalled --as-of 30 days earlier, older history 10x" "$BATON" --db "$WORK/store-older-10x.db" query stalled --as-of "$PAST" --format csv
if cmp -s <("$BATON" --db "$WORK/store-older-1x.db" query stalled --as-of "$END" --format csv) \
          <("$BATON" --db "$WORK/store-older-10x.db" query stalled --as-of "$END" --format csv); then
    echo "  (the two stores report the same stalled rows)"
else
    echo "  NOTE: the two stores report different stalled rows"
fi
