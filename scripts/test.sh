#!/usr/bin/env bash
# `npm test`: the whole suite. Installs missing system packages and npm packages, then runs lint,
# the type check, every vitest test (unit and integration: real redis-server, real Celery workers),
# the browser tests when present, and prints one summary line: `tests: N passed, M failed[, K skipped]`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh --browser --receivers
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run --silent lint
npm run --silent typecheck
bash scripts/audit.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$tmp/vitest.json" || status=$?

# ---- Browser tests hook -------------------------------------------------------------------------
# tests/browser/run.sh runs the browser tests (system /usr/bin/chromium, never a downloaded browser).
# To be counted in the summary it writes {"passed": N, "failed": M, "skipped": K} to
# $TRELLIS_BROWSER_REPORT (or prints a line `browser: N passed, M failed`). A non-zero exit fails the run.
export TRELLIS_BROWSER_REPORT="$tmp/browser.json"
if [ -f tests/browser/run.sh ]; then bash tests/browser/run.sh 2>&1 | tee "$tmp/browser.log" || status=1; fi
# -------------------------------------------------------------------------------------------------

node - "$tmp" <<'JS' || status=1
const fs = require('fs');
const dir = process.argv[2];
const read = (f) => { try { return JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8')); } catch { return null; } };
let passed = 0, failed = 0, skipped = 0;
const v = read('vitest.json');
if (v) {
  passed += v.numPassedTests || 0;
  failed += (v.numFailedTests || 0) + (v.success === false && !v.numFailedTests ? 1 : 0); // a suite that failed to load
  skipped += (v.numPendingTests || 0) + (v.numTodoTests || 0);
} else {
  console.error('vitest wrote no JSON report');
  failed += 1;
}
const b = read('browser.json');
if (b) {
  passed += b.passed || 0; failed += b.failed || 0; skipped += b.skipped || 0;
} else if (fs.existsSync(`${dir}/browser.log`)) {
  const m = [...fs.readFileSync(`${dir}/browser.log`, 'utf8').matchAll(/^browser: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?/gm)].pop();
  if (m) { passed += Number(m[1]); failed += Number(m[2]); skipped += Number(m[3] || 0); }
}
console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(passed > 0 && failed === 0 ? 0 : 1);
JS
exit $status
