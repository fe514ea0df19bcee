#!/usr/bin/env bash
# Builds the demo store and every output from the sample services. Called by `make demo`; safe to re-run.
set -euo pipefail
BATON="$(realpath "$1")"
DEMO="$2"
mkdir -p "$DEMO"
export BATON_DB="$DEMO/baton.db"
rm -f "$BATON_DB" "$BATON_DB-wal" "$BATON_DB-shm"
"$BATON" init
"$BATON" service apply samples/services/*.json
echo
echo "Demo store: $BATON_DB"
"$BATON" service list
