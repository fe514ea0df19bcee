#!/usr/bin/env bash
# `make bench`: runs every benchmark in samples/bench/ in order against the release binary.
# Figures are printed, not asserted; copy them into the README's performance section.
set -euo pipefail
BATON="$(realpath "$1")"
WORK="${BENCH_DIR:-.build/bench}"
mkdir -p "$WORK"
WORK="$(realpath "$WORK")"
echo "Baton benchmarks — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "binary: $BATON"
shopt -s nullglob
for script in samples/bench/*.sh; do
    echo
    echo "== $(basename "$script")"
    bash "$script" "$BATON" "$WORK"
done
