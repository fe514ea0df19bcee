#!/usr/bin/env bash
# The static site on a 1M-ticket store with 50,000 open tickets (40-alerts.sh's 1m-50k store: 1M closed tickets over
# three years, 50,000 open, one open run each): a full build from nothing, a full build again (the alert cache warm),
# a rebuild with nothing changed, a rebuild after 100 changed tickets (their open step started, written straight
# into the projections as the store itself was), and a cron rebuild 10 minutes later. Seconds are wall time; user+sys
# CPU and peak memory in brackets. Budgets: a full build < 30 s, a rebuild after 100 changed tickets < 3 s.
# The second full build goes to a new --out, not to the first one's folder deleted just before: on ext4 without a
# journal, for 1-6 minutes after files are deleted each new inode is found by scanning past every recently freed
# one (fs/ext4/ialloc.c, recently_deleted), so 50,000 pages written right after `rm -rf` of 50,000 took 45-57 s of
# system time, and a plain Python loop writing the same files 42.6 s against 8.9 s (the kernel's cost, not Baton's).
# For the same reason the sites are deleted when the script ends (and leftovers of an interrupted run when it starts):
# a run right after another one, or right after deleting a site, measures the file system.
# Usage: samples/bench/60-site.sh BATON_BINARY WORKDIR   (reuses WORKDIR/alerts/1m-50k.db, else runs 40-alerts.sh)
set -euo pipefail
BATON="$(realpath "$1")"
WORK="$2/site"
AS_OF=2026-03-10T12:00:00Z
AS_OF_S=$(date -u -d "$AS_OF" +%s)
LATER=$(date -u -d "@$((AS_OF_S + 600))" +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$WORK"
if [ ! -f "$2/alerts/1m-50k.db" ]; then
    bash "$(dirname "$0")/40-alerts.sh" "$BATON" "$2" >/dev/null
fi
rm -rf "$WORK/www" "$WORK/.www.builds" "$WORK/fresh" "$WORK/store.db"*
cp "$2/alerts/1m-50k.db" "$WORK/store.db"

# timed LABEL AS_OF [OUT]: one `baton site` run; prints the label, wall, CPU, peak RSS and what it wrote.
timed() {
    local start end stats
    start=$(date +%s.%N)
    stats=$( { /usr/bin/time -f '%U %S %M' env BATON_DB="$WORK/store.db" "$BATON" site --verbose --out "${3:-$OUT}" --as-of "$2" >/dev/null; } 2>&1 )
    end=$(date +%s.%N)
    local summary=${stats%$'\n'*} usage=${stats##*$'\n'}
    echo "$start $end $usage" | awk -v l="$1" -v s="${summary#baton site: }" '{printf "site %-42s %6.2f s [%.2f s CPU, %.2f of it system, %d MB]  %s\n", l, $2 - $1, $3 + $4, $4, $5 / 1024, s}'
}

open=$(sqlite3 "$WORK/store.db" "SELECT count(*) FROM tickets WHERE state = 'open'")
tickets=$(sqlite3 "$WORK/store.db" "SELECT count(*) FROM tickets")
echo "store: $tickets tickets, $open open, as of $AS_OF"
OUT="$WORK/www"
timed "full build (first: fills the alert cache)" "$AS_OF"
OUT="$WORK/fresh/www"
mkdir -p "$WORK/fresh"
timed "full build from nothing" "$AS_OF"
timed "rebuild, nothing changed" "$AS_OF"
# Three times, 100 other tickets each time (the spread on a shared machine is a few tenths of a second).
for n in 1 2 3; do
    sqlite3 "$WORK/store.db" "UPDATE step_runs SET state = 'active', started_at = $AS_OF_S - 1800
        WHERE id IN (SELECT id FROM step_runs WHERE state = 'ready' AND ticket_id LIKE 'O-%' ORDER BY id LIMIT 100)"
    timed "rebuild after 100 changed tickets ($n)" "$AS_OF"
done
timed "rebuild 10 minutes later (cron)" "$LATER"
du -sh "$OUT/" | awk '{print "site size: " $1}'
# The next run starts on a file system that has had time to forget these inodes (see above).
rm -rf "$WORK/www" "$WORK/.www.builds" "$WORK/fresh"
