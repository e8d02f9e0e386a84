#!/usr/bin/env bash
# Installs what goka-ts needs on a fresh Debian machine with Node 20, then the workspace's packages.
# Used by the README's commands and by .ci/run. Safe to run again: it only adds what is missing.
#   GOKA_SKIP_SYSTEM=1  skip apt packages (install them yourself; see README "Requirements")
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if [ "${GOKA_SKIP_SYSTEM:-}" != 1 ] && command -v apt-get >/dev/null; then
  need=()
  command -v java >/dev/null || need+=(openjdk-17-jre-headless)   # the local Kafka broker
  command -v mvn >/dev/null || need+=(maven)                      # fetches the broker's jars
  command -v redis-server >/dev/null || need+=(redis-server)
  # librdkafka (for @goka-ts/confluent) is built against the system libraries, no downloads needed.
  for p in zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev g++ make python3; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  # @goka-ts/web's tests drive a real browser (playwright-core cannot download one here).
  command -v chromium >/dev/null || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "install: apt packages ${need[*]}" >&2
    ($sudo apt-get update -q || true) >/dev/null
    $sudo apt-get install -y -q "${need[@]}" >/dev/null
  fi
fi

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null || [ "$(pnpm -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "install: pnpm $PNPM_VERSION" >&2
  npm i -g "pnpm@$PNPM_VERSION" >/dev/null
fi

# Build librdkafka against the system libraries rather than downloading them, and use the
# installed Node headers when there are any (node-gyp would otherwise download them).
export CKJS_LINKING=dynamic
if [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
pnpm install --frozen-lockfile
