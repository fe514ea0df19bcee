#!/usr/bin/env bash
# `make demo`: a realistic demo store and every output, from the sample services and a generated history.
# Deterministic (fixed seed and dates) and safe to re-run: the demo folder is rebuilt from scratch each time.
set -euo pipefail
BATON="$(realpath "$1")"
DEMO="$2"
AS_OF="2026-11-23T00:00:00Z"   # a Monday: the weekly report covers the 12 ISO weeks before it
SHARED_DATA="$(dirname "$(realpath .)")/shared/data"
started=$SECONDS

rm -rf "$DEMO"
mkdir -p "$DEMO/reports" "$DEMO/alerts"
DEMO="$(realpath "$DEMO")"
export BATON_DB="$DEMO/baton.db"

step() { printf '\n== %s\n' "$*"; }

step "Store and services"
"$BATON" init
"$BATON" calendar apply samples/calendars/*.json
"$BATON" team apply samples/teams/*.json          # it, hr and facilities work Berlin office hours
"$BATON" service apply samples/services/*.json

step "History: six months of generated tickets for the sample services"
"$BATON" generate --tickets 3000 --seed 7 --start 2026-06-01 --days 180 --services samples/services --out "$DEMO/history.csv"
"$BATON" import "$DEMO/history.csv"

step "The walkthrough's hand-written log"
"$BATON" import samples/walkthrough.csv

step "Version 2 of onboarding automates IT access (samples/automation/onboarding.json); its tickets from October on"
"$BATON" service apply samples/automation/onboarding.json
# Generated with the new version's steps; ticket ids A-… so they do not meet the history's G-….
"$BATON" generate --tickets 150 --seed 8 --start 2026-10-05 --days 45 --services samples/automation --out "$DEMO/automated.csv"
sed 's/^G-/A-/' "$DEMO/automated.csv" > "$DEMO/automated-renamed.csv" && mv "$DEMO/automated-renamed.csv" "$DEMO/automated.csv"
"$BATON" import "$DEMO/automated.csv"

step "Reports (HTML, XLSX, CSV) as of $AS_OF"
for report in weekly team-load automation-readiness process; do
    "$BATON" report "$report" --as-of "$AS_OF" --format csv,html,xlsx --out "$DEMO/reports" >/dev/null
done

step "Stalled-steps alert file in every format"
for format in json txt prom; do
    "$BATON" alerts --as-of "$AS_OF" --out "$DEMO/alerts/alerts.$format"
done

step "Static site as of $AS_OF (open work, team queues, a private page per open ticket, alerts)"
site_index=$("$BATON" site --out "$DEMO/site" --as-of "$AS_OF" --list-service laptop-repair)

if [ -f "$SHARED_DATA/bpic2013_incidents.xes.gz" ]; then
    step "Real data: BPI Challenge 2013 incidents (Volvo IT), imported through a profile"
    BATON_DB="$DEMO/bpic2013.db" "$BATON" init >/dev/null
    BATON_DB="$DEMO/bpic2013.db" "$BATON" import "$SHARED_DATA/bpic2013_incidents.xes.gz" --profile samples/profiles/bpic2013-incidents.json
    BATON_DB="$DEMO/bpic2013.db" "$BATON" report weekly --from 2012-02-27T00:00:00Z --to 2012-05-21T00:00:00Z \
        --format csv,html,xlsx --out "$DEMO/reports/bpic2013" >/dev/null
else
    step "Real data: $SHARED_DATA not found; skipping the BPI Challenge 2013 import"
fi

step "Where everything is"
echo "store:   $BATON_DB"
find "$DEMO/reports" -name report.html | sort | sed 's/^/report:  /'
ls "$DEMO"/alerts/* | sed 's/^/alerts:  /'
echo "site:    $site_index"
weekly=$(find "$DEMO/reports" -maxdepth 1 -type d -name 'weekly-*' | sort | head -1)
echo
echo "Headlines of the last week ($(basename "$weekly")):"
tail -n +2 "$weekly/headlines.csv" | tr -d '\r' | awk -F, '{ v = $4; p = $5; f = ($3 == "count") ? "%.0f" : "%.1f h"
    if ($3 == "ratio") { f = "%.0f %%"; v *= 100; p *= 100 }
    printf "  %-22s " f "  (previous week " f ")\n", $2, v, p }'
echo "  Stalled steps now:     $(grep -c '^stalled' "$DEMO/alerts/alerts.txt" || true)"
echo "  At risk now:           $(grep -c '^at_risk' "$DEMO/alerts/alerts.txt" || true)"
# The weekend: open runs of Berlin-office teams past their target in wall-clock time but not in working time.
weekend=$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(sum(1 for r in rows if r["calendar"] == "berlin-office" and r["target_hours"] and r["state"] != "paused"
          and float(r["active_age_hours"]) > float(r["target_hours"]) >= float(r["working_age_hours"])))' "$weekly/aging.csv" 2>/dev/null || echo "?")
echo "  Past target on the clock, not in office hours (no alert): $weekend"
echo
echo "Open $weekly/report.html in a browser. Demo built in $((SECONDS - started)) s."
