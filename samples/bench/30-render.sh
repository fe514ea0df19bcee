#!/usr/bin/env bash
# Rendering benchmark: Baton's XLSX writer against a minimal C program calling libxlsxwriter directly
# (xlsx_limit.c), on the same generated N x 8 table in constant-memory mode. Budget: Baton within 1.5x
# of the C program's rows/s. Peak memory is shown at two sizes to show it does not grow with rows.
#
#   bash samples/bench/30-render.sh BATON_BINARY WORKDIR     (BENCH_XLSX_ROWS=N to change the size)
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2"
ROWS="${BENCH_XLSX_ROWS:-1000000}"
SMALL=$((ROWS / 10))
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$WORK"

cc -O2 -o "$WORK/xlsx_limit" "$HERE/xlsx_limit.c" $(pkg-config --cflags --libs xlsxwriter 2>/dev/null || echo -lxlsxwriter)

# Runs a command under /usr/bin/time; prints "seconds peak_kib".
measure() {
    local log="$WORK/time.log"
    /usr/bin/time -f "%e %M" -o "$log" "$@" >/dev/null
    cat "$log"
}

printf "%-28s %9s %9s %12s %10s\n" "XLSX writer (N x 8)" rows seconds rows/s "peak MiB"
declare -A RATE
for rows in "$SMALL" "$ROWS"; do
    for writer in c baton; do
        out="$WORK/bench-$writer-$rows.xlsx"
        rm -f "$out"
        if [ "$writer" = c ]; then
            read -r secs kib < <(measure "$WORK/xlsx_limit" "$rows" "$out")
            name="C libxlsxwriter (baseline)"
        else
            read -r secs kib < <(measure "$BATON" bench-xlsx --rows "$rows" --out "$out")
            name="baton bench-xlsx"
        fi
        rate=$(awk -v n="$rows" -v s="$secs" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.001) }')
        RATE[$writer-$rows]=$rate
        printf "%-28s %9d %9.2f %12d %10.1f\n" "$name" "$rows" "$secs" "$rate" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')"
        rm -f "$out"
    done
done
awk -v b="${RATE[baton-$ROWS]}" -v c="${RATE[c-$ROWS]}" 'BEGIN {
    r = c / b
    printf "Baton / C time at %s rows: %.2fx (budget 1.5x): %s\n", "'"$ROWS"'", r, (r <= 1.5 ? "within budget" : "OVER BUDGET")
}'

# The weekly report for 1M tickets in each format, on the store samples/bench/20-report.sh builds (make bench
# runs it first): seconds and peak memory of the whole run (queries + one renderer), best of 3.
STORE="$2/report/store-1000000.db"
if [ -f "$STORE" ]; then
    END_ISO="2026-11-23T00:00:00Z"
    FROM=$(date -u -d "$END_ISO - 84 days" +%Y-%m-%dT%H:%M:%SZ)
    echo
    echo "weekly report, 1M-ticket store ($STORE), 12 weeks:"
    for format in csv html xlsx; do
        best="" mem=""
        for _ in 1 2 3; do
            rm -rf "$WORK/weekly-$format"
            read -r secs kib < <(measure "$BATON" --db "$STORE" report weekly --from "$FROM" --to "$END_ISO" --as-of "$END_ISO" \
                                 --format "$format" --out "$WORK/weekly-$format")
            if [ -z "$best" ] || awk "BEGIN {exit !($secs < $best)}"; then best="$secs"; mem="$kib"; fi
        done
        size=$(du -sk "$WORK/weekly-$format" | cut -f1)
        printf "  --format %-5s %7.2f s  %6.0f MB peak  %7.0f KB written\n" "$format" "$best" "$(awk -v k="$mem" 'BEGIN { print k / 1024 }')" "$size"
        rm -rf "$WORK/weekly-$format"
    done
else
    echo "weekly report for 1M tickets per format: skipped, no store at $STORE (run samples/bench/20-report.sh first; make bench does)"
fi
