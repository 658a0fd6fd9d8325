#!/usr/bin/env bash
# Installs what deploy/test/lint.sh needs: Debian's shellcheck (for the scripts, and used by
# dockerlinter for the Dockerfile's RUN lines) and the dockerlinter npm package exactly as pinned
# by deploy/test/package-lock.json, with --ignore-scripts (no install hooks run). hadolint is not
# installable here. Each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo ".ci/deps/dockerlinter.sh: installing Debian packages ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
cd deploy/test
if [ ! -x node_modules/.bin/dockerlinter ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
