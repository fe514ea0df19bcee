#!/usr/bin/env bash
# Benchmark of the report engine (issues 4 and 15): wall seconds, CPU seconds (user + sys) and peak memory of
# `baton report weekly --format csv` and of the stalled query alone on stores of 10k, 100k and 1M tickets, with the
# growth of the weekly report from 100k to 1M tickets; the DuckDB anchor (samples/bench/duckdb_weekly.py: the
# sections without the forecasts computed by DuckDB from a DuckDB file that already holds the 1M-ticket log's events)
# and the ratio Baton / DuckDB on those same sections (Baton runs a copy of weekly.json without its two forecast
# sections; the shipped report's time is printed beside it); then the stalled query on two stores with the same open work and the same last 90 days, one with
# 10x the older history (its time must follow open work, not history).
#
# Usage: samples/bench/20-report.sh BATON_BINARY WORKDIR      (`make bench` runs it with WORKDIR .build/bench)
#
# Stores are built with `baton generate` (the sample service definitions, applied first) and `baton import`, and
# kept in WORKDIR/report between runs. Every figure is the best of 3 runs (wall; the CPU and memory printed are that
# run's). Budgets: the weekly report on 1M tickets under 10 s and 500 MB; growth 100k -> 1M no worse than 11x;
# Baton / DuckDB no more than 1.0x. The DuckDB part is skipped, with a message, when Python's duckdb module is
# missing (`pip install duckdb`). By hand, the anchor alone (it prints its load and section times):
#   python3 samples/bench/duckdb_weekly.py WORKDIR/report/log-1000000.csv --db WORKDIR/report/duck-1000000.duckdb \
#           --out WORKDIR/report/duck-out-1000000 --repeat 3 --compare WORKDIR/report/out-1000000/weekly-2026-W47
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

# measure LABEL COMMAND...: wall seconds, CPU seconds (user + sys) and peak resident memory of the best of 3 runs
# (by wall time); also left in BEST_WALL and BEST_CPU.
measure() {
    local label="$1"; shift
    local best="" cpu="" mem=""
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >/dev/null
        read -r secs user sys kb < "$WORK/time.txt"
        if [ -z "$best" ] || awk "BEGIN {exit !($secs < $best)}"; then
            best="$secs"; cpu="$(awk "BEGIN {print $user + $sys}")"; mem="$kb"
        fi
    done
    BEST_WALL="$best"; BEST_CPU="$cpu"
    printf "%-68s %7.2f s  %7.2f s CPU  %6.0f MB\n" "$label" "$best" "$cpu" "$(awk "BEGIN {print $mem / 1024}")"
}

# ratio A B: A / B with two decimals.
ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
# within VALUE BUDGET: "within" or "OVER".
within() { awk "BEGIN {print ($1 <= $2) ? \"within\" : \"OVER\"}"; }

describe() {
    local db="$1"
    echo "$(sqlite3 "$db" 'SELECT count(*) FROM tickets') tickets, $(sqlite3 "$db" 'SELECT count(*) FROM step_runs') step runs," \
         "$(sqlite3 "$db" "SELECT count(*) FROM step_runs WHERE state IN ('ready','active','paused')") open runs," \
         "$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE closed_at >= strftime('%s','$END') - 84 * 86400") closed in the 12-week window"
}

declare -A REPORT_WALL REPORT_CPU
for n in 10000 100000 1000000; do
    csv="$WORK/log-$n.csv"; db="$WORK/store-$n.db"
    start=$(date +%s)
    generate "$csv" "$n" 1 2025-11-24 364
    import_into "$db" "$csv"
    echo "store of $n tickets over a year: $(describe "$db") (built in $(( $(date +%s) - start )) s)"
    rm -rf "$WORK/out-$n"
    measure "  baton report weekly --format csv" "$BATON" --db "$db" report weekly --to "$END" --format csv --out "$WORK/out-$n"
    REPORT_WALL[$n]="$BEST_WALL"; REPORT_CPU[$n]="$BEST_CPU"
    measure "  baton query stalled" "$BATON" --db "$db" query stalled --as-of "$END" --format csv
