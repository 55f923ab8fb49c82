#!/usr/bin/env bash
# Browser tests: build Trellis, then run tests/browser/*.spec.ts in Debian's Chromium against a real
# stack. Prints a closing line `browser: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
npx next build > /tmp/trellis-browser-build.log 2>&1 || { tail -40 /tmp/trellis-browser-build.log; echo "browser: 0 passed, 1 failed"; exit 1; }
report=$(mktemp)
npx vitest run --config vitest.browser.config.mts --reporter=default --reporter=json --outputFile="$report"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`browser: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$report" || echo "browser: 0 passed, 1 failed"
exit $status
