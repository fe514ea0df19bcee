#!/usr/bin/env bash
# Benchmark of service levels on business calendars (issue 14), printed as ratios in one run:
# - the weekly report on the 1M-ticket store of 20-report.sh with the Berlin office calendar attached to every team,
#   against the same report on the same store without calendars (budget: at most 1.3x), runs alternated, best of 3;
# - 10M calls of working_seconds in SQL (berlin-office, spans up to 3 weeks), against the same query without the
#   function (SQLite's own cost of producing the rows); budget: the calls under 2 s.
#
# Usage: samples/bench/25-service-levels.sh BATON_BINARY WORKDIR  (after 20-report.sh, which builds the store)
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2/report"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
END="2026-11-23T00:00:00Z"
plain="$WORK/store-1000000.db"; cal="$WORK/store-1000000-calendars.db"
[ -f "$plain" ] || { echo "no $plain: run 20-report.sh first"; exit 0; }
if [ ! -f "$cal" ]; then
    cp "$plain" "$cal.tmp"
    for team in $(sqlite3 "$plain" "SELECT key FROM teams ORDER BY key"); do
        printf '{"key": "%s", "name": "%s", "calendar": "berlin-office"}\n' "$team" "$team" > "$WORK/team-$team.json"
    done
    "$BATON" --db "$cal.tmp" team apply "$WORK"/team-*.json >/dev/null
    rm -f "$WORK"/team-*.json
    mv "$cal.tmp" "$cal"
fi
echo "teams with a calendar: $(sqlite3 "$cal" "SELECT count(*) FROM teams WHERE calendar IS NOT NULL") of $(sqlite3 "$cal" "SELECT count(*) FROM teams")"

seconds() { /usr/bin/time -f "%e" -o "$WORK/time.txt" "$@" >/dev/null; cat "$WORK/time.txt"; }
best_plain=""; best_cal=""
for _ in 1 2 3; do
    rm -rf "$WORK/out-sl-plain" "$WORK/out-sl-cal"
    p=$(seconds "$BATON" --db "$plain" report weekly --to "$END" --format csv --out "$WORK/out-sl-plain")
    c=$(seconds "$BATON" --db "$cal" report weekly --to "$END" --format csv --out "$WORK/out-sl-cal")
    if [ -z "$best_plain" ] || awk "BEGIN {exit !($p < $best_plain)}"; then best_plain=$p; fi
    if [ -z "$best_cal" ] || awk "BEGIN {exit !($c < $best_cal)}"; then best_cal=$c; fi
done
printf "  weekly report, 1M tickets, no calendars            %7.2f s\n" "$best_plain"
printf "  weekly report, 1M tickets, every team a calendar   %7.2f s  (%.2fx; budget 1.3x)\n" "$best_cal" "$(awk "BEGIN {print $best_cal / $best_plain}")"

sql() {
    cat > "$WORK/ws.sql" <<SQL
WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 9999999)
SELECT sum($1) AS total FROM c
SQL
    seconds "$BATON" --db "$plain" query "$WORK/ws.sql" --format csv
}
base=$(sql "1767225600 + x * 97 + (x % 1500) * 1237 - (1767225600 + x * 97)")
with=$(sql "working_seconds('berlin-office', 1767225600 + x * 97, 1767225600 + x * 97 + (x % 1500) * 1237)")
printf "  10M rows without the function                      %7.2f s\n" "$base"
printf "  10M working_seconds calls                          %7.2f s  (the calls: %.2f s; budget 2 s)\n" "$with" "$(awk "BEGIN {print $with - $base}")"
