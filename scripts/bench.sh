#!/usr/bin/env bash
# The whole benchmark run, in one go:
#   1. criterion: every case in wall-clock ns and in TSC cycles per byte,
#      peers side by side (target/criterion/, HTML report included);
#   2. callgrind: instructions and estimated cycles per operation
#      (target/bench/callgrind.json), checked against benches/budgets.toml;
#   3. the ratio table and the scaling table, written into README.md
#      between their markers;
#   4. github-action-benchmark JSON (target/bench/dashboard/: callgrind.json
#      alerts, timing.json is published for reading).
#
#   scripts/bench.sh                 # everything (about 8 minutes on 2 cores)
#   scripts/bench.sh 'cycles/dodf'   # criterion on a filter only, then 2-4
#   UPDATE_BUDGETS=1 scripts/bench.sh  # also rewrite the budgets (measured + 8 %)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq valgrind
fi

cargo bench -p scboot-benches --bench throughput -- "${1:-}"
cargo build --profile bench -p scboot-benches --bins
report=target/release/bench-report
$report measure
if [ "${UPDATE_BUDGETS:-0}" = 1 ]; then
    $report update
fi
$report ratios --readme
$report scaling --readme
$report dashboard target/bench/dashboard
$report check --cached
