#!/usr/bin/env bash
# `npm start`: Next.js on TRELLIS_HOST (default 127.0.0.1, loopback only) and PORT (default 3000).
# Listening on every interface is a choice: TRELLIS_HOST=0.0.0.0 (then set TRELLIS_ALLOWED_HOSTS
# to the names Trellis is reached at). config.ts validates both when the server starts.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_MANUAL_SIG_HANDLE=true
exec npx next start -H "${TRELLIS_HOST:-127.0.0.1}" -p "${PORT:-3000}" "$@"
