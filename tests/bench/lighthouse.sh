#!/usr/bin/env bash
# Lighthouse accessibility scores of the home page, a lesson and /lab, with
# Debian's Chromium (not part of `make test`: Lighthouse is a large npm
# install). Installs Lighthouse into target/lighthouse on first use.
#
#   tests/bench/lighthouse.sh BASE_URL      e.g. http://127.0.0.1:3000 (make run)
set -euo pipefail

cd "$(dirname "$0")/../.."
LIGHTHOUSE_VERSION=12.8.2
base=${1:?usage: tests/bench/lighthouse.sh BASE_URL}
dir=target/lighthouse
if [ ! -x "$dir/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$dir"
  npm install --no-audit --no-fund --prefix "$dir" "lighthouse@$LIGHTHOUSE_VERSION"
fi
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
for scheme in light dark; do
  for page in / /lessons/timing-inference /lessons/cost-based-selection /lab; do
    report="$dir/report-$scheme-$(tr -c 'a-z0-9\n' '-' <<<"${page#/}" | head -c 60).json"
    "$dir/node_modules/.bin/lighthouse" "$base$page" --quiet --only-categories=accessibility \
      --chrome-flags="--headless --no-sandbox --disable-gpu $([ $scheme = dark ] && echo --force-dark-mode)" \
      --output=json --output-path="$report" >/dev/null
    node -e '
      const r = require(process.argv[1]);
      const failed = Object.values(r.audits)
        .filter(a => a.score === 0 && a.scoreDisplayMode === "binary").map(a => a.id);
      console.log(`${process.argv[2].padEnd(6)} ${process.argv[3].padEnd(34)} ${Math.round(r.categories.accessibility.score * 100)}` +
        (failed.length ? `  failed: ${failed.join(", ")}` : ""));
    ' "$PWD/$report" "$scheme" "$page"
  done
done
