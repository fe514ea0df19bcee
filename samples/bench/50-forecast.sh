#!/usr/bin/env bash
# Benchmark of the forecasts (issue 18): wall seconds, CPU seconds (user + sys) and peak memory of forecasting every
# open ticket (`baton query forecast_tickets`) and every team and service queue (`baton query forecast`), 10,000
# trials each, on the 1M-ticket store with 50,000 open runs that 40-alerts.sh builds (WORKDIR/alerts/1m-50k.db: three
# steps, a third of the open tickets at each), and on the 1M-ticket generated store of 20-report.sh
# (WORKDIR/report/store-1000000.db: the six sample services) when it is there; then the calibration (12 weekly
# forecasts) on each. Budget: tickets + queues under 5 s on the 50k store. Every figure is the best of 3 runs (wall;
# the CPU and memory printed are that run's). The stores are read only.
#
# Usage: samples/bench/50-forecast.sh BATON_BINARY WORKDIR      (`make bench` runs 40-alerts.sh before it)
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export BATON_QUERIES="$ROOT/queries"

# timed DB AS_OF QUERY: "wall cpu max_kb" of one `baton query QUERY` run.
timed() {
    local start end stats
    start=$(date +%s.%N)
    stats=$( { /usr/bin/time -f '%U %S %M' "$BATON" --db "$1" query "$3" --as-of "$2" --format csv >"$WORK/forecast-out.csv"; } 2>&1 )
    end=$(date +%s.%N)
    echo "$start $end $stats" | awk '{printf "%.2f %.2f %d\n", $2 - $1, $3 + $4, $5}'
}

# best DB AS_OF QUERY: the best of 3 runs; sets BEST ("wall cpu max_kb").
best() {
    BEST=""
    for _ in 1 2 3; do
        local t
        t=$(timed "$1" "$2" "$3")
        BEST=$(echo "$t ${BEST:-}" | awk '{if ($4 == "" || $1 < $4) print $1, $2, $3; else print $4, $5, $6}')
    done
}

measure() {
    local db="$1" as_of="$2" label="$3"
    if [ ! -f "$db" ]; then echo "forecast $label: $db not found (run 40-alerts.sh / 20-report.sh first); skipped"; return; fi
    local open
    open=$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE opened_at <= strftime('%s', '$as_of') AND (closed_at IS NULL OR closed_at > strftime('%s', '$as_of')) AND (cancelled_at IS NULL OR cancelled_at > strftime('%s', '$as_of'))")
    best "$db" "$as_of" forecast_tickets; local tickets=$BEST
    local rows=$(( $(wc -l <"$WORK/forecast-out.csv") - 1 ))
    best "$db" "$as_of" forecast; local queues=$BEST
    local nq=$(( $(wc -l <"$WORK/forecast-out.csv") - 1 ))
    printf 'forecast %-16s %6d open tickets: tickets (%d rows) %s s [%s s CPU, %d MB]; queues (%d rows) %s s [%s s CPU, %d MB]\n' \
        "$label" "$open" "$rows" ${tickets% * *} $(echo $tickets | awk '{print $2}') $(( ${tickets##* } / 1024 )) \
        "$nq" ${queues% * *} $(echo $queues | awk '{print $2}') $(( ${queues##* } / 1024 ))
    echo "$tickets $queues" | awk -v l="$label" '{printf "forecast %-16s tickets + queues: %.2f s wall, %.2f s CPU (budget 5 s)\n", l, $1 + $4, $2 + $5}'
    local c
    c=$(timed "$db" "$as_of" forecast_calibration)
    printf 'forecast %-16s calibration, 12 weekly forecasts: %s s [%s s CPU, %d MB]; %s\n' "$label" ${c% * *} \
        $(echo $c | awk '{print $2}') $(( ${c##* } / 1024 )) "$(tail -1 "$WORK/forecast-out.csv")"
}

measure "$WORK/alerts/1m-50k.db" 2026-03-10T12:00:00Z "1m-50k"
measure "$WORK/report/store-1000000.db" 2026-11-23T00:00:00Z "1m-generated"
