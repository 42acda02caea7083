#!/bin/sh
# Installs the browser test's driver (playwright-core, exactly as package-lock.json pins it) before DashboardIT
# runs; mvn verify calls it in the pre-integration-test phase. No browser is downloaded: the test drives the
# system's Chromium. Anything missing FAILS the build here, saying how to install it.
set -eu
case $0 in */*) cd "${0%/*}" ;; esac
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

missing=""
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing="Node.js 20+ with npm (Debian 13 / Ubuntu 24.04: apt-get install nodejs npm; Debian 12: NodeSource's"
  missing="$missing nodejs 20 package, https://github.com/nodesource/distributions)"
else
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    missing="Node.js 20+ (found $(node --version); Debian 12's is 18: use NodeSource's nodejs 20 package)"
  fi
fi
if [ ! -x "$CHROMIUM" ]; then
  missing="${missing:+$missing; }Chromium at $CHROMIUM (Debian/Ubuntu: apt-get install chromium; or set CHROMIUM"
  missing="$missing to its path)"
fi
if [ -n "$missing" ]; then
  echo "The browser test (server DashboardIT) needs: $missing. .ci/run installs them on Debian/Ubuntu." >&2
  exit 1
fi

# npm ci empties node_modules and reinstalls; skip it when node_modules was installed from this very lock file.
if [ -f node_modules/.package-lock.json ] && [ -d node_modules/playwright-core ] \
    && [ -z "$(find package-lock.json package.json -newer node_modules/.package-lock.json)" ]; then
  exit 0
fi
exec npm ci --prefer-offline --no-audit --no-fund --loglevel=error
