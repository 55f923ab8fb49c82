#!/usr/bin/env bash
# Installs the Debian packages Trellis' demo and tests need when they are missing:
# redis-server, python3-celery, python3-redis (and chromium with --browser).
# Uses apt-get as root or through passwordless sudo; otherwise says exactly what to run.
set -euo pipefail

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
/usr/bin/python3 -c 'import celery' >/dev/null 2>&1 || missing+=(python3-celery)
/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || missing+=(python3-redis)
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Trellis needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Trellis needs: ${missing[*]} (no apt-get here: install them with your package manager)" >&2
  exit 1
fi

echo "Installing ${missing[*]} with apt-get…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package starts a system redis-server on 6379; Trellis' tests start their own.
