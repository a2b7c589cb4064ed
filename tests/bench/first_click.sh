#!/usr/bin/env bash
# The first click, as a newcomer lives it: each lab form's default experiment,
# sent as the form (or the JSON API with the same parameters) would send it, to
# a freshly started server (so its cold start counts), then once more warm.
# Prints one line per request: what, first/warm, seconds, HTTP status, load.
#
#   tests/bench/first_click.sh [BIN]     (default ./target/debug/inference-lab)
#
# The sizes are lab_types::Sizing's: the "software" lines are what a software
# adapter's forms start with, the "hardware" lines a hardware GPU's (timed on
# whatever adapter this machine has).
set -euo pipefail

cd "$(dirname "$0")/../.."
BIN=${1:-./target/debug/inference-lab}
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
J=application/json
F=application/x-www-form-urlencoded

run() { # name path content-type body
  local name=$1 path=$2 ctype=$3 body=$4 dir pid url
  dir=$(mktemp -d)
  LAB_ADDR=127.0.0.1:0 LAB_DATABASE=$dir/lab.db RUST_LOG=warn "$BIN" >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 150); do grep -q "serving on" "$dir/out" && break; sleep 0.2; done
  url=$(grep -o 'http://[0-9.:]*' "$dir/out")
  for pass in first warm; do
    echo "$name | $pass | $(curl -s -o /dev/null -w '%{time_total} s %{http_code}' -X POST \
      -H "content-type: $ctype" --data "$body" "$url$path") | load $(cut -d' ' -f1 /proc/loadavg)"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
}

run "/lab Run both, software: medium n=1024 b=64 r=3" /api/experiments $J '{"model":"medium","n":1024,"batch":64,"device":"both","repeats":3}'
run "/lab Run both, hardware: medium n=4096 b=64 r=5" /api/experiments $J '{"model":"medium","n":4096,"batch":64,"device":"both","repeats":5}'
run "n sweep, software: tiny b=32 r=2" /api/experiments/sweeps $J '{"kind":"n","model":"tiny","batch":32,"repeats":2}'
run "n sweep, hardware: tiny b=32 r=3" /api/experiments/sweeps $J '{"kind":"n","model":"tiny","batch":32,"repeats":3}'
run "batch sweep, software and hardware: tiny n=1024 r=3" /api/experiments/sweeps $J '{"kind":"batch","model":"tiny","n":1024,"repeats":3}'
run "timing demo: medium b=256" /api/demos/timing $F 'model=medium&batch=256&dont_know=yes'
run "cost calculator: medium b=256" /api/demos/throughput $F 'model=medium&batch=256&prediction=dont-know'
