#!/usr/bin/env bash
# Page-serving benchmark: requests/s and latency percentiles of a lesson page
# against the home page and /lab, at 100 concurrent clients, in the same run.
#
#   tests/bench/pages.sh [BASE_URL]
#
# Without BASE_URL it starts ./target/release/inference-lab (what `make run`
# serves; build it first with `make server-release`) on a free port with a scratch
# database, and stops it afterwards. Needs wrk (Debian package `wrk`).
# Clients send `Accept-Encoding: gzip`, as browsers do.
#
# Environment: CONNECTIONS (100), DURATION (10s), THREADS (2),
# PAGES ("/ /lessons/timing-inference /lessons/cost-based-selection /lab").
set -euo pipefail

cd "$(dirname "$0")/../.."
CONNECTIONS=${CONNECTIONS:-100}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
PAGES=${PAGES:-"/ /lessons/timing-inference /lessons/cost-based-selection /lab"}
BIN=${INFERENCE_LAB_BIN:-./target/release/inference-lab}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

base=${1:-}
if [ -z "$base" ]; then
  [ -x "$BIN" ] || { echo "$BIN is missing: run make server-release" >&2; exit 1; }
  scratch=$(mktemp -d)
  trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$scratch"' EXIT
  LAB_ADDR=127.0.0.1:0 LAB_DATABASE="$scratch/lab.db" LAB_CONTENT_DIR=content \
    LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-target/site} RUST_LOG=warn XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} \
    LAB_MAX_CONNECTIONS=${LAB_MAX_CONNECTIONS:-1024} \
    "$BIN" > "$scratch/out" 2>"$scratch/err" &
  server=$!
  for _ in $(seq 600); do
    base=$(grep -o 'http://[^ ]*' "$scratch/out" 2>/dev/null | head -1 || true)
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { echo "the server did not start:" >&2; cat "$scratch/err" >&2; exit 1; }
fi

printf '%-34s %9s %9s %9s %9s %10s\n' page "req/s" p50 p90 p99 "bytes(gz)"
for page in $PAGES; do
  url="$base$page"
  size=$(curl -s -H 'Accept-Encoding: gzip' "$url" | wc -c)
  # Warm up (first render of each lesson, adapter enumeration on /lab).
  wrk -t1 -c4 -d2s -H 'Accept-Encoding: gzip' "$url" > /dev/null
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' "$url")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p90=$(awk '$1 == "90%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
  printf '%-34s %9s %9s %9s %9s %10s\n' "$page" "$rps" "$p50" "$p90" "$p99" "$size"
  [ -z "$errors" ] || echo "  $errors"
done