done
# The sections DuckDB computes: the weekly report without its two forecast sections (a copy of the definition;
# a path is read as given), for the ratio below on the same work.
same="$WORK/same-sections"
mkdir -p "$same"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["sections"] = [s for s in d["sections"] if not s["key"].startswith("forecast")]
json.dump(d, open(sys.argv[2], "w"), indent=1)' "$ROOT/reports/weekly.json" "$same/weekly.json"
rm -rf "$WORK/out-same-1000000"
measure "  1M, the sections DuckDB computes (no forecast sections)" "$BATON" --db "$WORK/store-1000000.db" \
    report "$same/weekly.json" --to "$END" --format csv --out "$WORK/out-same-1000000"
SAME_WALL="$BEST_WALL"; SAME_CPU="$BEST_CPU"
growth="$(ratio "${REPORT_WALL[1000000]}" "${REPORT_WALL[100000]}")"
echo "weekly report growth, 10k -> 100k: $(ratio "${REPORT_WALL[100000]}" "${REPORT_WALL[10000]}")x wall," \
     "$(ratio "${REPORT_CPU[100000]}" "${REPORT_CPU[10000]}")x CPU"
echo "weekly report growth, 100k -> 1M: ${growth}x wall, $(ratio "${REPORT_CPU[1000000]}" "${REPORT_CPU[100000]}")x CPU" \
     "(budget <= 11x: $(within "$growth" 11))"

# The DuckDB anchor on the same 1M-ticket log: the events loaded into a DuckDB file once (not counted), then the
# weekly report's sections computed from it (best of 3), checked against Baton's CSVs of the run above.
echo "DuckDB anchor: the weekly report's sections from a DuckDB file holding the 1M-ticket log's events"
if python3 -c 'import duckdb' 2>/dev/null; then
    duck_log="$WORK/duck-1000000.txt"
    if python3 "$ROOT/samples/bench/duckdb_weekly.py" "$WORK/log-1000000.csv" --db "$WORK/duck-1000000.duckdb" \
            --out "$WORK/duck-out-1000000" --to "$END" --repeat 3 --compare "$WORK/out-same-1000000/weekly-2026-W47" > "$duck_log"; then
        agreement="every count agrees with Baton's CSVs"
    else
        agreement="SOME COUNTS DIFFER from Baton's CSVs (see $duck_log)"
    fi
    result="$(grep '^RESULT ' "$duck_log")"
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$result"; }
    if [ "$(field load_wall)" = reused ]; then
        printf "  %-66s %s\n" "load CSV -> DuckDB file (not counted)" "kept from an earlier run: $(grep '^load:' "$duck_log" | sed 's/^load: //')"
    else
        printf "  %-66s %7.2f s  %7.2f s CPU\n" "load CSV -> DuckDB file (not counted)" "$(field load_wall)" "$(field load_cpu)"
    fi
    duck_wall="$(field sections_wall)"; duck_cpu="$(field sections_cpu)"
    printf "  %-66s %7.2f s  %7.2f s CPU   (%s)\n" "sections (the anchor)" "$duck_wall" "$duck_cpu" "$agreement"
    vs="$(ratio "$SAME_WALL" "$duck_wall")"
    echo "weekly report on 1M tickets, the same sections, Baton / DuckDB: ${vs}x wall, $(ratio "$SAME_CPU" "$duck_cpu")x CPU" \
         "(budget <= 1.0x: $(within "$vs" 1.0))"
    echo "  the shipped weekly report (with the forecast sections DuckDB does not compute) / DuckDB:" \
         "$(ratio "${REPORT_WALL[1000000]}" "$duck_wall")x wall"
else
    echo "  SKIPPED: Python's duckdb module is missing (pip install duckdb; \`make bench\` installs it)"
fi

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
