#!/usr/bin/env bash
# `npm test`: the whole suite — lint, type check, unit and integration tests (real redis-server and
# real Celery workers), and the browser tests when present. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh --browser
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run --silent lint
npm run --silent typecheck

report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?

browser_passed=0
browser_failed=0
if [ -f tests/browser/run.sh ]; then
  browser_out=$(mktemp)
  bash tests/browser/run.sh | tee "$browser_out" || status=1
  line=$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed' "$browser_out" | tail -1 || true)
  browser_passed=$(echo "$line" | sed -nE 's/^browser: ([0-9]+) passed.*/\1/p')
  browser_failed=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
fi

summary=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const bp = Number(process.argv[2] || 0), bf = Number(process.argv[3] || 0);
  const passed = r.numPassedTests + bp, failed = r.numFailedTests + bf, skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  process.exit(passed > 0 && failed === 0 ? 0 : 1);
' "$report" "${browser_passed:-0}" "${browser_failed:-0}") || status=1
echo "$summary"
exit $status
