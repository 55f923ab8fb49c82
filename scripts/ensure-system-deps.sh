#!/usr/bin/env bash
# Makes sure the Debian packages Trellis' demo and tests need are installed:
#   redis-server, redis-sentinel (Sentinel tests), python3-celery and python3-redis (for /usr/bin/python3),
#   with --browser chromium, and with --receivers prometheus and prometheus-alertmanager (the alert and
#   metrics tests deliver to and are scraped by the real ones).
# Installs the missing ones with apt-get (update once, then install -y, non-interactive) when running
# as root or with passwordless sudo; otherwise prints the exact command to run and exits 1.
set -euo pipefail

want_browser=0
want_receivers=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --receivers) want_receivers=1 ;;
    *) echo "usage: $0 [--browser] [--receivers]" >&2; exit 2 ;;
  esac
done

missing_packages() {
  local m=()
  command -v redis-server >/dev/null 2>&1 || m+=(redis-server)
  command -v redis-sentinel >/dev/null 2>&1 || m+=(redis-sentinel)
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import celery' >/dev/null 2>&1 || m+=(python3-celery)
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || m+=(python3-redis)
  if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then m+=(chromium); fi
  if [ "$want_receivers" = 1 ]; then
    [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || m+=(prometheus)
    [ -x /usr/bin/prometheus-alertmanager ] || m+=(prometheus-alertmanager)
  fi
  echo "${m[*]:-}"
}

read -r -a missing <<<"$(missing_packages)"
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Trellis needs: ${missing[*]} (Debian/Ubuntu packages; no apt-get on this machine, install them with your package manager)." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "Trellis needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi

echo "Installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${APT[@]}" update -qq
"${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}"

read -r -a still <<<"$(missing_packages)"
if [ ${#still[@]} -ne 0 ]; then
  echo "Still missing after apt-get install: ${still[*]}" >&2
  exit 1
fi
echo "System packages ready."
